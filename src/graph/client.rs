//! The gateway's one Graph client: a shared HTTP connection pool, the
//! settings, the concurrency permits of every mailbox (Graph allows four
//! requests at a time per app and mailbox, whoever sends them) and a count
//! of requests sent. Handles on single mailboxes are made in `mailbox`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use tokio::sync::Semaphore;

use super::error::{Error, NoAnswer};
use super::settings::GraphSettings;

/// The gateway's one Graph client.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    settings: GraphSettings,
    /// Concurrency permits per mailbox address (lower-case).
    permits: DashMap<String, Arc<Semaphore>>,
    requests: AtomicU64,
}

impl GraphClient {
    pub fn new(settings: GraphSettings) -> Result<GraphClient, Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("graphgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Transport(NoAnswer::http(e)))?;
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                settings,
                permits: DashMap::new(),
                requests: AtomicU64::new(0),
            }),
        })
    }

    pub fn settings(&self) -> &GraphSettings {
        &self.inner.settings
    }

    /// Requests sent so far (every try counts), for benchmarks and logs.
    pub fn requests_sent(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    pub(super) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Count one request about to leave.
    pub(super) fn count_request(&self) {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// The concurrency permits of `address` (lower-case), made on first use.
    pub(super) fn permits(&self, address: &str) -> Arc<Semaphore> {
        self.inner
            .permits
            .entry(address.to_string())
            .or_insert_with(|| {
                Arc::new(Semaphore::new(self.inner.settings.concurrency_per_mailbox))
            })
            .clone()
    }
}
