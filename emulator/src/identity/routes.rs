//! The identity platform's routes, mounted at the emulator's root: the
//! token, device code and authorize endpoints per tenant, OpenID discovery
//! (v2.0 and v1.0) with the JWKS, and the sign-in pages a person uses in a
//! browser.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::{authorize, devicecode, discovery, signin, token};
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
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(discovery::openid_configuration_v1),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys))
        .route("/{tenant}/discovery/keys", get(discovery::keys))
        .route(
            "/devicelogin",
            get(signin::enter_code).post(signin::submit_code),
        )
        .route("/login", post(signin::login))
        .route("/login/consent", post(signin::consent))
}
