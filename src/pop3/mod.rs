//! The POP3 front (RFC 1939, CAPA from RFC 2449, STLS from RFC 2595, AUTH
//! from RFC 5034 with PLAIN and LOGIN, and XOAUTH2 and
//! OAUTHBEARER when OAuth sign-in is on), over the same accounts, policy and
//! mail service as IMAP. The maildrop is a folder (the Inbox unless the
//! user's `pop3_maildrop` names another); UIDL is the folder's UIDVALIDITY
//! and the message's IMAP UID, so it survives sessions, restarts and
//! Graph's id changes. DELE marks; QUIT removes (to Deleted Items, or for
//! good); a connection that drops removes nothing. See docs/pop3.md.

mod auth;
mod backend;
mod session;
mod text;

use std::time::Duration;

pub use backend::GatewayPop3;

use crate::config::Pop3Section;
use crate::server::{Connection, Protocol, Shutdown};
use backend::Pop3Backend;

/// What the POP3 front needs from `[pop3]`.
#[derive(Debug, Clone)]
pub struct Pop3Settings {
    pub idle_timeout: Duration,
    pub allow_plaintext_auth_on_non_loopback: bool,
}

impl From<&Pop3Section> for Pop3Settings {
    fn from(s: &Pop3Section) -> Pop3Settings {
        Pop3Settings {
            // RFC 1939 §3: at least ten minutes.
            idle_timeout: Duration::from_secs(s.idle_timeout_s.max(600)),
            allow_plaintext_auth_on_non_loopback: s.allow_plaintext_auth_on_non_loopback,
        }
    }
}

/// The POP3 front.
pub struct Pop3Protocol<B: Pop3Backend> {
    settings: Pop3Settings,
    backend: B,
}

impl<B: Pop3Backend> Pop3Protocol<B> {
    pub fn new(settings: Pop3Settings, backend: B) -> Pop3Protocol<B> {
        Pop3Protocol { settings, backend }
    }
}

impl<B: Pop3Backend> Protocol for Pop3Protocol<B> {
    fn name(&self) -> &'static str {
        "pop3"
    }

    async fn serve(&self, conn: Connection, shutdown: Shutdown) {
        session::run(self, conn, shutdown).await;
    }

    fn refusal(&self, why: crate::server::Refusal) -> String {
        format!("-ERR [SYS/TEMP] {why}\r\n")
    }
}
