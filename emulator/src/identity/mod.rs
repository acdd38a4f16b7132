//! The emulated Microsoft identity platform: `/{tenant}/oauth2/v2.0/token`,
//! `/devicecode`, `/authorize`, OpenID discovery, and the sign-in pages a
//! person uses in a browser (`/devicelogin`, `/login`).
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
mod pages;
mod params;
mod routes;
mod scopes;
mod signin;
mod state;
mod token;

pub(crate) use routes::routes;
pub(crate) use state::IdentityState;
