//! The mail service of the whole gateway: one per process. It owns the
//! per-mailbox sync engines, the MIME cache and the record of messages just
//! sent, and opens a user's mail (own mailbox plus the shared mailboxes
//! policy grants) for a session.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use parking_lot::RwLock;

use super::api::MailError;
use super::cache::MimeCache;
use super::engine::MailboxEngine;
use super::user::{Place, UserMail};
use crate::accounts::{Account, Mode};
use crate::auth::{self, BoxFuture, TokenProvider};
use crate::graph::GraphClient;
use crate::policy::{Access, Policy};
use crate::store::Store;

/// Where the mail service gets an account's Microsoft tokens (the `auth`
/// registry in the gateway; anything in tests).
pub trait Credentials: Send + Sync + 'static {
    fn tokens_for<'a>(
        &'a self,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<Arc<TokenProvider>, auth::Error>>;
}

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

pub struct MailService {
    pub(crate) graph: GraphClient,
    pub(crate) store: Store,
    pub(crate) cache: Option<MimeCache>,
    pub(crate) policy: Arc<RwLock<Policy>>,
    credentials: Arc<dyn Credentials>,
    pub(crate) settings: MailSettings,
    engines: DashMap<String, Arc<MailboxEngine>>,
    pub(crate) audit: crate::audit::Audit,
    /// (mailbox, Message-ID) of messages graphgate sent, with when.
    sent: DashMap<(String, String), Instant>,
}

impl MailService {
    pub fn new(
        graph: GraphClient,
        store: Store,
        cache: Option<MimeCache>,
        policy: Arc<RwLock<Policy>>,
        credentials: Arc<dyn Credentials>,
        settings: MailSettings,
        audit: crate::audit::Audit,
    ) -> Arc<MailService> {
        Arc::new(MailService {
            audit,
            graph,
            store,
            cache,
            policy,
            credentials,
            settings,
            engines: DashMap::new(),
            sent: DashMap::new(),
        })
    }

    pub(crate) fn engine(&self, address: &str) -> Arc<MailboxEngine> {
        let key = address.to_ascii_lowercase();
        self.engines
            .entry(key.clone())
            .or_insert_with(|| {
                MailboxEngine::start(
                    &key,
                    self.store.clone(),
                    self.settings.tree_ttl,
                    self.settings.poll_interval,
                    self.settings.size_mode == SizeMode::Estimate,
                )
            })
            .clone()
    }

    /// Remember that `mailbox` just sent a message with `message_id`, so a
    /// client's APPEND of its copy to Sent does not store it twice.
    pub fn note_sent(&self, mailbox: &str, message_id: &str) {
        let now = Instant::now();
        let window = self.settings.sent_dedupe_window;
        self.sent.retain(|_, at| now.duration_since(*at) < window);
        self.sent
            .insert((mailbox.to_ascii_lowercase(), message_id.to_string()), now);
    }

    pub(crate) fn recently_sent(&self, mailbox: &str, message_id: &str) -> bool {
        self.sent
            .get(&(mailbox.to_ascii_lowercase(), message_id.to_string()))
            .is_some_and(|at| at.elapsed() < self.settings.sent_dedupe_window)
    }

    /// Replace the policy (reload); sessions see it at their next command.
    pub fn set_policy(&self, policy: Policy) {
        *self.policy.write() = policy;
    }

    /// The token provider of `account`.
    pub(crate) async fn credentials_for(
        &self,
        account: &Account,
    ) -> Result<Arc<TokenProvider>, auth::Error> {
        self.credentials.tokens_for(account).await
    }

    /// The mail `account` may see: its own mailbox plus the shared ones
    /// policy grants (Exchange still has the last word on each request).
    pub async fn open_user(self: &Arc<Self>, account: &Account) -> Result<UserMail, MailError> {
        // Transient or not, a token problem is "unavailable" with the
        // sentence auth wrote (which names the fix).
        let tokens = self
            .credentials
            .tokens_for(account)
            .await
            .map_err(|e| MailError::Unavailable(e.to_string()))?;
        // A token now, so that a sign-in that needs a person shows at login
        // (NO [UNAVAILABLE] with the sentence), not at the first command.
        tokens
            .access_token()
            .await
            .map_err(|e| MailError::Unavailable(e.to_string()))?;
        let own_address = account.microsoft_user.to_ascii_lowercase();
        let delegated = account.mode == Mode::Delegated;
        let policy = self.policy.read().clone();
        let own_grant = policy
            .open(&account.login, &own_address, &own_address, Access::Read)
            .map_err(|d| MailError::NoPermission(d.reason))?;
        let own = Place {
            graph: self.graph.mailbox(tokens.clone(), &own_address, delegated),
            engine: self.engine(&own_address),
            grant: own_grant,
            audit: self.audit.clone(),
        };
        let mut shared = Vec::new();
        for (address, access) in policy.shared_for(&account.login) {
            let grant = match policy.open(&account.login, &own_address, &address, access) {
                Ok(g) => g,
                Err(_) => continue,
            };
            shared.push(Place {
                graph: self.graph.mailbox(tokens.clone(), &address, false),
                engine: self.engine(&address),
                grant,
                audit: self.audit.clone(),
            });
        }
        Ok(UserMail::new(
            self.clone(),
            account.login.clone(),
            own,
            shared,
        ))
    }
}
