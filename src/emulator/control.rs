//! The emulator's control API under `/_emulator/` (loopback clients only):
//! statistics, switches, mail delivery, Exchange permissions, session revocation.

use std::sync::Arc;

use axum::Router;

use super::Emulator;

pub fn routes() -> Router<Arc<Emulator>> {
    Router::new()
}
