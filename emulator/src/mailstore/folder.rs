//! A mailbox's folders as Exchange keeps them: the well-known ones every
//! mailbox has, each folder's place in the tree and its change sequence, and
//! the tombstones of messages that left it, which delta queries report.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// Well-known folders every mailbox has: (well-known name, display name, hidden).
pub(crate) const WELL_KNOWN_FOLDERS: [(&str, &str, bool); 9] = [
    ("inbox", "Inbox", false),
    ("drafts", "Drafts", false),
    ("sentitems", "Sent Items", false),
    ("deleteditems", "Deleted Items", false),
    ("junkemail", "Junk Email", false),
    ("archive", "Archive", false),
    ("outbox", "Outbox", false),
    ("conversationhistory", "Conversation History", false),
    ("recoverableitemsdeletions", "Deletions", true),
];

/// Well-known names accepted in paths that have no folder of their own here.
pub(crate) const ROOT_NAME: &str = "msgfolderroot";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Folder {
    pub id: String,
    pub display_name: String,
    /// Parent folder id; the root's parent is the empty string.
    pub parent_id: String,
    pub well_known: Option<String>,
    pub is_hidden: bool,
    /// Sequence of the folder's last change (create, rename, move, counts).
    pub changed_seq: u64,
    /// Messages that left this folder: (sequence, immutable id, reason).
    #[serde(default)]
    pub tombstones: VecDeque<Tombstone>,
    /// Delta tokens older than this sequence can no longer be answered.
    #[serde(default)]
    pub delta_floor: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Tombstone {
    pub seq: u64,
    /// Immutable id of the item.
    pub id: String,
    /// Its default (REST) id when it left.
    #[serde(default)]
    pub rest: String,
    /// `deleted` or `changed` (Graph's `@removed.reason`).
    pub reason: String,
}

/// What happened to a message when it left a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removal {
    Deleted,
    Moved,
}
