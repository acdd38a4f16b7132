//! Tokens the emulated identity platform issues and Graph checks: access
//! tokens shaped like Entra's v1 Graph tokens (HS256 JWTs with `scp` or
//! `roles`), id tokens, and stateless rotating refresh tokens.
//!
//! Everything is signed with the tenant's persisted [`TokenKeys`], so tokens
//! outlive an emulator restart; refresh tokens need no server-side storage and
//! are revoked through the user's `sessions_valid_after`.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::directory::{Directory, DirectoryUser, OIDC_SCOPES};

/// The `aud` of every access token: Microsoft Graph.
pub(crate) const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";
/// Graph's application id, which Entra also accepts as its audience.
pub(crate) const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// The `kid` in the header of every JWT the emulator signs.
pub(crate) const KEY_ID: &str = "graphgate-emulator";
/// Prefix of refresh tokens (real ones start `0.A` too).
const REFRESH_PREFIX: &str = "0.A";

/// Signing keys; persisted with the tenant so tokens outlive a restart.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenKeys {
    pub(crate) access: Vec<u8>,
    pub(crate) refresh: Vec<u8>,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(***)")
    }
}

impl TokenKeys {
    pub(crate) fn generate() -> TokenKeys {
        use rand::RngCore;
        let mut a = vec![0u8; 32];
        let mut r = vec![0u8; 32];
        rand::rng().fill_bytes(&mut a);
        rand::rng().fill_bytes(&mut r);
        TokenKeys {
            access: a,
            refresh: r,
        }
    }
}

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
pub(crate) struct AccessClaims {
    pub(crate) aud: String,
    pub(crate) iss: String,
    pub(crate) iat: i64,
    pub(crate) nbf: i64,
    pub(crate) exp: i64,
    pub(crate) tid: Uuid,
    /// The user's object id, or the app's service principal id (app-only).
    pub(crate) oid: Uuid,
    pub(crate) sub: String,
    pub(crate) appid: String,
    pub(crate) app_displayname: String,
    /// `user` or `app`.
    pub(crate) idtyp: String,
    pub(crate) ver: String,
    pub(crate) uti: String,
    /// Delegated: space-separated short scopes (OIDC ones included, as Entra does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) scp: Option<String>,
    /// App-only: the application permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) roles: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) upn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) unique_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
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

/// Random URL-safe text from `n` random bytes.
pub(crate) fn random_id(n: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

fn header() -> Header {
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(KEY_ID.to_string());
    h
}

/// Sign `claims` as an HS256 JWT with the access-token key and the
/// emulator's `kid` (access tokens, id tokens).
pub(crate) fn sign_with_access_key<T: Serialize>(keys: &TokenKeys, claims: &T) -> String {
    sign_jwt(&keys.access, claims)
}

fn sign_jwt<T: Serialize>(key: &[u8], claims: &T) -> String {
    // HMAC signing of a serialisable struct cannot fail in practice; an empty
    // string (never a valid token) is the safe answer if it ever does.
    jsonwebtoken::encode(&header(), claims, &EncodingKey::from_secret(key)).unwrap_or_default()
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
pub(crate) fn read_access_claims(
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

/// What a refresh token carries: a user's grant to one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefreshGrant {
    pub(crate) user: Uuid,
    pub(crate) client_id: String,
    /// Granted scopes, short form, OIDC scopes included (`offline_access`...).
    pub(crate) scopes: BTreeSet<String>,
    /// Unix time this token was issued (rotation renews it).
    pub(crate) issued_at: i64,
    /// The sign-in session this token descends from; kept across rotation.
    pub(crate) family: Uuid,
}

/// Why a refresh token cannot be redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefreshRejection {
    /// Not a refresh token of this tenant (garbage, tampered, other keys).
    Malformed,
    /// Unused for longer than the refresh token lifetime (AADSTS700082).
    Expired { issued_at: i64 },
    /// Issued before the user's sessions were revoked (AADSTS50173).
    Revoked { issued_at: i64, valid_after: i64 },
    /// The user no longer exists.
    UnknownUser,
}

#[derive(Serialize, Deserialize)]
struct RefreshPayload {
    v: u8,
    tid: Uuid,
    oid: Uuid,
    cid: String,
    scp: String,
    iat: i64,
    fam: Uuid,
    /// Random, so two tokens issued in the same second differ.
    rnd: String,
}

/// Sign a refresh token for `grant`. Stateless: all it needs to be redeemed
/// is the tenant's refresh key.
pub(crate) fn issue_refresh_token(
    keys: &TokenKeys,
    tenant_id: Uuid,
    grant: &RefreshGrant,
) -> String {
    let payload = RefreshPayload {
        v: 1,
        tid: tenant_id,
        oid: grant.user,
        cid: grant.client_id.clone(),
        scp: grant.scopes.iter().cloned().collect::<Vec<_>>().join(" "),
        iat: grant.issued_at,
        fam: grant.family,
        rnd: random_id(12),
    };
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap_or_default());
    let message = format!("{REFRESH_PREFIX}{body}");
    let sig = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &EncodingKey::from_secret(&keys.refresh),
        Algorithm::HS256,
    )
    .unwrap_or_default();
    format!("{message}.{sig}")
}

/// Revoke every refresh token of `user` issued up to now ("revoke sessions").
/// Tokens are dated in whole seconds, so the cut-off is the next second; a
/// sign-in later in this second is dated at the cut-off (see
/// [`refresh_issue_time`]) and stays valid.
pub fn revoke_sessions(user: &mut DirectoryUser, now: i64) {
    user.sessions_valid_after = now.saturating_add(1);
}

/// The `issued_at` to give a refresh token issued `now` to `user`: never
/// before the user's revocation cut-off.
pub(crate) fn refresh_issue_time(user: &DirectoryUser, now: i64) -> i64 {
    now.max(user.sessions_valid_after)
}

/// Check a refresh token: signature, tenant, inactivity lifetime, revocation,
/// user. The caller checks the client and the scopes.
pub(crate) fn redeem_refresh_token(
    keys: &TokenKeys,
    dir: &Directory,
    token: &str,
    now: i64,
    lifetime_s: u64,
) -> Result<RefreshGrant, RefreshRejection> {
    let token = token.trim();
    let (message, sig) = token.rsplit_once('.').ok_or(RefreshRejection::Malformed)?;
    let body = message
        .strip_prefix(REFRESH_PREFIX)
        .ok_or(RefreshRejection::Malformed)?;
    let ok = jsonwebtoken::crypto::verify(
        sig,
        message.as_bytes(),
        &DecodingKey::from_secret(&keys.refresh),
        Algorithm::HS256,
    )
    .unwrap_or(false);
    if !ok {
        return Err(RefreshRejection::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| RefreshRejection::Malformed)?;
    let p: RefreshPayload =
        serde_json::from_slice(&bytes).map_err(|_| RefreshRejection::Malformed)?;
    if p.v != 1 || p.tid != dir.tenant_id {
        return Err(RefreshRejection::Malformed);
    }
    let age = now.saturating_sub(p.iat);
    if age > i64::try_from(lifetime_s).unwrap_or(i64::MAX) {
        return Err(RefreshRejection::Expired { issued_at: p.iat });
    }
    let user = dir
        .user_by_oid(p.oid)
        .ok_or(RefreshRejection::UnknownUser)?;
    if p.iat < user.sessions_valid_after {
        return Err(RefreshRejection::Revoked {
            issued_at: p.iat,
            valid_after: user.sessions_valid_after,
        });
    }
    Ok(RefreshGrant {
        user: p.oid,
        client_id: p.cid,
        scopes: p.scp.split_whitespace().map(String::from).collect(),
        issued_at: p.iat,
        family: p.fam,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{ALICE, DEMO_CLIENT_ID, demo_directory};

    fn scopes(s: &str) -> BTreeSet<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn delegated(s: &str) -> Principal {
        Principal::Delegated {
            client_id: DEMO_CLIENT_ID.into(),
            user: ALICE,
            scopes: scopes(s),
        }
    }

    #[test]
    fn delegated_token_round_trips_without_oidc_scopes() {
        let (keys, dir) = (TokenKeys::generate(), demo_directory());
        let t = issue_access_token(
            &keys,
            &dir,
            &delegated("Mail.Send openid Mail.ReadWrite email"),
            60,
            1000,
        );
        let c = read_access_claims(&keys, &t).unwrap();
        assert_eq!(
            c.scp.as_deref(),
            Some("Mail.ReadWrite Mail.Send openid email")
        );
        assert_eq!(c.iss, format!("https://sts.windows.net/{}/", dir.tenant_id));
        assert_eq!(c.upn.as_deref(), Some("alice@contoso.test"));
        let p = verify_access_token(&keys, &dir, &t, 1000).unwrap();
        assert_eq!(p, delegated("Mail.ReadWrite Mail.Send"));
    }

    #[test]
    fn app_token_carries_roles_and_service_principal_oid() {
        let (keys, dir) = (TokenKeys::generate(), demo_directory());
        let p = Principal::App {
            client_id: DEMO_CLIENT_ID.into(),
            roles: scopes("Mail.Send"),
        };
        let t = issue_access_token(&keys, &dir, &p, 60, 1000);
        let c = read_access_claims(&keys, &t).unwrap();
        assert_eq!(c.oid, service_principal_id(dir.tenant_id, DEMO_CLIENT_ID));
        assert_eq!(c.idtyp, "app");
        assert_eq!(verify_access_token(&keys, &dir, &t, 1059).unwrap(), p);
    }

    #[test]
    fn access_token_rejections() {
        let (keys, dir) = (TokenKeys::generate(), demo_directory());
        let t = issue_access_token(&keys, &dir, &delegated("Mail.Read"), 60, 1000);
        let cases: Vec<(&str, String, i64, TokenRejection)> = vec![
            ("empty", String::new(), 1000, TokenRejection::Missing),
            ("no dots", "abc".into(), 1000, TokenRejection::Malformed),
            ("expired at exp", t.clone(), 1060, TokenRejection::Expired),
            (
                "other key",
                issue_access_token(&TokenKeys::generate(), &dir, &delegated("x"), 60, 1000),
                1000,
                TokenRejection::BadSignature,
            ),
        ];
        for (name, token, now, want) in cases {
            assert_eq!(
                verify_access_token(&keys, &dir, &token, now),
                Err(want),
                "{name}"
            );
        }
        let mut gone = dir.clone();
        gone.users.retain(|u| u.oid != ALICE);
        assert_eq!(
            verify_access_token(&keys, &gone, &t, 1000),
            Err(TokenRejection::BadSignature)
        );
    }

    #[test]
    fn refresh_tokens_rotate_expire_and_revoke() {
        let (keys, mut dir) = (TokenKeys::generate(), demo_directory());
        let grant = RefreshGrant {
            user: ALICE,
            client_id: DEMO_CLIENT_ID.into(),
            scopes: scopes("Mail.Read offline_access"),
            issued_at: 1000,
            family: Uuid::new_v4(),
        };
        let a = issue_refresh_token(&keys, dir.tenant_id, &grant);
        let b = issue_refresh_token(&keys, dir.tenant_id, &grant);
        assert!(a.starts_with("0.A") && a != b);
        assert_eq!(
            redeem_refresh_token(&keys, &dir, &a, 1100, 100),
            Ok(grant.clone())
        );
        assert_eq!(
            redeem_refresh_token(&keys, &dir, &a, 1101, 100),
            Err(RefreshRejection::Expired { issued_at: 1000 })
        );
        let tampered = format!("{}x", a);
        assert_eq!(
            redeem_refresh_token(&keys, &dir, &tampered, 1000, 100),
            Err(RefreshRejection::Malformed)
        );
        assert_eq!(
            redeem_refresh_token(&keys, &dir, "garbage", 1000, 100),
            Err(RefreshRejection::Malformed)
        );
        let alice = dir.user_mut("alice@contoso.test").unwrap();
        revoke_sessions(alice, 1000);
        assert_eq!(refresh_issue_time(alice, 1000), 1001);
        assert_eq!(
            redeem_refresh_token(&keys, &dir, &a, 1002, 100),
            Err(RefreshRejection::Revoked {
                issued_at: 1000,
                valid_after: 1001
            })
        );
    }
}
