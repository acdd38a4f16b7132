//! The protocol-neutral mailbox service: Graph folders as named mailboxes,
//! messages with persistent UIDs and IMAP flags, one sync engine per
//! Microsoft 365 mailbox shared by every session, a MIME cache, and
//! submission. Fronts (IMAP, SMTP) call it; it calls `graph`.

pub mod api;
pub mod cache;
pub mod flags;
pub mod folder;
pub mod mutf7;
pub mod names;

pub use api::{
    CopyResult, FolderInfo, FolderStatus, MailError, MailService, MessageMeta, SelectedFolder,
    Snapshot, StoreOp, UserMail,
};
