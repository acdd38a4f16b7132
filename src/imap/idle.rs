//! IDLE (RFC 2177): the client waits and graphgate pushes EXISTS, EXPUNGE and
//! FETCH (FLAGS) as soon as the shared engine sees a change, until DONE, the
//! autologout timer, or shutdown.

use imap_types::core::Tag;

use super::backend::{Backend, OpenFolder};
use super::reply::Reply;
use super::session::{Outcome, Session, Stop};
use super::wire::{Expect, Incoming, WireError};

/// What ended one wait inside IDLE.
enum Wake {
    Client(Result<Incoming, WireError>),
    Changed,
    Timeout,
    Shutdown,
}

impl<B: Backend> Session<'_, B> {
    pub(super) async fn idle(&mut self, _tag: &Tag<'static>) -> Outcome {
        if self.user.is_none() {
            return Ok(Reply::bad(super::session::LOGIN_FIRST));
        }
        // Owed updates first, then the go-ahead.
        let _ = self.updates(false, true).await?;
        self.wire.raw(b"+ idling\r\n");
        self.wire.expect(Expect::IdleDone);
        self.wire.flush().await?;
        let deadline = tokio::time::Instant::now() + self.proto.settings.idle_timeout;
        // After a wake-up that brought nothing, wait a little before listening
        // again, so a folder that signals without changing cannot spin us.
        let mut calm_until = None;
        let outcome = loop {
            let wake = {
                let selected = &self.selected;
                let changed = async move {
                    if let Some(until) = calm_until {
                        tokio::time::sleep_until(until).await;
                    }
                    match selected {
                        Some(selected) => selected.folder.changed().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    r = self.wire.next() => Wake::Client(r),
                    () = changed => Wake::Changed,
                    () = tokio::time::sleep_until(deadline) => Wake::Timeout,
                    () = self.shutdown.recv() => Wake::Shutdown,
                }
            };
            match wake {
                Wake::Client(Ok(Incoming::IdleDone)) => break Ok(Reply::ok("IDLE terminated")),
                Wake::Client(Ok(Incoming::Malformed { why, .. })) => break Ok(Reply::bad(why)),
                Wake::Client(Ok(_)) => break Ok(Reply::bad("expected DONE to end IDLE")),
                Wake::Client(Err(e)) => break Err(Stop::Wire(e)),
                Wake::Changed => {
                    let sent = self.updates(false, true).await?.unwrap_or(0);
                    calm_until = (sent == 0)
                        .then(|| tokio::time::Instant::now() + std::time::Duration::from_secs(1));
                    self.wire.flush().await?;
                }
                Wake::Timeout => {
                    tracing::info!("autologout during IDLE");
                    break Err(self.bye(None, "Autologout; IDLE lasted too long").await);
                }
                Wake::Shutdown => break Err(self.bye(None, "graphgate is shutting down").await),
            }
        };
        self.wire.expect(Expect::Command);
        outcome
    }
}
