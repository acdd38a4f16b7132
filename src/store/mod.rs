//! Persistence under everything: local accounts and their passwords, the
//! encrypted token cache, and (later) UID maps, folder state and the audit
//! log. One SQL path serves SQLite (the embedded default, a file in the data
//! dir) and PostgreSQL (several gateway instances behind one load balancer)
//! through sqlx's `AnyPool`; columns are integers, text and bytes only.

mod accounts;
mod audit;
mod mail;
mod migrations;
mod secrets;

pub use accounts::{AccountRow, PasswordInsert, PasswordRow};
pub use audit::AuditRow;
pub use mail::{FolderChanges, FolderRow, MessageRow};

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

/// Why the store cannot do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot open the store at {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("the store's schema could not be brought up to date (step {version}): {source}")]
    Migrate { version: i64, source: sqlx::Error },
    #[error(
        "the store's schema is version {found}, newer than this graphgate knows ({known}); upgrade graphgate"
    )]
    TooNew { found: i64, known: i64 },
    #[error("store query failed: {0}")]
    Query(#[from] sqlx::Error),
    #[error("the store URL {0:?} is neither sqlite:// nor postgres://")]
    Scheme(String),
}

/// Which database the store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store: a connection pool and the backend it talks to. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// The SQLite file graphgate keeps in its data dir.
pub const SQLITE_FILE: &str = "graphgate.sqlite";

impl Store {
    /// Open `url` (`sqlite://path?mode=rwc` or `postgres://…`) and bring the
    /// schema up to date.
    pub async fn open(url: &str) -> Result<Store, Error> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(Error::Scheme(url.to_string()));
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        if backend == Backend::Sqlite {
            // One writer at a time; waiting beats failing with "database is locked".
            options = options.max_connections(8).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(url).await.map_err(|source| Error::Open {
            url: redact(url),
            source,
        })?;
        if backend == Backend::Sqlite {
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        let store = Store { pool, backend };
        migrations::run(&store).await?;
        Ok(store)
    }

    /// Open (creating it if needed) the SQLite store in `data_dir`.
    pub async fn open_in(data_dir: &Path) -> Result<Store, Error> {
        std::fs::create_dir_all(data_dir).map_err(|e| Error::Open {
            url: data_dir.display().to_string(),
            source: sqlx::Error::Io(e),
        })?;
        Store::open(&sqlite_url(&data_dir.join(SQLITE_FILE))).await
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// `sqlite://…?mode=rwc` for a file path.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A URL without its password, for error messages and logs. A URL that
/// does not even parse loses everything between `://` and its last `@`,
/// where a password would be.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let in_query = u.query_pairs().any(|(k, _)| k == "password");
            if u.password().is_none() && !in_query {
                return url.to_string();
            }
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            if in_query {
                // PostgreSQL URLs may carry the password as `?password=`.
                let pairs: Vec<(String, String)> = u
                    .query_pairs()
                    .map(|(k, v)| {
                        let v = if k == "password" {
                            "***".into()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        Err(_) => match (url.find("://"), url.rfind('@')) {
            (Some(start), Some(at)) if at > start + 3 => {
                format!("{}***{}", &url[..start + 3], &url[at..])
            }
            _ => url.to_string(),
        },
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacted_urls_show_no_password() {
        let cases = [
            (
                "sqlite://data/graphgate.sqlite?mode=rwc",
                "sqlite://data/graphgate.sqlite?mode=rwc",
            ),
            ("postgres://gg:hunter2@db/gg", "postgres://gg:***@db/gg"),
            ("postgres://gg@db/gg", "postgres://gg@db/gg"),
            (
                "postgres://db/gg?user=gg&password=hunter2",
                "postgres://db/gg?user=gg&password=***",
            ),
            (
                "postgres://gg:hun ter2@db:99999/gg",
                "postgres://***@db:99999/gg",
            ),
        ];
        for (url, shown) in cases {
            assert_eq!(redact(url), shown, "{url}");
        }
    }
}
