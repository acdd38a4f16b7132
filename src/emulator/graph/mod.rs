//! Microsoft Graph v1.0 mail endpoints of the emulated tenant.

pub mod uploads;

use std::sync::Arc;

use axum::Router;

use super::Emulator;

pub fn routes() -> Router<Arc<Emulator>> {
    Router::new()
}
