//! One folder's shared sync state: the UID map in memory and in the store,
//! delta rounds against Graph (one at a time, however many sessions ask),
//! and a version number every session watches for IDLE and NOOP.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

use tokio::sync::{Mutex, watch};

use super::error::{About, MailError};
use super::folder::FolderData;
use super::remote::{RemoteChange, RemoteMessage};
use crate::graph::{self, Mailbox};
use crate::store::{FolderChanges, Store};

pub(crate) struct FolderSync {
    pub mailbox: String,
    pub folder_id: String,
    store: Store,
    pub(crate) state: Mutex<FolderData>,
    /// Held for a delta round, and by local changes that must not be
    /// overtaken by a round that started before them.
    pub(crate) round: Mutex<()>,
    rounds_done: AtomicU64,
    version: watch::Sender<u64>,
    /// Sessions that have the folder selected (the poller syncs only these).
    pub watchers: AtomicUsize,
    /// Ask Graph for the header block with every message (estimate mode).
    headers: bool,
    /// The highest UID some session has already seen as `\Recent`
    /// (RFC 3501 §2.3.2): a message above it is recent to the first
    /// session that is told of it, and to no other. In memory only: after
    /// a restart nothing is recent.
    recent_floor: AtomicU32,
    /// UIDs whose RFC822.SIZE was frozen in memory and not yet written.
    sizes_pending: parking_lot::Mutex<Vec<u32>>,
}

/// A UIDVALIDITY for a folder seen for the first time: the clock, so a map
/// that is truly lost and rebuilt gets a larger value than before.
fn new_uidvalidity() -> u32 {
    let secs = chrono::Utc::now().timestamp().max(1) as u64;
    (secs % u64::from(u32::MAX)).max(1) as u32
}

impl FolderSync {
    pub async fn load(
        store: &Store,
        mailbox: &str,
        folder_id: &str,
        headers: bool,
    ) -> Result<Arc<FolderSync>, MailError> {
        let loaded = async {
            let row = match store.mail_folder(mailbox, folder_id).await? {
                Some(row) => row,
                None => {
                    store
                        .mail_folder_create(mailbox, folder_id, new_uidvalidity())
                        .await?
                }
            };
            Ok((row, store.mail_messages(mailbox, folder_id).await?))
        };
        let (row, rows) = loaded
            .await
            .map_err(MailError::from_store)
            .inspect_err(|e| e.log(mailbox))?;
        let data = FolderData::from_store(row, rows);
        let recent_floor = AtomicU32::new(data.uidnext.saturating_sub(1));
        let (version, _) = watch::channel(0);
        Ok(Arc::new(FolderSync {
            mailbox: mailbox.to_string(),
            folder_id: folder_id.to_string(),
            store: store.clone(),
            state: Mutex::new(data),
            round: Mutex::new(()),
            rounds_done: AtomicU64::new(0),
            version,
            watchers: AtomicUsize::new(0),
            headers,
            recent_floor,
            sizes_pending: parking_lot::Mutex::new(Vec::new()),
        }))
    }

    /// A session is told of the messages up to `up_to`: the UID above which
    /// they are recent to it. With `claim` (SELECT) they stop being recent
    /// to everyone else; without (EXAMINE, RFC 3501 §6.3.2) nothing changes.
    pub fn claim_recent(&self, up_to: u32, claim: bool) -> u32 {
        if claim {
            self.recent_floor.fetch_max(up_to, Ordering::AcqRel)
        } else {
            self.recent_floor.load(Ordering::Acquire)
        }
    }

    /// How many of `state`'s messages no session has seen as recent yet.
    pub fn recent_count(&self, state: &FolderData) -> u32 {
        let floor = self.recent_floor.load(Ordering::Acquire);
        let count = state.messages.range(floor.saturating_add(1)..).count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Tell every session that the folder changed.
    pub fn notify(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    /// Persist `changes` (already applied to `state`) and tell sessions.
    pub async fn persist(&self, changes: &FolderChanges) -> Result<(), MailError> {
        if changes.upserts.is_empty()
            && changes.removed.is_empty()
            && changes.uidnext.is_none()
            && changes.delta_link.is_none()
        {
            return Ok(());
        }
        self.apply(changes).await?;
        if !changes.upserts.is_empty() || !changes.removed.is_empty() {
            self.notify();
        }
        Ok(())
    }

    /// A size was frozen for `uid` (in `state`): write it with the next
    /// batch.
    pub fn size_frozen(&self, uid: u32) {
        self.sizes_pending.lock().push(uid);
    }

    /// Frozen sizes not written yet.
    pub fn sizes_waiting(&self) -> usize {
        self.sizes_pending.lock().len()
    }

    /// Write the frozen sizes waiting, in one transaction, from the rows
    /// as they are now (a flag change since is not undone). Sessions need
    /// not hear about them. A crash before this loses nothing a client
    /// relies on: a size is worked out again the same way.
    pub async fn flush_sizes(&self) -> Result<(), MailError> {
        let state = self.state.lock().await;
        let uids = std::mem::take(&mut *self.sizes_pending.lock());
        if uids.is_empty() {
            return Ok(());
        }
        let changes = FolderChanges {
            upserts: uids.iter().filter_map(|u| state.get(*u).cloned()).collect(),
            ..Default::default()
        };
        self.apply(&changes).await
    }

    async fn apply(&self, changes: &FolderChanges) -> Result<(), MailError> {
        self.store
            .mail_apply(&self.mailbox, &self.folder_id, changes)
            .await
            .map_err(MailError::from_store)
            .inspect_err(|e| e.log(&self.mailbox))
    }

    /// A failed delta round of this folder.
    fn failed(&self, e: graph::Error) -> MailError {
        MailError::from_graph(&self.mailbox, About::Folder, e)
    }

    /// Catch up with Graph: one delta round. A caller that arrives while a
    /// round is running waits for the next one it starts itself, unless a
    /// full round finished while it waited (that round saw everything the
    /// caller could want).
    pub async fn sync(&self, graph: &Mailbox) -> Result<(), MailError> {
        let asked = self.rounds_done.load(Ordering::Acquire);
        let _round = self.round.lock().await;
        if self.rounds_done.load(Ordering::Acquire) > asked + 1 {
            return Ok(());
        }
        let link = self.state.lock().await.delta_link.clone();
        let (round, full) = match graph
            .delta_with(&self.folder_id, link.as_deref(), self.headers)
            .await
        {
            Ok(round) => (round, link.is_none()),
            Err(graph::Error::SyncReset) => {
                tracing::info!(mailbox = %self.mailbox, "delta state expired; full resync of the folder");
                let round = graph
                    .delta_with(&self.folder_id, None, self.headers)
                    .await
                    .map_err(|e| self.failed(e))
                    .inspect_err(|e| e.log(&self.mailbox))?;
                (round, true)
            }
            Err(e) => {
                let e = self.failed(e);
                e.log(&self.mailbox);
                return Err(e);
            }
        };
        let mut state = self.state.lock().await;
        let uidnext_before = state.uidnext;
        let mut changes = if full {
            let present: Vec<RemoteMessage> = round
                .items
                .iter()
                .filter(|m| !m.is_removed())
                .map(RemoteMessage::from_item)
                .collect();
            state.reconcile(&present)
        } else {
            let changes: Vec<RemoteChange> =
                round.items.iter().map(RemoteChange::from_item).collect();
            state.apply(&changes)
        };
        if link.is_none() && state.uidnext > uidnext_before {
            // The folder's first listing found what was there before
            // graphgate looked: old mail, not new arrivals.
            self.recent_floor
                .fetch_max(state.uidnext - 1, Ordering::AcqRel);
        }
        state.delta_link = Some(round.delta_link.clone());
        changes.delta_link = Some(Some(round.delta_link));
        self.persist(&changes).await?;
        drop(state);
        self.rounds_done.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }
}
