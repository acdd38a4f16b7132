//! Checking a token a mail client presents (SASL XOAUTH2 or OAUTHBEARER):
//! only tokens for the API graphgate's own app registration exposes, and
//! only after checking them here, as Microsoft's access-token guidance asks
//! of a web API: the signature against the tenant's published keys (by
//! `kid`), the issuer for the token's version, the tenant, the audience,
//! the lifetime and the delegated scope. Tokens for Graph or Exchange are
//! refused: they are not meant for graphgate, and only their own service
//! can check them.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Mutex;

use super::flows::Oauth;
use super::jwks::{Metadata, SigningKeys};
use crate::config::OauthSection;

/// Clock difference allowed for `exp` and `nbf`.
const CLOCK_SKEW_S: i64 = 60;
/// A token naming a key not seen yet fetches the keys again, at most this
/// often (a stream of forged `kid`s costs Microsoft one request per period).
const UNKNOWN_KID_REFETCH: Duration = Duration::from_secs(10);

/// Who a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUser {
    /// The tenant (`tid`).
    pub tenant: String,
    /// The user's object id in the tenant (`oid`).
    pub object_id: String,
    /// The user's name (`upn`, `preferred_username` or `unique_name`),
    /// lower case.
    pub name: String,
    /// The client app that asked for the token (`azp` or `appid`).
    pub client: String,
    /// When the token expires (Unix time).
    pub expires_at: i64,
}

/// Why a token is refused, with RFC 6750's error code for the challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Not a token graphgate accepts: `invalid_token`.
    Invalid(String),
    /// A good token without the gateway's scope: `insufficient_scope`.
    Scope(String),
    /// The keys or metadata could not be had: try again later.
    Unavailable(String),
}

impl Rejection {
    /// The sentence for the client and the audit.
    pub fn reason(&self) -> &str {
        match self {
            Rejection::Invalid(r) | Rejection::Scope(r) | Rejection::Unavailable(r) => r,
        }
    }
}

struct Cache {
    v2: Option<(Metadata, Instant)>,
    v1: Option<(Metadata, Instant)>,
    keys: Option<SigningKeys>,
    /// When a token naming an unknown key last made us fetch the keys.
    unknown_kid_fetch: Option<Instant>,
}

/// Checks tokens for the app's API; keeps the tenant's metadata and keys.
pub struct BearerVerifier {
    oauth: Oauth,
    scope: String,
    audiences: Vec<String>,
    /// Configured tenants (`[oauth] tenants`); empty: the metadata's.
    tenants: Vec<String>,
    keep: Duration,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for BearerVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerVerifier")
            .field("scope", &self.scope)
            .field("audiences", &self.audiences)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default, serde::Deserialize)]
struct Claims {
    #[serde(default)]
    aud: Value,
    #[serde(default)]
    iss: String,
    #[serde(default)]
    tid: String,
    #[serde(default)]
    oid: String,
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    nbf: Option<i64>,
    #[serde(default)]
    scp: Option<String>,
    #[serde(default)]
    idtyp: Option<String>,
    #[serde(default)]
    ver: String,
    #[serde(default)]
    upn: Option<String>,
    #[serde(default)]
    preferred_username: Option<String>,
    #[serde(default)]
    unique_name: Option<String>,
    #[serde(default)]
    azp: Option<String>,
    #[serde(default)]
    appid: Option<String>,
}

fn invalid(text: impl Into<String>) -> Rejection {
    Rejection::Invalid(text.into())
}

impl BearerVerifier {
    pub fn new(oauth: Oauth, section: &OauthSection) -> BearerVerifier {
        BearerVerifier {
            audiences: section.accepted_audiences(&oauth.client_id),
            scope: section.scope.trim().to_string(),
            tenants: section
                .tenants
                .iter()
                .map(|t| t.trim().to_ascii_lowercase())
                .filter(|t| !t.is_empty())
                .collect(),
            keep: Duration::from_secs(section.keys_cache_s),
            oauth,
            cache: Mutex::new(Cache {
                v2: None,
                v1: None,
                keys: None,
                unknown_kid_fetch: None,
            }),
        }
    }

    /// The scope a token must carry, in full (`api://{client id}/Mail.Gateway`),
    /// as the failure challenge names it.
    pub fn scope_uri(&self) -> String {
        let audience = self
            .audiences
            .iter()
            .find(|a| a.contains("://"))
            .or(self.audiences.first())
            .map_or("", String::as_str);
        format!("{}/{}", audience.trim_end_matches('/'), self.scope)
    }

    /// Where the tenant's OpenID configuration is (for the challenge).
    pub fn openid_configuration(&self) -> String {
        Metadata::url(&self.oauth.authority(), true)
    }

    /// The app whose tokens these checks accept as the on-behalf-of caller.
    pub fn oauth(&self) -> &Oauth {
        &self.oauth
    }

    /// Check `token`; who it speaks for, or why it is refused.
    pub async fn verify(&self, token: &str, now: i64) -> Result<TokenUser, Rejection> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid("the token is not a JSON Web Token"))?;
        if header.alg != jsonwebtoken::Algorithm::RS256 {
            return Err(invalid(format!(
                "the token is signed with {:?}, not with the tenant's RS256 keys: it is not a token for graphgate's API",
                header.alg
            )));
        }
        let Some(kid) = header.kid.as_deref().or(header.x5t.as_deref()) else {
            return Err(invalid("the token names no signing key (kid)"));
        };
        let key = self.key(kid).await?;
        let claims = check_signature(token, &key.decoding)?;
        let v2 = match claims.ver.as_str() {
            "2.0" => true,
            "1.0" => false,
            other => return Err(invalid(format!("unknown token version {other:?}"))),
        };
        let tenant = claims.tid.to_ascii_lowercase();
        let meta = self.metadata(v2).await?;
        let allowed = self.allowed_tenants(&meta);
        if !allowed.contains(&tenant) {
            return Err(invalid(format!(
                "the token is from tenant {tenant}, which may not sign in here (oauth.tenants)"
            )));
        }
        let issuer = meta.issuer_for(&tenant);
        if claims.iss != issuer {
            return Err(invalid(format!(
                "the token was issued by {}, not by the tenant ({issuer})",
                claims.iss
            )));
        }
        // Microsoft's keys say which issuer they sign for; a key of another
        // tenant's app must not vouch for this one.
        if v2
            && let Some(key_issuer) = &key.issuer
            && key_issuer.replace("{tenantid}", &tenant) != claims.iss
        {
            return Err(invalid("the token's signing key is not the tenant's"));
        }
        let audience = match &claims.aud {
            Value::String(a) => vec![a.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            _ => Vec::new(),
        };
        if !audience.iter().any(|a| {
            self.audiences.iter().any(|ok| {
                ok.trim_end_matches('/')
                    .eq_ignore_ascii_case(a.trim_end_matches('/'))
            })
        }) {
            return Err(invalid(format!(
                "the token is for {}, not for graphgate ({}): ask for the scope {}",
                audience.join(" "),
                self.audiences.join(" or "),
                self.scope_uri()
            )));
        }
        let Some(exp) = claims.exp else {
            return Err(invalid("the token has no expiry (exp)"));
        };
        if now > exp + CLOCK_SKEW_S {
            return Err(invalid("the token has expired"));
        }
        if claims.nbf.is_some_and(|nbf| now + CLOCK_SKEW_S < nbf) {
            return Err(invalid("the token is not valid yet (nbf)"));
        }
        // Delegated tokens always carry `scp`; `idtyp` is an optional claim.
        let app_only = claims.idtyp.as_deref() == Some("app") || claims.scp.is_none();
        if app_only {
            return Err(invalid(
                "an app-only token cannot sign in to a mailbox: the client must get a token as a user",
            ));
        }
        let scopes = claims.scp.as_deref().unwrap_or_default();
        if !scopes
            .split_whitespace()
            .any(|s| s.eq_ignore_ascii_case(&self.scope))
        {
            return Err(Rejection::Scope(format!(
                "the token lacks the scope {}",
                self.scope_uri()
            )));
        }
        let name = [&claims.upn, &claims.preferred_username, &claims.unique_name]
            .into_iter()
            .flatten()
            .map(|n| n.trim())
            .find(|n| !n.is_empty())
            .map(str::to_ascii_lowercase);
        let Some(name) = name else {
            return Err(invalid(
                "the token names no user (upn or preferred_username; ask for the profile scope)",
            ));
        };
        if claims.oid.is_empty() {
            return Err(invalid("the token names no user object (oid)"));
        }
        Ok(TokenUser {
            tenant,
            object_id: claims.oid.to_ascii_lowercase(),
            name,
            client: claims.azp.or(claims.appid).unwrap_or_default(),
            expires_at: exp,
        })
    }

    fn allowed_tenants(&self, meta: &Metadata) -> HashSet<String> {
        if !self.tenants.is_empty() {
            return self.tenants.iter().cloned().collect();
        }
        meta.tenant().into_iter().collect()
    }

    /// The metadata document for v2.0 (or v1.0) tokens, fetched when
    /// missing or older than the keys' keeping time.
    async fn metadata(&self, v2: bool) -> Result<Metadata, Rejection> {
        let mut cache = self.cache.lock().await;
        let slot = if v2 { &mut cache.v2 } else { &mut cache.v1 };
        if let Some((meta, at)) = slot
            && at.elapsed() < self.keep
        {
            return Ok(meta.clone());
        }
        let meta = Metadata::fetch(self.oauth.http(), &self.oauth.authority(), v2)
            .await
            .map_err(Rejection::Unavailable)?;
        *slot = Some((meta.clone(), Instant::now()));
        Ok(meta)
    }

    /// The published key `kid`: from the cache while it is fresh, else
    /// (or when `kid` is not in it, at most every few seconds) fetched.
    async fn key(&self, kid: &str) -> Result<super::jwks::SigningKey, Rejection> {
        let jwks_uri = self.metadata(true).await?.jwks_uri;
        let mut cache = self.cache.lock().await;
        let stale = cache
            .keys
            .as_ref()
            .is_none_or(|k| k.fetched.elapsed() >= self.keep);
        let missing = cache.keys.as_ref().is_some_and(|k| k.get(kid).is_none());
        let may_refetch = cache
            .unknown_kid_fetch
            .is_none_or(|at| at.elapsed() >= UNKNOWN_KID_REFETCH);
        if stale || (missing && may_refetch) {
            if !stale {
                cache.unknown_kid_fetch = Some(Instant::now());
            }
            match SigningKeys::fetch(self.oauth.http(), &jwks_uri).await {
                Ok(keys) => cache.keys = Some(keys),
                // Keys still held serve until they are fetched again.
                Err(e) if cache.keys.is_none() => return Err(Rejection::Unavailable(e)),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot fetch the tenant's signing keys again")
                }
            }
        }
        cache
            .keys
            .as_ref()
            .and_then(|k| k.get(kid))
            .cloned()
            .ok_or_else(|| invalid("the token is signed with a key the tenant does not publish"))
    }
}

/// The claims of `token` if `key` signed it (lifetime and audience are
/// checked afterwards, with reasons of their own).
fn check_signature(token: &str, key: &jsonwebtoken::DecodingKey) -> Result<Claims, Rejection> {
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    jsonwebtoken::decode::<Claims>(token, key, &v)
        .map(|d| d.claims)
        .map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::InvalidSignature => invalid("the token's signature is wrong"),
                _ => invalid("the token's claims cannot be read"),
            }
        })
}
