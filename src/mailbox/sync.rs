//! One folder's shared sync state: the UID map in memory and in the store,
//! delta rounds against Graph (one at a time, however many sessions ask),
//! and a version number every session watches for IDLE and NOOP. A delta
//! round is one Graph request at least, so sessions share them: a round
//! that started at most `fresh` ago, or is running now, answers SELECT,
//! NOOP and STATUS for everyone (graphgate's own changes are in the state
//! at once anyway).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, watch};

use super::error::{About, MailError};
use super::folder::FolderData;
use super::pace::{IdleMark, Pace};
use super::remote::{RemoteChange, RemoteMessage};
use crate::graph::{self, Mailbox};
use crate::store::{Backend, FolderChanges, FolderWrite, Store};

pub(crate) struct FolderSync {
    pub mailbox: String,
    pub folder_id: String,
    store: Store,
    pub(crate) state: Mutex<FolderData>,
    /// Held for a delta round, and by local changes that must not be
    /// overtaken by a round that started before them.
    pub(crate) round: Mutex<()>,
    rounds: parking_lot::Mutex<Rounds>,
    /// How recent a round must be to answer a session's request.
    fresh: Duration,
    version: watch::Sender<u64>,
    /// Sessions that have the folder selected (the poller syncs only these).
    pub watchers: AtomicUsize,
    /// How often the poller comes (IDLE makes it come more often).
    pub pace: Arc<Pace>,
    /// Ask Graph for the header block with every message (estimate mode).
    headers: bool,
    /// The highest UID some session has already seen as `\Recent`
    /// (RFC 3501 §2.3.2): a message above it is recent to the first
    /// session that is told of it, and to no other. In memory only: after
    /// a restart nothing is recent.
    recent_floor: AtomicU32,
    /// UIDs whose RFC822.SIZE was frozen in memory and not yet written.
    sizes_pending: parking_lot::Mutex<Vec<u32>>,
    /// When this instance last asked for the folder's poll lease, and
    /// whether it held it (several instances on one database).
    lease: parking_lot::Mutex<Option<(Instant, bool)>>,
    /// Woken when another instance's delta round of the folder is heard of.
    heard: tokio::sync::Notify,
}

/// How long a poll lease lasts: a dead holder's folder is polled by
/// another instance within about this long.
const LEASE_TTL: Duration = Duration::from_secs(6);

/// How often a lease is renewed (and sessions IDLEing here are announced).
const LEASE_RENEW: Duration = Duration::from_secs(2);

/// How long a session waits for the result of a delta round another
/// instance claimed before running its own.
const ROUND_WAIT: Duration = Duration::from_secs(2);

/// What the delta rounds came to.
#[derive(Default)]
struct Rounds {
    /// When the newest successful round started.
    ok: Option<Instant>,
    /// When the newest failed round started, and why it failed.
    failed: Option<(Instant, MailError)>,
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
        fresh: Duration,
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
            rounds: parking_lot::Mutex::new(Rounds::default()),
            fresh,
            version,
            watchers: AtomicUsize::new(0),
            pace: Arc::new(Pace::default()),
            headers,
            recent_floor,
            sizes_pending: parking_lot::Mutex::new(Vec::new()),
            lease: parking_lot::Mutex::new(None),
            heard: tokio::sync::Notify::new(),
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

    /// Start a write of the folder (its row in the store is held until
    /// `finish`) and bring `state` up to date with what other instances
    /// wrote, so that UIDs given next are free everywhere. Call with the
    /// state's lock held, before changing it.
    pub async fn begin(&self, state: &mut FolderData) -> Result<FolderWrite, MailError> {
        let result = async {
            let mut write = self
                .store
                .mail_write(&self.mailbox, &self.folder_id)
                .await?;
            let (rows, removed) = write.changes_since(state.modseq).await?;
            Ok::<_, crate::store::Error>((write, rows, removed))
        }
        .await;
        let (write, rows, removed) = result
            .map_err(MailError::from_store)
            .inspect_err(|e| e.log(&self.mailbox))?;
        let mut seen = write.folder.clone();
        seen.highestmodseq = write.modseq().saturating_sub(1);
        self.take_in(state, rows, &removed, &seen);
        Ok(write)
    }

    /// Bring `state` up to date with rows other instances wrote, and tell
    /// sessions if that changed anything. When their writes carry a new
    /// delta link, another instance has just finished a delta round of the
    /// folder: that counts as a round here too (SELECT, NOOP and STATUS
    /// within `sync_fresh` ask Graph nothing more; the poll it makes
    /// unnecessary is skipped), so instances do not repeat each other's
    /// rounds. It is credited when heard of, a round's duration after it
    /// started.
    fn take_in(
        &self,
        state: &mut FolderData,
        rows: Vec<crate::store::MessageRow>,
        removed: &[u32],
        folder: &crate::store::FolderRow,
    ) {
        let link = state.delta_link.clone();
        if state.integrate(rows, removed, folder) {
            self.notify();
        }
        if state.delta_link != link {
            let now = Instant::now();
            let mut rounds = self.rounds.lock();
            if rounds.ok.is_none_or(|t| t < now) {
                rounds.ok = Some(now);
            }
            drop(rounds);
            self.heard.notify_waiters();
        }
    }

    /// Write `changes` (already applied to `state`) in `write`, and tell
    /// sessions. If the store refuses, the state is read again from it:
    /// memory never stays ahead of what is stored.
    pub async fn finish(
        &self,
        write: FolderWrite,
        state: &mut FolderData,
        changes: &FolderChanges,
    ) -> Result<(), MailError> {
        let modseq = write.modseq();
        let mut write = write;
        let written = async {
            write.apply(changes).await?;
            write.commit().await
        }
        .await;
        if let Err(e) = written {
            let e = MailError::from_store(e);
            e.log(&self.mailbox);
            self.reload(state).await;
            return Err(e);
        }
        state.stamp(changes.upserts.iter().map(|m| m.uid), modseq);
        if !changes.upserts.is_empty() || !changes.removed.is_empty() {
            self.notify();
        }
        Ok(())
    }

    /// UIDs removed with a mod-sequence in `(since, upto]`.
    pub async fn vanished(&self, since: u64, upto: u64) -> Result<Vec<u32>, MailError> {
        if since >= upto {
            return Ok(Vec::new());
        }
        self.store
            .mail_expunged_between(&self.mailbox, &self.folder_id, since, upto)
            .await
            .map_err(MailError::from_store)
            .inspect_err(|e| e.log(&self.mailbox))
    }

    /// Read the folder's state from the store again (after a failed write).
    async fn reload(&self, state: &mut FolderData) {
        let loaded = async {
            let folder = self
                .store
                .mail_folder(&self.mailbox, &self.folder_id)
                .await?;
            let rows = self
                .store
                .mail_messages(&self.mailbox, &self.folder_id)
                .await?;
            Ok::<_, crate::store::Error>(folder.map(|f| (f, rows)))
        }
        .await;
        match loaded {
            Ok(Some((folder, rows))) => {
                let fresh = FolderData::from_store(folder, rows);
                state.replace_with(fresh);
                self.notify();
            }
            Ok(None) => {}
            Err(e) => {
                // Still unreadable: the next write catches up from the
                // value the state holds (its rows are written again then).
                tracing::warn!(mailbox = %self.mailbox, error = %e, "could not read a folder's state again after a failed write");
            }
        }
    }

    /// Catch up with what other instances wrote (a notification from the
    /// store of their write `upto`, or a reconnect of the listener).
    pub async fn refresh(&self, upto: Option<u64>) -> Result<(), MailError> {
        let mut state = self.state.lock().await;
        if upto.is_some_and(|upto| state.modseq >= upto) {
            return Ok(());
        }
        let catchup = self
            .store
            .mail_changes_since(&self.mailbox, &self.folder_id, state.modseq)
            .await
            .map_err(MailError::from_store)?;
        if let Some(c) = catchup {
            self.take_in(&mut state, c.rows, &c.removed, &c.folder);
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
        let mut state = self.state.lock().await;
        let uids = std::mem::take(&mut *self.sizes_pending.lock());
        if uids.is_empty() {
            return Ok(());
        }
        let write = self.begin(&mut state).await?;
        let changes = FolderChanges {
            upserts: uids.iter().filter_map(|u| state.get(*u).cloned()).collect(),
            ..Default::default()
        };
        self.finish(write, &mut state, &changes).await
    }

    /// A failed delta round of this folder.
    fn failed(&self, e: graph::Error) -> MailError {
        MailError::from_graph(&self.mailbox, About::Folder, e)
    }

    /// Whether this instance's poller polls the folder: always on a
    /// database of its own; with several instances on one database, only
    /// while it holds the folder's poll lease (store/lease.rs). Asked on
    /// every poller tick; the store is asked every `LEASE_RENEW`.
    pub async fn polls_here(&self) -> bool {
        if self.store.backend() != Backend::Postgres {
            return true;
        }
        if let Some((at, held)) = *self.lease.lock()
            && at.elapsed() < LEASE_RENEW
        {
            return held;
        }
        let asked = self
            .store
            .mail_poll_lease(
                &self.mailbox,
                &self.folder_id,
                LEASE_TTL,
                self.pace.idled_here(),
            )
            .await;
        let held = match asked {
            Ok(lease) => {
                let left = lease.fast_until - chrono::Utc::now().timestamp_millis();
                if let Ok(left) = u64::try_from(left)
                    && left > 0
                {
                    self.pace
                        .idled_elsewhere(Instant::now() + Duration::from_millis(left));
                }
                lease.held
            }
            Err(e) => {
                tracing::warn!(mailbox = %self.mailbox, error = %e, "could not renew a folder's poll lease");
                false
            }
        };
        *self.lease.lock() = Some((Instant::now(), held));
        held
    }

    /// A session waits in IDLE on this folder (the poller comes more often).
    pub fn idling(&self) -> IdleMark {
        self.pace.idling()
    }

    /// When the newest successful delta round started.
    pub fn last_round(&self) -> Option<Instant> {
        self.rounds.lock().ok
    }

    /// Catch up with Graph for a session (SELECT, NOOP, STATUS): a round
    /// that started at most `fresh` ago will do, and so will the one
    /// running now (wait for it); otherwise run one.
    pub async fn sync(&self, graph: &Mailbox) -> Result<(), MailError> {
        let oldest = Instant::now().checked_sub(self.fresh);
        self.sync_since(graph, oldest, true).await.map(|_| ())
    }

    /// Catch up with Graph for the poller: a round that starts now (or
    /// started after this call, if one is running). Returns whether it
    /// found changes.
    pub async fn poll(&self, graph: &Mailbox) -> Result<bool, MailError> {
        self.sync_since(graph, Some(Instant::now()), false).await
    }

    /// Run a delta round unless one that started at or after `oldest`
    /// (`None`: any) succeeded. Callers arriving while a round runs wait
    /// for it. A round that started after a caller asked and found Graph
    /// unavailable fails that caller too, rather than every waiter asking
    /// again (a refusal is not shared: it is about the token used).
    /// `shared`: with several instances on the store, a round another
    /// instance started within `fresh` answers too (wait for its result);
    /// the poller's rounds are never shared that way.
    async fn sync_since(
        &self,
        graph: &Mailbox,
        oldest: Option<Instant>,
        shared: bool,
    ) -> Result<bool, MailError> {
        let asked = Instant::now();
        let recent = |r: &Rounds| r.ok.is_some_and(|t| oldest.is_none_or(|o| t >= o));
        if recent(&self.rounds.lock()) {
            return Ok(false);
        }
        let _round = self.round.lock().await;
        {
            let rounds = self.rounds.lock();
            if recent(&rounds) {
                return Ok(false);
            }
            if let Some((at, e @ MailError::Unavailable(_))) = &rounds.failed
                && *at >= asked
            {
                return Err(e.clone());
            }
        }
        if shared && self.store.backend() == Backend::Postgres {
            let claimed = self
                .store
                .mail_round_claim(&self.mailbox, &self.folder_id, self.fresh)
                .await;
            // Another instance runs a round (or ran one within `fresh`):
            // its result answers this caller once it arrives. Ours if the
            // store cannot say, or if nothing arrives in time.
            if matches!(claimed, Ok(false)) && self.heard_since(asked).await {
                return Ok(false);
            }
        }
        let started = Instant::now();
        let outcome = self.delta_round(graph).await;
        let mut rounds = self.rounds.lock();
        match &outcome {
            Ok(changed) => {
                if let Some(previous) = rounds.ok {
                    // What sessions saw was this old when the round began.
                    crate::observe::metrics::sync_lag(started.saturating_duration_since(previous));
                }
                rounds.ok = Some(started);
                if *changed {
                    self.pace.changes_seen();
                }
            }
            Err(e) => rounds.failed = Some((started, e.clone())),
        }
        outcome
    }

    /// Wait (at most `ROUND_WAIT`) until another instance's delta round is
    /// heard of after `asked`; whether one was.
    async fn heard_since(&self, asked: Instant) -> bool {
        let deadline = tokio::time::Instant::now() + ROUND_WAIT;
        loop {
            let heard = self.heard.notified();
            tokio::pin!(heard);
            heard.as_mut().enable();
            if self.rounds.lock().ok.is_some_and(|t| t >= asked) {
                return true;
            }
            if tokio::time::timeout_at(deadline, heard).await.is_err() {
                return false;
            }
        }
    }

    /// One delta round (the caller holds `round`); whether it changed
    /// anything.
    async fn delta_round(&self, graph: &Mailbox) -> Result<bool, MailError> {
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
        let write = self.begin(&mut state).await?;
        if state.delta_link != link {
            // Another instance finished a round from this point (or a
            // later one) and wrote it meanwhile: what it found is in the
            // state now, and applying this older answer over it could bring
            // back a message it saw removed. Its link goes on from here.
            drop(write);
            return Ok(false);
        }
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
        let changed = !changes.upserts.is_empty() || !changes.removed.is_empty();
        self.finish(write, &mut state, &changes).await?;
        Ok(changed)
    }
}
