//! The emulated Microsoft identity platform: `/{tenant}/oauth2/v2.0/token`,
//! `/devicecode`, `/authorize`, and the sign-in pages a person uses in a browser.
//!
//! STUB: the real implementation replaces this file.

use std::sync::Arc;

use axum::Router;

use super::Emulator;

/// Short-lived identity state: pending device codes and authorization codes.
#[derive(Default)]
pub struct IdentityState {}

/// Routes of the identity platform, mounted at the emulator's root.
pub fn routes() -> Router<Arc<Emulator>> {
    Router::new()
}
