//! How the mail service behaves: where RFC822.SIZE comes from, how often
//! selected and IDLEd folders are polled, how recent a delta round answers
//! a session, how long a folder tree is trusted, the largest APPEND, and how
//! long a message just sent is remembered so that its copy filed into Sent
//! is not stored twice.

use std::time::Duration;

use crate::config::SizeMode;
use crate::config::{ImapSection, KeyError, MailSection};

#[derive(Debug, Clone)]
pub struct MailSettings {
    pub size_mode: SizeMode,
    /// How often folders that a session has selected are polled (IDLE).
    pub poll_interval: Duration,
    /// How often a folder a session IDLEs on is polled while changes keep
    /// coming (backing off to `poll_interval` when quiet).
    pub idle_poll_interval: Duration,
    /// A delta round this recent (or running) answers SELECT, NOOP and
    /// STATUS of its folder without another.
    pub sync_fresh: Duration,
    /// How long a folder tree is trusted before LIST asks Graph again.
    pub tree_ttl: Duration,
    /// Largest message APPEND accepts.
    pub max_message_bytes: usize,
    /// How long an APPEND to Sent of a message graphgate just sent is
    /// answered with the copy Exchange already saved.
    pub sent_dedupe_window: Duration,
    /// How long Exchange's answer to a user's own request proves that user's
    /// access to a shared mailbox (docs/security-shared.md).
    pub shared_access_recheck: Duration,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            size_mode: SizeMode::Exact,
            poll_interval: Duration::from_secs(20),
            idle_poll_interval: Duration::from_secs(2),
            sync_fresh: Duration::from_millis(1500),
            tree_ttl: Duration::from_secs(60),
            max_message_bytes: 35 * 1024 * 1024,
            sent_dedupe_window: Duration::from_secs(600),
            shared_access_recheck: Duration::from_secs(60),
        }
    }
}

impl MailSettings {
    /// From `[mail]`; APPEND takes messages up to the IMAP literal limit.
    pub fn from_sections(mail: &MailSection, imap: &ImapSection) -> Result<MailSettings, KeyError> {
        let max_message_bytes = usize::try_from(imap.max_literal_bytes).map_err(|_| {
            KeyError::new(
                "imap.max_literal_bytes",
                format!(
                    "{} does not fit this machine's memory",
                    imap.max_literal_bytes
                ),
            )
        })?;
        Ok(MailSettings {
            size_mode: mail.size_mode,
            poll_interval: Duration::from_secs(mail.poll_interval_s.max(1)),
            idle_poll_interval: Duration::from_secs(mail.idle_poll_interval_s.max(1)),
            sync_fresh: Duration::from_millis(mail.sync_fresh_ms),
            tree_ttl: Duration::from_secs(mail.folder_list_ttl_s),
            max_message_bytes,
            shared_access_recheck: Duration::from_secs(mail.shared_access_recheck_s),
            ..MailSettings::default()
        })
    }
}

/// RFC822.SIZE in estimate mode: Exchange's store size, raised by the most
/// a MIME rendering can add (base64 of binary attachments: 4/3 plus line
/// breaks), so the served message, padded, always fits.
pub(crate) fn estimated_size(store_size: i64) -> i64 {
    store_size + store_size * 3 / 8 + 1024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sections_give_the_settings_the_gateway_used() {
        let mail = MailSection {
            poll_interval_s: 0,
            idle_poll_interval_s: 3,
            sync_fresh_ms: 250,
            folder_list_ttl_s: 7,
            ..MailSection::default()
        };
        let imap = ImapSection::default();
        let settings = MailSettings::from_sections(&mail, &imap).unwrap();
        assert_eq!(settings.poll_interval, Duration::from_secs(1));
        assert_eq!(settings.idle_poll_interval, Duration::from_secs(3));
        assert_eq!(settings.sync_fresh, Duration::from_millis(250));
        assert_eq!(settings.tree_ttl, Duration::from_secs(7));
        assert_eq!(settings.max_message_bytes, imap.max_literal_bytes as usize);
        assert_eq!(settings.size_mode, mail.size_mode);
    }
}
