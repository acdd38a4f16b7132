//! Doctor's checks of OAuth sign-in (`[oauth]`): the tenant's metadata and
//! signing keys can be had, the app exposes its API (a token for it can be
//! had with the app's own credential, and it passes every check but the
//! user one, as an app-only token must), and what the last OAuth sign-in
//! said about the on-behalf-of consent, which cannot be tried without a
//! user's token.

use super::Report;
use crate::accounts::OAUTH_AUDIT_ACTION;
use crate::auth::{BearerVerifier, Rejection, Tokens};
use crate::config::Config;
use crate::store::{AuditFilter, Store};

pub(super) async fn check(r: &mut Report, config: &Config, tokens: &Tokens, store: &Store) {
    r.section("OAuth sign-in (XOAUTH2, OAUTHBEARER)");
    if !config.oauth.enabled {
        r.ok("off ([oauth] enabled = false): clients log in with gateway passwords only");
        return;
    }
    let oauth = tokens.oauth();
    if !oauth.has_app_credential() {
        r.fail(
            "the on-behalf-of exchange needs the app's client secret or certificate in [microsoft]",
        );
        return;
    }
    let verifier = BearerVerifier::new(oauth.clone(), &config.oauth);
    let scope = verifier.scope_uri();
    let resource = scope
        .rsplit_once('/')
        .map_or(scope.as_str(), |(resource, _)| resource);
    let token = match oauth.app_token_for(&format!("{resource}/.default")).await {
        Ok(answer) => answer.access_token,
        Err(e) => {
            r.fail(format!(
                "no token for {resource} could be had ({e}): in the app registration, set the \
                 Application ID URI to {resource} and add the delegated scope {} under \"Expose an API\"",
                config.oauth.scope
            ));
            return;
        }
    };
    let now = chrono::Utc::now().timestamp();
    match verifier.verify(token.expose(), now).await {
        // The app's own token is app-only: refused for that reason alone,
        // it has passed the signature, issuer, tenant and audience checks.
        Err(Rejection::Invalid(why)) if why.starts_with("an app-only token") => r.ok(format!(
            "the app exposes {resource}; its tokens verify against the tenant's published keys \
             (issuer, tenant and audience check out); clients ask for the scope {scope}"
        )),
        Err(Rejection::Unavailable(why)) => r.fail(why),
        Err(other) => r.fail(format!(
            "a token for {resource} does not pass graphgate's checks: {}; see [oauth] audiences and tenants",
            other.reason()
        )),
        Ok(_) => r.fail(format!(
            "the app's own token for {resource} passed as a user's: the tenant's tokens are not what graphgate expects"
        )),
    }
    let filter = AuditFilter {
        action: Some(OAUTH_AUDIT_ACTION.into()),
        ..AuditFilter::default()
    };
    match store.audit_find(&filter, 1).await {
        Ok(rows) => match rows.first() {
            None => r.ok(
                "no OAuth sign-in yet: the first one shows whether the app has consent to act \
                 on behalf of users (the audit log keeps its outcome)",
            ),
            Some(last) if last.outcome == "allowed" => r.ok(format!(
                "the last OAuth sign-in ({}) worked, so the on-behalf-of consent is in place",
                last.login
            )),
            Some(last) if last.detail.contains("consent") => r.fail(format!(
                "the last OAuth sign-in ({}) failed for want of consent: {}",
                last.login, last.detail
            )),
            Some(last) => r.ok(format!(
                "the last OAuth sign-in ({}) was refused for its token, not for consent: {}",
                last.login, last.detail
            )),
        },
        Err(e) => r.fail(format!("cannot read the audit log: {e}")),
    }
}
