//! The protocol-neutral mailbox service: Graph folders as named mailboxes,
//! messages with persistent UIDs and IMAP flags, one sync engine per
//! Microsoft 365 mailbox shared by every session, a MIME cache, and
//! submission. Fronts (IMAP, SMTP) call it; it calls `graph`.

pub mod api;
mod append;
pub mod cache;
mod engine;
pub mod flags;
pub mod folder;
mod large;
pub mod mutf7;
pub mod names;
mod selected;
mod send;
mod service;
pub mod submit;
mod sync;
mod transfer;
mod user;

pub use api::{CopyResult, FolderInfo, FolderStatus, MailError, MessageMeta, Snapshot, StoreOp};
pub use selected::SelectedFolder;
pub use service::{Credentials, MailService, MailSettings, SizeMode};
pub use user::UserMail;
