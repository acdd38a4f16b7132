//! The refresh token grant: redeem a rotating refresh token for a new
//! access token of the same resource (Graph, or the exposed API the grant
//! was for), narrowed to the scopes asked for, or for another resource the
//! client has consent for (Entra's refresh tokens are not bound to one
//! resource). Consent is checked again: it may have been withdrawn since.

use std::collections::BTreeSet;

use serde_json::Value;

use super::client_auth::Client;
use super::clock::entra_time;
use super::error::OAuthError;
use super::issue::{Delegated, is_oidc, issue_delegated, lifetimes};
use super::params::Params;
use super::scopes::{self, ApiResource, Requested};
use crate::directory::{AppRegistration, Directory};
use crate::tenant::Emulator;
use crate::tokens::{self, RefreshGrant, RefreshRejection};

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

/// Do `a` and `b` name the same resource (None: Graph)?
fn same_resource(a: Option<&ApiResource>, b: Option<&ApiResource>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.client_id.eq_ignore_ascii_case(&b.client_id),
        _ => false,
    }
}

/// The scopes of `r` the client still holds consent for; `held` is what the
/// refresh token carries when `r` asks for the grant's own resource.
fn narrowed(
    client: &AppRegistration,
    r: &Requested,
    held: &BTreeSet<String>,
) -> Result<BTreeSet<String>, OAuthError> {
    if r.default {
        return Ok(held.clone());
    }
    let mut out = BTreeSet::new();
    for s in &r.resource {
        let h = held
            .iter()
            .find(|h| h.eq_ignore_ascii_case(s))
            .ok_or_else(|| scopes::consent_required(client))?;
        out.insert(h.clone());
    }
    Ok(out)
}

/// What the client may have now of `api` (None: Graph): its current consent.
fn consent_now(
    client: &AppRegistration,
    api: Option<&ApiResource>,
    dir: &Directory,
) -> BTreeSet<String> {
    match api {
        None => client.delegated_scopes.clone(),
        Some(a) => dir
            .app(&a.client_id)
            .map(|res| scopes::api_consent(client, res))
            .unwrap_or_default(),
    }
}

/// The grant's resource, looked up again (the API may have gone).
fn grant_resource(
    grant: &RefreshGrant,
    dir: &Directory,
) -> Result<Option<ApiResource>, OAuthError> {
    match &grant.resource {
        None => Ok(None),
        Some(id) => scopes::find_api(dir, id)
            .map(Some)
            .ok_or_else(|| scopes::unknown_resource(id, &dir.domain)),
    }
}

pub(super) fn refresh(
    t: &Emulator,
    client: &Client,
    p: &Params,
    origin: &str,
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
    let (api, wanted, keep) = {
        let dir = t.directory.read();
        let own = grant_resource(&grant, &dir)?;
        let (api, wanted, keep) = match p.get("scope") {
            None => (own, grant.scopes.clone(), grant.scopes.clone()),
            Some(raw) => {
                let r = scopes::parse(raw, &dir)?;
                let api = if r.oidc_only() {
                    own.clone()
                } else {
                    r.api.clone()
                };
                let mut out = if same_resource(api.as_ref(), own.as_ref()) {
                    narrowed(&client.app, &r, &held)?
                } else {
                    scopes::consented(&r, &client.app, &dir)?
                };
                out.extend(r.oidc.iter().cloned());
                if grant.scopes.contains("offline_access") {
                    out.insert("offline_access".into());
                }
                // Another resource: the new refresh token carries the new grant.
                let keep = if same_resource(api.as_ref(), own.as_ref()) {
                    grant.scopes.clone()
                } else {
                    out.clone()
                };
                (api, out, keep)
            }
        };
        // Consent may have been withdrawn since the sign-in.
        let consent = consent_now(&client.app, api.as_ref(), &dir);
        if wanted.iter().any(|s| !is_oidc(s) && !consent.contains(s)) {
            return Err(scopes::consent_required(&client.app));
        }
        (api, wanted, keep)
    };
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
        api,
        granted: wanted,
        keep,
        family: grant.family,
        nonce: None,
        id_token: true,
    };
    issue_delegated(t, d, now)
}
