//! One stored item: its MIME bytes, the properties derived from them, and
//! the state Exchange keeps next to it (read, flag, categories, draft,
//! extended properties, ids), with the values Graph computes from it.

use std::collections::BTreeMap;

use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::props::{Importance, MessageProps, props_from_mime};

/// Exchange items that are not messages (posts, notes, ...) still live in mail
/// folders: they count in `totalItemCount` and in the `$skip` Graph walks, but
/// `/messages` never returns them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ItemClass {
    #[default]
    Message,
    Other,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) enum FlagStatus {
    #[default]
    NotFlagged,
    Flagged,
    Complete,
}

impl FlagStatus {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FlagStatus::NotFlagged => "notFlagged",
            FlagStatus::Flagged => "flagged",
            FlagStatus::Complete => "complete",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<FlagStatus> {
        match s.to_ascii_lowercase().as_str() {
            "notflagged" => Some(FlagStatus::NotFlagged),
            "flagged" => Some(FlagStatus::Flagged),
            "complete" => Some(FlagStatus::Complete),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct StoredMessage {
    /// Stays for the item's life in this mailbox (`Prefer: IdType="ImmutableId"`).
    pub immutable_id: String,
    /// The default (REST) id; changes on every move.
    pub rest_id: String,
    /// How many times the item moved (feeds the next REST id).
    pub moves: u32,
    pub folder_id: String,
    #[serde(default)]
    pub class: ItemClass,
    /// The message as `$value` serves it.
    #[serde(skip)]
    pub mime: Bytes,
    /// SHA-256 of `mime` (hex), the name of its file when persisted.
    pub mime_sha: String,
    #[serde(skip)]
    pub props: MessageProps,
    pub is_read: bool,
    pub is_draft: bool,
    pub flag: FlagStatus,
    pub categories: Vec<String>,
    /// Importance as PATCHed; None = as the MIME says.
    pub importance: Option<Importance>,
    pub inference_focused: bool,
    pub received: DateTime<Utc>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub change_counter: u64,
    /// Sequence of the last change to this item (delta).
    pub changed_seq: u64,
    /// Sequence at which the item arrived in its current folder (delta `created`).
    pub arrived_seq: u64,
    /// Stored extended properties (normalised id → value), e.g. `Integer 0x1081`.
    pub ext: BTreeMap<String, String>,
    /// `mfUnmodified` etc. bits fixed at creation (PR_MESSAGE_FLAGS without read/attach).
    pub creation_flags: u32,
}

impl StoredMessage {
    /// PR_MESSAGE_FLAGS as Exchange computes it.
    pub(crate) fn message_flags(&self) -> u32 {
        let mut f = self.creation_flags & !(0x1 | 0x8 | 0x10);
        if self.is_read {
            f |= 0x1;
        }
        if self.is_draft {
            f |= 0x8;
        }
        if self.props.has_attachments() {
            f |= 0x10;
        }
        f
    }

    /// PR_MESSAGE_SIZE: Exchange's store size, which is not the MIME length.
    /// Modelled as the MIME plus a per-item property overhead, so a gateway
    /// that trusts it for RFC822.SIZE sees the same kind of mismatch it would
    /// see against Exchange Online.
    pub(crate) fn store_size(&self) -> u64 {
        let len = self.mime.len() as u64;
        len + len / 20 + 1536
    }

    pub(crate) fn etag(&self) -> String {
        format!("W/\"{}\"", self.change_key())
    }

    pub(crate) fn change_key(&self) -> String {
        let mut bytes = vec![0x09, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00];
        bytes.extend_from_slice(&self.change_counter.to_be_bytes());
        bytes.extend_from_slice(&Sha256::digest(self.immutable_id.as_bytes())[..8]);
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// Record a change: new change key, new delta sequence.
    pub(crate) fn touch(&mut self, seq: u64, now: DateTime<Utc>) {
        self.change_counter += 1;
        self.changed_seq = seq;
        self.modified = now;
    }

    /// Replace the MIME (drafts: `PUT $value`, attachments) and re-derive properties.
    pub(crate) fn set_mime(&mut self, mime: Bytes) {
        self.mime_sha = hex::encode(Sha256::digest(&mime));
        self.props = props_from_mime(&mime);
        self.mime = mime;
    }
}
