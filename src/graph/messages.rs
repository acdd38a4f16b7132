//! Messages: delta rounds per folder (the sync engine's one source of
//! changes), MIME download and upload, creation with extended properties,
//! flag changes, move, copy and delete of many at once through `$batch`.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::batch::{BatchItem, BatchOutcome};
use super::call::{Body, Call, Target, encode};
use super::error::{BadAnswer, Error, Failure, NoAnswer};
use super::mailbox::Mailbox;
use super::models::{DeltaRound, MessageItem, tags};
use super::requests::{Destination, FileAttachment, NewAttachment, UploadSession};

/// What the sync engine keeps of a message (no subject, no body: those come
/// from the MIME when a client asks).
pub const SYNC_FIELDS: &str =
    "id,receivedDateTime,isRead,isDraft,flag,categories,internetMessageId,conversationId";

/// The extended properties the sync engine reads with every message
/// (always together with `SYNC_FIELDS`, so an answer with `isDraft` also
/// says whether the `\Draft` mark is there).
pub fn sync_expand() -> String {
    format!(
        "singleValueExtendedProperties($filter=id eq '{}' or id eq '{}' or id eq '{}' or id eq '{}')",
        tags::integer(tags::LAST_VERB),
        tags::integer(tags::ICON_INDEX),
        tags::integer(tags::MESSAGE_SIZE),
        tags::DRAFT_MARK,
    )
}

/// `$select` and `$expand` of the sync fields, percent-encoded for a
/// `$batch` member URL.
fn sync_query() -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    format!(
        "$select={}&$expand={}",
        utf8_percent_encode(SYNC_FIELDS, NON_ALPHANUMERIC),
        utf8_percent_encode(&sync_expand(), NON_ALPHANUMERIC)
    )
}

#[derive(Deserialize)]
pub(super) struct DeltaPage {
    #[serde(default)]
    value: Vec<MessageItem>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    delta_link: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ListPage {
    #[serde(default)]
    value: Vec<MessageItem>,
}

/// What `find_copies` reads besides the sync fields.
const COPY_FIELDS: &str = "createdDateTime,subject,toRecipients,ccRecipients,bccRecipients";

/// A message found by Message-ID: its sync fields (to adopt it into a UID
/// map) and what tells one message with that Message-ID from another.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FoundCopy {
    #[serde(flatten)]
    pub item: MessageItem,
    #[serde(default)]
    pub created_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub to_recipients: Option<Vec<CopyRecipient>>,
    #[serde(default)]
    pub cc_recipients: Option<Vec<CopyRecipient>>,
    #[serde(default)]
    pub bcc_recipients: Option<Vec<CopyRecipient>>,
}

impl FoundCopy {
    /// Lower-case addresses of To and Cc, and of Bcc.
    pub fn recipients(&self) -> (Vec<String>, Vec<String>) {
        let list = |v: &Option<Vec<CopyRecipient>>| -> Vec<String> {
            v.iter()
                .flatten()
                .filter_map(|r| r.email_address.as_ref()?.address.as_deref())
                .map(|a| a.trim().to_ascii_lowercase())
                .filter(|a| !a.is_empty())
                .collect()
        };
        let mut visible = list(&self.to_recipients);
        visible.extend(list(&self.cc_recipients));
        (visible, list(&self.bcc_recipients))
    }
}

/// `{"emailAddress": {"address": …}}` (any part may be null).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyRecipient {
    #[serde(default)]
    pub email_address: Option<CopyAddress>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CopyAddress {
    #[serde(default)]
    pub address: Option<String>,
}

#[derive(Deserialize)]
struct CopyPage {
    #[serde(default)]
    value: Vec<FoundCopy>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadSessionAnswer {
    #[serde(default)]
    upload_url: Option<String>,
}

/// A request whose body is a whole MIME message, base64 in `text/plain`
/// as Graph wants it.
fn mime_call(
    op: &'static str,
    method: Method,
    path: impl Into<String>,
    mime: &[u8],
    repeatable: bool,
) -> Call {
    let b64 = base64::engine::general_purpose::STANDARD.encode(mime);
    Call::with(op, method, path, Body::Mime(b64), repeatable)
}

impl Mailbox {
    /// One delta round of a folder: from `link` (the last round's deltaLink)
    /// or, without one, everything the folder holds now.
    /// `Err(Error::SyncReset)` when Graph forgot the sync state.
    pub async fn delta(&self, folder_id: &str, link: Option<&str>) -> Result<DeltaRound, Error> {
        self.delta_with(folder_id, link, false).await
    }

    /// `delta`, asking on a first round also for `internetMessageHeaders`
    /// (the headers then come without MIME downloads; later rounds keep
    /// the options the first one encoded in its links).
    pub async fn delta_with(
        &self,
        folder_id: &str,
        link: Option<&str>,
        headers: bool,
    ) -> Result<DeltaRound, Error> {
        let page_size = self.client.settings().page_size;
        let mut call = match link {
            Some(link) => Call {
                target: Target::Link(link.to_string()),
                ..Call::get("message delta", "")
            },
            None => Call::get(
                "message delta",
                format!("/mailFolders/{}/messages/delta", encode(folder_id)),
            )
            .query(
                "$select",
                if headers {
                    format!("{SYNC_FIELDS},internetMessageHeaders")
                } else {
                    SYNC_FIELDS.to_string()
                },
            )
            .query("$expand", sync_expand()),
        };
        call.prefer = Some(format!("odata.maxpagesize={page_size}"));
        let mut round = DeltaRound::default();
        loop {
            let answer = match self.execute(&call).await {
                Ok(a) => a,
                Err(Error::Graph(f))
                    if f.status == 410 || f.is("syncStateNotFound") || f.is("resyncRequired") =>
                {
                    return Err(Error::SyncReset);
                }
                Err(e) => return Err(e),
            };
            let page: DeltaPage = answer.parse()?;
            round.pages += 1;
            round.items.extend(page.value);
            if let Some(delta) = page.delta_link {
                round.delta_link = delta;
                return Ok(round);
            }
            match page.next_link {
                Some(next) => call.target = Target::Link(next),
                None => return Err(BadAnswer::Shape("a delta page without a next link").into()),
            }
            if round.pages > 1_000_000 {
                return Err(BadAnswer::Shape("delta round does not end").into());
            }
        }
    }

    /// The message's MIME as Exchange serves it (`$value`).
    pub async fn mime(&self, id: &str) -> Result<Bytes, Error> {
        let call = Call::get("get mime", format!("/messages/{}/$value", encode(id)));
        Ok(self.execute(&call).await?.body)
    }

    /// A message in `folder` by its Internet Message-ID (exactly-once checks,
    /// APPEND to Sent of something just sent).
    pub async fn find_by_message_id(
        &self,
        folder: &str,
        message_id: &str,
    ) -> Result<Vec<MessageItem>, Error> {
        let quoted = message_id.replace('\'', "''");
        let call = Call::get(
            "find by message-id",
            format!("/mailFolders/{}/messages", encode(folder)),
        )
        .query("$filter", format!("internetMessageId eq '{quoted}'"))
        .query("$select", SYNC_FIELDS)
        .query("$expand", sync_expand())
        .query("$top", "10");
        let page: ListPage = self.execute(&call).await?.parse()?;
        Ok(page.value)
    }

    /// The copies of `message_id` in `folder` created at or after `since`,
    /// newest first, with what the "is this the message?" checks compare
    /// (subject, recipients, creation time). The time bound comes first in
    /// `$filter` because Graph refuses an `$orderby` property that does not
    /// lead the filter (InefficientFilter); it also keeps a Message-ID that a
    /// device reuses from answering with every old copy.
    pub async fn find_copies(
        &self,
        folder: &str,
        message_id: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<FoundCopy>, Error> {
        let quoted = message_id.replace('\'', "''");
        let call = Call::get(
            "find copies by message-id",
            format!("/mailFolders/{}/messages", encode(folder)),
        )
        .query(
            "$filter",
            format!(
                "createdDateTime ge {} and internetMessageId eq '{quoted}'",
                since.format("%Y-%m-%dT%H:%M:%SZ")
            ),
        )
        .query("$orderby", "createdDateTime desc")
        .query("$select", format!("{SYNC_FIELDS},{COPY_FIELDS}"))
        .query("$expand", sync_expand())
        .query("$top", "25");
        let page: CopyPage = self.execute(&call).await?.parse()?;
        Ok(page.value)
    }

    /// Create a message in `folder` from JSON (a `NewMessage`: extended
    /// properties such as PR_MESSAGE_FLAGS can only be set this way, and
    /// only now). Not repeatable: a lost answer may have created it.
    pub async fn create_message(
        &self,
        folder: &str,
        message: impl Serialize,
    ) -> Result<MessageItem, Error> {
        let call = Call::with(
            "create message",
            Method::POST,
            format!("/mailFolders/{}/messages", encode(folder)),
            Body::json(&message)?,
            false,
        )
        .query("$select", SYNC_FIELDS)
        .query("$expand", sync_expand());
        self.execute(&call).await?.parse()
    }

    /// Create a message in `folder` from its MIME (`POST` base64
    /// text/plain): the bytes are kept, but Exchange makes every such item
    /// a draft. Not repeatable: a lost answer may have created it.
    pub async fn create_message_mime(
        &self,
        folder: &str,
        mime: &[u8],
    ) -> Result<MessageItem, Error> {
        let call = mime_call(
            "create message from mime",
            Method::POST,
            format!("/mailFolders/{}/messages", encode(folder)),
            mime,
            false,
        )
        .query("$select", SYNC_FIELDS)
        .query("$expand", sync_expand());
        self.execute(&call).await?.parse()
    }

    /// Replace a message's MIME (`PUT $value`, base64 text/plain);
    /// Microsoft documents it for drafts.
    pub async fn put_mime(&self, id: &str, mime: &[u8]) -> Result<(), Error> {
        let call = mime_call(
            "put mime",
            Method::PUT,
            format!("/messages/{}/$value", encode(id)),
            mime,
            true,
        );
        self.execute(&call).await.map(|_| ())
    }

    /// One message's sync fields, as the delta would report it.
    pub async fn message(&self, id: &str) -> Result<MessageItem, Error> {
        let call = Call::get("get message", format!("/messages/{}", encode(id)))
            .query("$select", SYNC_FIELDS)
            .query("$expand", sync_expand());
        self.execute(&call).await?.parse()
    }

    /// PATCH each `(id, changes)` (a `MessageChange`); answers in the
    /// same order.
    pub async fn patch_messages<B: Serialize>(
        &self,
        changes: Vec<(String, B)>,
    ) -> Vec<BatchOutcome> {
        let mut items = Vec::with_capacity(changes.len());
        for (id, change) in &changes {
            let body = match serde_json::to_value(change) {
                Ok(body) => body,
                Err(e) => return vec![Err(Error::Encode(Arc::new(e))); changes.len()],
            };
            items.push(BatchItem {
                method: Method::PATCH,
                path: format!("/messages/{}?{}", encode(id), sync_query()),
                body: Some(body),
                repeatable: true,
            });
        }
        self.batch("patch messages", items).await
    }

    /// Move each message to `dest` (folder id or well-known name); each
    /// answer is the message at its new place (same immutable id).
    pub async fn move_messages(&self, ids: &[String], dest: &str) -> Vec<BatchOutcome> {
        self.relocate("move messages", "move", ids, dest, true)
            .await
    }

    /// Copy each message to `dest`; each answer is the new copy.
    pub async fn copy_messages(&self, ids: &[String], dest: &str) -> Vec<BatchOutcome> {
        self.relocate("copy messages", "copy", ids, dest, false)
            .await
    }

    async fn relocate(
        &self,
        op: &'static str,
        action: &str,
        ids: &[String],
        dest: &str,
        repeatable: bool,
    ) -> Vec<BatchOutcome> {
        let body = match serde_json::to_value(Destination {
            destination_id: dest,
        }) {
            Ok(body) => body,
            Err(e) => return vec![Err(Error::Encode(Arc::new(e))); ids.len()],
        };
        let items = ids
            .iter()
            .map(|id| BatchItem {
                method: Method::POST,
                path: format!("/messages/{}/{action}?{}", encode(id), sync_query()),
                body: Some(body.clone()),
                repeatable,
            })
            .collect();
        self.batch(op, items).await
    }

    /// Delete each message (Exchange keeps it in Recoverable Items for the
    /// retention period); one that is already gone counts as deleted.
    pub async fn delete_messages(&self, ids: &[String]) -> Vec<Result<(), Error>> {
        let items = ids
            .iter()
            .map(|id| BatchItem {
                method: Method::DELETE,
                path: format!("/messages/{}", encode(id)),
                body: None,
                repeatable: true,
            })
            .collect();
        self.batch("delete messages", items)
            .await
            .into_iter()
            .map(|r| match r {
                Ok(_) => Ok(()),
                Err(e) if e.is_not_found() => Ok(()),
                Err(e) => Err(e),
            })
            .collect()
    }

    /// `sendMail` with the whole MIME message (base64). Not repeatable: a
    /// lost answer may mean it was sent.
    pub async fn send_mime(&self, mime: &[u8]) -> Result<(), Error> {
        let call = mime_call("send mail", Method::POST, "/sendMail", mime, false);
        self.execute(&call).await.map(|_| ())
    }

    /// A draft from MIME (`POST /messages`, base64 text/plain), in Drafts.
    pub async fn create_draft_mime(&self, mime: &[u8]) -> Result<MessageItem, Error> {
        let call = mime_call("create draft", Method::POST, "/messages", mime, false)
            .query("$select", "id,isDraft,internetMessageId");
        self.execute(&call).await?.parse()
    }

    /// Attach a small file (< 3 MB) to a draft.
    pub async fn add_attachment(
        &self,
        id: &str,
        attachment: &NewAttachment<'_>,
    ) -> Result<(), Error> {
        let call = Call::with(
            "add attachment",
            Method::POST,
            format!("/messages/{}/attachments", encode(id)),
            Body::json(&FileAttachment::of(attachment))?,
            false,
        );
        self.execute(&call).await.map(|_| ())
    }

    /// Upload a large file (3-150 MB) to a draft through an upload
    /// session, in chunks of at most 4 MB.
    pub async fn upload_attachment(
        &self,
        id: &str,
        attachment: &NewAttachment<'_>,
    ) -> Result<(), Error> {
        let call = Call::with(
            "create upload session",
            Method::POST,
            format!("/messages/{}/attachments/createUploadSession", encode(id)),
            Body::json(&UploadSession::of(attachment))?,
            false,
        );
        let session: UploadSessionAnswer = self.execute(&call).await?.parse()?;
        let url = session
            .upload_url
            .ok_or(BadAnswer::Shape("upload session without uploadUrl"))?;
        let bytes = attachment.bytes;
        const CHUNK: usize = 4 * 1024 * 1024 - 320 * 1024;
        let total = bytes.len();
        let mut start = 0;
        while start < total {
            let end = (start + CHUNK).min(total);
            self.put_chunk(&url, start, end, total, &bytes[start..end])
                .await?;
            start = end;
        }
        Ok(())
    }

    /// One chunk to a pre-authenticated upload URL (no Authorization
    /// header: the URL carries its own token and must never be logged).
    async fn put_chunk(
        &self,
        url: &str,
        start: usize,
        end: usize,
        total: usize,
        chunk: &[u8],
    ) -> Result<(), Error> {
        let settings = self.client.settings();
        let mut tries = 0;
        loop {
            tries += 1;
            let _permits = self.admit(1).await?;
            let sent = self
                .client
                .http()
                .put(url)
                .header(
                    "Content-Range",
                    format!("bytes {start}-{}/{total}", end - 1),
                )
                .header("Content-Type", "application/octet-stream")
                .timeout(settings.request_timeout)
                .body(chunk.to_vec())
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r)
                    if tries <= settings.max_retries
                        && matches!(r.status().as_u16(), 429 | 500 | 502 | 503 | 504) => {}
                Ok(r) => {
                    let status = r.status();
                    let body = r.bytes().await.unwrap_or_default();
                    return Err(Error::Graph(Failure::from_body(status, &body, None)));
                }
                Err(e) if tries <= settings.max_retries => {
                    tracing::debug!(error = %e.without_url(), "upload chunk failed; again");
                }
                Err(e) => return Err(Error::Transport(NoAnswer::http(e.without_url()))),
            }
            drop(_permits);
            tokio::time::sleep(Duration::from_millis(500 * u64::from(tries))).await;
        }
    }

    /// Send a draft (`POST /messages/{id}/send`). Not repeatable.
    pub async fn send_draft(&self, id: &str) -> Result<(), Error> {
        let call = Call::with(
            "send draft",
            Method::POST,
            format!("/messages/{}/send", encode(id)),
            Body::None,
            false,
        );
        self.execute(&call).await.map(|_| ())
    }
}
