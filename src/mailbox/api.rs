//! What the protocol fronts see of mail: a user's folders (their own mailbox
//! and the shared ones policy grants, under `Shared/<address>/`), and a
//! selected folder with UIDs, flags, MIME and changes made by anyone.
//! Names are UTF-8 here; the IMAP front converts them from modified UTF-7.
//! The types live here (the errors in `error`); `user` and `selected`
//! implement them.

use chrono::{DateTime, Utc};

use super::flags::Flags;
use super::names::SpecialUse;
use super::object_id::ObjectId;

/// A mailbox as LIST shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderInfo {
    /// Full UTF-8 IMAP name (`INBOX/Projects`, `Shared/sales@contoso.com/INBOX`).
    pub name: String,
    pub special_use: Option<SpecialUse>,
    pub has_children: bool,
    /// False for the `Shared` and `Shared/<address>` placeholders (\Noselect).
    pub selectable: bool,
    pub subscribed: bool,
    /// False for a name the user subscribed to that names no folder (any
    /// more): LSUB and LIST (SUBSCRIBED) still show it (RFC 3501 §6.3.6,
    /// RFC 5258 `\NonExistent`).
    pub exists: bool,
}

/// STATUS answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FolderStatus {
    pub messages: u32,
    /// Messages no session has seen as `\Recent` yet.
    pub recent: u32,
    pub unseen: u32,
    pub uidnext: u32,
    pub uidvalidity: u32,
    /// HIGHESTMODSEQ (RFC 7162).
    pub highestmodseq: u64,
    /// Messages flagged `\Deleted` (STATUS DELETED, RFC 9051).
    pub deleted: u32,
    /// The sum of the messages' RFC822.SIZE (STATUS SIZE, RFC 8438): the
    /// size already reported for a message, else the estimate from
    /// Exchange's store size, which is meant to be at least the MIME size.
    pub size: u64,
    /// The folder's id (MAILBOXID, RFC 8474): kept across a rename.
    pub mailbox_id: ObjectId,
}

/// A message's stable ids (RFC 8474's EMAILID and THREADID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageIds {
    /// From its immutable id: kept when it moves within the mailbox.
    pub email: ObjectId,
    /// From its conversation; `None` while Graph has not reported it
    /// (messages stored before graphgate recorded conversations).
    pub thread: Option<ObjectId>,
}

/// What a user may do with one folder, by the same decision the commands
/// enforce: policy's grant as it is now (a read grant, a read-only user)
/// and what Microsoft 365 allows in any mailbox (its own folders cannot be
/// deleted or renamed). The IMAP front turns it into RFC 4314 rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FolderRights {
    /// It can be selected and its messages read (false for the `Shared`
    /// and `Shared/<address>` placeholders, which are only listed).
    pub read: bool,
    /// Flags (`\Seen` and `\Deleted` included) can be changed, messages
    /// added, and deleted messages expunged.
    pub change: bool,
    /// Folders can be created below it.
    pub create_children: bool,
    /// It can be deleted or renamed.
    pub remove: bool,
}

/// One message of a selected folder, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMeta {
    pub uid: u32,
    pub flags: Flags,
    /// INTERNALDATE.
    pub internal_date: DateTime<Utc>,
    /// The mod-sequence of its last change (RFC 7162): the folder's
    /// counter in the store when its row was last written.
    pub modseq: u64,
}

/// A folder's messages at one moment, in UID order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    pub uidvalidity: u32,
    pub uidnext: u32,
    /// Every change up to this mod-sequence is in the snapshot (HIGHESTMODSEQ).
    pub highestmodseq: u64,
    pub messages: Vec<MessageMeta>,
}

/// What a STORE did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stored {
    /// Each message still in the folder that was asked for and not
    /// skipped: its flags now and the mod-sequence of its last change.
    pub messages: Vec<(u32, Flags, u64)>,
    /// Messages left alone because they changed after the mod-sequence
    /// given (RFC 7162 UNCHANGEDSINCE), in the order asked.
    pub modified: Vec<u32>,
}

/// How STORE changes flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOp {
    Replace,
    Add,
    Remove,
}

impl StoreOp {
    /// `before` after STORE applies this operation with `names`.
    pub fn apply(self, before: &Flags, names: &[super::flags::FlagName]) -> Flags {
        let mut after = match self {
            StoreOp::Replace => Flags::default(),
            _ => before.clone(),
        };
        for name in names {
            after.set(name, self != StoreOp::Remove);
        }
        after
    }
}

/// UIDs of copied or moved messages: (source UID, destination UID) pairs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CopyResult {
    pub uidvalidity: u32,
    pub pairs: Vec<(u32, u32)>,
}

/// One message to store with APPEND: its flags, its date (INTERNALDATE;
/// now when absent) and its exact MIME.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub flags: Vec<super::flags::FlagName>,
    pub date: Option<DateTime<Utc>>,
    pub mime: bytes::Bytes,
}
