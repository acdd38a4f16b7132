//! The user assertion of the on-behalf-of grant: the access token a client
//! sent to the middle-tier API, checked as Entra checks it, in Entra's order
//! and words: signature by a published key, lifetime, tenant, audience (the
//! API making the request), and that it speaks for a user, not an app.

use uuid::Uuid;

use super::clock::entra_time;
use super::error::OAuthError;
use crate::directory::{AppRegistration, Directory};
use crate::tokens::{ApiClaims, SignatureCheck, TokenKeys, v1_issuer};

fn signature_failed(reason: &str) -> OAuthError {
    OAuthError::new(
        "invalid_grant",
        50013,
        format!("Assertion failed signature validation. [Reason - {reason}]"),
    )
}

/// Is `iss` an issuer of tenant `tid`: Entra's v1.0 STS, or the v2.0
/// `{authority}/{tid}/v2.0` (the authority is whatever host the token was
/// issued at)?
fn issuer_of(iss: &str, tid: Uuid) -> bool {
    if iss.eq_ignore_ascii_case(&v1_issuer(tid)) {
        return true;
    }
    let suffix = format!("/{tid}/v2.0");
    let tail = iss
        .len()
        .checked_sub(suffix.len())
        .and_then(|at| iss.get(at..));
    tail.is_some_and(|t| t.eq_ignore_ascii_case(&suffix))
        && (iss.starts_with("https://") || iss.starts_with("http://"))
}

/// Check the on-behalf-of `assertion` presented by `app`; the user it
/// speaks for (whose existence the caller checks).
pub(crate) fn check_user_assertion(
    keys: &TokenKeys,
    dir: &Directory,
    app: &AppRegistration,
    assertion: &str,
    now: i64,
) -> Result<Uuid, OAuthError> {
    let c: ApiClaims = keys.api.verify(assertion).map_err(|e| match e {
        SignatureCheck::Mismatch => signature_failed(
            "The provided signature value did not match the expected signature value.",
        ),
        SignatureCheck::KeyNotFound | SignatureCheck::Malformed => {
            signature_failed("The key was not found.")
        }
    })?;
    if now >= c.exp || now < c.nbf {
        return Err(OAuthError::new(
            "invalid_grant",
            500133,
            format!(
                "Assertion is not within its valid time range. Ensure that the access token is not expired before \
                 using it for user assertion, or request a new token. Current time: {}, expiry time of assertion {}.",
                entra_time(now),
                entra_time(c.exp)
            ),
        ));
    }
    let tid_ok = Uuid::parse_str(&c.tid).is_ok_and(|t| t == dir.tenant_id);
    if !tid_ok || !issuer_of(&c.iss, dir.tenant_id) {
        return Err(signature_failed(&format!(
            "The issuer '{}' of the assertion (tenant '{}') is not a valid issuer for tenant '{}'.",
            c.iss, c.tid, dir.tenant_id
        )));
    }
    let aud = c.aud.trim_end_matches('/');
    let for_app = aud.eq_ignore_ascii_case(&app.client_id)
        || app
            .identifier_uris
            .iter()
            .any(|u| u.trim_end_matches('/').eq_ignore_ascii_case(aud));
    if !for_app {
        return Err(OAuthError::new(
            "invalid_grant",
            50013,
            format!(
                "Assertion audience does not match the Client app presenting the assertion. The audience in the \
                 assertion was '{}' and the expected audience is '{}' or one of the Application Uris of this \
                 application with App ID '{}'({}). The downstream client must request a token for the expected \
                 audience (the application that made the OBO request) and this application should use that token \
                 as the assertion.",
                c.aud, app.client_id, app.client_id, app.display_name
            ),
        ));
    }
    let has_scp = c.scp.as_deref().is_some_and(|s| !s.trim().is_empty());
    if c.idtyp.eq_ignore_ascii_case("app") || !has_scp {
        return Err(OAuthError::new(
            "invalid_grant",
            7000114,
            format!(
                "Application '{}'({}) is not allowed to make application on-behalf-of calls.",
                app.client_id, app.display_name
            ),
        ));
    }
    Uuid::parse_str(&c.oid).map_err(|_| {
        OAuthError::new(
            "invalid_grant",
            50034,
            "The user account does not exist in the directory.",
        )
    })
}

#[cfg(test)]
#[path = "tests_user_assertion.rs"]
mod tests;
