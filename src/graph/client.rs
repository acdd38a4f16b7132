//! The gateway's one Graph client: a shared HTTP connection pool, the
//! settings, the limits of every mailbox (Graph allows four requests at a
//! time and 10,000 per 10 minutes per app and mailbox, whoever sends them)
//! and a count of requests sent. Handles on single mailboxes are made in
//! `mailbox`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use dashmap::DashMap;

use super::budget::Budget;
use super::error::{Error, NoAnswer};
use super::permits::FairPermits;
use super::settings::GraphSettings;

/// The gateway's one Graph client.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    settings: GraphSettings,
    /// Limits per mailbox address (lower-case).
    limits: DashMap<String, Arc<MailboxLimits>>,
    requests: AtomicU64,
    /// The last lane handed out (see `permits`).
    lanes: AtomicU64,
    /// Woken when limits are made for a mailbox new here (instances that
    /// share a store then say so without waiting for their next round).
    new_mailbox: tokio::sync::Notify,
}

/// What Graph allows one mailbox, shared by every handle on it: the
/// concurrent requests and the request budget.
pub(crate) struct MailboxLimits {
    pub permits: Arc<FairPermits>,
    pub budget: Budget,
    /// A request was admitted since `GraphClient::mailboxes_used` last
    /// looked.
    pub used: AtomicBool,
    /// Operations admitted lately, and 429 answers (`usage`).
    pub recent: super::usage::RecentCount,
    pub throttled: std::sync::atomic::AtomicU64,
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
                limits: DashMap::new(),
                requests: AtomicU64::new(0),
                lanes: AtomicU64::new(0),
                new_mailbox: tokio::sync::Notify::new(),
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

    /// The limits of `address` (lower-case), made on first use.
    pub(super) fn limits(&self, address: &str) -> Arc<MailboxLimits> {
        let settings = &self.inner.settings;
        self.inner
            .limits
            .entry(address.to_string())
            .or_insert_with(|| {
                self.inner.new_mailbox.notify_one();
                Arc::new(MailboxLimits {
                    permits: FairPermits::new(settings.concurrency_per_mailbox),
                    budget: Budget::new(
                        settings.budget_requests,
                        settings.budget_window,
                        settings.max_budget_wait,
                    ),
                    // Handles are made to send requests: counts as used.
                    used: AtomicBool::new(true),
                    recent: super::usage::RecentCount::new(),
                    throttled: std::sync::atomic::AtomicU64::new(0),
                })
            })
            .clone()
    }

    /// Every mailbox this instance has sent requests for, by address.
    pub fn usage(&self) -> Vec<super::usage::MailboxUsage> {
        let mut out: Vec<super::usage::MailboxUsage> = self
            .all_limits()
            .into_iter()
            .map(|(mailbox, limits)| {
                let (in_flight, in_flight_limit) = limits.permits.in_use();
                super::usage::MailboxUsage {
                    mailbox,
                    recent_operations: limits.recent.total(),
                    throttled: limits.throttled.load(Ordering::Relaxed),
                    in_flight,
                    in_flight_limit,
                    headroom: limits.budget.headroom(),
                }
            })
            .collect();
        out.sort_by(|a, b| a.mailbox.cmp(&b.mailbox));
        out
    }

    /// Every mailbox's limits, by address.
    pub(super) fn all_limits(&self) -> Vec<(String, Arc<MailboxLimits>)> {
        self.inner
            .limits
            .iter()
            .map(|e| (e.key().clone(), e.value().clone()))
            .collect()
    }

    /// The mailboxes (lower-case addresses) requests were admitted for
    /// since the last call.
    pub fn mailboxes_used(&self) -> Vec<String> {
        self.inner
            .limits
            .iter()
            .filter(|e| e.value().used.swap(false, Ordering::Relaxed))
            .map(|e| e.key().clone())
            .collect()
    }

    /// Wait until a mailbox is used here for the first time (since the
    /// last wait).
    pub async fn first_use(&self) {
        self.inner.new_mailbox.notified().await;
    }

    /// `instances` gateway instances (this one included) use the limits
    /// of `address` (lower-case): this one keeps to an equal share.
    pub fn share_limits(&self, address: &str, instances: u32) {
        if let Some(limits) = self.inner.limits.get(address) {
            let share = 1.0 / f64::from(instances.max(1));
            limits.permits.set_share(share);
            limits.budget.set_share(share);
        }
    }

    /// A lane of its own for a new handle (permits are shared fairly
    /// between lanes).
    pub(super) fn new_lane(&self) -> u64 {
        self.inner.lanes.fetch_add(1, Ordering::Relaxed) + 1
    }
}
