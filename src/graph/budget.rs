//! The request budget of one mailbox, kept on our side: Graph allows an app
//! 10,000 requests per 10 minutes per mailbox and answers 429 beyond that.
//! Rather than spend the budget in a burst and then be refused for minutes,
//! requests draw from a token bucket whose burst plus refill over any window
//! stays below the budget, so under overload they are paced instead of
//! throttled. A request that would wait longer than the configured limit is
//! refused at once (the caller says "try again"), and a Retry-After from
//! Graph pauses every request of the mailbox until it has passed.

use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Share of Graph's budget graphgate allows itself (the rest is margin for
/// clocks that differ and for other users of the same app registration).
const USABLE: f64 = 0.95;
/// Share of the usable budget that may go at once; the rest refills evenly
/// over the window.
const BURST: f64 = 0.2;

/// One mailbox's request budget.
pub(crate) struct Budget {
    /// Tokens added per second with the whole budget.
    full_rate: f64,
    /// Most tokens the bucket holds with the whole budget.
    full_burst: f64,
    max_wait: Duration,
    state: Mutex<State>,
}

struct State {
    /// Tokens added per second: this instance's share of `full_rate`.
    rate: f64,
    /// Most tokens the bucket holds: its share of `full_burst`.
    burst: f64,
    /// May go below zero: requests reserve tokens before they wait.
    tokens: f64,
    at: Instant,
    /// Graph said Retry-After: nothing goes before this.
    paused_until: Option<Instant>,
}

/// A request that may not wait as long as it would have to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLong(pub Duration);

impl Budget {
    /// `per_window` requests per `window`; a request waits at most `max_wait`.
    pub fn new(per_window: u32, window: Duration, max_wait: Duration) -> Budget {
        let usable = f64::from(per_window.max(1)) * USABLE;
        let burst = (usable * BURST).max(1.0);
        let rate = (usable - burst).max(1.0) / window.as_secs_f64().max(1.0);
        Budget {
            full_rate: rate,
            full_burst: burst,
            max_wait,
            state: Mutex::new(State {
                rate,
                burst,
                tokens: burst,
                at: Instant::now(),
                paused_until: None,
            }),
        }
    }

    /// Reserve `cost` requests; returns how long to wait before sending,
    /// or refuses (reserving nothing) when that is longer than allowed.
    pub fn reserve(&self, cost: u32) -> Result<Duration, TooLong> {
        let now = Instant::now();
        let mut s = self.state.lock();
        s.refill(now);
        let after = s.tokens - f64::from(cost);
        let for_budget = if after >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-after / s.rate)
        };
        let for_pause = s
            .paused_until
            .map(|t| t.saturating_duration_since(now))
            .unwrap_or_default();
        let wait = for_budget.max(for_pause);
        if wait > self.max_wait {
            return Err(TooLong(wait));
        }
        s.tokens = after;
        Ok(wait)
    }

    /// Graph asked us to wait `d` (Retry-After on a 429): every request of
    /// the mailbox waits until then.
    pub fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut s = self.state.lock();
        if s.paused_until.is_none_or(|t| t < until) {
            s.paused_until = Some(until);
        }
    }

    /// The share of the burst still available now (0 when in debt or
    /// paused): background work such as fast polling runs only with room.
    pub fn headroom(&self) -> f64 {
        let now = Instant::now();
        let s = self.state.lock();
        if s.paused_until.is_some_and(|t| t > now) {
            return 0.0;
        }
        let elapsed = now.saturating_duration_since(s.at).as_secs_f64();
        let tokens = (s.tokens + elapsed * s.rate).min(s.burst);
        (tokens / s.burst).clamp(0.0, 1.0)
    }

    /// Spend at most `share` of the budget (other instances use the mailbox
    /// too; each takes an equal share): rate and burst scale, and tokens
    /// beyond the new burst are given up.
    pub fn set_share(&self, share: f64) {
        let share = share.clamp(0.01, 1.0);
        let mut s = self.state.lock();
        s.refill(Instant::now());
        s.rate = self.full_rate * share;
        s.burst = (self.full_burst * share).max(1.0);
        s.tokens = s.tokens.min(s.burst);
    }
}

impl State {
    /// Add the tokens earned since `at`.
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_share_of_the_budget_scales_burst_and_refill() {
        // 1,000 per 100 s: usable 950, burst 190, then 7.6 per second.
        let b = Budget::new(1_000, Duration::from_secs(100), MINUTE);
        b.set_share(0.5);
        assert_eq!(b.reserve(95).unwrap(), Duration::ZERO, "half the burst");
        let wait = b.reserve(38).unwrap();
        let secs = wait.as_secs_f64();
        assert!(
            (9.0..11.0).contains(&secs),
            "38 at half the rate is 10 s: {secs}"
        );
        // Alone again: the full rate (the burst refills from here).
        b.set_share(1.0);
        let wait = b.reserve(76).unwrap().as_secs_f64();
        assert!(
            (14.0..16.0).contains(&wait),
            "debt of 38 + 76 at 7.6/s is 15 s: {wait}"
        );
    }

    #[test]
    fn burst_and_refill_over_any_window_stay_below_the_budget() {
        let b = Budget::new(10_000, Duration::from_secs(600), MINUTE);
        assert!((b.full_burst - 1_900.0).abs() < 1e-6);
        assert!(b.full_burst + b.full_rate * 600.0 <= 10_000.0);
        assert!(
            b.full_burst + b.full_rate * 600.0 >= 9_000.0,
            "most of it is usable"
        );
    }

    #[test]
    fn the_burst_goes_at_once_then_requests_are_paced() {
        let b = Budget::new(100, Duration::from_secs(100), MINUTE);
        // 95 usable: a burst of 19, then 0.76 per second.
        for _ in 0..19 {
            assert_eq!(b.reserve(1), Ok(Duration::ZERO));
        }
        let wait = b.reserve(1).unwrap();
        assert!(wait > Duration::from_millis(1200) && wait < Duration::from_millis(1400));
        let next = b.reserve(1).unwrap();
        assert!(
            next > wait + Duration::from_millis(1200),
            "{next:?} after {wait:?}"
        );
        assert_eq!(b.headroom(), 0.0);
    }

    #[test]
    fn a_wait_beyond_the_limit_is_refused_and_reserves_nothing() {
        let b = Budget::new(100, Duration::from_secs(100), Duration::from_secs(5));
        assert_eq!(b.reserve(19), Ok(Duration::ZERO));
        // Ten more would take about 13 s to refill.
        assert!(matches!(b.reserve(10), Err(TooLong(w)) if w > Duration::from_secs(12)));
        // Refused requests took nothing: one still fits within 5 s.
        assert!(b.reserve(1).is_ok());
    }

    #[test]
    fn retry_after_pauses_everything() {
        let b = Budget::new(10_000, Duration::from_secs(600), MINUTE);
        b.pause(Duration::from_secs(3));
        let wait = b.reserve(1).unwrap();
        assert!(wait > Duration::from_millis(2900), "{wait:?}");
        assert_eq!(b.headroom(), 0.0);
        b.pause(Duration::from_secs(1));
        assert!(
            b.reserve(1).unwrap() > Duration::from_millis(2900),
            "a shorter pause does not shorten it"
        );
        b.pause(Duration::from_secs(120));
        assert!(b.reserve(1).is_err(), "longer than the limit");
    }
}
