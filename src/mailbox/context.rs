//! What every user's mail operations share, one per gateway: the store,
//! the MIME cache, the policy (replaced on reload), the settings, the audit
//! log, the record of messages graphgate just sent, and how APPEND stores
//! messages on this tenant. The service owns it; a user's folders, a
//! selected folder and APPEND reach it without reaching the service.

use std::sync::Arc;

use parking_lot::RwLock;

use super::append_route::AppendRoutes;
use super::cache::MimeCache;
use super::sent_log::SentLog;
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
    /// What graphgate sent lately, per (mailbox, Message-ID).
    pub sent: SentLog,
    /// The route APPEND found working on the tenant (one gateway, one tenant).
    pub append_routes: AppendRoutes,
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
            sent: SentLog::default(),
            append_routes: AppendRoutes::default(),
        }
    }
}
