//! `[pop3]`: the POP3 listeners (off unless set) and how the maildrop is
//! served.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use super::sections::optional_addr;

/// `[pop3]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pop3Section {
    /// Plain POP3 with STLS ("" = off).
    #[serde(with = "optional_addr")]
    pub listen: Option<SocketAddr>,
    /// POP3 over implicit TLS, POP3S ("" = off).
    #[serde(with = "optional_addr")]
    pub listen_tls: Option<SocketAddr>,
    /// What QUIT does with the messages a session marked with DELE.
    pub delete: Pop3Delete,
    /// Seconds of silence after which a session is closed (RFC 1939: at
    /// least 10 minutes).
    pub idle_timeout_s: u64,
    /// Allow USER/PASS and AUTH without TLS from other machines.
    pub allow_plaintext_auth_on_non_loopback: bool,
}

/// Where deleted POP3 messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pop3Delete {
    /// Moved to Deleted Items, as Outlook and Exchange's own POP3 do.
    DeletedItems,
    /// Deleted from the mailbox's folders at once (into the recoverable
    /// items, for the tenant's retention period).
    Permanent,
}

impl Default for Pop3Section {
    fn default() -> Self {
        Pop3Section {
            listen: None,
            listen_tls: None,
            delete: Pop3Delete::DeletedItems,
            idle_timeout_s: 600,
            allow_plaintext_auth_on_non_loopback: false,
        }
    }
}
