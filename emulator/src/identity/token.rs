//! `POST /{tenant}/oauth2/v2.0/token`: client credentials, refresh token
//! (with rotation), device code and authorization code (with PKCE) grants.
//! Every call is counted in the tenant's stats under its grant type.

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
use super::clock::{entra_time, now_unix};
use super::endpoints::{is_multi_tenant_alias, issuer, origin};
use super::error::{OAuthError, no_store};
use super::id_token::{self, IdTokenFor};
use super::params::Params;
use super::state::{AuthCode, ChallengeMethod};
use super::{devicecode, scopes};
use crate::directory::UserKind;
use crate::tenant::Emulator;
use crate::tokens::{self, Principal, RefreshGrant, RefreshRejection};

pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The name a grant is counted under in the stats.
fn grant_name(grant: Option<&str>) -> &'static str {
    match grant {
        Some("client_credentials") => "client_credentials",
        Some("refresh_token") => "refresh_token",
        Some("authorization_code") => "authorization_code",
        Some(DEVICE_CODE_GRANT) => "device_code",
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
                 client_credentials, refresh_token, {DEVICE_CODE_GRANT}."
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
    let client = authenticate(t, headers, p, &audiences, now)?;
    match grant {
        "client_credentials" => client_credentials(t, &client, p, &domain, now),
        "refresh_token" => refresh(t, &client, p, &origin, &domain, now),
        "authorization_code" => authorization_code(t, &client, p, &origin, &domain, now),
        _ => device_code(t, &client, p, &origin, &domain, now),
    }
}

fn client_credentials(
    t: &Emulator,
    client: &Client,
    p: &Params,
    domain: &str,
    now: i64,
) -> Result<Value, OAuthError> {
    client.require_confidential()?;
    let scope = p.get("scope").ok_or_else(|| OAuthError::missing("scope"))?;
    scopes::check_client_credentials_scope(scope, domain)?;
    let lifetime = t.settings.read().token_lifetime_s;
    let principal = Principal::App {
        client_id: client.app.client_id.clone(),
        roles: client.app.app_roles.clone(),
    };
    let access_token = {
        let dir = t.directory.read();
        tokens::issue_access_token(&t.keys, &dir, &principal, lifetime, now)
    };
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    }))
}

/// Resolve a requested scope against the app's consent: Graph permissions
/// plus OIDC scopes.
fn grant_for(client: &Client, raw: &str, domain: &str) -> Result<BTreeSet<String>, OAuthError> {
    let r = scopes::parse(raw, domain)?;
    let mut granted = scopes::consented(&r, &client.app)?;
    granted.extend(r.oidc);
    Ok(granted)
}

/// What a delegated token response is made of.
struct Delegated<'a> {
    origin: &'a str,
    client: &'a Client,
    user: Uuid,
    /// Scopes of this access token (and the response's `scope`).
    granted: BTreeSet<String>,
    /// Scopes the new refresh token carries (the whole original grant).
    keep: BTreeSet<String>,
    family: Uuid,
    nonce: Option<String>,
}

fn is_oidc(s: &str) -> bool {
    crate::directory::OIDC_SCOPES.contains(&s)
}

fn issue_delegated(t: &Emulator, d: Delegated<'_>, now: i64) -> Result<Value, OAuthError> {
    let (lifetime, _) = lifetimes(t);
    let dir = t.directory.read();
    let user = dir.user_by_oid(d.user).ok_or_else(|| {
        OAuthError::new(
            "invalid_grant",
            50034,
            format!(
                "The user account {} does not exist in the {} directory.",
                d.user, dir.domain
            ),
        )
    })?;
    if user.kind != UserKind::Member {
        return Err(OAuthError::new(
            "invalid_grant",
            50057,
            "The user account is disabled (a shared mailbox cannot sign in).",
        ));
    }
    let client_id = d.client.app.client_id.clone();
    let scp: BTreeSet<String> = d
        .granted
        .iter()
        .filter(|s| *s != "offline_access")
        .cloned()
        .collect();
    let principal = Principal::Delegated {
        client_id: client_id.clone(),
        user: d.user,
        scopes: scp,
    };
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scopes::response_scope(&d.granted),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": tokens::issue_access_token(&t.keys, &dir, &principal, lifetime, now),
    });
    if d.keep.contains("offline_access") {
        let grant = RefreshGrant {
            user: d.user,
            client_id: client_id.clone(),
            scopes: d.keep.clone(),
            issued_at: tokens::refresh_issue_time(user, now),
            family: d.family,
        };
        let refresh_token = tokens::issue_refresh_token(&t.keys, dir.tenant_id, &grant);
        t.identity.issued_refresh(d.family, &refresh_token);
        body["refresh_token"] = json!(refresh_token);
    }
    if d.granted.contains("openid") {
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

fn lifetimes(t: &Emulator) -> (u64, u64) {
    let s = t.settings.read();
    (s.token_lifetime_s, s.refresh_token_lifetime_s)
}

fn device_code(
    t: &Emulator,
    client: &Client,
    p: &Params,
    origin: &str,
    domain: &str,
    now: i64,
) -> Result<Value, OAuthError> {
    client.require_public_or_confidential()?;
    let code = p
        .get("device_code")
        .ok_or_else(|| OAuthError::missing("device_code"))?;
    let (user, scope) = devicecode::poll(t, &client.app.client_id, code)?;
    let granted = grant_for(client, &scope, domain)?;
    let d = Delegated {
        origin,
        client,
        user,
        keep: granted.clone(),
        granted,
        family: Uuid::new_v4(),
        nonce: None,
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
    domain: &str,
    now: i64,
) -> Result<Value, OAuthError> {
    client.require_public_or_confidential()?;
    let code = redeem_code(t, client, p)?;
    let granted = grant_for(client, &code.scope, domain)?;
    let d = Delegated {
        origin,
        client,
        user: code.user,
        keep: granted.clone(),
        granted,
        family: Uuid::new_v4(),
        nonce: code.nonce,
    };
    issue_delegated(t, d, now)
}

fn refresh_refused(r: RefreshRejection, lifetime_s: u64) -> OAuthError {
    match r {
        RefreshRejection::Malformed => OAuthError::new(
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        ),
        RefreshRejection::Expired { issued_at } => {
            let (d, rest) = (lifetime_s / 86_400, lifetime_s % 86_400);
            let inactive = format!(
                "{d}.{:02}:{:02}:{:02}",
                rest / 3600,
                rest % 3600 / 60,
                rest % 60
            );
            OAuthError::new(
                "invalid_grant",
                700082,
                format!(
                    "The refresh token has expired due to inactivity. The token was issued on {} and was inactive \
                     for {inactive}.",
                    entra_time(issued_at)
                ),
            )
        }
        RefreshRejection::Revoked {
            issued_at,
            valid_after,
        } => OAuthError::new(
            "invalid_grant",
            50173,
            format!(
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user \
                 might have changed or reset their password. The grant was issued on '{}' and the TokensValidFrom \
                 date (before which tokens are not valid) for this user is '{}'.",
                entra_time(issued_at),
                entra_time(valid_after)
            ),
        ),
        RefreshRejection::UnknownUser => OAuthError::new(
            "invalid_grant",
            50034,
            "The user account does not exist in the directory.",
        ),
    }
}

fn refresh(
    t: &Emulator,
    client: &Client,
    p: &Params,
    origin: &str,
    domain: &str,
    now: i64,
) -> Result<Value, OAuthError> {
    client.require_public_or_confidential()?;
    let token = p
        .get("refresh_token")
        .ok_or_else(|| OAuthError::missing("refresh_token"))?;
    let (_, rt_lifetime) = lifetimes(t);
    let grant = {
        let dir = t.directory.read();
        tokens::redeem_refresh_token(&t.keys, &dir, token, now, rt_lifetime)
    }
    .map_err(|r| refresh_refused(r, rt_lifetime))?;
    if !grant.client_id.eq_ignore_ascii_case(&client.app.client_id) {
        return Err(OAuthError::new(
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed: the refresh token was issued to a different client.",
        ));
    }
    let held: BTreeSet<String> = grant
        .scopes
        .iter()
        .filter(|s| !is_oidc(s))
        .cloned()
        .collect();
    let wanted = match p.get("scope") {
        None => grant.scopes.clone(),
        Some(raw) => {
            let r = scopes::parse(raw, domain)?;
            let mut out = if r.default {
                held.clone()
            } else {
                let mut out = BTreeSet::new();
                for s in &r.resource {
                    let h = held
                        .iter()
                        .find(|h| h.eq_ignore_ascii_case(s))
                        .ok_or_else(|| scopes::consent_required(&client.app))?;
                    out.insert(h.clone());
                }
                out
            };
            out.extend(r.oidc);
            if grant.scopes.contains("offline_access") {
                out.insert("offline_access".into());
            }
            out
        }
    };
    // Consent may have been withdrawn since the sign-in.
    if wanted
        .iter()
        .any(|s| !is_oidc(s) && !client.app.delegated_scopes.contains(s))
    {
        return Err(scopes::consent_required(&client.app));
    }
    let single_use = t.settings.read().refresh_token_single_use;
    if single_use && !t.identity.redeem_refresh_once(grant.family, token) {
        return Err(OAuthError::new(
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed: the refresh token was already redeemed (rotated away).",
        ));
    }
    let d = Delegated {
        origin,
        client,
        user: grant.user,
        granted: wanted,
        keep: grant.scopes.clone(),
        family: grant.family,
        nonce: None,
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
        assert_eq!(grant_name(Some("password")), "unsupported");
        assert_eq!(grant_name(None), "missing");
    }
}
