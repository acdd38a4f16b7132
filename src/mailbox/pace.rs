//! How often the poller visits one folder. Graph cannot push to a gateway
//! on a private network, so IDLE learns of new mail by polling: a folder
//! some session is IDLEing on is polled every `idle_poll` while changes
//! keep coming, and half as often again after each quiet poll, up to the
//! ordinary period; folders only selected are polled at the ordinary period.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// How long a folder counts as IDLEd after its last IDLE wait ended (IDLE
/// stops waiting briefly between wake-ups, and clients re-issue it).
const IDLE_LINGER: Duration = Duration::from_secs(5);

/// Quiet polls counted at most (the period is long capped by then).
const MAX_QUIET: u32 = 32;

#[derive(Default)]
pub(crate) struct Pace {
    /// IDLE waits going on now.
    idlers: AtomicUsize,
    /// When the last IDLE wait ended.
    idle_seen: Mutex<Option<Instant>>,
    /// Polls in a row that found nothing.
    quiet: AtomicU32,
    /// When the poller last tried (a failed poll waits its period too).
    tried: Mutex<Option<Instant>>,
    /// Until when sessions of another instance IDLE on the folder (this
    /// instance polls for the cluster; see `sync::FolderSync::polls_here`).
    elsewhere: Mutex<Option<Instant>>,
}

/// Held while a session waits in IDLE on the folder.
pub(crate) struct IdleMark(Arc<Pace>);

impl Drop for IdleMark {
    fn drop(&mut self) {
        *self.0.idle_seen.lock() = Some(Instant::now());
        self.0.idlers.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Pace {
    /// A session starts waiting in IDLE. A folder nobody was IDLEing on
    /// starts at the fast period.
    pub fn idling(self: &Arc<Self>) -> IdleMark {
        if !self.idled() {
            self.quiet.store(0, Ordering::Relaxed);
        }
        self.idlers.fetch_add(1, Ordering::Relaxed);
        IdleMark(self.clone())
    }

    /// Some session, here or on another instance, is IDLEing on the
    /// folder (or was a moment ago).
    pub fn idled(&self) -> bool {
        self.idled_here()
            || self
                .elsewhere
                .lock()
                .is_some_and(|until| Instant::now() < until)
    }

    /// Sessions of another instance IDLE on the folder until `until`.
    pub fn idled_elsewhere(&self, until: Instant) {
        *self.elsewhere.lock() = Some(until);
    }

    /// A session of this instance is IDLEing on the folder (or was a
    /// moment ago).
    pub fn idled_here(&self) -> bool {
        self.idlers.load(Ordering::Relaxed) > 0
            || self
                .idle_seen
                .lock()
                .is_some_and(|t| t.elapsed() < IDLE_LINGER)
    }

    /// The poller tries now.
    pub fn trying(&self) {
        *self.tried.lock() = Some(Instant::now());
    }

    /// Whether a poll is due: `period` has passed since the newest of the
    /// last delta round (`last_round`, anyone's) and the poller's last try.
    pub fn due(&self, last_round: Option<Instant>, period: Duration) -> bool {
        let tried = *self.tried.lock();
        last_round
            .into_iter()
            .chain(tried)
            .max()
            .is_none_or(|t| t.elapsed() >= period)
    }

    /// A delta round found changes: back to the fast period.
    pub fn changes_seen(&self) {
        self.quiet.store(0, Ordering::Relaxed);
    }

    /// A poll found nothing: slow down.
    pub fn quiet_poll(&self) {
        let q = self.quiet.load(Ordering::Relaxed);
        self.quiet.store((q + 1).min(MAX_QUIET), Ordering::Relaxed);
    }

    /// The period between polls now: `fast` × 1.5 per quiet poll, at most
    /// `slow`; `slow` when nobody IDLEs.
    pub fn period(&self, fast: Duration, slow: Duration) -> Duration {
        if !self.idled() || fast >= slow {
            return slow;
        }
        let quiet = self.quiet.load(Ordering::Relaxed);
        let factor = 1.5f64.powi(i32::try_from(quiet).unwrap_or(i32::MAX));
        fast.mul_f64(factor.min(slow.as_secs_f64() / fast.as_secs_f64().max(1e-3)))
            .min(slow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: Duration = Duration::from_secs(2);
    const SLOW: Duration = Duration::from_secs(20);

    #[test]
    fn only_idled_folders_are_polled_fast_and_quiet_ones_back_off() {
        let pace = Arc::new(Pace::default());
        assert_eq!(pace.period(FAST, SLOW), SLOW, "selected, not IDLEd");
        let mark = pace.idling();
        assert_eq!(pace.period(FAST, SLOW), FAST);
        pace.quiet_poll();
        assert_eq!(pace.period(FAST, SLOW), Duration::from_secs(3));
        pace.quiet_poll();
        assert_eq!(pace.period(FAST, SLOW), Duration::from_millis(4500));
        for _ in 0..40 {
            pace.quiet_poll();
        }
        assert_eq!(
            pace.period(FAST, SLOW),
            SLOW,
            "never slower than the ordinary period"
        );
        pace.changes_seen();
        assert_eq!(pace.period(FAST, SLOW), FAST, "changes: fast again");
        drop(mark);
        assert!(pace.idled(), "IDLE lingers between waits");
        assert_eq!(
            pace.period(SLOW, FAST),
            FAST,
            "a fast period above the slow one is the slow one"
        );
    }

    #[test]
    fn a_poll_is_due_a_period_after_the_last_round_or_try() {
        let pace = Pace::default();
        let period = Duration::from_secs(5);
        assert!(pace.due(None, period), "never polled");
        let long_ago = Instant::now().checked_sub(Duration::from_secs(10));
        assert!(pace.due(long_ago, period));
        assert!(
            !pace.due(Some(Instant::now()), period),
            "a session's round just now"
        );
        pace.trying();
        assert!(
            !pace.due(long_ago, period),
            "a failed try waits its period too"
        );
    }

    #[test]
    fn a_new_idle_starts_fast() {
        let pace = Arc::new(Pace::default());
        for _ in 0..10 {
            pace.quiet_poll();
        }
        let _mark = pace.idling();
        assert_eq!(pace.period(FAST, SLOW), FAST);
    }
}
