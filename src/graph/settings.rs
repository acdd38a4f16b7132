//! How the Graph client behaves: the service root, timeouts, retries, the
//! per-mailbox concurrency and request budget Graph allows (and how long a
//! request may wait for the budget), the largest answer read, and the page
//! size. The defaults suit Microsoft 365; tests shorten them.

use std::time::Duration;

use url::Url;

/// How the client behaves; the defaults suit Microsoft 365.
#[derive(Debug, Clone)]
pub struct GraphSettings {
    /// Service root with version, e.g. `https://graph.microsoft.com/v1.0`.
    pub base: Url,
    /// Longest wait for one answer.
    pub request_timeout: Duration,
    /// Tries after the first for throttling and safe-to-repeat failures.
    pub max_retries: u32,
    /// Longest single Retry-After we sit out; longer means "throttled".
    pub max_retry_after: Duration,
    /// In-flight requests per mailbox (Graph allows 4 per app and mailbox).
    pub concurrency_per_mailbox: usize,
    /// Requests per mailbox per `budget_window` (Graph: 10,000 per 10
    /// minutes per app and mailbox); graphgate paces itself below it.
    pub budget_requests: u32,
    pub budget_window: Duration,
    /// Longest a request waits for the budget; beyond it the request is
    /// refused with `Error::Busy` (the client is told to try again).
    pub max_budget_wait: Duration,
    /// Largest answer body we read (a message's MIME is the big one).
    pub max_body_bytes: usize,
    /// `Prefer: odata.maxpagesize` for delta and `$top` for listings.
    pub page_size: u32,
}

impl GraphSettings {
    pub fn new(base: Url) -> GraphSettings {
        GraphSettings {
            base,
            request_timeout: Duration::from_secs(60),
            max_retries: 5,
            max_retry_after: Duration::from_secs(60),
            concurrency_per_mailbox: 4,
            budget_requests: 10_000,
            budget_window: Duration::from_secs(600),
            max_budget_wait: Duration::from_secs(20),
            max_body_bytes: 160 * 1024 * 1024,
            page_size: 1000,
        }
    }
}
