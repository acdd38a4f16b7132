//! The login path. A password verified lately is answered from memory once
//! no limit that applies is used up (no argon2 run, so nothing to race).
//! Any other attempt first reserves a failure under each limit that
//! applies to it (so guesses sent in parallel cannot all slip past a limit
//! while their checks run) and gets it back if it succeeds; it is answered
//! by exactly one argon2 verification, against the one active password whose tag matches
//! (`tags`) or a decoy: the cost does not tell whether the login exists or
//! how many passwords it has. Verifications run under a process-wide cap,
//! since each takes 19 MiB. Each outcome is logged as (login, peer, outcome).
//!
//! The limits (docs/security-limits.md has the same rules for operators):
//! - per client address (IPv6: per /64): `failures_per_address`;
//! - per (login, address): `failures_per_user`;
//! - per login, over all addresses: `failures_per_user`, but only for
//!   addresses the login has not succeeded from in the last 30 days, so a
//!   flood of guesses for alice from elsewhere does not lock out alice's
//!   own clients. Failures from such known addresses count only per
//!   address and per (login, address).

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use tokio::sync::{OnceCell, Semaphore};

use super::account::{Account, account};
use super::cache::{REMEMBER_FOR, Tag, VerifiedCache};
use super::error::LoginError;
use super::limits::{FailureCounter, KNOWN_FOR, KnownClients, LoginLimits, address_key};
use super::tags::TagKey;
use super::{names, password};
use crate::secret::Secret;
use crate::store::{self, Store};

/// The login-counter key of every name that cannot be a login: they all
/// fail, and one bucket keeps junk names from filling the table.
const NOT_A_LOGIN: &str = "\u{0}not-a-login";

/// What all clones of an `Accounts` share.
pub(super) struct Inner {
    pub store: Store,
    pub limits: LoginLimits,
    by_login: FailureCounter<String>,
    by_pair: FailureCounter<(String, IpAddr)>,
    by_address: FailureCounter<IpAddr>,
    known: KnownClients<(String, IpAddr)>,
    pub verified: VerifiedCache,
    pub tags: TagKey,
    /// A hash of a random password, verified when there is nothing real
    /// to verify against. Made on first use.
    decoy: OnceCell<String>,
    /// argon2 verifications allowed at once.
    slots: Semaphore,
    running: AtomicU64,
    pub peak: AtomicU64,
    pub busy: AtomicU64,
    pub verifications: AtomicU64,
    pub cache_hits: AtomicU64,
    /// Keys the fingerprints of unknown login names in the log (`shown`).
    log_key: [u8; 32],
    /// Attempts under way, by login and password tag (`authenticate`).
    in_flight: DashMap<(String, Tag), Arc<tokio::sync::Mutex<()>>>,
}

/// How the check of the credentials ended, before limits and logging.
enum Checked {
    Ok {
        account: Account,
    },
    Bad,
    /// No verification slot in time.
    Busy,
}

/// The failures an attempt reserved, to give back if it succeeds.
struct Reserved {
    user_key: String,
    address: IpAddr,
    by_login: Option<Instant>,
    by_pair: Option<Instant>,
    by_address: Option<Instant>,
}

impl Inner {
    pub fn new(store: Store, limits: LoginLimits) -> Inner {
        Inner {
            log_key: rand::random(),
            in_flight: DashMap::new(),
            by_login: FailureCounter::new(limits.failures_per_user, limits.window),
            by_pair: FailureCounter::new(limits.failures_per_user, limits.window),
            by_address: FailureCounter::new(limits.failures_per_address, limits.window),
            known: KnownClients::new(KNOWN_FOR),
            slots: Semaphore::new(limits.max_concurrent_verifications.max(1) as usize),
            store,
            limits,
            verified: VerifiedCache::new(REMEMBER_FOR),
            tags: TagKey::default(),
            decoy: OnceCell::new(),
            running: AtomicU64::new(0),
            peak: AtomicU64::new(0),
            busy: AtomicU64::new(0),
            verifications: AtomicU64::new(0),
            cache_hits: AtomicU64::new(0),
        }
    }

    /// Check a login. Attempts with the same login and password run one at
    /// a time: when a client opens five connections at once after a
    /// restart, the first verifies the password and the others find it
    /// remembered, instead of five argon2 runs each counted as a possible
    /// failure until it ends (which would refuse the sixth).
    pub async fn authenticate(
        &self,
        login: &str,
        password: &Secret,
        peer: IpAddr,
    ) -> Result<Account, LoginError> {
        let Ok(name) = names::check_login(login) else {
            return self.authenticate_once(login, password, peer).await;
        };
        let key = (name, self.verified.tag(login, password));
        let gate = self.in_flight.entry(key.clone()).or_default().clone();
        let outcome = {
            let _turn = gate.lock().await;
            self.authenticate_once(login, password, peer).await
        };
        // Ours and the map's: nobody else waits on this gate.
        self.in_flight
            .remove_if(&key, |_, g| Arc::strong_count(g) <= 2);
        outcome
    }

    async fn authenticate_once(
        &self,
        login: &str,
        password: &Secret,
        peer: IpAddr,
    ) -> Result<Account, LoginError> {
        let valid = names::check_login(login).ok();
        let user_key = valid.clone().unwrap_or_else(|| NOT_A_LOGIN.to_string());
        let address = address_key(peer);

        // A password this process verified lately needs no argon2 run, so
        // it opens no window for guesses to slip past the limits: it only
        // has to find them not used up. Reserving for it would make a
        // user's many concurrent clients (or one client's connection per
        // folder) refuse each other.
        let blocked = self.over_limits(&user_key, address);
        if blocked.is_none()
            && let Some(login) = valid.as_deref()
        {
            match self.check_remembered(login, password).await {
                Ok(Some(account)) => {
                    self.known
                        .insert((account.login.clone(), address), Instant::now());
                    tracing::info!(login = %account.login, %peer, outcome = "ok", cached = true, "login");
                    return Ok(account);
                }
                // Not remembered (or no longer good): the full check below.
                Ok(None) => {}
                Err(e) => {
                    let shown = self.shown(valid.as_deref(), login).await;
                    tracing::error!(login = %shown, %peer, outcome = "store-error", error = %e, "login failed");
                    return Err(LoginError::Store(e));
                }
            }
        }
        let reserved = match blocked.map_or_else(|| self.reserve(user_key, address), Err) {
            Ok(reserved) => reserved,
            Err(retry_after) => {
                let shown = self.shown(valid.as_deref(), login).await;
                tracing::warn!(
                    login = %shown,
                    %peer,
                    outcome = "too-many-failures",
                    retry_after_s = retry_after.as_secs(),
                    "login refused"
                );
                return Err(LoginError::TooManyAttempts { retry_after });
            }
        };

        match self.check(valid.as_deref(), password).await {
            Ok(Checked::Ok { account }) => {
                // A success uses up nothing (a user's own clients log in
                // all day); and its address is now known for this login.
                self.release(&reserved);
                self.known
                    .insert((account.login.clone(), address), Instant::now());
                tracing::info!(login = %account.login, %peer, outcome = "ok", cached = false, "login");
                Ok(account)
            }
            Ok(Checked::Bad) => {
                // The reserved failures stay counted.
                let shown = self.shown(valid.as_deref(), login).await;
                tracing::warn!(login = %shown, %peer, outcome = "bad-credentials", "login refused");
                Err(LoginError::BadCredentials)
            }
            Ok(Checked::Busy) => {
                // Not the client's fault, so not counted.
                self.release(&reserved);
                count(&self.busy, 1);
                let shown = self.shown(valid.as_deref(), login).await;
                tracing::warn!(login = %shown, %peer, outcome = "busy", "login refused: every verification slot stayed busy");
                Err(LoginError::Busy)
            }
            Err(e) => {
                // The store failed: not the client's fault, so not counted.
                self.release(&reserved);
                let shown = self.shown(valid.as_deref(), login).await;
                tracing::error!(login = %shown, %peer, outcome = "store-error", error = %e, "login failed");
                Err(LoginError::Store(e))
            }
        }
    }

    /// How a login attempt is named in the log. A name that is no account
    /// is often a password typed into the wrong field, so it is never
    /// written out: it becomes `unknown#` and 8 hex digits of a keyed hash
    /// (the key lives in this process's memory only), enough to see that a
    /// flood repeats one name, useless for recovering it. Accounts are
    /// named as they are. Refused logins only: both kinds cost the same
    /// one store read, so the time taken tells nothing.
    async fn shown(&self, valid: Option<&str>, raw: &str) -> String {
        if let Some(login) = valid
            && matches!(self.store.account_get(login).await, Ok(Some(_)))
        {
            return login.to_string();
        }
        let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&self.log_key)
        else {
            return "unknown".to_string();
        };
        hmac::Mac::update(&mut mac, raw.as_bytes());
        let digest = hmac::Mac::finalize(mac).into_bytes();
        format!("unknown#{}", hex::encode(&digest[..4]))
    }

    /// How long to wait when a limit that applies to this attempt is used
    /// up (nothing is counted).
    fn over_limits(&self, user_key: &str, address: IpAddr) -> Option<Duration> {
        let now = Instant::now();
        let pair = (user_key.to_string(), address);
        let known = self.known.contains(&pair, now);
        self.by_address
            .over(&address, now)
            .or_else(|| self.by_pair.over(&pair, now))
            .or_else(|| (!known).then(|| self.by_login.over(&pair.0, now)).flatten())
    }

    /// A password this process verified lately for `login`, confirmed
    /// still active in the store: the account, or `None` when it is not
    /// remembered or no longer holds.
    async fn check_remembered(
        &self,
        login: &str,
        password: &Secret,
    ) -> Result<Option<Account>, store::Error> {
        let remembered = self.verified.tag(login, password);
        let Some(id) = self.verified.get(login, &remembered, Instant::now()) else {
            return Ok(None);
        };
        // The password may have been revoked or the account removed by
        // another process since.
        match self.store.account_with_active_password(login, &id).await? {
            Some(row) => Ok(self.usable(row).map(|account| {
                count(&self.cache_hits, 1);
                account.signed_in_with(&id)
            })),
            None => {
                self.verified.forget(login, &remembered);
                Ok(None)
            }
        }
    }

    /// Count this attempt as a failure under every limit that applies, or
    /// say how long to wait when one is used up (then nothing is counted).
    fn reserve(&self, user_key: String, address: IpAddr) -> Result<Reserved, Duration> {
        let now = Instant::now();
        let pair = (user_key.clone(), address);
        let known = self.known.contains(&pair, now);
        let mut reserved = Reserved {
            user_key,
            address,
            by_login: None,
            by_pair: None,
            by_address: None,
        };
        reserved.by_address = self.by_address.reserve(&address, now)?;
        reserved.by_pair = match self.by_pair.reserve(&pair, now) {
            Ok(at) => at,
            Err(wait) => {
                self.release(&reserved);
                return Err(wait);
            }
        };
        if !known {
            reserved.by_login = match self.by_login.reserve(&reserved.user_key, now) {
                Ok(at) => at,
                Err(wait) => {
                    self.release(&reserved);
                    return Err(wait);
                }
            };
        }
        Ok(reserved)
    }

    fn release(&self, r: &Reserved) {
        self.by_address.release(&r.address, r.by_address);
        self.by_pair
            .release(&(r.user_key.clone(), r.address), r.by_pair);
        self.by_login.release(&r.user_key, r.by_login);
    }

    async fn check(&self, login: Option<&str>, password: &Secret) -> Result<Checked, store::Error> {
        let Some(login) = login else {
            return Ok(self.spend_decoy(password).await);
        };

        let remembered = self.verified.tag(login, password);
        let Some(row) = self.store.account_get(login).await? else {
            return Ok(self.spend_decoy(password).await);
        };
        let tag = self.tags.tag(&self.store, login, password).await?;
        // The one active password with this tag, and any from before tags
        // (tagged at their first successful login, so these go away).
        let candidates: Vec<(String, String, bool)> = self
            .store
            .password_list(login)
            .await?
            .into_iter()
            .filter(|p| p.revoked_at.is_none() && p.tag.is_none_or(|t| t == tag))
            .map(|p| (p.id, p.hash, p.tag.is_none()))
            .collect();
        if candidates.is_empty() {
            return Ok(self.spend_decoy(password).await);
        }
        let hashes = candidates
            .iter()
            .map(|(id, hash, _)| (id.clone(), hash.clone()))
            .collect();
        let Some(found) = self.verify(password, hashes).await else {
            return Ok(Checked::Busy);
        };
        let Some(id) = found else {
            return Ok(Checked::Bad);
        };
        let Some(account) = self.usable(row) else {
            return Ok(Checked::Bad);
        };
        if candidates
            .iter()
            .any(|(c, _, untagged)| *c == id && *untagged)
            && let Err(e) = self.store.password_set_tag(&id, tag).await
        {
            tracing::warn!(login = %login, password_id = %id, error = %e, "cannot record the password's tag");
        }
        // last_used_at is written on verification, not on remembered
        // logins, so it is at most REMEMBER_FOR behind.
        if let Err(e) = self.store.password_touch(&id, store::now()).await {
            tracing::warn!(login = %login, password_id = %id, error = %e, "cannot record the password's last use");
        }
        self.verified.insert(login, remembered, &id, Instant::now());
        Ok(Checked::Ok {
            account: account.signed_in_with(&id),
        })
    }

    /// Verify under the process-wide cap: `None` when no slot came free
    /// within the configured wait, else which candidate matched.
    async fn verify(
        &self,
        password: &Secret,
        candidates: Vec<(String, String)>,
    ) -> Option<Option<String>> {
        let permit = if self.limits.verification_wait.is_zero() {
            self.slots.try_acquire().ok()?
        } else {
            tokio::time::timeout(self.limits.verification_wait, self.slots.acquire())
                .await
                .ok()?
                .ok()?
        };
        let running = self.running.fetch_add(1, Ordering::AcqRel) + 1;
        self.peak.fetch_max(running, Ordering::AcqRel);
        let (found, tried) = password::verify_any(password.clone(), candidates).await;
        self.running.fetch_sub(1, Ordering::AcqRel);
        drop(permit);
        count(&self.verifications, tried as u64);
        Some(found)
    }

    /// The account of `row`, or `None` (logged) when the row is damaged.
    fn usable(&self, row: store::AccountRow) -> Option<Account> {
        match account(row) {
            Ok(account) => Some(account),
            Err(e) => {
                tracing::error!(error = %e, "refusing a login to a damaged account");
                None
            }
        }
    }

    /// One argon2 verification that cannot succeed, costing what a real one
    /// costs, so an unknown login takes as long as a wrong password.
    async fn spend_decoy(&self, password: &Secret) -> Checked {
        let decoy = self
            .decoy
            .get_or_try_init(|| async {
                let random = password::generate()?;
                password::hash(random).await
            })
            .await;
        match decoy {
            Ok(hash) => match self
                .verify(password, vec![(String::new(), hash.clone())])
                .await
            {
                Some(_) => Checked::Bad,
                None => Checked::Busy,
            },
            Err(e) => {
                tracing::error!(error = %e, "cannot make the decoy password hash");
                Checked::Bad
            }
        }
    }
}

/// Add `n` to a counter of `LoginStats`.
fn count(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}
