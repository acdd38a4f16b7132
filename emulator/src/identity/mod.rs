//! The emulated Microsoft identity platform: `/{tenant}/oauth2/v2.0/token`,
//! `/devicecode`, `/authorize`, OpenID discovery with the JWKS, and the
//! sign-in pages a person uses in a browser (`/devicelogin`, `/login`).
//! Besides Graph, apps can expose APIs of their own (`api://{id}/Scope`):
//! tokens for them are RS256, checkable against the published keys, and
//! the API can trade them for Graph tokens on behalf of the user (obo.rs).
//!
//! It follows Entra's documented behaviour (docs/microsoft-graph.md §19–§24):
//! the error shape and AADSTS codes, rotating refresh tokens, device-code
//! polling rules, PKCE, certificate client assertions. Short-lived state
//! (device codes, authorization codes, sign-in flows) lives in
//! [`IdentityState`].

mod authorize;
mod client_auth;
mod clock;
mod devicecode;
mod discovery;
mod endpoints;
mod error;
mod id_token;
mod issue;
mod obo;
mod pages;
mod params;
mod refresh_grant;
mod routes;
mod scopes;
mod signin;
mod state;
mod token;
mod user_assertion;

pub(crate) use endpoints::origin;
pub(crate) use routes::routes;
pub(crate) use scopes::find_api;
pub(crate) use state::IdentityState;
