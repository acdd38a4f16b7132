//! APPEND: store a client's message with its exact MIME, date and flags.
//! Graph can only set PR_MESSAGE_FLAGS (read, draft) when an item is
//! created, and only from JSON; so the item is created from JSON with the
//! flags and delivery time, then its MIME is replaced with the client's
//! bytes (`PUT $value`). A message graphgate itself just sent and that a
//! client files into Sent is answered with the copy Exchange already saved.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use super::api::MailError;
use super::engine::graph_error;
use super::flags::{FlagName, Flags, ICON_FORWARDED, ICON_REPLIED, VERB_FORWARD, VERB_REPLY};
use super::service::MailService;
use super::sync::{FolderSync, remote};
use super::user::{Resolved, UserMail};
use crate::graph::{Error as GraphError, tags};

/// PR_MESSAGE_FLAGS bits (MS-OXCMSG).
const MF_READ: i64 = 0x1;
const MF_UNSENT: i64 = 0x8;

pub(crate) struct StoreRequest<'a> {
    pub flags: &'a [FlagName],
    pub date: Option<DateTime<Utc>>,
    pub mime: Bytes,
}

impl UserMail {
    /// Store a message; returns (UIDVALIDITY, UID) for APPENDUID.
    pub async fn append(
        &self,
        name: &str,
        flags: &[FlagName],
        date: Option<DateTime<Utc>>,
        mime: Bytes,
    ) -> Result<(u32, u32), MailError> {
        let service = &self.inner.service;
        if mime.len() > service.settings.max_message_bytes {
            return Err(MailError::TooLarge(format!(
                "the message is larger than the {} bytes Microsoft 365 accepts here",
                service.settings.max_message_bytes
            )));
        }
        let target = self.inner.resolve(name).await?;
        target.place.check_write()?;
        let sync = target.place.engine.folder(&target.folder.id).await?;
        let uid =
            store_message(service, &target, &sync, StoreRequest { flags, date, mime }).await?;
        let uidvalidity = sync.state.lock().await.uidvalidity;
        Ok((uidvalidity, uid))
    }
}

fn message_id(mime: &[u8]) -> Option<String> {
    let parsed = mail_parser::MessageParser::default().parse_headers(mime)?;
    parsed.message_id().map(|id| format!("<{id}>"))
}

/// Store `request` in `target`'s folder and give it a UID there.
pub(crate) async fn store_message(
    service: &Arc<MailService>,
    target: &Resolved,
    sync: &FolderSync,
    request: StoreRequest<'_>,
) -> Result<u32, MailError> {
    let graph = &target.place.graph;
    let mailbox = target.place.grant.mailbox();
    let mid = message_id(&request.mime);
    let is_sent = target.tree.id_of("sentitems") == Some(target.folder.id.as_str());
    if is_sent
        && let Some(mid) = &mid
        && service.recently_sent(mailbox, mid)
    {
        let found = graph
            .find_by_message_id(&target.folder.id, mid)
            .await
            .map_err(|e| graph_error(mailbox, e))?;
        if let Some(item) = found.first() {
            let mut state = sync.state.lock().await;
            let (uid, changes) = state.adopt(&remote(item));
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
    let mapi = (if flags.seen { MF_READ } else { 0 }) | (if flags.draft { MF_UNSENT } else { 0 });
    let mut props = vec![
        json!({"id": tags::integer(tags::MESSAGE_FLAGS), "value": mapi.to_string()}),
        json!({
            "id": format!("SystemTime 0x{:04X}", tags::DELIVERY_TIME),
            "value": date.to_rfc3339_opts(SecondsFormat::Secs, true)
        }),
    ];
    if flags.answered || flags.forwarded {
        let (verb, icon) = match (flags.answered, flags.forwarded) {
            (true, true) => (VERB_REPLY, ICON_FORWARDED),
            (true, false) => (VERB_REPLY, ICON_REPLIED),
            _ => (VERB_FORWARD, ICON_FORWARDED),
        };
        props.push(json!({"id": tags::integer(tags::LAST_VERB), "value": verb.to_string()}));
        props.push(json!({"id": tags::integer(tags::ICON_INDEX), "value": icon.to_string()}));
    }
    let mut body = json!({
        "isRead": flags.seen,
        "singleValueExtendedProperties": props,
    });
    if flags.flagged {
        body["flag"] = json!({"flagStatus": "flagged"});
    }
    if !flags.keywords.is_empty() {
        body["categories"] = json!(flags.categories());
    }
    let created = graph
        .create_message(&target.folder.id, body)
        .await
        .map_err(|e| match e {
            GraphError::OutcomeUnknown(_) => MailError::Unavailable(
                "Microsoft 365 did not confirm storing the message; check the folder before trying again"
                    .into(),
            ),
            e => graph_error(mailbox, e),
        })?;
    if let Err(e) = graph.put_mime(&created.id, &request.mime).await {
        // Leave no empty placeholder behind.
        let _ = graph
            .delete_messages(std::slice::from_ref(&created.id))
            .await;
        return Err(graph_error(mailbox, e));
    }
    if let Some(cache) = &service.cache
        && let Err(e) = cache.put(mailbox, &created.id, &request.mime).await
    {
        tracing::warn!(error = %e, "could not cache an appended message");
    }
    let mut item = remote(&created);
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
