//! Persistence under everything: local accounts and their passwords, the
//! encrypted token cache, and (later) UID maps, folder state and the audit
//! log. One SQL path serves SQLite (the embedded default, a file in the data
//! dir) and PostgreSQL (several gateway instances behind one load balancer)
//! through sqlx's `AnyPool`; columns are integers, text and bytes only.

mod accounts;
mod admins;
mod audit;
mod backend;
mod counters;
mod database;
mod dav;
mod dav_names;
mod error;
mod graph_users;
mod lease;
mod mail;
mod migrations;
mod secrets;
#[cfg(test)]
mod tests_dav;

pub(crate) use accounts::{AccountRow, PasswordInsert, PasswordRow};
// The rows the store's public methods take and give, nameable from
// outside (the PostgreSQL tests build them).
pub use admins::AdminSessionRow;
pub use audit::{AuditFilter, AuditRow};
pub use backend::Backend;
pub use database::Store;
pub(crate) use database::{configured_url, now, now_ms};
pub use dav::{DavChanges, DavCollectionRow, DavItemRow, DavKey};
pub use dav_names::DavName;
pub use error::Error;
pub use mail::{FolderChanges, FolderRow, MessageRow};
pub use mail::{FolderNotice, FolderWrite, MAIL_CHANNEL};
pub use migrations::{MIGRATION_LOCK, known_schema_version};
pub(crate) use secrets::{SecretLock, access_token_name, refresh_token_name};
