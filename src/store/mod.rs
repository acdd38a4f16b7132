//! Persistence under everything: local accounts and their passwords, the
//! encrypted token cache, and (later) UID maps, folder state and the audit
//! log. One SQL path serves SQLite (the embedded default, a file in the data
//! dir) and PostgreSQL (several gateway instances behind one load balancer)
//! through sqlx's `AnyPool`; columns are integers, text and bytes only.

mod accounts;
mod audit;
mod backend;
mod database;
mod error;
mod lease;
mod mail;
mod migrations;
mod secrets;

pub(crate) use accounts::{AccountRow, PasswordInsert, PasswordRow};
pub(crate) use audit::AuditRow;
pub use backend::Backend;
pub use database::Store;
pub(crate) use database::{configured_url, now};
pub use error::Error;
pub(crate) use mail::{
    FolderChanges, FolderNotice, FolderRow, FolderWrite, MAIL_CHANNEL, MessageRow,
};
pub(crate) use secrets::refresh_token_name;
