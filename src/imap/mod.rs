//! The IMAP front: IMAP4rev1 with the extensions desktop clients expect
//! (IDLE, UIDPLUS, MOVE, LITERAL+, SPECIAL-USE, LIST-STATUS, ...) over the
//! protocol-neutral mailbox service. One session per connection keeps its own
//! sequence numbers and tells its client about changes made by anyone.
//!
//! Layout: `wire` frames bytes with imap-codec, `session` runs the state
//! machine and dispatches, one file per command group does the work, and
//! `reply` maps every failure to a status reply.

mod append;
mod auth;
pub mod backend;
mod fetch;
mod folders;
mod idle;
mod list_ext;
mod names;
mod reply;
mod search;
mod search_eval;
mod select;
mod session;
mod store;
mod view;
mod wire;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

pub use backend::{Backend, GatewayBackend, OpenFolder, UserFolders};

use crate::config::ImapSection;
use crate::server::{Connection, Protocol, Shutdown};

/// How long a client may stay silent before logging in.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(60);

/// The `[imap]` settings a session uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapSettings {
    /// Largest literal (APPEND message) accepted.
    pub max_literal_bytes: u32,
    /// Open sessions one user may have at once.
    pub max_connections_per_user: u32,
    /// Autologout after this much silence from a logged-in client (and the
    /// longest an IDLE lasts).
    pub idle_timeout: Duration,
    /// Allow LOGIN and AUTHENTICATE without TLS from other machines.
    pub allow_plaintext_auth_on_non_loopback: bool,
}

impl Default for ImapSettings {
    fn default() -> Self {
        ImapSettings::from(&ImapSection::default())
    }
}

impl From<&ImapSection> for ImapSettings {
    fn from(section: &ImapSection) -> Self {
        ImapSettings {
            max_literal_bytes: section.max_literal_bytes,
            max_connections_per_user: section.max_connections_per_user,
            idle_timeout: Duration::from_secs(section.idle_timeout_s),
            allow_plaintext_auth_on_non_loopback: section.allow_plaintext_auth_on_non_loopback,
        }
    }
}

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
        session::run(self, conn, shutdown).await;
    }
}

/// Open sessions per user, for `max_connections_per_user`.
#[derive(Debug, Default)]
struct UserSessions {
    open: Mutex<HashMap<String, u32>>,
}

/// One logged-in session of a user; dropping it frees the place.
#[derive(Debug)]
struct UserSlot {
    sessions: Arc<UserSessions>,
    login: String,
}

impl UserSessions {
    fn claim(self: &Arc<Self>, login: &str, max: u32) -> Option<UserSlot> {
        let mut open = self.open.lock();
        let count = open.entry(login.to_string()).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(UserSlot {
            sessions: self.clone(),
            login: login.to_string(),
        })
    }
}

impl Drop for UserSlot {
    fn drop(&mut self) {
        let mut open = self.sessions.open.lock();
        if let Some(count) = open.get_mut(&self.login) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.login);
            }
        }
    }
}
