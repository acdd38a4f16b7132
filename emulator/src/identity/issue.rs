//! The answer of every delegated grant (device code, authorization code,
//! refresh token, on-behalf-of): an access token for Graph or for the
//! exposed API asked for, a rotating refresh token when `offline_access`
//! was granted, and an id token when `openid` was.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use uuid::Uuid;

use super::client_auth::{Client, Credential};
use super::endpoints::issuer;
use super::error::OAuthError;
use super::id_token::{self, IdTokenFor};
use super::scopes::{self, ApiResource};
use crate::directory::{Directory, DirectoryUser, OIDC_SCOPES, UserKind};
use crate::tenant::Emulator;
use crate::tokens::{
    self, ApiTokenFor, ApiUser, ClientAuth, Principal, RefreshGrant, TokenVersion,
};

/// What a delegated token response is made of.
pub(super) struct Delegated<'a> {
    pub origin: &'a str,
    pub client: &'a Client,
    pub user: Uuid,
    /// The exposed API the access token is for, or None for Graph.
    pub api: Option<ApiResource>,
    /// Scopes of this access token (and the response's `scope`).
    pub granted: BTreeSet<String>,
    /// Scopes the new refresh token carries (the whole original grant).
    pub keep: BTreeSet<String>,
    pub family: Uuid,
    pub nonce: Option<String>,
    /// Add an id token when `openid` was granted (not for on-behalf-of).
    pub id_token: bool,
}

pub(super) fn is_oidc(s: &str) -> bool {
    OIDC_SCOPES.contains(&s)
}

/// (access token lifetime, refresh token inactivity lifetime), in seconds.
pub(super) fn lifetimes(t: &Emulator) -> (u64, u64) {
    let s = t.settings.read();
    (s.token_lifetime_s, s.refresh_token_lifetime_s)
}

/// The user a delegated token is for: one that exists and may sign in.
pub(super) fn signed_in_user(dir: &Directory, user: Uuid) -> Result<&DirectoryUser, OAuthError> {
    let u = dir.user_by_oid(user).ok_or_else(|| {
        OAuthError::new(
            "invalid_grant",
            50034,
            format!(
                "The user account {user} does not exist in the {} directory.",
                dir.domain
            ),
        )
    })?;
    if u.kind != UserKind::Member {
        return Err(OAuthError::new(
            "invalid_grant",
            50057,
            "The user account is disabled (a shared mailbox cannot sign in).",
        ));
    }
    Ok(u)
}

/// No RS256 signing key could be used (the crypto library failed).
pub(super) fn signing_unavailable() -> OAuthError {
    OAuthError::new(
        "temporarily_unavailable",
        90006,
        "The service is temporarily unavailable.",
    )
}

pub(super) fn client_auth(c: &Client) -> ClientAuth {
    match c.credential {
        Credential::None => ClientAuth::Public,
        Credential::Secret => ClientAuth::Secret,
        Credential::Certificate => ClientAuth::Certificate,
    }
}

fn lifetime_i64(lifetime_s: u64) -> i64 {
    i64::try_from(lifetime_s).unwrap_or(i64::MAX)
}

/// The access token of a delegated grant: Graph's HS256 token, or an RS256
/// token for the API.
fn access_token(
    t: &Emulator,
    dir: &Directory,
    d: &Delegated<'_>,
    user: &DirectoryUser,
    lifetime: u64,
    now: i64,
) -> Result<String, OAuthError> {
    let Some(api) = &d.api else {
        let principal = Principal::Delegated {
            client_id: d.client.app.client_id.clone(),
            user: d.user,
            // Graph tokens carry the OIDC scopes in `scp` too, as Entra's do.
            scopes: d
                .granted
                .iter()
                .filter(|s| *s != "offline_access")
                .cloned()
                .collect(),
        };
        return Ok(tokens::issue_access_token(
            &t.keys, dir, &principal, lifetime, now,
        ));
    };
    let resource = dir
        .app(&api.client_id)
        .ok_or_else(|| scopes::unknown_resource(&api.identifier, &dir.domain))?;
    let f = ApiTokenFor {
        version: TokenVersion::of(resource),
        resource_client_id: resource.client_id.clone(),
        resource_as_requested: api.identifier.clone(),
        client_id: d.client.app.client_id.clone(),
        client_auth: client_auth(d.client),
        user: Some(ApiUser {
            oid: user.oid,
            upn: user.upn.clone(),
            name: user.display_name.clone(),
        }),
        // An API's token names only that API's scopes.
        scopes: d.granted.iter().filter(|s| !is_oidc(s)).cloned().collect(),
        roles: BTreeSet::new(),
        tenant_id: dir.tenant_id,
        origin: d.origin.to_string(),
        iat: now,
        nbf: now,
        exp: now.saturating_add(lifetime_i64(lifetime)),
    };
    tokens::issue_api_token(&t.keys, &f).ok_or_else(signing_unavailable)
}

/// Answer a delegated grant: access token, refresh token (offline_access),
/// id token (openid).
pub(super) fn issue_delegated(
    t: &Emulator,
    d: Delegated<'_>,
    now: i64,
) -> Result<Value, OAuthError> {
    let (lifetime, _) = lifetimes(t);
    let dir = t.directory.read();
    let user = signed_in_user(&dir, d.user)?;
    let client_id = d.client.app.client_id.clone();
    let access_token = access_token(t, &dir, &d, user, lifetime, now)?;
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scopes::response_scope(&d.granted, d.api.as_ref()),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    if d.keep.contains("offline_access") {
        let grant = RefreshGrant {
            user: d.user,
            client_id: client_id.clone(),
            scopes: d.keep.clone(),
            issued_at: tokens::refresh_issue_time(user, now),
            family: d.family,
            resource: d.api.as_ref().map(|a| a.identifier.clone()),
        };
        let refresh_token = tokens::issue_refresh_token(&t.keys, dir.tenant_id, &grant);
        t.identity.issued_refresh(d.family, &refresh_token);
        body["refresh_token"] = json!(refresh_token);
    }
    if d.id_token && d.granted.contains("openid") {
        let issuer = issuer(d.origin, &dir);
        let f = IdTokenFor {
            user: d.user,
            client_id: &client_id,
            issuer: &issuer,
            with_email: d.granted.contains("email"),
            nonce: d.nonce.as_deref(),
        };
        if let Some(id_token) = id_token::issue_id_token(&t.keys, &dir, f, lifetime, now) {
            body["id_token"] = json!(id_token);
        }
    }
    Ok(body)
}
