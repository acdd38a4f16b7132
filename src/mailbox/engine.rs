//! One sync engine per Microsoft 365 mailbox, shared by every session that
//! opened it: the folder tree (cached briefly, refreshed after changes), the
//! folders' sync states, and a poller that runs delta rounds for the folders
//! some session has selected, so IDLE hears about changes made by anyone:
//! every `poll` for a selected folder, down to every `idle_poll` for one
//! that a session IDLEs on while changes keep coming (see `pace`), and the
//! fast polls only while the mailbox's request budget has room.
//! Which of its users Exchange still lets in is kept per login (`access`):
//! the poller uses the token of one it has not refused, so one user's 403
//! does not stop polling for the others.

use std::collections::HashMap;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use parking_lot::Mutex as SyncMutex;
use tokio::sync::Mutex;

use super::access::Readers;
use super::error::{About, MailError};
use super::names::{FolderNode, FolderTree};
use super::sync::FolderSync;
use crate::graph::{self, Mailbox};
use crate::store::Store;

/// Well-known folders resolved once per tree refresh (one `$batch`).
pub(crate) const WELL_KNOWN: [&str; 7] = [
    "msgfolderroot",
    "inbox",
    "drafts",
    "sentitems",
    "deleteditems",
    "junkemail",
    "archive",
];

/// A mailbox's folders at one moment.
pub(crate) struct Tree {
    pub names: FolderTree,
    /// Well-known name → folder id.
    pub well_known: HashMap<String, String>,
    fetched: Instant,
}

impl Tree {
    pub fn id_of(&self, well_known: &str) -> Option<&str> {
        self.well_known.get(well_known).map(String::as_str)
    }
}

/// How often an engine polls (selected folders, IDLEd ones), how recent a
/// delta round answers a session, how long it trusts its folder tree, and
/// how often it re-proves a login's access to a mailbox it shares.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EngineTiming {
    pub poll: Duration,
    pub idle_poll: Duration,
    pub fresh: Duration,
    pub tree_ttl: Duration,
    pub recheck: Duration,
}

pub(crate) struct MailboxEngine {
    pub address: String,
    /// Sync the header block with every message (estimate mode).
    headers: bool,
    store: Store,
    tree_ttl: Duration,
    fresh: Duration,
    tree: Mutex<Option<Arc<Tree>>>,
    folders: SyncMutex<HashMap<String, Arc<FolderSync>>>,
    /// The logins using this mailbox, their Graph handles (the poller uses
    /// one Exchange has not refused) and their proofs of access.
    pub readers: Readers,
    /// One download of a message at a time (prefetch and FETCH meet here).
    pub downloads: dashmap::DashMap<String, Arc<Mutex<()>>>,
}

impl MailboxEngine {
    pub fn start(
        address: &str,
        store: Store,
        timing: EngineTiming,
        headers: bool,
    ) -> Arc<MailboxEngine> {
        let engine = Arc::new(MailboxEngine {
            headers,
            address: address.to_string(),
            store,
            tree_ttl: timing.tree_ttl,
            fresh: timing.fresh,
            tree: Mutex::new(None),
            folders: SyncMutex::new(HashMap::new()),
            readers: Readers::new(timing.recheck),
            downloads: dashmap::DashMap::new(),
        });
        tokio::spawn(poller(Arc::downgrade(&engine), timing));
        engine
    }

    /// `login` opened a folder here through `graph` (its own token).
    pub fn register(&self, login: &str, graph: &Mailbox) {
        self.readers.register(login, graph);
    }

    /// The folder tree, from Graph when the cached one is older than the
    /// TTL or `fresh` is asked for.
    pub async fn tree(&self, graph: &Mailbox, fresh: bool) -> Result<Arc<Tree>, MailError> {
        let mut cached = self.tree.lock().await;
        if let Some(tree) = cached.as_ref()
            && !fresh
            && tree.fetched.elapsed() < self.tree_ttl
        {
            return Ok(tree.clone());
        }
        let ids = graph
            .well_known(&WELL_KNOWN)
            .await
            .map_err(|e| self.failed(e))
            .inspect_err(|e| e.log(&self.address))?;
        let well_known: HashMap<String, String> = WELL_KNOWN
            .iter()
            .zip(ids)
            .filter_map(|(name, id)| id.map(|id| (name.to_string(), id)))
            .collect();
        let root = well_known.get("msgfolderroot").cloned().ok_or_else(|| {
            MailError::Unavailable(
                format!("the mailbox {} has no folder root", self.address).into(),
            )
        })?;
        let by_id: HashMap<&str, &str> = well_known
            .iter()
            .map(|(name, id)| (id.as_str(), name.as_str()))
            .collect();
        let folders = graph
            .folders()
            .await
            .map_err(|e| self.failed(e))
            .inspect_err(|e| e.log(&self.address))?;
        let nodes: Vec<FolderNode> = folders
            .iter()
            .map(|f| FolderNode {
                id: f.id.clone(),
                parent_id: f.parent_folder_id.clone().unwrap_or_default(),
                display_name: f.display_name.clone(),
                well_known: by_id.get(f.id.as_str()).map(|s| s.to_string()),
            })
            .collect();
        let tree = Arc::new(Tree {
            names: FolderTree::build(&nodes, &root),
            well_known,
            fetched: Instant::now(),
        });
        *cached = Some(tree.clone());
        Ok(tree)
    }

    /// A failed request for the folder tree.
    fn failed(&self, e: graph::Error) -> MailError {
        MailError::from_graph(&self.address, About::Folder, e)
    }

    /// Forget the cached tree (after CREATE, DELETE, RENAME).
    pub async fn invalidate_tree(&self) {
        *self.tree.lock().await = None;
    }

    /// The sync state of a folder, loaded from the store the first time.
    pub async fn folder(&self, folder_id: &str) -> Result<Arc<FolderSync>, MailError> {
        if let Some(f) = self.folders.lock().get(folder_id) {
            return Ok(f.clone());
        }
        let loaded = FolderSync::load(
            &self.store,
            &self.address,
            folder_id,
            self.headers,
            self.fresh,
        )
        .await?;
        let mut folders = self.folders.lock();
        if folders.len() >= IDLE_FOLDERS_KEPT && !folders.contains_key(folder_id) {
            // Folders no session has selected and no command is using: their
            // state is in the store (LIST-STATUS over thousands of folders
            // must not keep every UID map in memory).
            folders.retain(|_, f| {
                f.watchers.load(std::sync::atomic::Ordering::Relaxed) > 0
                    || Arc::strong_count(f) > 1
            });
        }
        Ok(folders
            .entry(folder_id.to_string())
            .or_insert(loaded)
            .clone())
    }

    /// A folder was deleted: drop its state.
    pub async fn forget(&self, folder_id: &str) {
        self.folders.lock().remove(folder_id);
        if let Err(e) = self
            .store
            .mail_folder_forget(&self.address, folder_id)
            .await
        {
            tracing::warn!(error = %e, "could not forget a deleted folder's state");
        }
    }

    /// A folder's state, if it is in memory.
    pub fn loaded(&self, folder_id: &str) -> Option<Arc<FolderSync>> {
        self.folders.lock().get(folder_id).cloned()
    }

    /// Every folder state in memory.
    pub fn all_loaded(&self) -> Vec<Arc<FolderSync>> {
        self.folders.lock().values().cloned().collect()
    }

    fn watched(&self) -> Vec<Arc<FolderSync>> {
        self.folders
            .lock()
            .values()
            .filter(|f| f.watchers.load(std::sync::atomic::Ordering::Relaxed) > 0)
            .cloned()
            .collect()
    }
}

/// Folder states (UID maps) kept in memory per mailbox beyond those in use.
const IDLE_FOLDERS_KEPT: usize = 256;

/// At most this many users' tokens are tried for one folder in one poll
/// (a throttled or failing Microsoft 365 answers them all alike).
const POLL_TRIES: usize = 3;

/// A folder IDLEd on is polled fast only while the mailbox has at least
/// this share of its request burst left.
const FAST_POLL_HEADROOM: f64 = 0.5;

/// Poll the watched folders of `engine` until it is gone, each when its
/// period (see `pace`) has passed since its last delta round (a session's
/// round counts), each with the token of a login Exchange has not refused:
/// a 403 withdraws that login (it is refused at its next command) and the
/// next login's token is tried.
async fn poller(engine: Weak<MailboxEngine>, timing: EngineTiming) {
    let fast = timing.idle_poll.min(timing.poll);
    let tick = (fast / 4).clamp(Duration::from_millis(25), Duration::from_millis(500));
    loop {
        tokio::time::sleep(tick).await;
        let Some(engine) = engine.upgrade() else {
            return;
        };
        let watched = engine.watched();
        if watched.is_empty() {
            continue;
        }
        let pollers = engine.readers.pollers();
        let roomy = pollers
            .first()
            .is_some_and(|(_, g)| g.budget_headroom() >= FAST_POLL_HEADROOM);
        for folder in watched {
            if !folder.polls_here().await {
                // Another instance polls it for everyone (its writes
                // reach this one's sessions through the store).
                continue;
            }
            let period = if roomy {
                folder.pace.period(fast, timing.poll)
            } else {
                timing.poll
            };
            if folder.pace.due(folder.last_round(), period) {
                folder.pace.trying();
                poll_folder(&engine, &folder, &pollers).await;
            }
        }
    }
}

async fn poll_folder(engine: &MailboxEngine, folder: &FolderSync, pollers: &[(String, Mailbox)]) {
    for (login, graph) in pollers.iter().take(POLL_TRIES) {
        // Its own lane: the poller takes turns with the sessions.
        match folder.poll(&graph.in_own_lane()).await {
            Ok(changed) => {
                if !changed {
                    folder.pace.quiet_poll();
                }
                return;
            }
            Err(MailError::NoPermission(_)) => {
                tracing::info!(mailbox = %engine.address, %login, "Microsoft 365 refused this user here; polling with another user's token");
                engine.readers.withdraw(login);
            }
            Err(e) => {
                tracing::warn!(mailbox = %engine.address, %login, error = %e, "polling a folder failed");
            }
        }
    }
}
