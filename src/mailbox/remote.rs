//! What Graph reported about a message, as the folder state takes it: a
//! delta item (or a created, copied or moved message) turned into a
//! `RemoteMessage`, where every property a delta update may leave out is an
//! `Option`, and removals into `RemoteChange::Removed`.

use chrono::{DateTime, Utc};

use crate::graph::{HeaderValue, MessageItem, tags};

/// What Graph reported about a message. Delta updates may carry only some
/// properties: `None` means "unchanged".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteMessage {
    pub id: String,
    pub received: Option<DateTime<Utc>>,
    pub is_read: Option<bool>,
    pub is_draft: Option<bool>,
    /// graphgate's `\Draft` mark: `Some(None)` when the message has none.
    pub draft_mark: Option<Option<bool>>,
    pub flag_status: Option<String>,
    pub categories: Option<Vec<String>>,
    pub last_verb: Option<i64>,
    pub icon: Option<i64>,
    pub store_size: Option<i64>,
    pub internet_message_id: Option<String>,
    /// Graph's conversationId (one per conversation).
    pub conversation_id: Option<String>,
    /// Header block built from internetMessageHeaders.
    pub headers: Option<Vec<u8>>,
}

/// One change from a delta round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteChange {
    Present(RemoteMessage),
    Removed(String),
}

impl RemoteMessage {
    /// What a Graph message says (a delta item, or the answer to create,
    /// copy or move).
    pub fn from_item(m: &MessageItem) -> RemoteMessage {
        RemoteMessage {
            id: m.id.clone(),
            received: m.received_date_time,
            is_read: m.is_read,
            is_draft: m.is_draft,
            draft_mark: m.draft_mark(),
            flag_status: m.flag_status(),
            categories: m.categories.clone(),
            last_verb: m.ext_int(tags::LAST_VERB).map(|v| v.unwrap_or(0)),
            icon: m.ext_int(tags::ICON_INDEX).map(|v| v.unwrap_or(0)),
            store_size: m.ext_int(tags::MESSAGE_SIZE).flatten(),
            internet_message_id: m.internet_message_id.clone(),
            conversation_id: m.conversation_id.clone(),
            // An empty list is no header at all (every message has From or
            // Date): the MIME is read instead, so SEARCH and BODY[HEADER]
            // never judge a message by nothing.
            headers: m
                .internet_message_headers
                .as_deref()
                .filter(|h| !h.is_empty())
                .map(header_block),
        }
    }
}

impl RemoteChange {
    /// A delta item: a removal, or a message that is (still) there.
    pub fn from_item(m: &MessageItem) -> RemoteChange {
        if m.is_removed() {
            RemoteChange::Removed(m.id.clone())
        } else {
            RemoteChange::Present(RemoteMessage::from_item(m))
        }
    }
}

/// An RFC 5322 header block from Graph's `internetMessageHeaders`.
fn header_block(headers: &[HeaderValue]) -> Vec<u8> {
    let mut out = Vec::new();
    for h in headers {
        // A header name is printable ASCII without ':'; drop what is not.
        if h.name.is_empty() || !h.name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            continue;
        }
        out.extend_from_slice(h.name.as_bytes());
        out.extend_from_slice(b": ");
        for (i, line) in h
            .value
            .split(['\r', '\n'])
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            if i > 0 {
                out.extend_from_slice(b"\r\n ");
            }
            out.extend_from_slice(line.trim_start().as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}
