//! What every user's mail operations share, one per gateway: the store,
//! the MIME cache, the policy (replaced on reload), the settings, the audit
//! log, and the record of messages graphgate just sent. The service owns
//! it; a user's folders, a selected folder and APPEND reach it without
//! reaching the service.

use std::sync::Arc;
use std::time::Instant;

use dashmap::DashMap;
use parking_lot::RwLock;

use super::cache::MimeCache;
use super::settings::MailSettings;
use crate::audit::Audit;
use crate::policy::Policy;
use crate::store::Store;

pub(crate) struct MailContext {
    pub store: Store,
    pub cache: Option<MimeCache>,
    pub policy: Arc<RwLock<Policy>>,
    pub settings: MailSettings,
    pub audit: Audit,
    /// (mailbox, Message-ID) of messages graphgate sent, with when.
    sent: DashMap<(String, String), Instant>,
}

impl MailContext {
    pub fn new(
        store: Store,
        cache: Option<MimeCache>,
        policy: Arc<RwLock<Policy>>,
        settings: MailSettings,
        audit: Audit,
    ) -> MailContext {
        MailContext {
            store,
            cache,
            policy,
            settings,
            audit,
            sent: DashMap::new(),
        }
    }

    /// Remember that `mailbox` just sent a message with `message_id`.
    pub fn note_sent(&self, mailbox: &str, message_id: &str) {
        let now = Instant::now();
        let window = self.settings.sent_dedupe_window;
        self.sent.retain(|_, at| now.duration_since(*at) < window);
        self.sent
            .insert((mailbox.to_ascii_lowercase(), message_id.to_string()), now);
    }

    /// Whether `mailbox` sent a message with `message_id` within the window.
    pub fn recently_sent(&self, mailbox: &str, message_id: &str) -> bool {
        self.sent
            .get(&(mailbox.to_ascii_lowercase(), message_id.to_string()))
            .is_some_and(|at| at.elapsed() < self.settings.sent_dedupe_window)
    }
}
