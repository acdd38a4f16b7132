//! The emulator's HTTP surface in one axum `Router`: the identity platform
//! at the root, Graph under `/v1.0`, upload sessions and the control API.
//! `start` serves it; a project with a server of its own can mount it.

use std::sync::Arc;

use crate::tenant::Emulator;
use crate::{control, graph, identity};

/// Every route of the emulator: identity platform at the root, Graph under
/// `/v1.0`, upload sessions, and the loopback-only control API.
pub fn router(tenant: Arc<Emulator>) -> axum::Router {
    axum::Router::new()
        .merge(identity::routes())
        .merge(graph::routes())
        .merge(control::routes())
        .with_state(tenant)
}
