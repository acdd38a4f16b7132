//! The `[imap]` settings a session runs with, and the one fixed timer (how
//! long a client may stay silent before logging in). They live apart from the
//! protocol type so every command file can read them without importing the
//! session or the listener.

use std::time::Duration;

use crate::config::ImapSection;

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
