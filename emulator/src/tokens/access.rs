//! Access tokens shaped like Entra's v1 Graph tokens (HS256 JWTs with `scp`
//! for a signed-in user or `roles` for an app), and the check Graph makes of
//! a bearer token: signature, lifetime, audience, tenant, and that its user
//! or app still exists.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::directory::{Directory, OIDC_SCOPES};

use super::keys::{TokenKeys, random_id, sign_jwt};

/// The `aud` of every access token: Microsoft Graph.
const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
/// Graph's application id, which Entra also accepts as its audience.
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Who a valid access token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A user signed in to an app; `scopes` in short form (`Mail.ReadWrite`).
    Delegated {
        /// The app the user signed in to.
        client_id: String,
        /// The user's object id.
        user: Uuid,
        /// The delegated scopes granted.
        scopes: BTreeSet<String>,
    },
    /// The app itself (client credentials); `roles` as consented (`Mail.Send`).
    App {
        /// The app.
        client_id: String,
        /// The application permissions granted.
        roles: BTreeSet<String>,
    },
}

impl Principal {
    pub(crate) fn client_id(&self) -> &str {
        match self {
            Principal::Delegated { client_id, .. } | Principal::App { client_id, .. } => client_id,
        }
    }
}

/// Why Graph refuses a bearer token (all 401 InvalidAuthenticationToken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRejection {
    /// No token at all.
    Missing,
    /// Not a well-formed JWT, or not an access token for a user or an app.
    Malformed,
    /// Past its `exp` (or before its `nbf`).
    Expired,
    /// Not signed with the tenant's key, or for a user, app or tenant that
    /// does not exist (Graph answers both the same way).
    BadSignature,
    /// Not meant for Microsoft Graph.
    WrongAudience,
}

impl TokenRejection {
    /// Graph's message for this rejection.
    pub(crate) fn message(&self) -> &'static str {
        match self {
            TokenRejection::Missing => "Access token is empty.",
            TokenRejection::Malformed => "IDX14100: JWT is not well formed, there are no dots (.).",
            TokenRejection::Expired => "Lifetime validation failed, the token is expired.",
            TokenRejection::BadSignature => "Access token validation failure. Invalid signature.",
            TokenRejection::WrongAudience => "Access token validation failure. Invalid audience.",
        }
    }
}

/// The claims of an access token, as Entra puts them in a v1 Graph token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct AccessClaims {
    pub(super) aud: String,
    pub(super) iss: String,
    pub(super) iat: i64,
    pub(super) nbf: i64,
    pub(super) exp: i64,
    pub(super) tid: Uuid,
    /// The user's object id, or the app's service principal id (app-only).
    pub(super) oid: Uuid,
    pub(super) sub: String,
    pub(super) appid: String,
    pub(super) app_displayname: String,
    /// `user` or `app`.
    pub(super) idtyp: String,
    pub(super) ver: String,
    pub(super) uti: String,
    /// Delegated: space-separated short scopes (OIDC ones included, as Entra does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) scp: Option<String>,
    /// App-only: the application permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) upn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) unique_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) name: Option<String>,
}

/// The stable object id of an app's service principal in this tenant
/// (the `oid` of its app-only tokens).
pub fn service_principal_id(tenant_id: Uuid, client_id: &str) -> Uuid {
    let mut h = sha1::Sha1::new();
    h.update(tenant_id.as_bytes());
    h.update(client_id.to_ascii_lowercase().as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes).into_uuid()
}

fn is_oidc(scope: &str) -> bool {
    OIDC_SCOPES.iter().any(|s| s.eq_ignore_ascii_case(scope))
}

/// The `scp` claim: resource scopes first (sorted), then OIDC scopes in
/// Entra's order; `offline_access` never appears in an access token.
fn scp_claim(scopes: &BTreeSet<String>) -> String {
    let mut out: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !is_oidc(s))
        .collect();
    for oidc in ["openid", "profile", "email"] {
        if scopes.iter().any(|s| s.eq_ignore_ascii_case(oidc)) {
            out.push(oidc);
        }
    }
    out.join(" ")
}

/// Issue an access token for `principal`, valid `lifetime_s` seconds from `now`.
pub(crate) fn issue_access_token(
    keys: &TokenKeys,
    dir: &Directory,
    principal: &Principal,
    lifetime_s: u64,
    now: i64,
) -> String {
    let client_id = principal.client_id();
    let app_name = dir
        .app(client_id)
        .map(|a| a.display_name.clone())
        .unwrap_or_default();
    let exp = now.saturating_add(i64::try_from(lifetime_s).unwrap_or(i64::MAX));
    let mut claims = AccessClaims {
        aud: GRAPH_AUDIENCE.to_string(),
        iss: format!("https://sts.windows.net/{}/", dir.tenant_id),
        iat: now,
        nbf: now,
        exp,
        tid: dir.tenant_id,
        oid: Uuid::nil(),
        sub: String::new(),
        appid: client_id.to_string(),
        app_displayname: app_name,
        idtyp: String::new(),
        ver: "1.0".to_string(),
        uti: random_id(16),
        scp: None,
        roles: None,
        upn: None,
        unique_name: None,
        name: None,
    };
    match principal {
        Principal::Delegated { user, scopes, .. } => {
            let u = dir.user_by_oid(*user);
            claims.idtyp = "user".into();
            claims.oid = *user;
            claims.sub = pairwise_subject(*user, client_id);
            claims.scp = Some(scp_claim(scopes));
            claims.upn = u.map(|u| u.upn.clone());
            claims.unique_name = claims.upn.clone();
            claims.name = u.map(|u| u.display_name.clone());
        }
        Principal::App { roles, .. } => {
            let sp = service_principal_id(dir.tenant_id, client_id);
            claims.idtyp = "app".into();
            claims.oid = sp;
            claims.sub = sp.to_string();
            // Entra leaves `roles` out when the app has none.
            claims.roles = (!roles.is_empty()).then(|| roles.iter().cloned().collect());
        }
    }
    sign_jwt(&keys.access, &claims)
}

/// Entra's `sub` is pairwise: stable per (user, app), different across apps.
pub(crate) fn pairwise_subject(user: Uuid, client_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(user.as_bytes());
    h.update(client_id.to_ascii_lowercase().as_bytes());
    URL_SAFE_NO_PAD.encode(&h.finalize()[..32])
}

/// Check an access token's signature (only) and return its claims.
pub(super) fn read_access_claims(
    keys: &TokenKeys,
    token: &str,
) -> Result<AccessClaims, TokenRejection> {
    let token = token.trim();
    if token.is_empty() {
        return Err(TokenRejection::Missing);
    }
    if token.split('.').count() != 3 {
        return Err(TokenRejection::Malformed);
    }
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    v.leeway = 0;
    let data =
        jsonwebtoken::decode::<AccessClaims>(token, &DecodingKey::from_secret(&keys.access), &v)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::InvalidSignature
                    | ErrorKind::InvalidAlgorithm
                    | ErrorKind::InvalidAlgorithmName => TokenRejection::BadSignature,
                    _ => TokenRejection::Malformed,
                }
            })?;
    Ok(data.claims)
}

/// Check a bearer token as Graph does (signature, lifetime, audience, tenant)
/// and that its user or app still exists.
pub fn verify_access_token(
    keys: &TokenKeys,
    dir: &Directory,
    token: &str,
    now: i64,
) -> Result<Principal, TokenRejection> {
    let c = read_access_claims(keys, token)?;
    // No clock-skew leeway: tests rely on prompt expiry.
    if now >= c.exp || now < c.nbf {
        return Err(TokenRejection::Expired);
    }
    if c.aud != GRAPH_AUDIENCE && c.aud != format!("{GRAPH_AUDIENCE}/") && c.aud != GRAPH_APP_ID {
        return Err(TokenRejection::WrongAudience);
    }
    // A token of another tenant, or one whose user/app was deleted, is as
    // good as forged for Graph: 401 with a generic validation failure.
    if c.tid != dir.tenant_id || dir.app(&c.appid).is_none() {
        return Err(TokenRejection::BadSignature);
    }
    match c.idtyp.as_str() {
        "user" => {
            if dir.user_by_oid(c.oid).is_none() {
                return Err(TokenRejection::BadSignature);
            }
            let scopes = c
                .scp
                .unwrap_or_default()
                .split_whitespace()
                .filter(|s| !is_oidc(s))
                .map(String::from)
                .collect();
            Ok(Principal::Delegated {
                client_id: c.appid,
                user: c.oid,
                scopes,
            })
        }
        "app" => {
            let roles = c.roles.unwrap_or_default().into_iter().collect();
            Ok(Principal::App {
                client_id: c.appid,
                roles,
            })
        }
        _ => Err(TokenRejection::Malformed),
    }
}
