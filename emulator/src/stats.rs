//! Counters the control API reports (`GET /_emulator/stats`): how many Graph
//! requests were served, how many were throttled or faulted, per mailbox and
//! per endpoint, and how many token requests the identity platform answered.
//! Benchmarks count Graph requests through these.

use std::sync::atomic::{AtomicU64, Ordering};

use dashmap::DashMap;
use serde_json::{Value, json};

/// The tenant's counters. `GET /_emulator/stats` reports them all; in
/// process, token requests by grant can be read directly.
#[derive(Default)]
pub struct Stats {
    /// Graph operations served: each `$batch` member counts, the envelope does not.
    pub(crate) requests: AtomicU64,
    /// HTTP requests to `/v1.0` (a `$batch` envelope counts once).
    pub(crate) http_requests: AtomicU64,
    pub(crate) batches: AtomicU64,
    pub(crate) throttled: AtomicU64,
    /// Of those, refused for the mailbox's concurrent-request limit...
    pub(crate) throttled_concurrency: AtomicU64,
    /// ...and for its request budget per window.
    pub(crate) throttled_rate: AtomicU64,
    pub(crate) faults: AtomicU64,
    pub(crate) token_requests: AtomicU64,
    pub(crate) by_mailbox: DashMap<String, u64>,
    pub(crate) by_endpoint: DashMap<String, u64>,
    /// Token requests by grant type (`client_credentials`, `refresh_token`, ...).
    pub by_grant: DashMap<String, u64>,
    /// Refused token requests by OAuth error (`invalid_grant`, ...).
    pub token_errors: DashMap<String, u64>,
}

fn bump(map: &DashMap<String, u64>, key: &str) {
    *map.entry(key.to_string()).or_insert(0) += 1;
}

impl Stats {
    pub(crate) fn operation(&self, mailbox: Option<&str>, endpoint: &str) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if let Some(m) = mailbox {
            bump(&self.by_mailbox, &m.to_ascii_lowercase());
        }
        bump(&self.by_endpoint, endpoint);
    }

    pub(crate) fn token_request(&self, grant: &str) {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
        bump(&self.by_grant, grant);
    }

    pub(crate) fn token_error(&self, error: &str) {
        bump(&self.token_errors, error);
    }

    pub(crate) fn to_json(&self) -> Value {
        let map = |m: &DashMap<String, u64>| -> Value {
            let mut v: Vec<(String, u64)> =
                m.iter().map(|e| (e.key().clone(), *e.value())).collect();
            v.sort();
            Value::Object(v.into_iter().map(|(k, n)| (k, json!(n))).collect())
        };
        json!({
            "requests": self.requests.load(Ordering::Relaxed),
            "http_requests": self.http_requests.load(Ordering::Relaxed),
            "batches": self.batches.load(Ordering::Relaxed),
            "throttled": self.throttled.load(Ordering::Relaxed),
            "throttled_concurrency": self.throttled_concurrency.load(Ordering::Relaxed),
            "throttled_rate": self.throttled_rate.load(Ordering::Relaxed),
            "faults": self.faults.load(Ordering::Relaxed),
            "token_requests": self.token_requests.load(Ordering::Relaxed),
            "by_mailbox": map(&self.by_mailbox),
            "by_endpoint": map(&self.by_endpoint),
            "by_grant": map(&self.by_grant),
            "token_errors": map(&self.token_errors),
        })
    }

    pub(crate) fn reset(&self) {
        for a in [
            &self.requests,
            &self.http_requests,
            &self.batches,
            &self.throttled,
            &self.throttled_concurrency,
            &self.throttled_rate,
            &self.faults,
            &self.token_requests,
        ] {
            a.store(0, Ordering::Relaxed);
        }
        self.by_mailbox.clear();
        self.by_endpoint.clear();
        self.by_grant.clear();
        self.token_errors.clear();
    }
}
