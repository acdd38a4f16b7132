//! What each mailbox has used of Graph's limits lately, for the admin
//! console: operations admitted in the last ten minutes (Graph's window),
//! 429 answers, and the concurrent requests running against the four
//! Graph allows.

use std::time::Instant;

use parking_lot::Mutex;

/// Slots of the sliding window, one per minute: Graph counts 10,000
/// requests per 10 minutes per app and mailbox.
const MINUTES: usize = 10;

/// Operations admitted per minute over the last `MINUTES` minutes.
pub(crate) struct RecentCount {
    started: Instant,
    /// (minute number since `started`, operations in it).
    slots: Mutex<[(u64, u64); MINUTES]>,
}

impl RecentCount {
    pub fn new() -> RecentCount {
        RecentCount {
            started: Instant::now(),
            slots: Mutex::new([(u64::MAX, 0); MINUTES]),
        }
    }

    fn minute(&self) -> u64 {
        self.started.elapsed().as_secs() / 60
    }

    pub fn add(&self, n: u32) {
        let minute = self.minute();
        let mut slots = self.slots.lock();
        let slot = &mut slots[(minute % MINUTES as u64) as usize];
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        slot.1 += u64::from(n);
    }

    /// Operations in the last `MINUTES` minutes (this one included).
    pub fn total(&self) -> u64 {
        let minute = self.minute();
        self.slots
            .lock()
            .iter()
            .filter(|(m, _)| *m != u64::MAX && minute - m < MINUTES as u64)
            .map(|(_, n)| n)
            .sum()
    }
}

/// One mailbox's use of Graph, as this instance sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct MailboxUsage {
    /// The mailbox address (lower-case).
    pub mailbox: String,
    /// Operations admitted in the last ten minutes (a `$batch` counts
    /// each member, as Graph does).
    pub recent_operations: u64,
    /// 429 answers since graphgate started.
    pub throttled: u64,
    /// Permits held by requests running now, and how many this instance
    /// may hold (Graph's four, or this instance's share of them).
    pub in_flight: u32,
    pub in_flight_limit: u32,
    /// The share of the request burst available now (0 to 1).
    pub headroom: f64,
}

#[cfg(test)]
mod tests {
    use super::RecentCount;

    #[test]
    fn the_window_sums_what_was_added() {
        let c = RecentCount::new();
        assert_eq!(c.total(), 0);
        c.add(3);
        c.add(4);
        assert_eq!(c.total(), 7);
    }
}
