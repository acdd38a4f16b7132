//! A selected folder, for one session: snapshots of the shared sync state,
//! MIME through the cache (each message downloaded once), flag changes
//! written to Graph before they are reported, EXPUNGE, COPY and MOVE.
//! Sizes and MIME come from `download`, flag changes from the table in
//! `graph_flags`, COPY and MOVE from `transfer`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use tokio::sync::{Mutex, watch};

use super::api::{CopyResult, MessageIds, Snapshot, StoreOp, Stored};
use super::download::{download, pad};
use super::error::{About, MailError};
use super::flags::FlagName;
use super::folder::flags_of;
use super::graph_flags;
use super::namespace::Namespace;
use super::object_id::ObjectId;
use super::place::Place;
use super::remote::{RemoteChange, RemoteMessage};
use super::settings::estimated_size;
use super::sync::FolderSync;
use super::transfer::{Source, transfer};
use crate::config::SizeMode;
use crate::graph::{self, MessageChange};

/// How many frozen sizes wait before they are written anyway.
const SIZE_BATCH: usize = 1_000;

pub struct SelectedFolder {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub user: Arc<Namespace>,
    pub name: String,
    pub read_only: bool,
    pub place: Place,
    pub sync: Arc<FolderSync>,
    pub is_trash: bool,
    changes: Mutex<watch::Receiver<u64>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.sync.watchers.fetch_sub(1, Ordering::Relaxed);
    }
}

impl SelectedFolder {
    pub(crate) fn new(
        user: Arc<Namespace>,
        name: String,
        read_only: bool,
        place: Place,
        sync: Arc<FolderSync>,
        is_trash: bool,
    ) -> SelectedFolder {
        sync.watchers.fetch_add(1, Ordering::Relaxed);
        let changes = Mutex::new(sync.subscribe());
        SelectedFolder {
            inner: Arc::new(Inner {
                user,
                name,
                read_only,
                place,
                sync,
                is_trash,
                changes,
            }),
        }
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub fn read_only(&self) -> bool {
        self.inner.read_only
    }

    async fn check_write(&self) -> Result<(), MailError> {
        self.check_granted().await?;
        // A read grant is policy's refusal (audited); EXAMINE is the
        // client's own choice.
        self.inner.place.check_write()?;
        if self.inner.read_only {
            return Err(MailError::ReadOnly);
        }
        Ok(())
    }

    /// Why a change is refused here: policy's read grant (audited), or
    /// the client's EXAMINE.
    pub fn write_refused(&self) -> MailError {
        match self.inner.place.check_write() {
            Err(e) => e,
            Ok(()) => MailError::ReadOnly,
        }
    }

    /// Policy still grants this folder's mailbox (after a reload), and
    /// Exchange still lets this user in (a shared mailbox).
    pub async fn check_access(&self) -> Result<(), MailError> {
        self.check_granted().await
    }

    /// The grant this folder was opened with still holds (policy reloads),
    /// and for a shared mailbox this user's own proof of access is fresh:
    /// the folder's state, the MIME cache and the poller's news are shared
    /// with other users and must not outlive this user's access.
    async fn check_granted(&self) -> Result<(), MailError> {
        self.inner.user.check(&self.inner.place).await
    }

    /// A Graph request made with this user's token failed with `e`.
    fn saw(&self, e: &MailError) {
        self.inner.user.saw(&self.inner.place, e);
    }

    /// The folder now, after catching up with Graph if `sync` (NOOP, SELECT)
    /// or from what the shared engine already knows (every other command).
    pub async fn snapshot(&self, sync: bool) -> Result<Arc<Snapshot>, MailError> {
        self.check_granted().await?;
        if sync {
            self.inner
                .sync
                .sync(&self.inner.place.graph)
                .await
                .inspect_err(|e| self.saw(e))?;
        }
        Ok(self.inner.sync.state.lock().await.snapshot())
    }

    /// The UIDs removed from the folder with a mod-sequence in
    /// `(since, upto]` (QRESYNC's VANISHED (EARLIER)), from the store's
    /// record of removals, which is never pruned.
    pub async fn vanished(&self, since: u64, upto: u64) -> Result<Vec<u32>, MailError> {
        self.check_granted().await?;
        self.inner.sync.vanished(since, upto).await
    }

    /// The folder's id (MAILBOXID): from its Graph id, kept across a rename.
    pub fn mailbox_id(&self) -> ObjectId {
        ObjectId::of(&self.inner.sync.folder_id)
    }

    /// The stable ids of the messages `uids` still known here (removed
    /// lately included), computed only when asked (FETCH EMAILID, SEARCH
    /// THREADID), so a snapshot does not carry them.
    pub async fn message_ids(&self, uids: &[u32]) -> Result<Vec<(u32, MessageIds)>, MailError> {
        self.check_granted().await?;
        let state = self.inner.sync.state.lock().await;
        Ok(uids
            .iter()
            .filter_map(|&uid| {
                let row = state.get_any(uid)?;
                Some((
                    uid,
                    MessageIds {
                        email: ObjectId::of(&row.message_id),
                        thread: row.conversation_id.as_deref().map(ObjectId::of),
                    },
                ))
            })
            .collect())
    }

    /// The UID above which the messages up to `up_to` are `\Recent` to this
    /// session; `claim` (SELECT, not EXAMINE) takes them from every other.
    pub fn claim_recent(&self, up_to: u32, claim: bool) -> u32 {
        self.inner.sync.claim_recent(up_to, claim)
    }

    /// Resolves when the folder changed (for IDLE).
    pub async fn changed(&self) {
        let mut rx = self.inner.changes.lock().await;
        if rx.changed().await.is_err() {
            // The engine is gone (shutdown): never wake for nothing.
            std::future::pending::<()>().await;
        }
    }

    async fn message_id(&self, uid: u32) -> Result<String, MailError> {
        self.inner
            .sync
            .state
            .lock()
            .await
            .get_any(uid)
            .map(|m| m.message_id.clone())
            .ok_or(MailError::Gone(uid))
    }

    /// RFC822.SIZE, frozen for the UID the first time it is reported:
    /// the length of BODY[] (exact mode), or an estimate from Exchange's
    /// store size that BODY[] is then padded to (estimate mode).
    pub async fn size(&self, uid: u32) -> Result<u64, MailError> {
        self.check_granted().await?;
        let (estimate, departed) = {
            let state = self.inner.sync.state.lock().await;
            let row = state.get_any(uid).ok_or(MailError::Gone(uid))?;
            if let Some(size) = row.reported_size {
                return Ok(size as u64);
            }
            let estimate = (self.inner.user.context.settings.size_mode == SizeMode::Estimate
                && row.store_size > 0)
                .then(|| estimated_size(row.store_size));
            (estimate, state.get(uid).is_none())
        };
        let size = match estimate {
            Some(size) => size,
            None => self.fetch_mime(uid).await?.len() as i64,
        };
        if departed {
            // Removed meanwhile (this session has not been told yet):
            // nothing to freeze.
            return Ok(size as u64);
        }
        let mut state = self.inner.sync.state.lock().await;
        if state.report_size(uid, size).is_some() {
            // Not a change sessions see, and one a header scan makes for
            // every message: written in batches (`flush_sizes`).
            self.inner.sync.size_frozen(uid);
        }
        let frozen = state.get(uid).and_then(|m| m.reported_size).unwrap_or(size) as u64;
        drop(state);
        if self.inner.sync.sizes_waiting() >= SIZE_BATCH {
            self.flush_sizes().await?;
        }
        Ok(frozen)
    }

    /// Write the sizes frozen since the last time (end of a FETCH or a
    /// SEARCH, and every `SIZE_BATCH` of them): one store transaction
    /// instead of one per message.
    pub async fn flush_sizes(&self) -> Result<(), MailError> {
        self.inner.sync.flush_sizes().await
    }

    async fn fetch_mime(&self, uid: u32) -> Result<Bytes, MailError> {
        self.check_granted().await?;
        let id = self.message_id(uid).await?;
        download(&self.inner.user.context, &self.inner.place, uid, &id)
            .await
            .inspect_err(|e| self.saw(e))
    }

    /// The whole message, as BODY[] serves it: Graph's MIME, padded with
    /// trailing blank lines to an RFC822.SIZE estimate reported earlier, so
    /// a client reading it in chunks of that size gets all of it.
    pub async fn mime(&self, uid: u32) -> Result<Bytes, MailError> {
        let mime = self.fetch_mime(uid).await?;
        let reported = self
            .inner
            .sync
            .state
            .lock()
            .await
            .get_any(uid)
            .and_then(|m| m.reported_size);
        Ok(match reported {
            Some(n) if n as usize > mime.len() => pad(mime, n as usize),
            Some(n) if (n as usize) < mime.len() => {
                tracing::warn!(
                    uid,
                    reported = n,
                    actual = mime.len(),
                    "message larger than its reported size"
                );
                mime
            }
            _ => mime,
        })
    }

    /// The header block (BODY[HEADER]): from Graph's headers in estimate
    /// mode when known, else from the MIME.
    pub async fn header(&self, uid: u32) -> Result<Bytes, MailError> {
        self.check_granted().await?;
        if self.inner.user.context.settings.size_mode == SizeMode::Estimate
            && let Some(headers) = self
                .inner
                .sync
                .state
                .lock()
                .await
                .get_any(uid)
                .and_then(|m| m.headers.clone())
        {
            return Ok(Bytes::from(headers));
        }
        let mime = self.fetch_mime(uid).await?;
        let end = memchr::memmem::find(&mime, b"\r\n\r\n")
            .map(|i| i + 4)
            .or_else(|| memchr::memmem::find(&mime, b"\n\n").map(|i| i + 2))
            .unwrap_or(mime.len());
        Ok(mime.slice(..end))
    }

    /// The sizes and headers of these messages are about to be read: in
    /// exact mode that means their MIME, so start downloading it.
    pub fn prefetch_meta(&self, uids: &[u32]) {
        if self.inner.user.context.settings.size_mode == SizeMode::Exact {
            self.prefetch(uids);
        }
    }

    /// Start downloading these messages now, in parallel (a FETCH of many).
    pub fn prefetch(&self, uids: &[u32]) {
        let inner = self.inner.clone();
        let uids = uids.to_vec();
        tokio::spawn(async move {
            // Downloads go through this user's token, but fill the cache
            // every user of the mailbox reads: only on a proven access.
            if inner.user.check(&inner.place).await.is_err() {
                return;
            }
            let ids: Vec<(u32, String)> = {
                let state = inner.sync.state.lock().await;
                uids.iter()
                    .filter_map(|u| state.get(*u).map(|m| (*u, m.message_id.clone())))
                    .collect()
            };
            let context = &inner.user.context;
            let address = inner.place.mailbox();
            let wanted: Vec<(u32, String)> = ids
                .into_iter()
                .filter(|(_, id)| {
                    context
                        .cache
                        .as_ref()
                        .is_some_and(|c| !c.contains(address, id))
                })
                .collect();
            // The mailbox's four Graph permits bound the real parallelism.
            let fetches = wanted
                .iter()
                .map(|(uid, id)| download(context, &inner.place, *uid, id));
            futures::future::join_all(fetches).await;
        });
    }

    /// Change flags, except on messages changed after `unchanged_since`
    /// (RFC 7162 UNCHANGEDSINCE, checked under the folder's round lock, so
    /// no change of this instance slips in between); returns the new flags
    /// and mod-sequence of each message changed or left as it was.
    pub async fn store(
        &self,
        uids: &[u32],
        op: StoreOp,
        flags: &[FlagName],
        unchanged_since: Option<u64>,
    ) -> Result<Stored, MailError> {
        self.check_write().await?;
        let sync = &self.inner.sync;
        // No delta round may overtake these changes with older state.
        let _round = sync.round.lock().await;
        let mut patches: Vec<(u32, String, MessageChange, RemoteMessage)> = Vec::new();
        let mut deleted_marks = Vec::new();
        let mut modified = Vec::new();
        {
            let state = sync.state.lock().await;
            for &uid in uids {
                let Some(row) = state.get(uid) else { continue };
                // RFC 7162 §3.1.3: changed since the client last knew it.
                if unchanged_since.is_some_and(|since| row.modseq > since) {
                    modified.push(uid);
                    continue;
                }
                let before = flags_of(row);
                let after = op.apply(&before, flags);
                if after.deleted != before.deleted {
                    deleted_marks.push((uid, after.deleted));
                }
                if let Some((body, update)) =
                    graph_flags::change(&row.message_id, &before, &after, row.icon)
                {
                    patches.push((uid, row.message_id.clone(), body, update));
                }
            }
        }
        let mut first_error = None;
        let mut updates = Vec::new();
        if !patches.is_empty() {
            let answers = self
                .inner
                .place
                .graph
                .patch_messages(
                    patches
                        .iter()
                        .map(|(_, id, body, _)| (id.clone(), body.clone()))
                        .collect(),
                )
                .await;
            for ((uid, _, _, update), answer) in patches.into_iter().zip(answers) {
                match answer {
                    Ok(_) => updates.push(RemoteChange::Present(update)),
                    // Gone: the next delta round expunges it.
                    Err(e) if e.is_not_found() => {}
                    Err(e) => {
                        first_error.get_or_insert((uid, e));
                    }
                }
            }
        }
        let mut state = sync.state.lock().await;
        let write = sync.begin(&mut state).await?;
        let mut changes = state.apply(&updates);
        state.set_deleted_marks(&deleted_marks, &mut changes);
        sync.finish(write, &mut state, &changes).await?;
        if let Some((uid, e)) = first_error {
            return Err(self.failed(uid, e));
        }
        let skipped: std::collections::HashSet<u32> = modified.iter().copied().collect();
        let messages = uids
            .iter()
            .filter(|u| !skipped.contains(u))
            .filter_map(|u| state.get(*u).map(|m| (*u, flags_of(m), m.modseq)))
            .collect();
        Ok(Stored { messages, modified })
    }

    /// Expunge messages marked \Deleted (all, or only those in `uids`):
    /// moved to Deleted Items, or deleted for good when this is Deleted
    /// Items. Returns the UIDs removed.
    pub async fn expunge(&self, uids: Option<&[u32]>) -> Result<Vec<u32>, MailError> {
        self.check_write().await?;
        let doomed = self.inner.sync.state.lock().await.marked_deleted(uids);
        self.remove_ids(doomed, self.inner.is_trash).await
    }

    /// Remove the messages `uids` whatever their flags (POP3's QUIT):
    /// moved to Deleted Items, or deleted for good when `permanent` or
    /// when this is Deleted Items. UIDs no longer here are skipped. Returns
    /// the UIDs removed.
    pub async fn remove(&self, uids: &[u32], permanent: bool) -> Result<Vec<u32>, MailError> {
        self.check_write().await?;
        let doomed: Vec<(u32, String)> = {
            let state = self.inner.sync.state.lock().await;
            uids.iter()
                .filter_map(|&uid| state.get(uid).map(|m| (uid, m.message_id.clone())))
                .collect()
        };
        self.remove_ids(doomed, permanent || self.inner.is_trash)
            .await
    }

    async fn remove_ids(
        &self,
        doomed: Vec<(u32, String)>,
        permanent: bool,
    ) -> Result<Vec<u32>, MailError> {
        let sync = &self.inner.sync;
        if doomed.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = doomed.iter().map(|(_, id)| id.clone()).collect();
        let graph = &self.inner.place.graph;
        let results: Vec<Result<(), graph::Error>> = if permanent {
            graph.delete_messages(&ids).await
        } else {
            graph
                .move_messages(&ids, "deleteditems")
                .await
                .into_iter()
                .map(|r| match r {
                    Ok(_) => Ok(()),
                    Err(e) if e.is_not_found() => Ok(()),
                    Err(e) => Err(e),
                })
                .collect()
        };
        let mut removed = Vec::new();
        let mut first_error = None;
        let mut gone = Vec::new();
        for ((uid, id), result) in doomed.into_iter().zip(results) {
            match result {
                Ok(()) => {
                    removed.push(uid);
                    gone.push(RemoteChange::Removed(id));
                }
                Err(e) => {
                    first_error.get_or_insert((uid, e));
                }
            }
        }
        let mut state = sync.state.lock().await;
        let write = sync.begin(&mut state).await?;
        let changes = state.apply(&gone);
        sync.finish(write, &mut state, &changes).await?;
        drop(state);
        if let Some((uid, e)) = first_error {
            return Err(self.failed(uid, e));
        }
        Ok(removed)
    }

    pub async fn copy(&self, uids: &[u32], dest: &str) -> Result<CopyResult, MailError> {
        self.check_granted().await?;
        transfer(self.source(), uids, dest, false).await
    }

    /// MOVE: the source UIDs are gone when this returns.
    pub async fn move_to(&self, uids: &[u32], dest: &str) -> Result<CopyResult, MailError> {
        self.check_write().await?;
        transfer(self.source(), uids, dest, true).await
    }

    fn source(&self) -> Source<'_> {
        Source {
            user: &self.inner.user,
            place: &self.inner.place,
            sync: &self.inner.sync,
        }
    }

    /// A failed Graph request about the message `uid`, logged.
    fn failed(&self, uid: u32, e: graph::Error) -> MailError {
        let mailbox = self.inner.place.mailbox();
        let e = MailError::from_graph(mailbox, About::Message(uid), e);
        e.log(mailbox);
        e
    }
}
