//! IDLE (RFC 2177): the client waits and graphgate pushes EXISTS, EXPUNGE and
//! FETCH (FLAGS) as soon as the shared engine sees a change in the selected
//! folder, until DONE, the autologout timer, or shutdown. Without a selected
//! folder it only waits. Every `RECHECK_EVERY` it checks that the account,
//! its password and the folder's grant still stand, and says BYE if not.

use std::time::Duration;

use super::backend::{Backend, OpenFolder};
use super::conn::{Conn, Done};
use super::reply::{Extra, Reply};
use super::state::{FolderOf, Selected, UserOf};
use super::updates::{Expunges, Synced, catch_up};
use super::wire::{Expect, Incoming, WireError};

/// How often an IDLE that hears nothing re-checks that its account still
/// stands (one indexed store read) and that policy still grants the folder.
const RECHECK_EVERY: Duration = Duration::from_secs(2);

/// What ended one wait inside IDLE.
enum Wake {
    Client(Result<Incoming, WireError>),
    Changed,
    Timeout,
    Shutdown,
    Recheck,
}

/// IDLE for a logged-in session, with the folder selected now, if any.
pub(super) async fn idle<B: Backend>(
    conn: &mut Conn<'_, B>,
    mut selected: Option<&mut Selected<FolderOf<UserOf<B>>>>,
) -> Result<Done, WireError> {
    // Owed updates first, then the go-ahead.
    if let Some(selected) = selected.as_deref_mut() {
        match catch_up(&mut conn.wire, selected, false, Expunges::Allowed).await? {
            Synced::Sent(_) => {}
            Synced::Unreadable(e) => {
                tracing::warn!(error = %e, "could not bring the folder up to date");
            }
            Synced::Closed => return Ok(Done::Close),
        }
    }
    conn.wire.raw(b"+ idling\r\n");
    conn.wire.expect(Expect::IdleDone);
    conn.wire.flush().await?;
    let deadline = tokio::time::Instant::now() + conn.settings.idle_timeout;
    // After a wake-up that brought nothing, wait a little before listening
    // again, so a folder that signals without changing cannot spin us.
    let mut calm_until = None;
    let mut recheck =
        tokio::time::interval_at(tokio::time::Instant::now() + RECHECK_EVERY, RECHECK_EVERY);
    let done = loop {
        let wake = {
            let folder = selected.as_deref().map(|s| &s.folder);
            let changed = async move {
                if let Some(until) = calm_until {
                    tokio::time::sleep_until(until).await;
                }
                match folder {
                    Some(folder) => folder.changed().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                r = conn.wire.next() => Wake::Client(r),
                () = changed => Wake::Changed,
                () = tokio::time::sleep_until(deadline) => Wake::Timeout,
                () = conn.shutdown.recv() => Wake::Shutdown,
                _ = recheck.tick() => Wake::Recheck,
            }
        };
        match wake {
            Wake::Client(Ok(Incoming::IdleDone)) => break Reply::ok("IDLE terminated").into(),
            Wake::Client(Ok(Incoming::Malformed { why, .. })) => break Reply::bad(why).into(),
            Wake::Client(Ok(_)) => break Reply::bad("expected DONE to end IDLE").into(),
            Wake::Client(Err(e)) => return Err(e),
            Wake::Changed => {
                let synced = match selected.as_deref_mut() {
                    Some(selected) => {
                        catch_up(&mut conn.wire, selected, false, Expunges::Allowed).await?
                    }
                    None => Synced::Sent(0),
                };
                let sent = match synced {
                    Synced::Sent(sent) => sent,
                    Synced::Unreadable(e) => {
                        tracing::warn!(error = %e, "could not bring the folder up to date");
                        0
                    }
                    Synced::Closed => return Ok(Done::Close),
                };
                calm_until =
                    (sent == 0).then(|| tokio::time::Instant::now() + Duration::from_secs(1));
                conn.wire.flush().await?;
            }
            Wake::Timeout => {
                tracing::info!("autologout during IDLE");
                break conn.bye(None, "Autologout; IDLE lasted too long").await;
            }
            Wake::Shutdown => {
                let text = conn.shutdown_text();
                break conn.bye(None, text).await;
            }
            Wake::Recheck => {
                // An account removed, a password revoked, or a grant
                // withdrawn ends the IDLE (and the session) with BYE.
                if let Some(done) = conn.still_signed_in().await {
                    break done;
                }
                if let Some(selected) = selected.as_deref()
                    && let Err(e) = selected.folder.check_access().await
                {
                    let why = format!("access ended: {e}");
                    break conn.bye(Some(Extra::NoPerm.code()), &why).await;
                }
            }
        }
    };
    conn.wire.expect(Expect::Command);
    Ok(done)
}
