//! The connection side of one IMAP session, apart from its RFC 3501 state:
//! the framed wire, the peer, the STARTTLS acceptor still on offer, the
//! shutdown signal and what all sessions share (settings, backend, per-user
//! counts). Command handlers borrow it next to the state they need, and
//! `Done` is how every one of them says how it ended.

use std::net::SocketAddr;
use std::sync::Arc;

use imap_types::response::Code;
use tokio_rustls::TlsAcceptor;
use tracing::Span;

use super::backend::Backend;
use super::enabled::Enabled;
use super::reply::{self, Extra, Reply};
use super::settings::ImapSettings;
use super::user_sessions::UserSessions;
use super::wire::Wire;
use crate::accounts::Account;
use crate::server::{Admission, LiveSession, Shutdown};

/// One client connection and what the server shares with it.
pub(super) struct Conn<'p, B: Backend> {
    pub settings: &'p ImapSettings,
    pub backend: &'p B,
    pub sessions: &'p Arc<UserSessions>,
    pub wire: Wire,
    pub peer: SocketAddr,
    /// The acceptor while STARTTLS is still possible (a plain listener with
    /// a certificate, before the handshake).
    pub tls: Option<TlsAcceptor>,
    pub shutdown: Shutdown,
    /// The session's span, whose `user` is filled in at login.
    pub span: Span,
    /// The per-address slot and pre-login deadline the server gave it.
    pub admission: Arc<Admission>,
    /// Its entry in the list of open sessions (the admin console).
    pub live: Arc<LiveSession>,
    /// Who logged in (with the password used), re-checked before every
    /// command (`still_signed_in`).
    pub account: Option<Account>,
    /// What the client enabled (ENABLE, or a CONDSTORE enabling command).
    pub enabled: Enabled,
}

/// How a command ended. Ending the session is an outcome, not an error:
/// errors are kept for a connection that broke (`WireError`).
#[derive(Debug)]
pub(super) enum Done {
    /// Send the untagged updates owed, then this tagged reply.
    Reply(Reply),
    /// The tagged reply is already sent (STARTTLS); read the next command.
    Answered,
    /// The session is over (BYE sent, or nothing more can be said).
    Close,
}

impl From<Reply> for Done {
    fn from(reply: Reply) -> Done {
        Done::Reply(reply)
    }
}

impl<B: Backend> Conn<'_, B> {
    /// What BYE says when the shutdown signal fired: an administrator
    /// ended this session, or the server is stopping.
    pub fn shutdown_text(&self) -> &'static str {
        if self.shutdown.ended_by_admin() {
            tracing::info!("ended by an administrator");
            "an administrator ended this session"
        } else {
            "graphgate is shutting down"
        }
    }

    /// Say BYE; the session is then over.
    pub(super) async fn bye(&mut self, code: Option<Code<'static>>, reason: &str) -> Done {
        self.wire.status(reply::bye(code, reason));
        let _ = self.wire.flush().await;
        Done::Close
    }

    /// BYE to a client that may still be sending: the reply must not be
    /// lost to a reset of the connection.
    pub(super) async fn bye_lingering(&mut self, reason: &str) -> Done {
        let done = self.bye(None, reason).await;
        self.wire.linger().await;
        done
    }

    /// `Some(Done::Close)`, with `* BYE [AUTHENTICATIONFAILED]` sent, when
    /// the logged-in account of this session was removed or replaced or its
    /// password revoked since (`Backend::still_signed_in` logs and audits
    /// why); `None` otherwise, and before login. One store read.
    pub(super) async fn still_signed_in(&mut self) -> Option<Done> {
        let account = self.account.as_ref()?;
        let why = self.backend.still_signed_in(account).await.err()?;
        self.account = None;
        let code = Extra::AuthenticationFailed.code();
        Some(self.bye(Some(code), &format!("access ended: {why}")).await)
    }

    /// Passwords may be sent: over TLS, from this machine, or when allowed.
    pub(super) fn login_allowed(&self) -> bool {
        self.wire.is_tls()
            || self.wire.is_loopback()
            || self.settings.allow_plaintext_auth_on_non_loopback
    }
}
