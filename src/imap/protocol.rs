//! The IMAP front as the server sees it: one `ImapProtocol` shared by every
//! IMAP listener, which hands each accepted connection to a new session. It
//! owns what sessions share (settings, backend, per-user session counts).

use std::sync::Arc;

use super::backend::{Backend, GatewayBackend};
use super::session;
use super::settings::ImapSettings;
use super::user_sessions::UserSessions;
use crate::server::{Connection, Protocol, Refusal, Shutdown};

/// The IMAP protocol front, shared by every IMAP listener.
pub struct ImapProtocol<B: Backend = GatewayBackend> {
    settings: ImapSettings,
    backend: B,
    sessions: Arc<UserSessions>,
}

impl<B: Backend> ImapProtocol<B> {
    pub fn new(settings: ImapSettings, backend: B) -> ImapProtocol<B> {
        ImapProtocol {
            settings,
            backend,
            sessions: Arc::new(UserSessions::default()),
        }
    }
}

impl<B: Backend> Protocol for ImapProtocol<B> {
    fn name(&self) -> &'static str {
        "imap"
    }

    async fn serve(&self, conn: Connection, shutdown: Shutdown) {
        session::run(
            &self.settings,
            &self.backend,
            &self.sessions,
            conn,
            shutdown,
        )
        .await;
    }

    fn refusal(&self, why: Refusal) -> String {
        format!("* BYE [UNAVAILABLE] {why}\r\n")
    }
}
