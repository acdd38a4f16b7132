//! Tokens the emulated identity platform issues and Graph checks: access
//! tokens (JWT with `scp` or `roles`), refresh tokens (rotating, revocable).
//!
//! STUB: the real implementation replaces this file.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::directory::Directory;

/// Signing keys; persisted with the tenant so tokens outlive a restart.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenKeys {
    pub access: Vec<u8>,
    pub refresh: Vec<u8>,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKeys(***)")
    }
}

impl TokenKeys {
    pub fn generate() -> TokenKeys {
        use rand::RngCore;
        let mut a = vec![0u8; 32];
        let mut r = vec![0u8; 32];
        rand::rng().fill_bytes(&mut a);
        rand::rng().fill_bytes(&mut r);
        TokenKeys { access: a, refresh: r }
    }
}

/// Who a valid access token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A user signed in to an app; `scopes` in short form (`Mail.ReadWrite`).
    Delegated { client_id: String, user: Uuid, scopes: BTreeSet<String> },
    /// The app itself (client credentials); `roles` as consented (`Mail.Send`).
    App { client_id: String, roles: BTreeSet<String> },
}

impl Principal {
    pub fn client_id(&self) -> &str {
        match self {
            Principal::Delegated { client_id, .. } | Principal::App { client_id, .. } => client_id,
        }
    }
}

/// Why Graph refuses a bearer token (all 401 InvalidAuthenticationToken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRejection {
    Missing,
    Malformed,
    Expired,
    BadSignature,
    WrongAudience,
}

impl TokenRejection {
    /// Graph's message for this rejection.
    pub fn message(&self) -> &'static str {
        match self {
            TokenRejection::Missing => "Access token is empty.",
            TokenRejection::Malformed => "IDX14100: JWT is not well formed, there are no dots (.).",
            TokenRejection::Expired => "Lifetime validation failed, the token is expired.",
            TokenRejection::BadSignature => "Access token validation failure. Invalid signature.",
            TokenRejection::WrongAudience => "Access token validation failure. Invalid audience.",
        }
    }
}

/// Check a bearer token as Graph does (signature, audience, lifetime).
pub fn verify_access_token(
    keys: &TokenKeys,
    _dir: &Directory,
    token: &str,
    now: i64,
) -> Result<Principal, TokenRejection> {
    use jsonwebtoken::{DecodingKey, Validation, Algorithm};
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_exp = false;
    v.set_audience(&["https://graph.microsoft.com"]);
    let data = jsonwebtoken::decode::<serde_json::Value>(token, &DecodingKey::from_secret(&keys.access), &v)
        .map_err(|_| TokenRejection::BadSignature)?;
    let c = data.claims;
    if c["exp"].as_i64().unwrap_or(0) <= now { return Err(TokenRejection::Expired); }
    let client_id = c["appid"].as_str().unwrap_or_default().to_string();
    if let Some(roles) = c["roles"].as_array() {
        return Ok(Principal::App { client_id, roles: roles.iter().filter_map(|r| r.as_str().map(String::from)).collect() });
    }
    let user = c["oid"].as_str().and_then(|o| Uuid::parse_str(o).ok()).ok_or(TokenRejection::Malformed)?;
    let scopes = c["scp"].as_str().unwrap_or_default().split(' ').filter(|s| !s.is_empty()).map(String::from).collect();
    Ok(Principal::Delegated { client_id, user, scopes })
}

/// Issue an access token for `principal`, valid `lifetime_s` seconds from `now`.
pub fn issue_access_token(
    keys: &TokenKeys,
    _dir: &Directory,
    principal: &Principal,
    lifetime_s: u64,
    now: i64,
) -> String {
    use jsonwebtoken::{EncodingKey, Header};
    let mut c = serde_json::json!({"aud": "https://graph.microsoft.com", "iat": now, "exp": now + lifetime_s as i64, "appid": principal.client_id()});
    match principal {
        Principal::App { roles, .. } => c["roles"] = serde_json::json!(roles),
        Principal::Delegated { user, scopes, .. } => { c["oid"] = serde_json::json!(user.to_string()); c["scp"] = serde_json::json!(scopes.iter().cloned().collect::<Vec<_>>().join(" ")); }
    }
    jsonwebtoken::encode(&Header::default(), &c, &EncodingKey::from_secret(&keys.access)).unwrap_or_default()
}
