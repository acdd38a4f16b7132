//! Injected faults (the `fault_*` switches): whether an operation gets one,
//! its status, whether it strikes before or after the change, and the error
//! Graph would answer with that status.

use axum::http::StatusCode;
use rand::Rng;

use super::error::GraphError;
use crate::settings::Settings;

/// An injected fault: its status and whether it strikes after the change.
pub(super) struct Fault {
    pub(super) status: u16,
    pub(super) after: bool,
}

pub(super) fn draw_fault(s: &Settings, template: &str) -> Option<Fault> {
    if s.fault_rate <= 0.0 || s.fault_statuses.is_empty() {
        return None;
    }
    if !s.fault_match.is_empty() && !template.contains(&s.fault_match) {
        return None;
    }
    let mut rng = rand::rng();
    if rng.random::<f64>() >= s.fault_rate {
        return None;
    }
    let status = s.fault_statuses[rng.random_range(0..s.fault_statuses.len())];
    // Graph throttles before it does the work: a 429 never hides a change.
    Some(Fault {
        status,
        after: status != 429 && rng.random::<f64>() < s.fault_after_ratio,
    })
}

pub(super) fn fault_error(status: u16) -> GraphError {
    let st = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    match status {
        429 => GraphError::throttled(1, "Application is over its MailboxConcurrency limit."),
        503 => GraphError::new(
            st,
            "serviceNotAvailable",
            "Service is unavailable. Try again later.",
        )
        .with_retry_after(1),
        504 => GraphError::new(st, "UnknownError", "The operation has timed out."),
        // What Exchange answers for a stale change key and an expired sync
        // state (docs/microsoft-graph.md §30).
        412 => GraphError::new(
            st,
            "ErrorIrresolvableConflict",
            "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
        ),
        410 => GraphError::new(
            st,
            "syncStateNotFound",
            "The sync state generation was not found or has expired. Start a new synchronization.",
        ),
        _ => GraphError::new(
            st,
            "generalException",
            "An internal server error occurred. The operation failed.",
        ),
    }
}
