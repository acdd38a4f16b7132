//! One IMAP connection from greeting to BYE: the read loop with the
//! autologout timer and the shutdown signal, and each command in its own
//! tracing span, run as the command table says (grant check first, then the
//! command, then the untagged updates owed, then the tagged reply). Input
//! that is not a command (malformed, refused literals) is answered here.
//!
//! Before each command of a logged-in session the account is re-checked
//! (`Conn::still_signed_in`): removing the account, revoking the password the
//! session logged in with, or removing and adding the login again ends the
//! session with `* BYE [AUTHENTICATIONFAILED]` at its next command, NOOP
//! included (IDLE checks on its ticks). It costs one indexed store read per
//! command.

use std::sync::Arc;

use imap_types::response::{Code, Greeting, GreetingKind};
use tracing::Instrument;

use super::backend::{Backend, OpenFolder};
use super::capability::capabilities;
use super::commands::{self, Folder, Updates};
use super::conn::{Conn, Done};
use super::dispatch::dispatch;
use super::enabled::Enabled;
use super::grammar::Request;
use super::reply::{self, Kind, Reply, Role};
use super::settings::{ImapSettings, LOGIN_TIMEOUT};
use super::state::{Change, State, UserOf};
use super::updates::{Synced, catch_up};
use super::user_sessions::UserSessions;
use super::wire::{Incoming, Limits, Wire, WireError};
use crate::observe::metrics;
use crate::server::{Connection, Shutdown};

/// What the read loop does after a message from the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Continue,
    Close,
}

impl From<Done> for Next {
    /// After the tagged reply (or none), read on unless the session is over.
    fn from(done: Done) -> Next {
        match done {
            Done::Reply(_) | Done::Answered => Next::Continue,
            Done::Close => Next::Close,
        }
    }
}

/// What woke the read loop.
enum Wake {
    Message(Result<Incoming, WireError>),
    Timeout,
    Shutdown,
    /// The pre-login deadline passed (commands do not extend it).
    PreloginDeadline,
}

struct Session<'p, B: Backend> {
    conn: Conn<'p, B>,
    state: State<UserOf<B>>,
}

/// Serve one connection until it ends.
pub(super) async fn run<B: Backend>(
    settings: &ImapSettings,
    backend: &B,
    sessions: &Arc<UserSessions>,
    conn: Connection,
    shutdown: Shutdown,
) {
    let span = tracing::info_span!("imap", peer = %conn.peer, user = tracing::field::Empty);
    let max_command = Limits::after_login(settings.max_literal_bytes).command;
    let mut session = Session {
        conn: Conn {
            settings,
            backend,
            sessions,
            wire: Wire::new(conn.stream, max_command),
            peer: conn.peer,
            tls: if conn.implicit_tls { None } else { conn.tls },
            shutdown,
            span: span.clone(),
            admission: conn.admission,
            live: conn.live,
            account: None,
            enabled: Enabled::default(),
        },
        state: State::NotAuthenticated,
    };
    session.serve().instrument(span).await;
}

impl<B: Backend> Session<'_, B> {
    async fn serve(&mut self) {
        let greeting = Greeting {
            kind: GreetingKind::Ok,
            code: Some(Code::Capability(capabilities(&self.conn, false))),
            text: reply::text("graphgate IMAP ready"),
        };
        self.conn.wire.greet(&greeting);
        if let Err(e) = self.conn.wire.flush().await {
            return tracing::debug!(error = %e, "could not greet");
        }
        loop {
            let limit = if self.state.logged_in() {
                self.conn.settings.idle_timeout
            } else {
                LOGIN_TIMEOUT
            };
            let wake = tokio::select! {
                r = tokio::time::timeout(limit, self.conn.wire.next()) => match r {
                    Ok(message) => Wake::Message(message),
                    Err(_elapsed) => Wake::Timeout,
                },
                () = self.conn.shutdown.recv() => Wake::Shutdown,
                () = self.conn.admission.prelogin_expired() => Wake::PreloginDeadline,
            };
            let next = match wake {
                Wake::Timeout => {
                    tracing::info!("autologout");
                    Ok(self
                        .conn
                        .bye(None, "Autologout; idle for too long")
                        .await
                        .into())
                }
                Wake::PreloginDeadline => {
                    tracing::info!("autologout: no login before the pre-login deadline");
                    Ok(self
                        .conn
                        .bye(None, "Autologout; log in sooner after connecting")
                        .await
                        .into())
                }
                Wake::Shutdown => {
                    let text = self.conn.shutdown_text();
                    Ok(self.conn.bye(None, text).await.into())
                }
                Wake::Message(Err(e)) => self.wire_failed(e).await,
                Wake::Message(Ok(incoming)) => self.incoming(incoming).await,
            };
            if self.state.logged_in() {
                // Idempotent: frees the unauthenticated slot and lifts the
                // pre-login deadline once the client is in.
                self.conn.admission.authenticated();
            }
            match next {
                Ok(Next::Continue) => {}
                Ok(Next::Close) => return,
                Err(e) => return tracing::debug!(error = %e, "connection ended"),
            }
        }
    }

    /// The client broke the framing, or the connection broke.
    async fn wire_failed(&mut self, e: WireError) -> Result<Next, WireError> {
        let reason = match e {
            WireError::Closed | WireError::Io(_) | WireError::WriteStalled => return Err(e),
            WireError::LiteralPlusTooBig { tag, length } => {
                let text = format!(
                    "a literal of {length} bytes is over the limit of {} bytes",
                    self.conn.settings.max_literal_bytes
                );
                let bad = Reply::bad(text).with(Code::TooBig);
                self.conn.wire.status(match tag {
                    Some(tag) => bad.tagged(tag),
                    None => bad.untagged(),
                });
                "closing after a literal that was too large".to_string()
            }
            WireError::LineTooLong(max) => format!("a command line was longer than {max} bytes"),
            WireError::CommandTooLong(max) => format!("a command was longer than {max} bytes"),
            WireError::Inflate => "the compressed data could not be inflated (RFC 4978)".into(),
        };
        Ok(self.conn.bye_lingering(&reason).await.into())
    }

    async fn incoming(&mut self, incoming: Incoming) -> Result<Next, WireError> {
        match incoming {
            Incoming::Command(request) => return self.command(*request).await,
            Incoming::Malformed { tag, why } => {
                tracing::debug!(%why, "malformed command");
                let bad = Reply::bad(why);
                self.conn.wire.status(match tag {
                    Some(tag) => bad.tagged(tag),
                    None => bad.untagged(),
                });
            }
            Incoming::LiteralRefused { tag, length } => {
                let limit = if self.state.logged_in() {
                    self.conn.settings.max_literal_bytes
                } else {
                    Limits::BEFORE_LOGIN.literal
                };
                let text =
                    format!("a literal of {length} bytes is over the limit of {limit} bytes");
                self.conn.wire.status(match tag {
                    Some(tag) => Reply::no(text).with(Code::TooBig).tagged(tag),
                    None => Reply::bad(text).with(Code::TooBig).untagged(),
                });
            }
            Incoming::CommandRefused { tag, limit } => {
                let text = format!(
                    "the literals of one command may total at most {limit} bytes; \
                     append the remaining messages in another APPEND"
                );
                self.conn.wire.status(match tag {
                    Some(tag) => Reply::no(text).with(Code::TooBig).tagged(tag),
                    None => Reply::bad(text).with(Code::TooBig).untagged(),
                });
            }
            Incoming::AuthData(_) | Incoming::IdleDone => {
                self.conn
                    .wire
                    .status(Reply::bad("unexpected line").untagged());
            }
        }
        Ok(Next::Continue)
    }

    async fn command(&mut self, request: Request) -> Result<Next, WireError> {
        let Request { tag, mut body } = request;
        let name = body.name();
        let span = tracing::info_span!("command", tag = %tag.inner(), name);
        let started = std::time::Instant::now();
        // What the tagged answer said; "other" when the session ended or
        // the command answered for itself (IDLE, LOGOUT).
        let mut outcome = "other";
        let result = async {
            if let Some(done) = self.conn.still_signed_in().await {
                return Ok(done.into());
            }
            if self.conn.enabled.utf8
                && let Some(why) = body.refused_with_utf8()
            {
                outcome = "bad";
                self.conn.wire.status(Reply::bad(why).tagged(tag));
                return Ok(Next::Continue);
            }
            if self.conn.enabled.utf8_names() {
                body.names_from_utf8();
            }
            let route = commands::route(body);
            // A grant withdrawn by a policy reload ends access at once.
            if route.folder == Folder::Stays
                && let Some(selected) = self.state.selected()
                && let Err(e) = selected.folder.check_access().await
            {
                self.state.apply(Change::Leave);
                outcome = "no";
                self.conn
                    .wire
                    .status(reply::mail_error(&e, Role::Subject).tagged(tag));
                return Ok(Next::Continue);
            }
            let reply = match dispatch(&mut self.conn, &mut self.state, &tag, route.command).await?
            {
                Done::Reply(reply) => reply,
                done @ (Done::Answered | Done::Close) => return Ok(done.into()),
            };
            if let Updates::After(expunges) = route.updates
                && let Some(selected) = self.state.selected_mut()
            {
                match catch_up(&mut self.conn.wire, selected, false, expunges).await? {
                    Synced::Sent(_) => {}
                    Synced::Unreadable(e) => {
                        tracing::warn!(error = %e, "could not bring the folder up to date");
                    }
                    Synced::Closed => return Ok(Next::Close),
                }
            }
            tracing::debug!(result = ?reply.kind, "done");
            outcome = match reply.kind {
                Kind::Ok => "ok",
                Kind::No => "no",
                Kind::Bad => "bad",
            };
            self.conn.wire.status(reply.tagged(tag));
            Ok(Next::Continue)
        }
        .instrument(span)
        .await;
        metrics::imap_command(name, outcome, started.elapsed());
        result
    }
}
