//! How the mail service behaves: where RFC822.SIZE comes from, how often
//! selected folders are polled, how long a folder tree is trusted, the
//! largest APPEND, and how long a message just sent is remembered so that
//! its copy filed into Sent is not stored twice.

use std::time::Duration;

/// Where RFC822.SIZE comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SizeMode {
    /// The length of BODY[] as served: exact, but a header scan downloads
    /// every message once.
    #[default]
    Exact,
    /// From PR_MESSAGE_SIZE (as Exchange Online's IMAP does), with headers
    /// from Graph's internetMessageHeaders: a header scan downloads nothing.
    Estimate,
}

#[derive(Debug, Clone)]
pub struct MailSettings {
    pub size_mode: SizeMode,
    /// How often folders that a session has selected are polled (IDLE).
    pub poll_interval: Duration,
    /// How long a folder tree is trusted before LIST asks Graph again.
    pub tree_ttl: Duration,
    /// Largest message APPEND accepts.
    pub max_message_bytes: usize,
    /// How long an APPEND to Sent of a message graphgate just sent is
    /// answered with the copy Exchange already saved.
    pub sent_dedupe_window: Duration,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            size_mode: SizeMode::Exact,
            poll_interval: Duration::from_secs(20),
            tree_ttl: Duration::from_secs(60),
            max_message_bytes: 35 * 1024 * 1024,
            sent_dedupe_window: Duration::from_secs(600),
        }
    }
}
