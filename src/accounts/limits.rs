//! Counting failed logins per login name and per client address, so that
//! password guessing stops after a few tries while a user's own clients,
//! which log in successfully many times a minute, are never held back.
//!
//! Why not `governor` (the usual crate for per-user limits): a GCRA
//! limiter counts every attempt it is asked about, and a successful login
//! must use up nothing here (Thunderbird opens a connection per folder, a
//! scanner logs in for every page). What we need is "how many failures in
//! the last window", which a short queue of failure times per key answers
//! exactly and can also say when the oldest one expires (`retry_after`).
//!
//! A failure is counted *before* the password is checked (`reserve`) and
//! given back if the login succeeds (`release`): checked afterwards, 100
//! guesses sent at once would all pass a limit of 5 while their
//! verifications run. `KnownClients` remembers which addresses a login
//! recently succeeded from, so a flood of guesses for a login elsewhere
//! does not lock out that person's own clients (see `login.rs`).

use std::collections::VecDeque;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dashmap::DashMap;

use crate::config::AccountsSection;

/// Limits on failed logins (only failures count; see `FailureCounter`).
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Failures allowed per login name within `window`; then the login is
    /// refused, right password or not, until the oldest is `window` old.
    /// 0 turns the limit off (the configuration does not allow that).
    pub failures_per_user: u32,
    /// Failures allowed per client address (IPv6: per /64) within `window`.
    pub failures_per_address: u32,
    pub window: Duration,
    /// argon2 verifications running at once, process-wide (at least 1).
    pub max_concurrent_verifications: u32,
    /// How long a login waits for a verification slot; then it is refused
    /// as busy (a temporary failure), not counted as a failure.
    pub verification_wait: Duration,
}

impl Default for LoginLimits {
    /// The documented defaults of `[accounts]`.
    fn default() -> Self {
        LoginLimits::from(&AccountsSection::default())
    }
}

impl From<&AccountsSection> for LoginLimits {
    fn from(section: &AccountsSection) -> LoginLimits {
        LoginLimits {
            failures_per_user: section.failures_per_user,
            failures_per_address: section.failures_per_address,
            window: Duration::from_secs(section.failure_window_s),
            max_concurrent_verifications: section.max_concurrent_verifications.max(1),
            verification_wait: Duration::from_secs(section.verification_wait_s),
        }
    }
}

/// Counters of the login path, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginStats {
    /// argon2 verifications done (each candidate password, and the one
    /// spent on a login that does not exist, counts once).
    pub verifications: u64,
    /// Logins answered from the memory of recent verifications.
    pub cache_hits: u64,
    /// The most argon2 verifications that ever ran at once.
    pub peak_concurrent_verifications: u64,
    /// Logins refused because no verification slot came free in time.
    pub busy: u64,
}

/// How many keys a table may hold before old ones are evicted. Each key
/// holds at most `limit` instants, so the memory stays bounded even when
/// someone tries a million different login names.
const MAX_KEYS: usize = 100_000;
/// Expired entries are swept after this many recorded failures.
const SWEEP_EVERY: usize = 1024;

/// Failures per key within a sliding window.
#[derive(Debug)]
pub struct FailureCounter<K: Eq + Hash> {
    limit: u32,
    window: Duration,
    max_keys: usize,
    failures: DashMap<K, VecDeque<Instant>>,
    recorded: AtomicUsize,
}

impl<K: Eq + Hash + Clone> FailureCounter<K> {
    /// Up to `limit` failures per key within `window`; the next attempt is
    /// refused until the oldest of them is `window` old. A `limit` of 0
    /// refuses nothing.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self::with_capacity(limit, window, MAX_KEYS)
    }

    fn with_capacity(limit: u32, window: Duration, max_keys: usize) -> Self {
        FailureCounter {
            limit,
            window,
            max_keys: max_keys.max(1),
            failures: DashMap::new(),
            recorded: AtomicUsize::new(0),
        }
    }

    /// Count one failure of `key` now, before the attempt is checked:
    /// `Ok(Some(at))` names the failure to `release` if the attempt
    /// succeeds; `Err(wait)` when `key` has used up its failures (nothing
    /// is counted then); `Ok(None)` when the limit is off.
    pub fn reserve(&self, key: &K, now: Instant) -> Result<Option<Instant>, Duration> {
        if self.limit == 0 {
            return Ok(None);
        }
        {
            let mut times = self.failures.entry(key.clone()).or_default();
            self.expire(&mut times, now);
            if times.len() >= self.limit as usize {
                // The oldest of the `limit` failures leaves the window first.
                let oldest = times.front().copied().unwrap_or(now);
                return Err((oldest + self.window).saturating_duration_since(now));
            }
            times.push_back(now);
        }
        let n = self.recorded.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(SWEEP_EVERY) || self.failures.len() > self.max_keys {
            self.sweep(now);
        }
        Ok(Some(now))
    }

    /// How long `key` must wait if it has used up its failures now, without
    /// counting anything (`None`: it may try, or the limit is off).
    pub fn over(&self, key: &K, now: Instant) -> Option<Duration> {
        if self.limit == 0 {
            return None;
        }
        let mut times = self.failures.get_mut(key)?;
        self.expire(&mut times, now);
        if times.len() < self.limit as usize {
            return None;
        }
        let oldest = times.front().copied().unwrap_or(now);
        Some((oldest + self.window).saturating_duration_since(now))
    }

    /// Give back the failure `reserve` counted at `at` (the attempt
    /// succeeded, or could not be checked through no fault of the client).
    pub fn release(&self, key: &K, at: Option<Instant>) {
        let Some(at) = at else { return };
        if let Some(mut times) = self.failures.get_mut(key)
            && let Some(i) = times.iter().rposition(|&t| t == at)
        {
            times.remove(i);
        }
    }

    /// Drop failures that left the window, and keys with none left; if there
    /// are still too many keys, forget the ones that failed longest ago.
    pub fn sweep(&self, now: Instant) {
        self.failures.retain(|_, times| {
            self.expire(times, now);
            !times.is_empty()
        });
        let len = self.failures.len();
        if len <= self.max_keys {
            return;
        }
        let mut by_age: Vec<(K, Instant)> = self
            .failures
            .iter()
            .filter_map(|e| e.value().back().map(|&last| (e.key().clone(), last)))
            .collect();
        by_age.sort_by_key(|&(_, last)| last);
        // Evict down to three quarters so the next sweep is not right away.
        let excess = len - self.max_keys * 3 / 4;
        for (key, _) in by_age.into_iter().take(excess) {
            self.failures.remove(&key);
        }
    }

    /// Keys currently tracked.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.failures.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.failures.is_empty()
    }

    fn expire(&self, times: &mut VecDeque<Instant>, now: Instant) {
        while times
            .front()
            .is_some_and(|&t| now.saturating_duration_since(t) >= self.window)
        {
            times.pop_front();
        }
    }
}

/// How long a successful login from an address is remembered.
pub const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

/// The addresses each login recently succeeded from (per `address_key`),
/// so the per-login failure limit can spare them. In memory only, bounded.
#[derive(Debug)]
pub struct KnownClients<K: Eq + Hash> {
    ttl: Duration,
    max_keys: usize,
    seen: DashMap<K, Instant>,
}

impl<K: Eq + Hash + Clone> KnownClients<K> {
    pub fn new(ttl: Duration) -> Self {
        KnownClients {
            ttl,
            max_keys: MAX_KEYS,
            seen: DashMap::new(),
        }
    }

    pub fn contains(&self, key: &K, now: Instant) -> bool {
        self.seen
            .get(key)
            .is_some_and(|at| now.saturating_duration_since(*at) < self.ttl)
    }

    pub fn insert(&self, key: K, now: Instant) {
        if self.seen.len() >= self.max_keys && !self.seen.contains_key(&key) {
            self.seen
                .retain(|_, at| now.saturating_duration_since(*at) < self.ttl);
            if self.seen.len() >= self.max_keys {
                // Forget the quarter seen longest ago.
                let mut by_age: Vec<(K, Instant)> = self
                    .seen
                    .iter()
                    .map(|e| (e.key().clone(), *e.value()))
                    .collect();
                by_age.sort_by_key(|&(_, at)| at);
                for (key, _) in by_age.into_iter().take(self.max_keys / 4 + 1) {
                    self.seen.remove(&key);
                }
            }
        }
        self.seen.insert(key, now);
    }
}

/// The key failures from `peer` are counted under. IPv4-mapped IPv6
/// addresses count as the IPv4 address; other IPv6 addresses count by their
/// /64 network, because one host is normally given a whole /64 and could
/// otherwise step around the limit by changing its address.
pub fn address_key(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(_) => peer,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(network.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    const W: Duration = Duration::from_secs(60);

    impl<K: Eq + Hash + Clone> FailureCounter<K> {
        /// A failure that is kept.
        fn record(&self, key: &K, now: Instant) {
            let _ = self.reserve(key, now);
        }

        /// The wait `key` is under, counting nothing.
        fn refused(&self, key: &K, now: Instant) -> Option<Duration> {
            match self.reserve(key, now) {
                Ok(at) => {
                    self.release(key, at);
                    None
                }
                Err(wait) => Some(wait),
            }
        }
    }

    /// What a counter with `limit` answers after failures at the given
    /// offsets (seconds), asked at offset `at`.
    fn after(limit: u32, failures: &[u64], at: u64) -> Option<Duration> {
        let start = Instant::now();
        let counter = FailureCounter::new(limit, W);
        for &s in failures {
            counter.record(&"alice", start + Duration::from_secs(s));
        }
        counter.refused(&"alice", start + Duration::from_secs(at))
    }

    #[test]
    fn refuses_only_after_the_limit_of_failures_within_the_window() {
        let s = Duration::from_secs;
        let cases: &[(u32, &[u64], u64, Option<Duration>)] = &[
            // (limit, failures at, asked at, expected wait)
            (3, &[], 0, None),
            (3, &[0, 1], 2, None),
            (3, &[0, 1, 2], 2, Some(s(58))),
            (3, &[0, 1, 2], 59, Some(s(1))),
            // The oldest failure left the window: one more try is allowed.
            (3, &[0, 1, 2], 60, None),
            // Failures spread wider than the window never add up.
            (3, &[0, 30, 61, 92], 92, None),
            // Attempts refused for the limit are not failures: the wait
            // follows the failures that were counted.
            (2, &[0, 10, 20, 30], 30, Some(s(30))),
            (1, &[5], 5, Some(s(60))),
            // A limit of 0 turns the check off.
            (0, &[0, 1, 2, 3], 3, None),
        ];
        for (limit, failures, at, expected) in cases {
            assert_eq!(
                after(*limit, failures, *at),
                *expected,
                "limit {limit}, failures at {failures:?}, asked at {at}"
            );
        }
    }

    #[test]
    fn failures_are_reserved_before_the_check_and_given_back_on_success() {
        let now = Instant::now();
        let counter = FailureCounter::new(5, W);
        // 100 attempts at once: only 5 get past, whatever their outcome.
        let held: Vec<_> = (0..100).map(|_| counter.reserve(&"alice", now)).collect();
        assert_eq!(held.iter().filter(|r| r.is_ok()).count(), 5);
        // Two of them succeed: their failures come back.
        for at in held.iter().filter_map(|r| r.ok()).take(2) {
            counter.release(&"alice", at);
        }
        assert!(counter.reserve(&"alice", now).is_ok());
        assert!(counter.reserve(&"alice", now).is_ok());
        assert!(counter.reserve(&"alice", now).is_err());
        assert!(counter.over(&"alice", now).is_some());
        assert!(counter.over(&"bob", now).is_none());
        // A limit of 0 reserves nothing and refuses nothing.
        let off = FailureCounter::new(0, W);
        assert_eq!(off.reserve(&"alice", now), Ok(None));
    }

    #[test]
    fn known_clients_expire_and_stay_bounded() {
        let start = Instant::now();
        let known = KnownClients::new(Duration::from_secs(10));
        known.insert("a", start);
        assert!(known.contains(&"a", start + Duration::from_secs(9)));
        assert!(!known.contains(&"a", start + Duration::from_secs(10)));
        assert!(!known.contains(&"b", start));
        let mut small = KnownClients::new(W);
        small.max_keys = 8;
        for i in 0..100u32 {
            small.insert(i, start + Duration::from_millis(u64::from(i)));
            assert!(small.seen.len() <= 8);
        }
        assert!(small.contains(&99, start + Duration::from_secs(1)));
    }

    #[test]
    fn keys_are_counted_apart() {
        let now = Instant::now();
        let counter = FailureCounter::new(2, W);
        counter.record(&"alice", now);
        counter.record(&"alice", now);
        counter.record(&"bob", now);
        assert!(counter.refused(&"alice", now).is_some());
        assert_eq!(counter.refused(&"bob", now), None);
        assert_eq!(counter.refused(&"carol", now), None);
    }

    #[test]
    fn memory_stays_bounded() {
        let start = Instant::now();
        let counter = FailureCounter::with_capacity(3, W, 100);
        for i in 0..1000u32 {
            counter.record(&i, start + Duration::from_millis(u64::from(i)));
            assert!(counter.len() <= 100, "{} keys after {i}", counter.len());
        }
        // The most recent key is still counted; the oldest were forgotten.
        counter.record(&999, start + Duration::from_millis(999));
        counter.record(&999, start + Duration::from_millis(999));
        assert!(
            counter
                .refused(&999, start + Duration::from_secs(1))
                .is_some()
        );
        assert!(counter.failures.get(&0).is_none());
        // Once the window has passed a sweep empties the table.
        counter.sweep(start + Duration::from_secs(61));
        assert!(counter.is_empty());
    }

    #[test]
    fn each_key_keeps_at_most_limit_instants() {
        let now = Instant::now();
        let counter = FailureCounter::new(4, W);
        for _ in 0..100 {
            counter.record(&"alice", now);
        }
        assert_eq!(counter.failures.get("alice").map(|t| t.len()), Some(4));
    }

    #[test]
    fn addresses_are_keyed_by_host_or_ipv6_network() {
        let v4: IpAddr = Ipv4Addr::new(192, 0, 2, 7).into();
        let cases: &[(IpAddr, IpAddr)] = &[
            (v4, v4),
            (Ipv4Addr::new(192, 0, 2, 7).to_ipv6_mapped().into(), v4),
            (
                "2001:db8:1:2:aaaa:bbbb:cccc:dddd"
                    .parse::<Ipv6Addr>()
                    .unwrap()
                    .into(),
                "2001:db8:1:2::".parse::<Ipv6Addr>().unwrap().into(),
            ),
            (Ipv6Addr::LOCALHOST.into(), Ipv6Addr::UNSPECIFIED.into()),
        ];
        for (peer, key) in cases {
            assert_eq!(address_key(*peer), *key, "{peer}");
        }
    }

    #[test]
    fn login_limits_come_from_the_accounts_section() {
        let config = crate::config::Config::from_toml(
            "[accounts]\nfailures_per_user = 3\nfailures_per_address = 9\nfailure_window_s = 120\n",
        )
        .unwrap();
        let limits = LoginLimits::from(&config.accounts);
        assert_eq!(
            (
                limits.failures_per_user,
                limits.failures_per_address,
                limits.window
            ),
            (3, 9, std::time::Duration::from_secs(120))
        );
        let defaults = LoginLimits::default();
        assert_eq!(
            (
                defaults.failures_per_user,
                defaults.failures_per_address,
                defaults.window.as_secs(),
                defaults.max_concurrent_verifications,
                defaults.verification_wait.as_secs()
            ),
            (5, 20, 60, 8, 10)
        );
    }
}
