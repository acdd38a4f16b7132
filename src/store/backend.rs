//! Which database the store is. One SQL path serves both; the few places
//! where SQLite and PostgreSQL differ (column types, upserts) ask this.

/// Which database the store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}
