//! The on-behalf-of grant (`urn:ietf:params:oauth:grant-type:jwt-bearer`
//! with `requested_token_use=on_behalf_of`): a confidential API trades the
//! access token a client sent it (the assertion, which must be for this
//! API) for a token to call Graph, or another API, as the same user.
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow>

use serde_json::Value;
use uuid::Uuid;

use super::client_auth::Client;
use super::error::OAuthError;
use super::issue::{Delegated, issue_delegated, signed_in_user};
use super::params::Params;
use super::scopes;
use super::user_assertion::check_user_assertion;
use crate::tenant::Emulator;

/// The grant type of on-behalf-of requests.
pub(crate) const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The parameters an on-behalf-of request must carry, checked before the
/// client is authenticated (as for the other grants).
pub(super) fn check_request(p: &Params) -> Result<(), OAuthError> {
    match p.get("requested_token_use") {
        None => return Err(OAuthError::missing("requested_token_use")),
        Some("on_behalf_of") => {}
        Some(other) => {
            return Err(OAuthError::new(
                "invalid_request",
                9002313,
                format!(
                    "Invalid request. Request is malformed or invalid: the value '{other}' of the parameter \
                     'requested_token_use' is not supported; the jwt-bearer grant needs 'on_behalf_of'."
                ),
            ));
        }
    }
    for name in ["assertion", "scope"] {
        if p.get(name).is_none() {
            return Err(OAuthError::missing(name));
        }
    }
    Ok(())
}

/// Redeem a user assertion for a token as that user (the client must be
/// confidential). Answered like a refresh: no id token.
pub(super) fn on_behalf_of(
    t: &Emulator,
    client: &Client,
    p: &Params,
    origin: &str,
    now: i64,
) -> Result<Value, OAuthError> {
    client.require_confidential()?;
    check_request(p)?;
    let assertion = p
        .get("assertion")
        .ok_or_else(|| OAuthError::missing("assertion"))?;
    let raw = p.get("scope").ok_or_else(|| OAuthError::missing("scope"))?;
    let (user, api, granted) = {
        let dir = t.directory.read();
        let user = check_user_assertion(&t.keys, &dir, &client.app, assertion, now)?;
        signed_in_user(&dir, user)?;
        let r = scopes::parse(raw, &dir)?;
        let mut granted = scopes::consented(&r, &client.app, &dir)?;
        granted.extend(r.oidc.iter().cloned());
        (user, r.api, granted)
    };
    let d = Delegated {
        origin,
        client,
        user,
        api,
        keep: granted.clone(),
        granted,
        family: Uuid::new_v4(),
        nonce: None,
        id_token: false,
    };
    issue_delegated(t, d, now)
}
