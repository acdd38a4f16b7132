//! Outlook's per (app, mailbox) limits: a number of concurrent requests and a
//! request budget per time window. Over either, Graph answers 429 with
//! Retry-After and `ApplicationThrottled` (docs/microsoft-graph.md §7).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use parking_lot::Mutex;

#[derive(Default)]
struct Budget {
    in_flight: u32,
    recent: VecDeque<Instant>,
}

#[derive(Default)]
pub(crate) struct Throttle {
    budgets: DashMap<(String, String), Arc<Mutex<Budget>>>,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Over the concurrency limit; retry after this many seconds.
    Concurrency(u64),
    /// Over the request budget; retry after this many seconds.
    Rate(u64),
}

/// A held concurrency slot; released on drop.
pub(crate) struct Slot {
    budget: Arc<Mutex<Budget>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut b = self.budget.lock();
        b.in_flight = b.in_flight.saturating_sub(1);
    }
}

impl Throttle {
    /// Admit one request of `app` on `mailbox`, or say why not.
    pub(crate) fn admit(
        &self,
        app: &str,
        mailbox: &str,
        concurrency: u32,
        rate: u32,
        window: Duration,
    ) -> Result<Slot, Refusal> {
        let key = (app.to_ascii_lowercase(), mailbox.to_ascii_lowercase());
        let budget = self.budgets.entry(key).or_default().clone();
        let mut b = budget.lock();
        let now = Instant::now();
        while b
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            b.recent.pop_front();
        }
        if b.in_flight >= concurrency {
            return Err(Refusal::Concurrency(1));
        }
        if b.recent.len() >= rate as usize {
            let oldest = b.recent.front().copied().unwrap_or(now);
            let wait = window.saturating_sub(now.duration_since(oldest));
            return Err(Refusal::Rate(wait.as_secs_f64().ceil().max(1.0) as u64));
        }
        b.recent.push_back(now);
        b.in_flight += 1;
        drop(b);
        Ok(Slot { budget })
    }

    pub(crate) fn reset(&self) {
        self.budgets.clear();
    }
}
