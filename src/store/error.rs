//! Why a store operation failed; the database's own error stays the
//! `source()`.

/// Why the store cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot open the store at {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("the store's schema could not be brought up to date (step {version}): {source}")]
    Migrate { version: i64, source: sqlx::Error },
    /// A newer graphgate has upgraded the schema; this one refuses to run
    /// on tables it does not know.
    #[error(
        "the store's schema is version {found}, newer than this graphgate ({release}) knows \
         (version {known}): a newer graphgate has upgraded this database; run that release \
         (or a later one) here too",
        release = env!("CARGO_PKG_VERSION")
    )]
    TooNew { found: i64, known: i64 },
    #[error("store query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("the store URL {0:?} is neither sqlite:// nor postgres://")]
    Scheme(String),
}

impl Error {
    /// The database could not be reached or did not answer in time (as
    /// opposed to refusing a statement): worth trying again shortly.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Error::Open { .. } => true,
            Error::Query(e) => {
                matches!(
                    e,
                    sqlx::Error::Io(_)
                        | sqlx::Error::PoolTimedOut
                        | sqlx::Error::PoolClosed
                        | sqlx::Error::Tls(_)
                        | sqlx::Error::WorkerCrashed
                ) || e
                    .as_database_error()
                    .and_then(|d| d.code())
                    // PostgreSQL's class 08 (connection exception), 57P01-03
                    // (administrator shutdown, crash shutdown, cannot connect
                    // now) and 53300 (too many connections).
                    .is_some_and(|c| c.starts_with("08") || c.starts_with("57P0") || c == "53300")
            }
            _ => false,
        }
    }
}
