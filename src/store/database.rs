//! The store itself: a connection pool to SQLite or PostgreSQL through
//! sqlx's `AnyPool`, opened from a URL or from the configuration, with its
//! schema brought up to date.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

use super::backend::Backend;
use super::error::Error;
use super::migrations;
use crate::config::{Config, SQLITE_FILE, redact_url};

/// The store: a connection pool and the backend it talks to. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// This process among the instances sharing the database (random).
    instance: u64,
    /// The URL it was opened with, for PostgreSQL's notification listener
    /// (may hold a password: never shown).
    url: std::sync::Arc<str>,
}

impl std::fmt::Debug for Store {
    // Not the URL: it may hold the database password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .field("instance", &format_args!("{:x}", self.instance))
            .finish_non_exhaustive()
    }
}

/// Put a SQLite database in WAL mode. The switch needs the file to itself,
/// and when several processes open a new file at once SQLite may answer
/// SQLITE_BUSY at once instead of waiting out the busy timeout (it does not
/// wait where waiting could deadlock): try again for up to ten seconds.
async fn wal(pool: &AnyPool) -> Result<(), sqlx::Error> {
    let started = std::time::Instant::now();
    loop {
        match pool.execute("PRAGMA journal_mode = WAL").await {
            Err(e) if is_busy(&e) && started.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => return other.map(drop),
        }
    }
}

/// SQLITE_BUSY, SQLITE_LOCKED and their extended codes.
fn is_busy(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| matches!(c.as_ref(), "5" | "6" | "261" | "517"))
}

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
            url: redact_url(url),
            source,
        })?;
        if backend == Backend::Sqlite {
            wal(&pool).await?;
        }
        let store = Store {
            pool,
            backend,
            instance: rand::random(),
            url: url.into(),
        };
        migrations::run(&store.pool, store.backend).await?;
        Ok(store)
    }

    /// Open (creating it if needed) the SQLite store in `data_dir`.
    pub async fn open_in(data_dir: &Path) -> Result<Store, Error> {
        // Private from the start: the database holds sealed tokens and
        // password hashes (SQLite gives its -wal and -shm files the mode of
        // the database file).
        let file = data_dir.join(SQLITE_FILE);
        crate::files::private_dir(data_dir)
            .and_then(|()| crate::files::touch_private(&file))
            .map_err(|e| Error::Open {
                url: data_dir.display().to_string(),
                source: sqlx::Error::Io(e),
            })?;
        Store::open(&sqlite_url(&file)).await
    }

    /// The store `config` names: `store.url`, or (when it is empty) the
    /// SQLite file in `server.data_dir`, created if needed.
    pub async fn open_configured(config: &Config) -> Result<Store, Error> {
        if config.store.url.trim().is_empty() {
            Store::open_in(&config.server.data_dir).await
        } else {
            Store::open(config.store.url.trim()).await
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// This process's id among the instances sharing the database.
    pub fn instance(&self) -> u64 {
        self.instance
    }

    /// The URL to open a listening connection with (PostgreSQL).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }
}

/// Where `config` keeps the store, as a URL that may hold a password: show
/// it only through `config::redact_url`.
pub fn configured_url(config: &Config) -> String {
    let url = config.store.url.trim();
    if url.is_empty() {
        sqlite_url(&config.server.data_dir.join(SQLITE_FILE))
    } else {
        url.to_string()
    }
}

/// `sqlite://…?mode=rwc` for a file path.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    use super::configured_url;

    #[test]
    fn the_store_url_defaults_to_sqlite_in_the_data_dir() {
        let cases = [
            ("", "sqlite://data/graphgate.sqlite?mode=rwc"),
            (
                "[server]\ndata_dir = \"/var/lib/gg\"\n",
                "sqlite:///var/lib/gg/graphgate.sqlite?mode=rwc",
            ),
            (
                "[store]\nurl = \"postgres://gg:pw@db/gg\"\n",
                "postgres://gg:pw@db/gg",
            ),
        ];
        for (text, url) in cases {
            let config = Config::from_toml(text).unwrap();
            assert_eq!(configured_url(&config), url, "{text:?}");
        }
    }
}
