//! Who gets in before logging in. Per client address (IPv6 per /64, as
//! the login limits count them) the server caps open connections and,
//! lower, connections that have not logged in yet; and it gives every
//! connection an absolute pre-login deadline, counted from accept (the
//! PROXY header and the TLS handshake included), that no command extends.
//! Without these, one address could hold every slot of the global limit
//! with idle or NOOP-ing connections and lock everyone else out.
//!
//! A session holds an `Admission` for its life; it tells the table when the
//! client has logged in (`authenticated`) and gives its slots back on drop.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::stream::is_loopback;
use crate::accounts::address_key;
use crate::config::ServerSection;

/// The per-address limits and the pre-login deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientLimits {
    /// Open connections per client address (0: no limit).
    pub per_address: u32,
    /// Connections per client address that have not logged in (0: no limit).
    pub unauthenticated_per_address: u32,
    /// Loopback clients get the caps above times this factor (at least 1):
    /// a local webmail or scanner opens many connections from one address,
    /// but even it is capped.
    pub loopback_factor: u32,
    /// From accept to a successful login, at most.
    pub prelogin_timeout: Duration,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits::from(&ServerSection::default())
    }
}

impl From<&ServerSection> for ClientLimits {
    fn from(s: &ServerSection) -> ClientLimits {
        ClientLimits {
            per_address: s.max_connections_per_address,
            unauthenticated_per_address: s.max_unauthenticated_per_address,
            loopback_factor: s.loopback_limit_factor.max(1),
            prelogin_timeout: Duration::from_secs(s.prelogin_timeout_s.max(1)),
        }
    }
}

/// Why a connection was turned away before its session started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    TooManyConnections,
    TooManyUnauthenticated,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::TooManyConnections => {
                "too many connections from your address; close some and try again"
            }
            Refusal::TooManyUnauthenticated => {
                "too many connections from your address that have not logged in; try again shortly"
            }
        })
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    open: u32,
    unauthenticated: u32,
}

/// Open and not-yet-authenticated connections per address key.
#[derive(Debug)]
pub(crate) struct ClientTable {
    limits: ClientLimits,
    counts: Mutex<HashMap<IpAddr, Counts>>,
}

impl ClientTable {
    pub fn new(limits: ClientLimits) -> ClientTable {
        ClientTable {
            limits,
            counts: Mutex::new(HashMap::new()),
        }
    }

    pub fn limits(&self) -> &ClientLimits {
        &self.limits
    }

    /// Take an (unauthenticated) slot for a client at `ip`, whose
    /// connection was accepted at `accepted`.
    pub fn admit(
        self: &Arc<Self>,
        ip: IpAddr,
        accepted: Instant,
    ) -> Result<Arc<Admission>, Refusal> {
        let key = address_key(ip);
        let factor = if is_loopback(ip) {
            self.limits.loopback_factor
        } else {
            1
        };
        let cap = |limit: u32| match limit {
            0 => u32::MAX,
            n => n.saturating_mul(factor),
        };
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = counts.entry(key).or_default();
        if entry.open >= cap(self.limits.per_address) {
            return Err(Refusal::TooManyConnections);
        }
        if entry.unauthenticated >= cap(self.limits.unauthenticated_per_address) {
            return Err(Refusal::TooManyUnauthenticated);
        }
        entry.open += 1;
        entry.unauthenticated += 1;
        Ok(Arc::new(Admission {
            table: Some(self.clone()),
            key,
            authenticated: AtomicBool::new(false),
            deadline: accepted + self.limits.prelogin_timeout,
        }))
    }

    fn release(&self, key: IpAddr, was_authenticated: bool, closing: bool) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(entry) = counts.get_mut(&key) else {
            return;
        };
        if !was_authenticated {
            entry.unauthenticated = entry.unauthenticated.saturating_sub(1);
        }
        if closing {
            entry.open = entry.open.saturating_sub(1);
        }
        if entry.open == 0 && entry.unauthenticated == 0 {
            counts.remove(&key);
        }
    }

    /// (open, unauthenticated) for `ip`'s key, for tests.
    #[cfg(test)]
    pub fn counts(&self, ip: IpAddr) -> (u32, u32) {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts
            .get(&address_key(ip))
            .map_or((0, 0), |c| (c.open, c.unauthenticated))
    }
}

/// One connection's place in the table, its pre-login deadline, and
/// whether it has logged in. Shared by the session and the listener.
#[derive(Debug)]
pub struct Admission {
    table: Option<Arc<ClientTable>>,
    key: IpAddr,
    authenticated: AtomicBool,
    deadline: Instant,
}

impl Admission {
    /// An admission outside any table, for tests that build a `Connection`
    /// by hand (the fuzzing harness): no caps, the deadline `timeout` from now.
    #[cfg(test)]
    pub(crate) fn unlimited(timeout: std::time::Duration) -> Arc<Admission> {
        Arc::new(Admission {
            table: None,
            key: IpAddr::from([0, 0, 0, 0]),
            authenticated: AtomicBool::new(false),
            deadline: Instant::now() + timeout,
        })
    }

    /// The client has logged in: its slot no longer counts as
    /// unauthenticated and the pre-login deadline no longer applies.
    /// Calling it again does nothing.
    pub fn authenticated(&self) {
        if self.authenticated.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(table) = &self.table {
            table.release(self.key, false, false);
        }
    }

    pub fn is_authenticated(&self) -> bool {
        self.authenticated.load(Ordering::Acquire)
    }

    /// When the client must have logged in by.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Resolves at the pre-login deadline if the client has not logged in
    /// by then; never, once it has. Sessions select on it beside their
    /// reads, so a command (NOOP, CAPABILITY, a wrong LOGIN) never extends it.
    pub async fn prelogin_expired(&self) {
        if !self.is_authenticated() {
            tokio::time::sleep_until(self.deadline).await;
        }
        if self.is_authenticated() {
            std::future::pending::<()>().await;
        }
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        if let Some(table) = &self.table {
            table.release(self.key, self.is_authenticated(), true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(per: u32, unauth: u32, factor: u32) -> Arc<ClientTable> {
        Arc::new(ClientTable::new(ClientLimits {
            per_address: per,
            unauthenticated_per_address: unauth,
            loopback_factor: factor,
            prelogin_timeout: Duration::from_secs(60),
        }))
    }

    #[test]
    fn caps_count_per_address_and_come_back_on_drop() {
        let t = table(3, 2, 1);
        let now = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = t.admit(a, now).unwrap();
        let second = t.admit(a, now).unwrap();
        assert_eq!(
            t.admit(a, now).unwrap_err(),
            Refusal::TooManyUnauthenticated
        );
        // Another address is not affected.
        let other = t.admit(b, now).unwrap();
        // A login frees an unauthenticated slot, not an open one.
        first.authenticated();
        first.authenticated();
        assert_eq!(t.counts(a), (2, 1));
        let third = t.admit(a, now).unwrap();
        third.authenticated();
        assert_eq!(t.admit(a, now).unwrap_err(), Refusal::TooManyConnections);
        drop((first, second, third, other));
        assert_eq!(t.counts(a), (0, 0));
        assert_eq!(t.counts(b), (0, 0));
        assert!(t.counts.lock().unwrap().is_empty());
    }

    #[test]
    fn ipv6_counts_per_64_and_loopback_gets_the_factor() {
        let t = table(2, 2, 3);
        let now = Instant::now();
        let _x = t.admit("2001:db8:1:2::1".parse().unwrap(), now).unwrap();
        let _y = t.admit("2001:db8:1:2::2".parse().unwrap(), now).unwrap();
        assert!(
            t.admit("2001:db8:1:2:ffff::9".parse().unwrap(), now)
                .is_err()
        );
        assert!(t.admit("2001:db8:1:3::1".parse().unwrap(), now).is_ok());
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let held: Vec<_> = (0..6).map(|_| t.admit(local, now).unwrap()).collect();
        assert!(t.admit(local, now).is_err(), "loopback is capped too");
        drop(held);
    }

    #[tokio::test]
    async fn the_deadline_holds_only_before_login() {
        let t = Arc::new(ClientTable::new(ClientLimits {
            prelogin_timeout: Duration::from_millis(100),
            ..ClientLimits::default()
        }));
        let a = t
            .admit("192.0.2.1".parse().unwrap(), Instant::now())
            .unwrap();
        let expired = tokio::time::timeout(Duration::from_secs(10), a.prelogin_expired()).await;
        assert!(expired.is_ok(), "fires at the deadline");
        let b = t
            .admit("192.0.2.1".parse().unwrap(), Instant::now())
            .unwrap();
        b.authenticated();
        let expired = tokio::time::timeout(Duration::from_millis(400), b.prelogin_expired()).await;
        assert!(expired.is_err(), "never fires after login");
    }
}
