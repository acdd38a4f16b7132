//! Storing a message in a folder with its exact MIME, date and flags (APPEND,
//! and COPY or MOVE between mailboxes). Graph can only set PR_MESSAGE_FLAGS
//! (read, draft) when an item is created, and only from JSON; so the item is
//! created from JSON with the flags and delivery time, then its MIME is
//! replaced with the client's bytes (`PUT $value`). A message graphgate
//! itself just sent and that a client files into Sent is answered with the
//! copy Exchange already saved: the same message (Message-ID, subject and
//! body), not merely the same Message-ID, and a copy made by that send.

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::context::MailContext;
use super::error::{About, MailError};
use super::fingerprint::{Fingerprint, normal_subject};
use super::flags::{FlagName, Flags};
use super::graph_flags::new_message;
use super::place::Resolved;
use super::reason::Reason;
use super::remote::RemoteMessage;
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
            let (uid, changes) = state.adopt(&RemoteMessage::from_item(&copy.item));
            sync.persist(&changes).await?;
            return Ok(uid);
        }
    }
    let mut flags = Flags::default();
    for f in request.flags {
        if *f == FlagName::Draft {
            flags.draft = true;
        } else {
            flags.set(f, true);
        }
    }
    let date = request.date.unwrap_or_else(Utc::now);
    let created = match graph
        .create_message(&target.folder.id, new_message(&flags, date))
        .await
    {
        Ok(created) => created,
        Err(e @ graph::Error::OutcomeUnknown(_)) => {
            return Err(MailError::Unavailable(Reason::because(
                "Microsoft 365 did not confirm storing the message; check the folder before trying again",
                e,
            )));
        }
        Err(e) => return Err(folder_failed(e)),
    };
    if let Err(e) = graph.put_mime(&created.id, &request.mime).await {
        // Leave no empty placeholder behind.
        let _ = graph
            .delete_messages(std::slice::from_ref(&created.id))
            .await;
        let e = MailError::from_graph(mailbox, About::NewMessage, e);
        e.log(mailbox);
        return Err(e);
    }
    if let Some(cache) = &context.cache
        && let Err(e) = cache.put(mailbox, &created.id, &request.mime).await
    {
        tracing::warn!(error = %e, "could not cache an appended message");
    }
    let mut item = RemoteMessage::from_item(&created);
    item.received = Some(date);
    item.internet_message_id = mid;
    let mut state = sync.state.lock().await;
    let (uid, mut changes) = state.adopt(&item);
    if flags.deleted
        && let Some(row) = state.set_deleted(uid, true)
    {
        changes.upserts.retain(|m| m.uid != uid);
        changes.upserts.push(row);
    }
    sync.persist(&changes).await?;
    sync.notify();
    Ok(uid)
}
