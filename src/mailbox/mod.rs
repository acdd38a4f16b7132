//! The protocol-neutral mailbox service: Graph folders as named mailboxes,
//! messages with persistent UIDs and IMAP flags, one sync engine per
//! Microsoft 365 mailbox shared by every session, a MIME cache, and
//! submission. Fronts (IMAP, SMTP) call it; it calls `graph`.
//!
//! Bottom-up: errors and settings (`reason`, `error`, `settings`); names, flags and the flag table (`mutf7`, `names`,
//! `flags`, `graph_flags`); what Graph said and one folder's state
//! (`remote`, `folder`, `api`); what users share (`cache`, `context`);
//! sync and engine (`pace`, `sync`, `engine`); a user's mailboxes (`place`,
//! `namespace`); MIME, APPEND, COPY/MOVE (`download`, `append`,
//! `transfer`); the selected folder, the user, the service (`selected`,
//! `user`, `service`); submission (`large`, `submit`, `send`) and its
//! exactly-once checks (`fingerprint`, `sent_log`, `sent_check`).

mod access;
pub(crate) mod api;
mod append;
mod append_route;
pub(crate) mod cache;
mod context;
mod download;
mod engine;
mod error;
mod fingerprint;
pub(crate) mod flags;
pub(crate) mod folder;
mod graph_flags;
#[cfg(test)]
pub(crate) mod growth;
mod large;
pub(crate) mod mutf7;
pub(crate) mod names;
mod namespace;
pub(crate) mod object_id;
mod pace;
mod place;
mod reason;
mod remote;
mod selected;
mod send;
mod sent_check;
mod sent_log;
mod service;
mod settings;
pub(crate) mod submit;
mod sync;
mod transfer;
mod user;

pub(crate) use api::{
    CopyResult, FolderInfo, FolderRights, FolderStatus, MessageIds, MessageMeta, NewMessage,
    Snapshot, StoreOp, Stored,
};
pub(crate) use error::MailError;
pub(crate) use selected::SelectedFolder;
pub use service::MailService;
pub use settings::MailSettings;
pub(crate) use user::UserMail;
