//! `POST /{tenant}/oauth2/v2.0/token`: client credentials, refresh token
//! (with rotation, refresh_grant.rs), device code, authorization code (with
//! PKCE) and on-behalf-of (obo.rs) grants, for Graph or for an API an app
//! exposes. Every call is counted in the tenant's stats under its grant type.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::client_auth::{Client, authenticate};
use super::clock::now_unix;
use super::devicecode;
use super::endpoints::{is_multi_tenant_alias, origin};
use super::error::{OAuthError, no_store};
use super::issue::{Delegated, client_auth, issue_delegated, lifetimes, signing_unavailable};
use super::obo::{self, JWT_BEARER_GRANT};
use super::params::Params;
use super::refresh_grant::refresh;
use super::scopes::{self, ApiResource};
use super::state::{AuthCode, ChallengeMethod};
use crate::tenant::Emulator;
use crate::tokens::{self, ApiTokenFor, Principal, TokenVersion};

pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The name a grant is counted under in the stats.
fn grant_name(grant: Option<&str>) -> &'static str {
    match grant {
        Some("client_credentials") => "client_credentials",
        Some("refresh_token") => "refresh_token",
        Some("authorization_code") => "authorization_code",
        Some(DEVICE_CODE_GRANT) => "device_code",
        Some(JWT_BEARER_GRANT) => "on_behalf_of",
        Some(_) => "unsupported",
        None => "missing",
    }
}

pub(crate) async fn token(
    State(tenant): State<Arc<Emulator>>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = Params::parse(&body);
    let grant = grant_name(p.get("grant_type"));
    tenant.stats.token_request(grant);
    let result = handle(&tenant, &segment, &headers, &p);
    match result {
        Ok(v) => {
            tracing::debug!(grant, "token issued");
            let mut resp = Json(v).into_response();
            no_store(resp.headers_mut());
            resp
        }
        Err(e) => {
            tenant.stats.token_error(e.error);
            tracing::debug!(
                grant,
                error = e.error,
                code = e.code,
                "token request refused"
            );
            e.into_response()
        }
    }
}

fn handle(
    t: &Emulator,
    segment: &str,
    headers: &HeaderMap,
    p: &Params,
) -> Result<Value, OAuthError> {
    let (tenant_id, domain) = {
        let dir = t.directory.read();
        if !dir.matches_tenant(segment) {
            return Err(OAuthError::unknown_tenant(segment));
        }
        (dir.tenant_id, dir.domain.clone())
    };
    let grant = p
        .get("grant_type")
        .ok_or_else(|| OAuthError::missing("grant_type"))?;
    if grant_name(Some(grant)) == "unsupported" {
        return Err(OAuthError::new(
            "unsupported_grant_type",
            70003,
            format!(
                "The app requested an unsupported grant type '{grant}'. Supported: authorization_code, \
                 client_credentials, refresh_token, {DEVICE_CODE_GRANT}, {JWT_BEARER_GRANT}."
            ),
        ));
    }
    let origin = origin(headers);
    let audiences: Vec<String> = [tenant_id.to_string(), domain.clone(), segment.to_string()]
        .iter()
        .map(|x| format!("{origin}/{x}/oauth2/v2.0/token"))
        .collect();
    let now = now_unix();
    if grant == "client_credentials" && is_multi_tenant_alias(segment) {
        return Err(OAuthError::new(
            "invalid_request",
            9001023,
            "The grant type isn't supported over the /common or /organizations endpoints. Please use the \
             tenant-specific endpoint.",
        ));
    }
    // Grant-specific required parameters come before client authentication.
    let required = match grant {
        "refresh_token" => Some("refresh_token"),
        "authorization_code" => Some("code"),
        DEVICE_CODE_GRANT => Some("device_code"),
        _ => None,
    };
    if let Some(name) = required
        && p.get(name).is_none()
    {
        return Err(OAuthError::missing(name));
    }
    if grant == JWT_BEARER_GRANT {
        obo::check_request(p)?;
    }
    let client = authenticate(t, headers, p, &audiences, now)?;
    match grant {
        "client_credentials" => client_credentials(t, &client, p, &origin, now),
        "refresh_token" => refresh(t, &client, p, &origin, now),
        "authorization_code" => authorization_code(t, &client, p, &origin, now),
        JWT_BEARER_GRANT => obo::on_behalf_of(t, &client, p, &origin, now),
        _ => device_code(t, &client, p, &origin, now),
    }
}

fn client_credentials(
    t: &Emulator,
    client: &Client,
    p: &Params,
    origin: &str,
    now: i64,
) -> Result<Value, OAuthError> {
    client.require_confidential()?;
    let scope = p.get("scope").ok_or_else(|| OAuthError::missing("scope"))?;
    let (lifetime, _) = lifetimes(t);
    let access_token = {
        let dir = t.directory.read();
        match scopes::client_credentials_target(scope, &dir)? {
            None => {
                let principal = Principal::App {
                    client_id: client.app.client_id.clone(),
                    roles: client.app.app_roles.clone(),
                };
                tokens::issue_access_token(&t.keys, &dir, &principal, lifetime, now)
            }
            Some(api) => app_token_for_api(t, &dir, client, &api, origin, lifetime, now)?,
        }
    };
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    }))
}

/// An app-only token for an exposed API. The emulated APIs define no app
/// roles, so the token has none and, as Entra does then, no `roles` claim.
fn app_token_for_api(
    t: &Emulator,
    dir: &crate::directory::Directory,
    client: &Client,
    api: &ApiResource,
    origin: &str,
    lifetime: u64,
    now: i64,
) -> Result<String, OAuthError> {
    let resource = dir
        .app(&api.client_id)
        .ok_or_else(|| scopes::unknown_resource(&api.identifier, &dir.domain))?;
    let f = ApiTokenFor {
        version: TokenVersion::of(resource),
        resource_client_id: resource.client_id.clone(),
        resource_as_requested: api.identifier.clone(),
        client_id: client.app.client_id.clone(),
        client_auth: client_auth(client),
        user: None,
        scopes: BTreeSet::new(),
        roles: BTreeSet::new(),
        tenant_id: dir.tenant_id,
        origin: origin.to_string(),
        iat: now,
        nbf: now,
        exp: now.saturating_add(i64::try_from(lifetime).unwrap_or(i64::MAX)),
    };
    tokens::issue_api_token(&t.keys, &f).ok_or_else(signing_unavailable)
}

/// Resolve a requested scope against the client's consent: the resource
/// (Graph or an exposed API), its permissions, plus OIDC scopes.
fn grant_for(
    t: &Emulator,
    client: &Client,
    raw: &str,
) -> Result<(Option<ApiResource>, BTreeSet<String>), OAuthError> {
    let dir = t.directory.read();
    let r = scopes::parse(raw, &dir)?;
    let mut granted = scopes::consented(&r, &client.app, &dir)?;
    granted.extend(r.oidc);
    Ok((r.api, granted))
}

fn device_code(
    t: &Emulator,
    client: &Client,
    p: &Params,
    origin: &str,
    now: i64,
) -> Result<Value, OAuthError> {
    client.require_public_or_confidential()?;
    let code = p
        .get("device_code")
        .ok_or_else(|| OAuthError::missing("device_code"))?;
    let (user, scope) = devicecode::poll(t, &client.app.client_id, code)?;
    let (api, granted) = grant_for(t, client, &scope)?;
    let d = Delegated {
        origin,
        client,
        user,
        api,
        keep: granted.clone(),
        granted,
        family: Uuid::new_v4(),
        nonce: None,
        id_token: true,
    };
    issue_delegated(t, d, now)
}

fn invalid_code(text: &str) -> OAuthError {
    OAuthError::new(
        "invalid_grant",
        70000,
        format!("The provided value for the 'code' parameter is not valid. {text}"),
    )
}

/// Does the PKCE verifier match the challenge of /authorize?
fn verifier_matches(challenge: &str, method: ChallengeMethod, verifier: &str) -> bool {
    match method {
        ChallengeMethod::Plain => verifier == challenge,
        ChallengeMethod::S256 => {
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
        }
    }
}

/// Check and mark an authorization code redeemed (single use).
fn redeem_code(t: &Emulator, client: &Client, p: &Params) -> Result<AuthCode, OAuthError> {
    let code = p.get("code").ok_or_else(|| OAuthError::missing("code"))?;
    let redirect_uri = p.get("redirect_uri");
    let verifier = p.get("code_verifier");
    t.identity.auth_code(code, |c| {
        let Some(c) = c else { return Err(invalid_code("The code is unknown.")) };
        if c.redeemed {
            return Err(OAuthError::new(
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an \
                 existing refresh token.",
            ));
        }
        if Instant::now() >= c.expires {
            return Err(OAuthError::new(
                "invalid_grant",
                70008,
                "The provided authorization code or refresh token has expired due to inactivity. Send a new \
                 interactive authorization request for this user and resource.",
            ));
        }
        if !c.client_id.eq_ignore_ascii_case(&client.app.client_id) {
            return Err(invalid_code("The code was issued to a different client."));
        }
        let redirect_uri = redirect_uri.ok_or_else(|| OAuthError::missing("redirect_uri"))?;
        if redirect_uri != c.redirect_uri {
            return Err(OAuthError::new(
                "invalid_grant",
                500112,
                format!(
                    "The reply address '{redirect_uri}' does not match the reply address '{}' provided when \
                     requesting Authorization code.",
                    c.redirect_uri
                ),
            ));
        }
        if let Some((challenge, method)) = &c.challenge
            && !verifier.is_some_and(|v| verifier_matches(challenge, *method, v))
        {
            return Err(OAuthError::new(
                "invalid_grant",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            ));
        }
        c.redeemed = true;
        Ok(c.clone())
    })
}

fn authorization_code(
    t: &Emulator,
    client: &Client,
    p: &Params,
    origin: &str,
    now: i64,
) -> Result<Value, OAuthError> {
    client.require_public_or_confidential()?;
    let code = redeem_code(t, client, p)?;
    let (api, granted) = grant_for(t, client, &code.scope)?;
    let d = Delegated {
        origin,
        client,
        user: code.user,
        api,
        keep: granted.clone(),
        granted,
        family: Uuid::new_v4(),
        nonce: code.nonce,
        id_token: true,
    };
    issue_delegated(t, d, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_is_unpadded_base64url_of_sha256() {
        let verifier = "dBjftJeZ4CVP-mJ92K9TvbhGbLvk8hiw1y5RhUnZ3Rk";
        let challenge = "_LJebSNOmRFnTmka0sNfjQkP5NixRh1Li6zWt5cd-DE";
        assert!(verifier_matches(challenge, ChallengeMethod::S256, verifier));
        assert!(!verifier_matches(challenge, ChallengeMethod::S256, "x"));
        assert!(verifier_matches("abc", ChallengeMethod::Plain, "abc"));
    }

    #[test]
    fn grants_are_counted_by_short_name() {
        assert_eq!(grant_name(Some(DEVICE_CODE_GRANT)), "device_code");
        assert_eq!(grant_name(Some(JWT_BEARER_GRANT)), "on_behalf_of");
        assert_eq!(grant_name(Some("password")), "unsupported");
        assert_eq!(grant_name(None), "missing");
    }
}
