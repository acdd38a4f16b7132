//! Counting failed logins per login name and per client address, so that
//! password guessing stops after a few tries while a user's own clients,
//! which log in successfully many times a minute, are never held back.
//! The counts live in the store (`store::counters`), so every gateway
//! instance on one PostgreSQL database counts together: a client that
//! fails on one instance is refused on all of them.
//!
//! Why not `governor` (the usual crate for per-user limits): a GCRA
//! limiter counts every attempt it is asked about, and a successful login
//! must use up nothing here (Thunderbird opens a connection per folder, a
//! scanner logs in for every page). What we need is "how many failures in
//! the window", one counter row per key: the window opens with the first
//! failure after the previous one closed, and `retry_after` is when it
//! closes. Each failure is one upsert, whatever the number of instances.
//!
//! A failure is counted *before* the password is checked (`reserve`) and
//! given back if the login succeeds (`release`): checked afterwards, 100
//! guesses sent at once would all pass a limit of 5 while their
//! verifications run. The store also marks which addresses a login
//! recently succeeded from, so a flood of guesses for a login elsewhere
//! does not lock out that person's own clients (see `login.rs`). Login
//! names are stored as keyed hashes (a password typed into the login field
//! must not sit in the database); addresses as they are.

use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::AccountsSection;
use crate::store::{self, Store};

/// Limits on failed logins (only failures count; see `FailureLimits`).
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Failures allowed per login name within `window`; then the login is
    /// refused, right password or not, until the window (opened by the
    /// first counted failure) is `window` old.
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

/// How long a successful login from an address is remembered.
pub const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// A known address's mark is written again once it is this old, so that
/// a user's many successful logins do not each write to the store.
const MARK_AGAIN: Duration = Duration::from_secs(24 * 3600);
/// Counter rows of windows that have closed are deleted at most this often
/// (per instance), or after each window if that is longer.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Prefix of the failure counters' keys in the store.
const FAILURES: &str = "fail/";
/// Prefix of the marks of (login, address) pairs that succeeded.
const KNOWN: &str = "known/";

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Unix time in milliseconds.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Where one attempt is counted: its rows in the store's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AttemptKeys {
    address: String,
    pair: String,
    login: String,
    known: String,
}

impl AttemptKeys {
    /// The keys of an attempt as `user_key` from (the key of) `address`;
    /// `mac_key` is the store's tag key, the same on every instance.
    pub(super) fn new(mac_key: &[u8], user_key: &str, address: IpAddr) -> AttemptKeys {
        let hashed = |label: &str, with_address: bool| {
            // HMAC takes keys of any length; the fallback only keeps `expect` out.
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(mac_key) else {
                return String::new();
            };
            mac.update(label.as_bytes());
            mac.update(&[0]);
            mac.update(user_key.as_bytes());
            if with_address {
                mac.update(&[0]);
                mac.update(address.to_string().as_bytes());
            }
            hex::encode(&mac.finalize().into_bytes()[..16])
        };
        AttemptKeys {
            address: format!("{FAILURES}address/{address}"),
            pair: format!("{FAILURES}pair/{}", hashed("pair", true)),
            login: format!("{FAILURES}login/{}", hashed("login", false)),
            known: format!("{KNOWN}{}", hashed("known", true)),
        }
    }
}

/// What the store says about an attempt before it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Standing {
    /// How long to wait when a limit that applies is used up.
    pub wait: Option<Duration>,
    /// The login succeeded from this address within `KNOWN_FOR`: failures
    /// are not counted per login.
    pub known: bool,
    /// When that success was marked (milliseconds).
    marked_at: Option<i64>,
}

/// The failures an attempt reserved, (key, window start) each, to give
/// back if it succeeds.
#[derive(Debug, Default)]
pub(super) struct Reserved {
    taken: Vec<(String, i64)>,
}

/// Failed logins counted in the store, per address, per (login, address)
/// and per login, within a window.
#[derive(Debug)]
pub(super) struct FailureLimits {
    store: Store,
    per_user: i64,
    per_address: i64,
    window: i64,
    /// When this instance last swept closed windows (milliseconds).
    swept: AtomicI64,
}

impl FailureLimits {
    pub(super) fn new(store: Store, limits: &LoginLimits) -> FailureLimits {
        FailureLimits {
            store,
            per_user: i64::from(limits.failures_per_user),
            per_address: i64::from(limits.failures_per_address),
            window: millis(limits.window).max(1),
            swept: AtomicI64::new(0),
        }
    }

    /// The limits that apply to an attempt: (key, limit), those with a
    /// limit of 0 (off) left out.
    fn applying<'a>(&self, keys: &'a AttemptKeys, known: bool) -> Vec<(&'a str, i64)> {
        let mut out = vec![
            (keys.address.as_str(), self.per_address),
            (keys.pair.as_str(), self.per_user),
        ];
        if !known {
            out.push((keys.login.as_str(), self.per_user));
        }
        out.retain(|&(_, limit)| limit > 0);
        out
    }

    /// How long to wait when a limit that applies to the attempt is used
    /// up, and whether its address is known for its login: one read.
    pub(super) async fn standing(&self, keys: &AttemptKeys) -> Result<Standing, store::Error> {
        self.standing_at(keys, now_ms()).await
    }

    async fn standing_at(&self, keys: &AttemptKeys, now: i64) -> Result<Standing, store::Error> {
        let rows = self
            .store
            .counter_read(&[&keys.address, &keys.pair, &keys.login, &keys.known])
            .await?;
        let marked_at = rows
            .iter()
            .find(|r| r.key == keys.known)
            .map(|r| r.start)
            .filter(|&at| now - at < millis(KNOWN_FOR));
        let known = marked_at.is_some();
        let wait = self
            .applying(keys, known)
            .into_iter()
            .filter_map(|(key, limit)| {
                let row = rows.iter().find(|r| r.key == key)?;
                let ends = row.start.saturating_add(self.window);
                (ends > now && row.count >= limit).then_some(ends - now)
            })
            .max();
        Ok(Standing {
            wait: wait.map(|ms| Duration::from_millis(ms.unsigned_abs())),
            known,
            marked_at,
        })
    }

    /// Count the attempt as a failure under every limit that applies (one
    /// statement), or say how long to wait when one is used up: then
    /// nothing stays counted.
    pub(super) async fn reserve(
        &self,
        keys: &AttemptKeys,
        known: bool,
    ) -> Result<Result<Reserved, Duration>, store::Error> {
        self.reserve_at(keys, known, now_ms()).await
    }

    async fn reserve_at(
        &self,
        keys: &AttemptKeys,
        known: bool,
        now: i64,
    ) -> Result<Result<Reserved, Duration>, store::Error> {
        let applying = self.applying(keys, known);
        if applying.is_empty() {
            return Ok(Ok(Reserved::default()));
        }
        self.sweep_now_and_then(now);
        let taken = self
            .store
            .counter_take(&applying, now, now - self.window)
            .await?;
        let wait = taken
            .iter()
            .filter(|t| t.refused)
            .map(|t| t.window.start.saturating_add(self.window) - now)
            .max();
        let reserved = Reserved {
            taken: taken
                .into_iter()
                .filter(|t| !t.refused)
                .map(|t| (t.window.key, t.window.start))
                .collect(),
        };
        match wait {
            None => Ok(Ok(reserved)),
            Some(ms) => {
                // Another attempt used up a limit since `standing`.
                self.release(&reserved).await?;
                Ok(Err(Duration::from_millis(ms.max(1).unsigned_abs())))
            }
        }
    }

    /// Give back the failures `reserve` counted (the attempt succeeded,
    /// or could not be checked through no fault of the client).
    pub(super) async fn release(&self, r: &Reserved) -> Result<(), store::Error> {
        if r.taken.is_empty() {
            return Ok(());
        }
        let taken: Vec<(&str, i64)> = r.taken.iter().map(|(k, s)| (k.as_str(), *s)).collect();
        self.store.counter_give_back(&taken).await
    }

    /// The attempt succeeded: its address is known for its login. Written
    /// only when the mark is missing or a day old, so a user's clients
    /// logging in all day add no writes.
    pub(super) async fn succeeded(
        &self,
        keys: &AttemptKeys,
        standing: &Standing,
    ) -> Result<(), store::Error> {
        let now = now_ms();
        if standing
            .marked_at
            .is_some_and(|at| now - at < millis(MARK_AGAIN))
        {
            return Ok(());
        }
        self.store.counter_mark(&keys.known, now).await
    }

    /// Delete closed windows and old marks, in the background, at most
    /// once per `SWEEP_EVERY` (or window) per instance.
    fn sweep_now_and_then(&self, now: i64) {
        let every = millis(SWEEP_EVERY).max(self.window);
        let last = self.swept.load(Ordering::Relaxed);
        if now - last < every
            || self
                .swept
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let store = self.store.clone();
        let window = self.window;
        tokio::spawn(async move {
            let closed = store.counter_sweep(FAILURES, now - window).await;
            let forgotten = store.counter_sweep(KNOWN, now - millis(KNOWN_FOR)).await;
            if let Err(e) = closed.and(forgotten) {
                tracing::warn!(error = %e, "cannot delete closed failed-login windows");
            }
        });
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
    const S: i64 = 1000;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        (dir, store)
    }

    fn limits(per_user: u32, per_address: u32) -> LoginLimits {
        LoginLimits {
            failures_per_user: per_user,
            failures_per_address: per_address,
            window: W,
            ..LoginLimits::default()
        }
    }

    fn keys(login: &str, address: &str) -> AttemptKeys {
        AttemptKeys::new(&[9; 32], login, address.parse().unwrap())
    }

    /// The wait an attempt is under at `at`, counting nothing.
    async fn refused(f: &FailureLimits, k: &AttemptKeys, at: i64) -> Option<Duration> {
        let standing = f.standing_at(k, at).await.unwrap();
        standing.wait
    }

    /// What a login limit of `limit` answers after failures at the given
    /// offsets (seconds; each from a new address, so only the per-login
    /// limit can refuse), asked at offset `at`.
    async fn after(limit: u32, failures: &[i64], at: i64) -> Option<Duration> {
        let (_dir, store) = store().await;
        let f = FailureLimits::new(store, &limits(limit, 1000));
        let start = 1_000_000_000_000;
        for (i, &s) in failures.iter().enumerate() {
            let k = keys("alice", &format!("192.0.2.{}", i + 1));
            let _ = f.reserve_at(&k, false, start + s * S).await.unwrap();
        }
        refused(&f, &keys("alice", "198.51.100.1"), start + at * S).await
    }

    #[tokio::test]
    async fn refuses_only_after_the_limit_of_failures_within_the_window() {
        let s = Duration::from_secs;
        let cases: &[(u32, &[i64], i64, Option<Duration>)] = &[
            // (limit, failures at, asked at, expected wait)
            (3, &[], 0, None),
            (3, &[0, 1], 2, None),
            (3, &[0, 1, 2], 2, Some(s(58))),
            (3, &[0, 1, 2], 59, Some(s(1))),
            // The window that opened with the first failure has closed.
            (3, &[0, 1, 2], 60, None),
            // Failures spread wider than the window never add up.
            (3, &[0, 30, 61, 92], 92, None),
            // Attempts refused for the limit are not failures: the wait
            // follows the window the counted failures opened.
            (2, &[0, 10, 20, 30], 30, Some(s(30))),
            (1, &[5], 5, Some(s(60))),
            // A limit of 0 turns the check off.
            (0, &[0, 1, 2, 3], 3, None),
        ];
        for (limit, failures, at, expected) in cases {
            assert_eq!(
                after(*limit, failures, *at).await,
                *expected,
                "limit {limit}, failures at {failures:?}, asked at {at}"
            );
        }
    }

    #[tokio::test]
    async fn failures_are_reserved_before_the_check_and_given_back_on_success() {
        let (_dir, store) = store().await;
        let f = FailureLimits::new(store, &limits(5, 100));
        let k = keys("alice", "192.0.2.1");
        let now = now_ms();
        // 100 attempts at once: only 5 get past, whatever their outcome.
        let held = futures::future::join_all((0..100).map(|_| f.reserve_at(&k, false, now))).await;
        let passed: Vec<&Reserved> = held
            .iter()
            .filter_map(|r| r.as_ref().unwrap().as_ref().ok())
            .collect();
        assert_eq!(passed.len(), 5);
        // Two of them succeed: their failures come back.
        for r in passed.iter().take(2) {
            f.release(r).await.unwrap();
        }
        assert!(f.reserve_at(&k, false, now).await.unwrap().is_ok());
        assert!(f.reserve_at(&k, false, now).await.unwrap().is_ok());
        assert!(f.reserve_at(&k, false, now).await.unwrap().is_err());
        assert!(refused(&f, &k, now).await.is_some());
        assert!(refused(&f, &keys("bob", "192.0.2.2"), now).await.is_none());
        // A limit of 0 reserves nothing and refuses nothing.
        let off = FailureLimits::new(f.store.clone(), &limits(0, 0));
        let r = off.reserve_at(&k, false, now).await.unwrap().unwrap();
        assert!(r.taken.is_empty());
    }

    #[tokio::test]
    async fn known_addresses_are_spared_the_per_login_limit() {
        let (_dir, store) = store().await;
        let f = FailureLimits::new(store, &limits(2, 100));
        let home = keys("alice", "192.0.2.20");
        let before = f.standing(&home).await.unwrap();
        assert!(!before.known);
        f.succeeded(&home, &before).await.unwrap();
        let now = now_ms();
        for i in 1..=3 {
            let k = keys("alice", &format!("203.0.113.{i}"));
            let _ = f.reserve_at(&k, false, now).await.unwrap();
        }
        let elsewhere = keys("alice", "198.51.100.9");
        assert!(refused(&f, &elsewhere, now).await.is_some());
        let standing = f.standing_at(&home, now).await.unwrap();
        assert!(standing.known);
        assert_eq!(standing.wait, None, "alice's own address still gets in");
        // Marks are not rewritten by every success, and they expire.
        let read = |k: String| {
            let store = f.store.clone();
            async move { store.counter_read(&[&k]).await.unwrap()[0].start }
        };
        let marked = read(home.known.clone()).await;
        f.succeeded(&home, &standing).await.unwrap();
        assert_eq!(read(home.known.clone()).await, marked);
        let later = f
            .standing_at(&home, marked + millis(KNOWN_FOR))
            .await
            .unwrap();
        assert!(!later.known);
    }

    #[test]
    fn attempt_keys_hide_logins_and_keep_addresses() {
        let a = keys("alice@contoso.test", "192.0.2.1");
        assert_eq!(a.address, "fail/address/192.0.2.1");
        for k in [&a.pair, &a.login, &a.known] {
            assert!(!k.contains("alice"), "{k}");
        }
        let b = keys("bob@contoso.test", "192.0.2.1");
        assert_eq!(a.address, b.address);
        assert_ne!(a.login, b.login);
        assert_ne!(a.pair, b.pair);
        let elsewhere = keys("alice@contoso.test", "192.0.2.2");
        assert_eq!(a.login, elsewhere.login);
        assert_ne!(a.pair, elsewhere.pair);
        let other_key =
            AttemptKeys::new(&[8; 32], "alice@contoso.test", "192.0.2.1".parse().unwrap());
        assert_ne!(a.login, other_key.login);
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
