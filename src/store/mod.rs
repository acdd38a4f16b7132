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
mod mail;
mod migrations;
mod secrets;

pub use accounts::{AccountRow, PasswordInsert, PasswordRow};
pub use audit::AuditRow;
pub use backend::Backend;
pub use database::{Store, configured_url, now, sqlite_url};
pub use error::Error;
pub use mail::{FolderChanges, FolderRow, MessageRow};
