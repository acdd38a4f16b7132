//! The upload sessions in progress: for each, the message it adds to, the
//! attachment's name, type and size, the bytes received so far, its secret
//! and its expiry. The tenant holds them; `uploads.rs` serves them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use uuid::Uuid;

/// One upload session: an attachment on its way into a message.
pub(super) struct Session {
    /// The mailbox owner and the message (its store key) the attachment goes to.
    pub(super) owner: Uuid,
    pub(super) message: String,
    /// The `authtoken` of the upload URL.
    pub(super) auth: String,
    pub(super) name: String,
    pub(super) content_type: String,
    pub(super) is_inline: bool,
    pub(super) content_id: Option<String>,
    /// The size the client announced; the upload ends when `data` reaches it.
    pub(super) size: usize,
    pub(super) data: Vec<u8>,
    /// Renewed by every chunk.
    pub(super) expires: DateTime<Utc>,
    /// The mailbox, for counting the chunks in the stats.
    pub(super) upn: String,
}

/// The sessions in progress, by session id.
#[derive(Default)]
pub(crate) struct UploadSessions {
    pub(super) sessions: Mutex<HashMap<String, Session>>,
}
