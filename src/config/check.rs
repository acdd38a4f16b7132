//! The rules that join keys, which the types alone cannot say: limits that
//! must be at least 1, files that go in pairs, endpoints that must be URLs,
//! listeners that must not share an address.

use std::path::PathBuf;

use super::error::ConfigError;
use super::origin::Origin;
use super::redact::redact_url;
use super::root::Config;
use super::sections::{AccountsSection, SQLITE_FILE};

/// Rules across keys, which the types alone cannot say.
pub(super) fn check(config: &Config, origin: &Origin) -> Result<(), ConfigError> {
    if config.server.max_connections == 0 {
        return Err(origin.error(
            "server.max_connections",
            "config key `server.max_connections`: must be at least 1 (the default is 1000)",
        ));
    }
    for (key, value, default) in [
        (
            "imap.max_literal_bytes",
            u64::from(config.imap.max_literal_bytes),
            "41943040",
        ),
        (
            "imap.max_connections_per_user",
            u64::from(config.imap.max_connections_per_user),
            "20",
        ),
        ("imap.idle_timeout_s", config.imap.idle_timeout_s, "1800"),
        (
            "mail.request_budget",
            u64::from(config.mail.request_budget),
            "10000",
        ),
        (
            "mail.request_budget_window_s",
            config.mail.request_budget_window_s,
            "600",
        ),
    ] {
        if value == 0 {
            return Err(origin.error(
                key,
                format_args!("config key `{key}`: must be at least 1 (the default is {default})"),
            ));
        }
    }
    if let Some(key) = half_pair(&config.tls.cert, "tls.cert", &config.tls.key, "tls.key") {
        return Err(origin.error(
            key,
            format_args!(
                "config key `{key}`: tls.cert and tls.key go together: set both (PEM files) or \
                 neither (then a self-signed localhost certificate is made in {})",
                config.server.cert_dir().display()
            ),
        ));
    }
    let ms = &config.microsoft;
    if let Some(key) = half_pair(
        &ms.client_certificate,
        "microsoft.client_certificate",
        &ms.client_key,
        "microsoft.client_key",
    ) {
        return Err(origin.error(
            key,
            format_args!(
                "config key `{key}`: microsoft.client_certificate and microsoft.client_key go \
                 together: set both (PEM files) or neither (then client_secret is used)"
            ),
        ));
    }
    if let Err(bad) = ms.endpoints() {
        return Err(origin.error(&bad.key, &bad));
    }
    let oauth = &config.oauth;
    if oauth.enabled
        && ms.client_secret.is_empty()
        && (ms.client_certificate.is_none() || ms.client_key.is_none())
    {
        return Err(origin.error(
            "oauth.enabled",
            "config key `oauth.enabled`: OAuth sign-in exchanges the client's token for a Graph \
             token on behalf of the user, which Microsoft allows only to a confidential client: \
             set microsoft.client_secret (or microsoft.client_certificate and \
             microsoft.client_key)",
        ));
    }
    if oauth.enabled && oauth.scope.trim().is_empty() {
        return Err(origin.error(
            "oauth.scope",
            "config key `oauth.scope`: name the delegated scope the app registration exposes \
             (the default is Mail.Gateway)",
        ));
    }
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&config.log.level) {
        return Err(origin.error(
            "log.level",
            format_args!(
                "config key `log.level`: {:?} is not a log filter ({e}); use a level such as \
                 \"info\" or \"debug\", or directives such as \"warn,graphgate=debug\"",
                config.log.level
            ),
        ));
    }
    let url = config.store.url.trim();
    if !url.is_empty()
        && !["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|scheme| url.starts_with(scheme))
    {
        return Err(origin.error(
            "store.url",
            format_args!(
                "config key `store.url`: {:?} is neither a sqlite:// nor a postgres:// URL; \
                 write \"\" for the SQLite file {} in server.data_dir",
                redact_url(url),
                SQLITE_FILE
            ),
        ));
    }
    let accounts = &config.accounts;
    for (key, value) in [
        ("accounts.failures_per_user", accounts.failures_per_user),
        (
            "accounts.failures_per_address",
            accounts.failures_per_address,
        ),
    ] {
        if value == 0 {
            return Err(origin.error(
                key,
                format_args!(
                    "config key `{key}`: must be at least 1 (failed logins allowed before \
                     refusing); the default is {}",
                    if key.ends_with("user") {
                        AccountsSection::default().failures_per_user
                    } else {
                        AccountsSection::default().failures_per_address
                    }
                ),
            ));
        }
    }
    if accounts.failure_window_s == 0 {
        return Err(origin.error(
            "accounts.failure_window_s",
            "config key `accounts.failure_window_s`: must be at least 1 (seconds); the default is 60",
        ));
    }
    let listeners = config.listen_addresses();
    for (i, (key, addr)) in listeners.iter().enumerate() {
        if let Some((other, _)) = listeners[..i]
            .iter()
            .find(|(_, a)| a == addr && a.port() != 0)
        {
            return Err(origin.error(
                key,
                format_args!(
                    "config key `{key}`: {addr} is also the address of `{other}`; give each \
                     listener its own port"
                ),
            ));
        }
    }
    Ok(())
}

/// The key of the half that is missing when only one of two is set.
fn half_pair<'k>(
    a: &Option<PathBuf>,
    a_key: &'k str,
    b: &Option<PathBuf>,
    b_key: &'k str,
) -> Option<&'k str> {
    match (a, b) {
        (Some(_), None) => Some(b_key),
        (None, Some(_)) => Some(a_key),
        _ => None,
    }
}
