//! The emulated Microsoft identity platform: `/{tenant}/oauth2/v2.0/token`,
//! `/devicecode`, `/authorize`, OpenID discovery, and the sign-in pages a
//! person uses in a browser (`/devicelogin`, `/login`).
//!
//! It follows Entra's documented behaviour (graph-mail.md §15): the error
//! shape and AADSTS codes, rotating refresh tokens, device-code polling rules,
//! PKCE, certificate client assertions. Short-lived state (device codes,
//! authorization codes, sign-in flows) lives in [`IdentityState`].

mod authorize;
mod client_auth;
mod devicecode;
mod discovery;
mod error;
mod id_token;
mod pages;
mod scopes;
mod signin;
mod state;
mod token;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use http::HeaderMap;

pub(crate) use state::IdentityState;

use super::directory::Directory;
use crate::tenant::Emulator;

/// Routes of the identity platform, mounted at the emulator's root.
pub(crate) fn routes() -> Router<Arc<Emulator>> {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token::token))
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(devicecode::devicecode),
        )
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize::authorize))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys))
        .route(
            "/devicelogin",
            get(signin::enter_code).post(signin::submit_code),
        )
        .route("/login", post(signin::login))
        .route("/login/consent", post(signin::consent))
}

/// Scheme and host the client used to reach us (`http://127.0.0.1:8787`),
/// from the Host header; endpoints and audiences are built from it.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| p.eq_ignore_ascii_case("https"))
        .map_or("http", |_| "https");
    format!("{proto}://{host}")
}

/// Is `tenant` one of the multi-tenant aliases rather than this tenant itself?
pub(crate) fn is_multi_tenant_alias(tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case("common") || tenant.eq_ignore_ascii_case("organizations")
}

/// The issuer of id tokens and of the discovery document.
pub(crate) fn issuer(origin: &str, dir: &Directory) -> String {
    format!("{origin}/{}/v2.0", dir.tenant_id)
}

/// A Unix time the way Entra writes it in messages: `2024-07-31T08:00:26.0000000Z`.
pub(crate) fn entra_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| format!("{}.0000000Z", d.format("%Y-%m-%dT%H:%M:%S")))
        .unwrap_or_default()
}

pub(crate) fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Form or query parameters. Entra treats an empty value as a missing one.
#[derive(Debug, Default)]
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    /// Parse `application/x-www-form-urlencoded` bytes; the first of repeated names wins.
    pub(crate) fn parse(body: &[u8]) -> Params {
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
        }
        Params(map)
    }

    pub(crate) fn from_map(map: HashMap<String, String>) -> Params {
        Params(map)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Was the parameter sent at all (even empty)?
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}
