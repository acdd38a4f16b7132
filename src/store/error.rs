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
