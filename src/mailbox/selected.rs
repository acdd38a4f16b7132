//! A selected folder, for one session: snapshots of the shared sync state,
//! MIME through the cache (each message downloaded once), flag changes
//! written to Graph before they are reported, EXPUNGE, COPY and MOVE.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::{Mutex, watch};

use super::api::{CopyResult, MailError, Snapshot, StoreOp};
use super::engine::graph_error;
use super::flags::{FlagName, Flags, ICON_FORWARDED, ICON_REPLIED, VERB_FORWARD, VERB_REPLY};
use super::folder::{RemoteChange, RemoteMessage, flags_of};
use super::service::SizeMode;
use super::sync::{FolderSync, remote};
use super::user::{Place, UserInner};
use crate::graph::{MessageItem, tags};

/// PR_ICON_INDEX of a read message with no verb.
const ICON_READ: i64 = 0x100;

pub struct SelectedFolder {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub user: Arc<UserInner>,
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
        user: Arc<UserInner>,
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

    fn check_write(&self) -> Result<(), MailError> {
        self.check_granted()?;
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

    /// Policy still grants this folder's mailbox (after a reload).
    pub fn check_access(&self) -> Result<(), MailError> {
        self.check_granted()
    }

    /// The grant this folder was opened with still holds (policy reloads).
    fn check_granted(&self) -> Result<(), MailError> {
        self.inner.user.still_granted(&self.inner.place)
    }

    /// The folder now, after catching up with Graph if `sync` (NOOP, SELECT)
    /// or from what the shared engine already knows (every other command).
    pub async fn snapshot(&self, sync: bool) -> Result<Snapshot, MailError> {
        self.check_granted()?;
        if sync {
            self.inner.sync.sync(&self.inner.place.graph).await?;
        }
        Ok(self.inner.sync.state.lock().await.snapshot())
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
            .get(uid)
            .map(|m| m.message_id.clone())
            .ok_or(MailError::Gone(uid))
    }

    /// RFC822.SIZE, frozen for the UID the first time it is reported:
    /// the length of BODY[] (exact mode), or an estimate from Exchange's
    /// store size that BODY[] is then padded to (estimate mode).
    pub async fn size(&self, uid: u32) -> Result<u64, MailError> {
        self.check_granted()?;
        let estimate = {
            let state = self.inner.sync.state.lock().await;
            let row = state.get(uid).ok_or(MailError::Gone(uid))?;
            if let Some(size) = row.reported_size {
                return Ok(size as u64);
            }
            (self.inner.user.service.settings.size_mode == SizeMode::Estimate && row.store_size > 0)
                .then(|| estimated_size(row.store_size))
        };
        let size = match estimate {
            Some(size) => size,
            None => self.fetch_mime(uid).await?.len() as i64,
        };
        let mut state = self.inner.sync.state.lock().await;
        if let Some(row) = state.report_size(uid, size) {
            let changes = crate::store::FolderChanges {
                upserts: vec![row],
                ..Default::default()
            };
            // Not a change sessions see: persist without notifying.
            self.inner.sync.persist_quietly(&changes).await?;
        }
        Ok(state.get(uid).and_then(|m| m.reported_size).unwrap_or(size) as u64)
    }

    async fn fetch_mime(&self, uid: u32) -> Result<Bytes, MailError> {
        self.check_granted()?;
        let id = self.message_id(uid).await?;
        download(&self.inner, &id).await.map_err(|e| match e {
            MailError::NoSuchFolder(_) => MailError::Gone(uid),
            other => other,
        })
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
            .get(uid)
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
        if self.inner.user.service.settings.size_mode == SizeMode::Estimate
            && let Some(headers) = self
                .inner
                .sync
                .state
                .lock()
                .await
                .get(uid)
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
        if self.inner.user.service.settings.size_mode == SizeMode::Exact {
            self.prefetch(uids);
        }
    }

    /// Start downloading these messages now, in parallel (a FETCH of many).
    pub fn prefetch(&self, uids: &[u32]) {
        let inner = self.inner.clone();
        let uids = uids.to_vec();
        tokio::spawn(async move {
            let ids: Vec<String> = {
                let state = inner.sync.state.lock().await;
                uids.iter()
                    .filter_map(|u| state.get(*u).map(|m| m.message_id.clone()))
                    .collect()
            };
            let address = inner.place.grant.mailbox().to_string();
            let wanted: Vec<String> = ids
                .into_iter()
                .filter(|id| {
                    inner
                        .user
                        .service
                        .cache
                        .as_ref()
                        .is_some_and(|c| !c.contains(&address, id))
                })
                .collect();
            // The mailbox's four Graph permits bound the real parallelism.
            let fetches = wanted.iter().map(|id| download(&inner, id));
            futures::future::join_all(fetches).await;
        });
    }

    /// Change flags; returns the new flags of each message.
    pub async fn store(
        &self,
        uids: &[u32],
        op: StoreOp,
        flags: &[FlagName],
    ) -> Result<Vec<(u32, Flags)>, MailError> {
        self.check_write()?;
        let sync = &self.inner.sync;
        // No delta round may overtake these changes with older state.
        let _round = sync.round.lock().await;
        let mut patches: Vec<(u32, String, Value, RemoteMessage)> = Vec::new();
        let mut deleted_marks = Vec::new();
        {
            let state = sync.state.lock().await;
            for &uid in uids {
                let Some(row) = state.get(uid) else { continue };
                let before = flags_of(row);
                let mut after = match op {
                    StoreOp::Replace => Flags {
                        draft: before.draft,
                        ..Flags::default()
                    },
                    _ => before.clone(),
                };
                for f in flags {
                    after.set(f, op != StoreOp::Remove);
                }
                if after.deleted != before.deleted {
                    deleted_marks.push((uid, after.deleted));
                }
                if let Some((body, update)) = patch_for(&row.message_id, &before, &after, row.icon)
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
            for ((_, _, _, update), answer) in patches.into_iter().zip(answers) {
                match answer {
                    Ok(_) => updates.push(RemoteChange::Present(update)),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        }
        let mut state = sync.state.lock().await;
        let mut changes = state.apply(&updates);
        for (uid, on) in deleted_marks {
            if let Some(row) = state.set_deleted(uid, on) {
                changes.upserts.retain(|m| m.uid != uid);
                changes.upserts.push(row);
            }
        }
        sync.persist(&changes).await?;
        if let Some(e) = first_error {
            return Err(graph_error(self.inner.place.grant.mailbox(), e));
        }
        Ok(uids
            .iter()
            .filter_map(|u| state.get(*u).map(|m| (*u, flags_of(m))))
            .collect())
    }

    /// Expunge messages marked \Deleted (all, or only those in `uids`):
    /// moved to Deleted Items, or deleted for good when this is Deleted
    /// Items. Returns the UIDs removed.
    pub async fn expunge(&self, uids: Option<&[u32]>) -> Result<Vec<u32>, MailError> {
        self.check_write()?;
        let sync = &self.inner.sync;
        let doomed: Vec<(u32, String)> = {
            let state = sync.state.lock().await;
            state
                .messages
                .values()
                .filter(|m| m.deleted && uids.is_none_or(|set| set.contains(&m.uid)))
                .map(|m| (m.uid, m.message_id.clone()))
                .collect()
        };
        if doomed.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = doomed.iter().map(|(_, id)| id.clone()).collect();
        let graph = &self.inner.place.graph;
        let results: Vec<Result<(), crate::graph::Error>> = if self.inner.is_trash {
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
                    first_error.get_or_insert(e);
                }
            }
        }
        let mut state = sync.state.lock().await;
        let changes = state.apply(&gone);
        sync.persist(&changes).await?;
        drop(state);
        if let Some(e) = first_error {
            return Err(graph_error(self.inner.place.grant.mailbox(), e));
        }
        Ok(removed)
    }

    pub async fn copy(&self, uids: &[u32], dest: &str) -> Result<CopyResult, MailError> {
        self.check_granted()?;
        super::transfer::transfer(self, uids, dest, false).await
    }

    /// MOVE: the source UIDs are gone when this returns.
    pub async fn move_to(&self, uids: &[u32], dest: &str) -> Result<CopyResult, MailError> {
        self.check_write()?;
        super::transfer::transfer(self, uids, dest, true).await
    }
}

/// The MIME of message `id`: from the cache, or downloaded once (a second
/// caller waits for the first download instead of starting another).
pub(crate) async fn download(inner: &Inner, id: &str) -> Result<Bytes, MailError> {
    let service = &inner.user.service;
    let address = inner.place.grant.mailbox();
    if let Some(cache) = &service.cache
        && let Some(bytes) = cache.get(address, id).await
    {
        return Ok(bytes);
    }
    let engine = &inner.place.engine;
    let lock = engine
        .downloads
        .entry(id.to_string())
        .or_insert_with(|| Arc::new(Mutex::new(())))
        .clone();
    let _one = lock.lock().await;
    if let Some(cache) = &service.cache
        && let Some(bytes) = cache.get(address, id).await
    {
        return Ok(bytes);
    }
    let mime = inner
        .place
        .graph
        .mime(id)
        .await
        .map_err(|e| graph_error(address, e))?;
    if let Some(cache) = &service.cache
        && let Err(e) = cache.put(address, id, &mime).await
    {
        tracing::warn!(error = %e, "could not cache a message");
    }
    engine.downloads.remove(id);
    Ok(mime)
}

/// RFC822.SIZE in estimate mode: Exchange's store size, raised by the most
/// a MIME rendering can add (base64 of binary attachments: 4/3 plus line
/// breaks), so the served message, padded, always fits.
pub(crate) fn estimated_size(store_size: i64) -> i64 {
    store_size + store_size * 3 / 8 + 1024
}

/// `mime` followed by blank lines up to exactly `size` bytes.
fn pad(mime: Bytes, size: usize) -> Bytes {
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&mime);
    if !out.ends_with(b"\r\n") && size - out.len() >= 2 {
        out.extend_from_slice(b"\r\n");
    }
    if (size - out.len()) % 2 == 1 {
        out.push(b' ');
    }
    while out.len() + 2 <= size {
        out.extend_from_slice(b"\r\n");
    }
    out.resize(size, b' ');
    Bytes::from(out)
}

/// The PATCH body that turns `before` into `after`, and the state Graph
/// will then hold; `None` when Graph need not change.
fn patch_for(
    id: &str,
    before: &Flags,
    after: &Flags,
    icon: Option<i64>,
) -> Option<(Value, RemoteMessage)> {
    let mut body = serde_json::Map::new();
    let mut update = RemoteMessage {
        id: id.to_string(),
        ..Default::default()
    };
    if before.seen != after.seen {
        body.insert("isRead".into(), json!(after.seen));
        update.is_read = Some(after.seen);
    }
    if before.flagged != after.flagged {
        let status = if after.flagged {
            "flagged"
        } else {
            "notFlagged"
        };
        body.insert("flag".into(), json!({"flagStatus": status}));
        update.flag_status = Some(status.to_string());
    }
    if before.keywords != after.keywords {
        let categories = after.categories();
        body.insert("categories".into(), json!(categories));
        update.categories = Some(categories);
    }
    if before.answered != after.answered || before.forwarded != after.forwarded {
        // PR_LAST_VERB_EXECUTED holds one verb; the icon carries the other
        // when a message was both answered and forwarded.
        let (verb, icon_value) = match (after.answered, after.forwarded) {
            (true, true) => (VERB_REPLY, ICON_FORWARDED),
            (true, false) => (VERB_REPLY, ICON_REPLIED),
            (false, true) => (VERB_FORWARD, ICON_FORWARDED),
            (false, false) => (
                0,
                icon.filter(|i| *i != ICON_REPLIED && *i != ICON_FORWARDED)
                    .unwrap_or(ICON_READ),
            ),
        };
        body.insert(
            "singleValueExtendedProperties".into(),
            json!([
                {"id": tags::integer(tags::LAST_VERB), "value": verb.to_string()},
                {"id": tags::integer(tags::ICON_INDEX), "value": icon_value.to_string()},
            ]),
        );
        update.last_verb = Some(verb);
        update.icon = Some(icon_value);
    }
    (!body.is_empty()).then_some((Value::Object(body), update))
}

/// A message Graph returned from create, copy or move, for `adopt`.
pub(crate) fn adopted(item: &MessageItem) -> RemoteMessage {
    remote(item)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(seen: bool, answered: bool, forwarded: bool) -> Flags {
        Flags {
            seen,
            answered,
            forwarded,
            ..Flags::default()
        }
    }

    #[test]
    fn patches_send_only_what_changed() {
        assert!(
            patch_for(
                "a",
                &flags(true, false, false),
                &flags(true, false, false),
                None
            )
            .is_none()
        );
        let (body, update) = patch_for(
            "a",
            &flags(false, false, false),
            &flags(true, false, false),
            None,
        )
        .unwrap();
        assert_eq!(body, json!({"isRead": true}));
        assert_eq!(update.is_read, Some(true));
        assert_eq!(update.last_verb, None);
    }

    #[test]
    fn answered_and_forwarded_survive_a_round_trip() {
        use super::super::flags::GraphState;
        for (answered, forwarded) in [(true, false), (false, true), (true, true), (false, false)] {
            let before = flags(true, !answered, !forwarded);
            let (_, update) =
                patch_for("a", &before, &flags(true, answered, forwarded), Some(0x105)).unwrap();
            let state = GraphState {
                is_read: true,
                last_verb: update.last_verb,
                icon_index: update.icon,
                flag_status: "notFlagged".into(),
                ..Default::default()
            };
            let back = Flags::from_graph(&state, false);
            assert_eq!(
                (back.answered, back.forwarded),
                (answered, forwarded),
                "{answered} {forwarded}"
            );
        }
    }
}
