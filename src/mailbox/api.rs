//! What the protocol fronts see of mail: a user's folders (their own mailbox
//! and the shared ones policy grants, under `Shared/<address>/`), and a
//! selected folder with UIDs, flags, MIME and changes made by anyone.
//! Names are UTF-8 here; the IMAP front converts them from modified UTF-7.
//!
//! STUB bodies: the sync engine behind these types is being written; the
//! types and signatures are the contract.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::flags::{FlagName, Flags};
use super::names::SpecialUse;

/// Why a mail operation failed; each front turns it into its reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// No folder by that name (IMAP: NO [NONEXISTENT], or [TRYCREATE] for APPEND/COPY).
    #[error("there is no folder {0}")]
    NoSuchFolder(String),
    #[error("a folder named {0} already exists")]
    AlreadyExists(String),
    /// Policy or Exchange refused (IMAP: NO [NOPERM]); the text says why.
    #[error("{0}")]
    NoPermission(String),
    /// The folder was opened read-only (EXAMINE or a read grant).
    #[error("the folder is read-only")]
    ReadOnly,
    /// The operation is not possible for this folder (e.g. deleting INBOX).
    #[error("{0}")]
    CannotDo(String),
    /// A message is too big (IMAP: NO [LIMIT] / [TOOBIG]).
    #[error("{0}")]
    TooLarge(String),
    /// The message does not exist any more (expunged by someone else).
    #[error("message {0} no longer exists")]
    Gone(u32),
    /// Microsoft-side trouble a person must act on or that passes (IMAP:
    /// NO [UNAVAILABLE]); the text names the fix when there is one.
    #[error("{0}")]
    Unavailable(String),
    /// Something unexpected (IMAP: NO [SERVERBUG]).
    #[error("{0}")]
    Internal(String),
}

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
}

/// STATUS answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FolderStatus {
    pub messages: u32,
    pub unseen: u32,
    pub uidnext: u32,
    pub uidvalidity: u32,
}

/// One message of a selected folder, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMeta {
    pub uid: u32,
    pub flags: Flags,
    /// INTERNALDATE.
    pub internal_date: DateTime<Utc>,
}

/// A folder's messages at one moment, in UID order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub messages: Vec<MessageMeta>,
}

/// How STORE changes flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOp {
    Replace,
    Add,
    Remove,
}

/// UIDs of copied or moved messages: (source UID, destination UID) pairs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CopyResult {
    pub uidvalidity: u32,
    pub pairs: Vec<(u32, u32)>,
}

/// One user's mail, for one session.
pub struct UserMail {
    _private: (),
}

impl UserMail {
    /// Every folder the user may see (own, then granted shared mailboxes).
    pub async fn list(&self) -> Result<Vec<FolderInfo>, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    pub async fn status(&self, _name: &str) -> Result<FolderStatus, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    pub async fn create(&self, _name: &str) -> Result<(), MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    pub async fn delete(&self, _name: &str) -> Result<(), MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    pub async fn rename(&self, _from: &str, _to: &str) -> Result<(), MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    pub async fn subscribe(&self, _name: &str, _on: bool) -> Result<(), MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    /// Open a folder; `read_only` for EXAMINE (a read grant forces it).
    pub async fn select(&self, _name: &str, _read_only: bool) -> Result<SelectedFolder, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    /// Store a message; returns (UIDVALIDITY, UID) for APPENDUID.
    pub async fn append(
        &self,
        _name: &str,
        _flags: &[FlagName],
        _date: Option<DateTime<Utc>>,
        _mime: Bytes,
    ) -> Result<(u32, u32), MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
}

/// A selected folder, for one session.
pub struct SelectedFolder {
    _private: Arc<()>,
}

impl SelectedFolder {
    pub fn name(&self) -> &str {
        ""
    }
    pub fn read_only(&self) -> bool {
        true
    }
    /// The folder now, after catching up with Graph if `sync` (NOOP, SELECT)
    /// or from what the shared engine already knows (every other command).
    pub async fn snapshot(&self, _sync: bool) -> Result<Snapshot, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    /// Resolves when the folder changed (for IDLE), or at shutdown.
    pub async fn changed(&self) {}
    /// RFC822.SIZE of a message (fixed for its UID; may download it in exact mode).
    pub async fn size(&self, _uid: u32) -> Result<u64, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    /// The whole message, as BODY[] serves it.
    pub async fn mime(&self, _uid: u32) -> Result<Bytes, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    /// The header block (BODY[HEADER]); may come without a download in estimate mode.
    pub async fn header(&self, _uid: u32) -> Result<Bytes, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    /// Start downloading these messages now, in parallel (a FETCH of many).
    pub fn prefetch(&self, _uids: &[u32]) {}
    /// Change flags; returns the new flags of each message changed.
    pub async fn store(
        &self,
        _uids: &[u32],
        _op: StoreOp,
        _flags: &[FlagName],
    ) -> Result<Vec<(u32, Flags)>, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    /// Expunge messages marked \Deleted (all, or only those in `uids`); returns the UIDs removed.
    pub async fn expunge(&self, _uids: Option<&[u32]>) -> Result<Vec<u32>, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    pub async fn copy(&self, _uids: &[u32], _dest: &str) -> Result<CopyResult, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
    /// MOVE: the source UIDs are gone when this returns.
    pub async fn move_to(&self, _uids: &[u32], _dest: &str) -> Result<CopyResult, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
}

/// The mail service of the whole gateway: one per process, shared by every
/// session; it owns the per-mailbox sync engines.
pub struct MailService {
    _private: (),
}

impl MailService {
    /// The mail `account` may see (own mailbox plus shared ones policy grants).
    pub async fn open_user(
        &self,
        _account: &crate::accounts::Account,
    ) -> Result<UserMail, MailError> {
        Err(MailError::Internal("not built yet".into()))
    }
}
