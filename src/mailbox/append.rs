//! Storing a message in a folder with its exact MIME, date and flags (APPEND,
//! and COPY or MOVE between mailboxes): `append_route` creates it at
//! Microsoft, this adopts it into the folder's UID map and the MIME cache.
//! A message graphgate itself just sent and that a client files into Sent
//! is answered with the copy Exchange already saved: the same message
//! (Message-ID, subject and body), not merely the same Message-ID, and a
//! copy made by that send. Several messages at once (MULTIAPPEND) are
//! stored all or none: Graph has no transaction, so those already created
//! are deleted again when a later one fails.

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::append_route::{NewItem, create};
use super::context::MailContext;
use super::error::{About, MailError};
use super::fingerprint::{Fingerprint, normal_subject};
use super::flags::{FlagName, Flags};
use super::place::Resolved;
use super::remote::{RemoteChange, RemoteMessage};
use super::sent_check::CLOCK_ALLOWANCE;
use super::sync::FolderSync;
use crate::graph;

pub(crate) struct StoreRequest<'a> {
    pub flags: &'a [FlagName],
    pub date: Option<DateTime<Utc>>,
    pub mime: Bytes,
}

/// Store `request` in `target`'s folder and give it a UID there.
pub(crate) async fn store_message(
    context: &MailContext,
    target: &Resolved,
    sync: &FolderSync,
    request: StoreRequest<'_>,
) -> Result<u32, MailError> {
    store_one(context, target, sync, request)
        .await
        .map(|stored| stored.uid)
}

/// A message stored by `store_one`.
struct StoredOne {
    uid: u32,
    /// Its Graph id when graphgate created it; `None` when it is the copy
    /// Exchange saved of a message graphgate sent (there before, so never
    /// deleted to undo a MULTIAPPEND).
    created: Option<String>,
}

/// Store each of `requests` in `target`'s folder, in order, all or none:
/// if one fails, the messages created before it are deleted from Graph
/// (kept in Recoverable Items, as EXPUNGE in Deleted Items does) and from
/// the UID map, and the first error is returned. Their UIDs are not given
/// out again. Returns the new UIDs in the order of `requests`.
pub(crate) async fn store_all(
    context: &MailContext,
    target: &Resolved,
    sync: &FolderSync,
    requests: Vec<StoreRequest<'_>>,
) -> Result<Vec<u32>, MailError> {
    let mut uids = Vec::with_capacity(requests.len());
    let mut created = Vec::new();
    for request in requests {
        match store_one(context, target, sync, request).await {
            Ok(stored) => {
                uids.push(stored.uid);
                created.extend(stored.created);
            }
            Err(e) => {
                undo(context, target, sync, &created).await;
                return Err(e);
            }
        }
    }
    Ok(uids)
}

/// Delete the messages with these Graph ids that `store_all` created. A
/// failure is logged and left: the command fails anyway, and the next
/// delta round shows what Graph still holds.
async fn undo(context: &MailContext, target: &Resolved, sync: &FolderSync, ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let mailbox = target.place.mailbox();
    let ids = ids.to_vec();
    let results = target.place.graph.delete_messages(&ids).await;
    let mut gone = Vec::with_capacity(ids.len());
    for (id, result) in ids.into_iter().zip(results) {
        match result {
            Ok(()) => {
                if let Some(cache) = &context.cache {
                    cache.remove(mailbox, &id).await;
                }
                gone.push(RemoteChange::Removed(id));
            }
            Err(e) => {
                tracing::warn!(%mailbox, error = %e, "could not undo a message of a failed MULTIAPPEND");
            }
        }
    }
    let mut state = sync.state.lock().await;
    let undone = async {
        let write = sync.begin(&mut state).await?;
        let changes = state.apply(&gone);
        sync.finish(write, &mut state, &changes).await
    };
    if let Err(e) = undone.await {
        tracing::warn!(%mailbox, error = %e, "could not record the undo of a failed MULTIAPPEND");
    }
    drop(state);
    sync.notify();
}

async fn store_one(
    context: &MailContext,
    target: &Resolved,
    sync: &FolderSync,
    request: StoreRequest<'_>,
) -> Result<StoredOne, MailError> {
    let graph = &target.place.graph;
    let mailbox = target.place.mailbox();
    let folder_failed = |e: graph::Error| {
        let e = MailError::from_graph(mailbox, About::Folder, e);
        e.log(mailbox);
        e
    };
    let fingerprint = Fingerprint::of(&request.mime);
    let mid = fingerprint.message_id.clone();
    let is_sent = target.tree.id_of("sentitems") == Some(target.folder.id.as_str());
    // The client files a copy of what graphgate just sent for it: the same
    // Message-ID, subject and body. A device that reuses its Message-ID
    // for a different message gets that message stored.
    if is_sent
        && let Some(mid) = &mid
        && let Some(when) =
            context
                .sent
                .kept_copy(mailbox, &fingerprint, context.settings.sent_dedupe_window)
    {
        let found = graph
            .find_copies(&target.folder.id, mid, when - CLOCK_ALLOWANCE)
            .await
            .map_err(folder_failed)?;
        let subject_fits = |c: &&graph::FoundCopy| {
            normal_subject(c.subject.as_deref().unwrap_or("")) == fingerprint.subject
        };
        if let Some(copy) = found.iter().find(subject_fits) {
            let mut state = sync.state.lock().await;
            let write = sync.begin(&mut state).await?;
            let (uid, changes) = state.adopt(&RemoteMessage::from_item(&copy.item));
            sync.finish(write, &mut state, &changes).await?;
            return Ok(StoredOne { uid, created: None });
        }
    }
    let mut flags = Flags::default();
    for f in request.flags {
        flags.set(f, true);
    }
    let date = request.date.unwrap_or_else(Utc::now);
    let new = NewItem {
        graph,
        mailbox,
        folder: &target.folder.id,
        flags: &flags,
        date,
        mime: &request.mime,
    };
    let created = create(&context.append_routes, &new).await?;
    if let Some(cache) = &context.cache
        && let Err(e) = cache.put(mailbox, &created.id, &request.mime).await
    {
        tracing::warn!(error = %e, "could not cache an appended message");
    }
    let mut item = RemoteMessage::from_item(&created);
    item.received = Some(date);
    item.internet_message_id = mid;
    let mut state = sync.state.lock().await;
    let write = sync.begin(&mut state).await?;
    let (uid, mut changes) = state.adopt(&item);
    if flags.deleted
        && let Some(row) = state.set_deleted(uid, true)
    {
        changes.upserts.retain(|m| m.uid != uid);
        changes.upserts.push(row);
    }
    sync.finish(write, &mut state, &changes).await?;
    sync.notify();
    Ok(StoredOne {
        uid,
        created: Some(created.id.clone()),
    })
}
