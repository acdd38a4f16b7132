//! NOOP and CHECK: both ask the folder to catch up with Graph and send what
//! changed (EXPUNGE, EXISTS, FETCH FLAGS). Clients poll with them, so they
//! answer OK in every state, with or without a selected folder.

use super::backend::OpenFolder;
use super::conn::Done;
use super::reply::{self, Reply, Role};
use super::state::Selected;
use super::updates::{Expunges, Synced, catch_up};
use super::wire::{Wire, WireError};

/// NOOP or CHECK (`name`).
pub(super) async fn noop<F: OpenFolder>(
    wire: &mut Wire,
    selected: Option<&mut Selected<F>>,
    name: &str,
) -> Result<Done, WireError> {
    let synced = match selected {
        Some(selected) => catch_up(wire, selected, true, Expunges::Allowed).await?,
        None => Synced::Sent(0),
    };
    Ok(match synced {
        Synced::Sent(_) => Reply::ok(format!("{name} completed")).into(),
        Synced::Unreadable(e) => {
            tracing::warn!(error = %e, "could not bring the folder up to date");
            reply::mail_error(&e, Role::Subject).into()
        }
        Synced::Closed => Done::Close,
    })
}
