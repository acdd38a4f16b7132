//! The mail service of the whole gateway: one per process. It owns the
//! per-mailbox sync engines and the context every user shares (store, MIME
//! cache, policy, record of messages just sent), and opens a user's mail
//! (own mailbox plus the shared mailboxes policy grants) for a session.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;

use dashmap::DashMap;
use parking_lot::RwLock;

use super::cache::MimeCache;
use super::context::MailContext;
use super::engine::{EngineTiming, MailboxEngine};
use super::error::MailError;
use super::namespace::Namespace;
use super::place::Place;
use super::settings::MailSettings;
use super::user::UserMail;
use crate::accounts::{Account, Mode};
use crate::audit::Audit;
use crate::auth::{self, Credentials, TokenProvider};
use crate::config::SizeMode;
use crate::graph::GraphClient;
use crate::policy::{Access, Policy};
use crate::store::{FolderNotice, MAIL_CHANNEL, Store};

/// Engines no session uses are dropped once this many are in memory, so
/// the folder trees and UID maps held per process follow the mailboxes in
/// use, not every mailbox ever opened.
const IDLE_ENGINES_KEPT: usize = 64;

pub struct MailService {
    pub(crate) graph: GraphClient,
    pub(crate) context: Arc<MailContext>,
    credentials: Arc<dyn Credentials>,
    engines: DashMap<String, Arc<MailboxEngine>>,
    /// Dropped with the service: stops the listener of other instances'
    /// writes (PostgreSQL).
    _listening: tokio::sync::watch::Sender<()>,
}

impl MailService {
    pub fn new(
        graph: GraphClient,
        store: Store,
        cache: Option<MimeCache>,
        policy: Arc<RwLock<Policy>>,
        credentials: Arc<dyn Credentials>,
        settings: MailSettings,
        audit: Audit,
    ) -> Arc<MailService> {
        let (listening, stop) = tokio::sync::watch::channel(());
        let shared = store.backend() == crate::store::Backend::Postgres;
        let service = Arc::new(MailService {
            graph,
            context: Arc::new(MailContext::new(
                store.clone(),
                cache,
                policy,
                settings,
                audit,
            )),
            credentials,
            engines: DashMap::new(),
            _listening: listening,
        });
        if shared {
            tokio::spawn(listen(
                Arc::downgrade(&service),
                store.clone(),
                stop.clone(),
            ));
            tokio::spawn(share_graph_limits(service.graph.clone(), store, stop));
        }
        service
    }

    /// Another instance wrote a folder: if it is in memory here, catch up.
    pub(crate) fn refresh_folder(&self, notice: &FolderNotice) {
        let Some(engine) = self.engines.get(&notice.mailbox).map(|e| e.clone()) else {
            return;
        };
        let Some(folder) = engine.loaded(&notice.folder_id) else {
            return;
        };
        let upto = notice.modseq;
        tokio::spawn(async move {
            if let Err(e) = folder.refresh(Some(upto)).await {
                tracing::warn!(error = %e, "could not catch up with another instance's change");
            }
        });
    }

    /// Every folder in memory catches up (after the listener reconnected).
    pub(crate) fn refresh_all(&self) {
        let folders: Vec<_> = self
            .engines
            .iter()
            .flat_map(|e| e.value().all_loaded())
            .collect();
        tokio::spawn(async move {
            for folder in folders {
                if let Err(e) = folder.refresh(None).await {
                    tracing::warn!(error = %e, "could not catch up with other instances' changes");
                }
            }
        });
    }

    pub(crate) fn engine(&self, address: &str) -> Arc<MailboxEngine> {
        let key = address.to_ascii_lowercase();
        let settings = &self.context.settings;
        if !self.engines.contains_key(&key) && self.engines.len() >= IDLE_ENGINES_KEPT {
            // No session holds these: their state is in the store, and
            // their pollers stop once the engine is dropped.
            self.engines.retain(|_, e| Arc::strong_count(e) > 1);
        }
        self.engines
            .entry(key.clone())
            .or_insert_with(|| {
                MailboxEngine::start(
                    &key,
                    self.context.store.clone(),
                    EngineTiming {
                        poll: settings.poll_interval,
                        idle_poll: settings.idle_poll_interval,
                        fresh: settings.sync_fresh,
                        tree_ttl: settings.tree_ttl,
                        recheck: settings.shared_access_recheck,
                    },
                    settings.size_mode == SizeMode::Estimate,
                )
            })
            .clone()
    }

    /// How many sync engines are in memory (for tests of the bound).
    pub fn engines_in_memory(&self) -> usize {
        self.engines.len()
    }

    /// Remember that `mailbox` just sent `mime` and kept its Sent Items
    /// copy, so a client's APPEND of that same message to Sent does not
    /// store it twice (submission records its sends itself).
    pub fn note_sent(&self, mailbox: &str, mime: &[u8]) {
        let record = super::sent_log::SentRecord {
            at: std::time::Instant::now(),
            when: chrono::Utc::now(),
            fingerprint: super::fingerprint::Fingerprint::of(mime),
            confirmed: true,
            kept: true,
            before: None,
        };
        let window = self.context.settings.sent_dedupe_window;
        self.context.sent.note(&[mailbox], record, window);
    }

    /// The audit log, for the fronts' refusals that are not about a mailbox
    /// (a session ended because its account or password was withdrawn).
    pub fn audit(&self) -> &Audit {
        &self.context.audit
    }

    /// Whether an open session of `account` on `front` may go on
    /// (`Accounts::still_signed_in`); when it may not, the end is audited
    /// and the reason returned for the front's goodbye.
    pub async fn still_signed_in(
        &self,
        accounts: &crate::accounts::Accounts,
        account: &Account,
        front: &str,
    ) -> Result<(), String> {
        let ended = accounts.still_signed_in(account, front).await;
        if let Err(why) = &ended {
            self.context
                .audit
                .refused(&account.login, "session", &account.microsoft_user, why);
        }
        ended
    }

    /// The policy in force.
    pub fn policy(&self) -> Policy {
        self.context.policy.read().clone()
    }

    /// Replace the policy (reload); sessions see it at their next command.
    pub fn set_policy(&self, policy: Policy) {
        *self.context.policy.write() = policy;
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
            .map_err(MailError::from_auth)?;
        // A token now, so that a sign-in that needs a person shows at login
        // (NO [UNAVAILABLE] with the sentence), not at the first command.
        tokens.access_token().await.map_err(MailError::from_auth)?;
        let own_address = account.microsoft_user.to_ascii_lowercase();
        let delegated = account.mode == Mode::Delegated;
        let policy = self.context.policy.read().clone();
        let own_grant = policy
            .open(&account.login, &own_address, &own_address, Access::Read)
            .map_err(|d| MailError::NoPermission(d.reason.into()))?;
        let own = Place {
            graph: self.graph.mailbox(tokens.clone(), &own_address, delegated),
            engine: self.engine(&own_address),
            grant: own_grant,
            audit: self.context.audit.clone(),
            policy: self.context.policy.clone(),
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
                audit: self.context.audit.clone(),
                policy: self.context.policy.clone(),
            });
        }
        Ok(UserMail {
            inner: Arc::new(Namespace {
                context: self.context.clone(),
                login: account.login.clone(),
                own,
                shared,
            }),
        })
    }
}

// What other instances write (PostgreSQL): every folder write sends a
// notification at commit (store/mail.rs, "Writing a folder"), and this
// task, one per process, hands each to the folder it is about, which
// catches up from the store and tells its sessions (IDLE hears of mail
// another instance's poller found). Notifications sent while the
// listening connection was down are lost, so after every (re)connection
// each folder in memory catches up once.

/// How often an instance says which mailboxes it sent Graph requests for,
/// and divides their limits again.
const SHARE_EVERY: Duration = Duration::from_secs(2);

/// An instance counts as using a mailbox's limits this long after it said
/// so last.
const SHARE_RECENT: Duration = Duration::from_secs(6);

/// Share Graph's per-mailbox limits (4 requests at a time, 10,000 per 10
/// minutes) with the other instances on the store: every `SHARE_EVERY`,
/// and as soon as a mailbox is used here for the first time, record the
/// mailboxes this instance used and take an equal share of each
/// (store/graph_users.rs). A mailbox this instance stopped using
/// keeps its last share until it is used again: never more than its share,
/// at most one period less. Runs until `stop` closes.
async fn share_graph_limits(graph: GraphClient, store: Store, mut stop: watch::Receiver<()>) {
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(SHARE_EVERY) => {}
            // A mailbox new here: say so now, and learn who else uses it
            // before this instance has spent more than its share.
            () = graph.first_use() => {}
        }
        let used = graph.mailboxes_used();
        if used.is_empty() {
            continue;
        }
        match store.graph_users(&used, SHARE_RECENT).await {
            Ok(counts) => {
                for mailbox in &used {
                    graph.share_limits(mailbox, counts.get(mailbox).copied().unwrap_or(1));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not share Graph's mailbox limits with the other instances");
            }
        }
    }
}

/// Wait before connecting again after a failure.
const RETRY: Duration = Duration::from_secs(1);

/// Listen until `stop` closes (the mail service is gone).
async fn listen(service: Weak<MailService>, store: Store, mut stop: watch::Receiver<()>) {
    loop {
        let connected = async {
            let mut listener = PgListener::connect(store.url()).await?;
            listener.listen(MAIL_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            _ = stop.changed() => return,
            connected = connected => match connected {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for other instances' changes; retrying");
                    tokio::select! {
                        _ = stop.changed() => return,
                        () = tokio::time::sleep(RETRY) => continue,
                    }
                }
            },
        };
        // Whatever was written while nobody here listened.
        match service.upgrade() {
            Some(service) => service.refresh_all(),
            None => return,
        }
        loop {
            let next = tokio::select! {
                _ = stop.changed() => return,
                next = listener.try_recv() => next,
            };
            match next {
                Ok(Some(n)) => {
                    let Some(notice) = FolderNotice::parse(n.payload()) else {
                        continue;
                    };
                    if notice.instance == store.instance() {
                        continue;
                    }
                    match service.upgrade() {
                        Some(service) => service.refresh_folder(&notice),
                        None => return,
                    }
                }
                Ok(None) => {
                    tracing::info!(
                        "lost the connection that hears of other instances' changes; reconnecting"
                    );
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "listening for other instances' changes failed; reconnecting");
                    break;
                }
            }
        }
    }
}
