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
//! The limits (docs/security-limits.md has the same rules for operators),
//! counted in the store so that every gateway instance on it counts
//! together (`limits`): one read before each attempt, one write per
//! failure, and a successful login writes nothing it can avoid:
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
use std::time::Instant;

use dashmap::DashMap;
use tokio::sync::{OnceCell, Semaphore};

use super::account::{Account, account};
use super::cache::{REMEMBER_FOR, Tag, VerifiedCache};
use super::error::LoginError;
use super::limits::{AttemptKeys, FailureLimits, LoginLimits, Reserved, Standing, address_key};
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
    /// Failed logins, counted in the store for every instance.
    failures: FailureLimits,
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

impl Inner {
    pub fn new(store: Store, limits: LoginLimits) -> Inner {
        Inner {
            log_key: rand::random(),
            in_flight: DashMap::new(),
            failures: FailureLimits::new(store.clone(), &limits),
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
        let looked_up = match self.tags.key(&self.store).await {
            Ok(key) => {
                let keys = AttemptKeys::new(key, &user_key, address);
                self.failures
                    .standing(&keys)
                    .await
                    .map(|standing| (keys, standing))
            }
            Err(e) => Err(e),
        };
        let (keys, standing) = match looked_up {
            Ok(found) => found,
            Err(e) => return Err(self.store_failed(valid.as_deref(), login, peer, e).await),
        };

        // A password this process verified lately needs no argon2 run, so
        // it opens no window for guesses to slip past the limits: it only
        // has to find them not used up. Reserving for it would make a
        // user's many concurrent clients (or one client's connection per
        // folder) refuse each other.
        if standing.wait.is_none()
            && let Some(login) = valid.as_deref()
        {
            match self.check_remembered(login, password).await {
                Ok(Some(account)) => {
                    self.known_now(&keys, &standing, &account.login).await;
                    tracing::info!(login = %account.login, %peer, outcome = "ok", cached = true, "login");
                    return Ok(account);
                }
                // Not remembered (or no longer good): the full check below.
                Ok(None) => {}
                Err(e) => return Err(self.store_failed(valid.as_deref(), login, peer, e).await),
            }
        }
        let reserved = match standing.wait {
            Some(wait) => Err(wait),
            None => match self.failures.reserve(&keys, standing.known).await {
                Ok(reserved) => reserved,
                Err(e) => return Err(self.store_failed(valid.as_deref(), login, peer, e).await),
            },
        };
        let reserved = match reserved {
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
                self.give_back(&reserved).await;
                self.known_now(&keys, &standing, &account.login).await;
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
                self.give_back(&reserved).await;
                count(&self.busy, 1);
                let shown = self.shown(valid.as_deref(), login).await;
                tracing::warn!(login = %shown, %peer, outcome = "busy", "login refused: every verification slot stayed busy");
                Err(LoginError::Busy)
            }
            Err(e) => {
                // The store failed: not the client's fault, so not counted.
                self.give_back(&reserved).await;
                Err(self.store_failed(valid.as_deref(), login, peer, e).await)
            }
        }
    }

    /// Another kind of login (the admin console's) under the same
    /// failed-login limits, counted under `user_key` (give it a prefix of
    /// its own) and `peer`: `check` answers whether the credentials are
    /// right (`Ok(Some)`), wrong (`Ok(None)`, counted) or could not be
    /// checked (`Err`, not counted).
    pub async fn guarded<T, F>(
        &self,
        user_key: &str,
        peer: IpAddr,
        check: F,
    ) -> Result<T, LoginError>
    where
        F: Future<Output = Result<Option<T>, store::Error>>,
    {
        let key = self.tags.key(&self.store).await?;
        let keys = AttemptKeys::new(key, user_key, address_key(peer));
        let standing = self.failures.standing(&keys).await?;
        if let Some(retry_after) = standing.wait {
            return Err(LoginError::TooManyAttempts { retry_after });
        }
        let reserved = match self.failures.reserve(&keys, standing.known).await? {
            Ok(reserved) => reserved,
            Err(retry_after) => return Err(LoginError::TooManyAttempts { retry_after }),
        };
        match check.await {
            Ok(Some(found)) => {
                self.give_back(&reserved).await;
                if let Err(e) = self.failures.succeeded(&keys, &standing).await {
                    tracing::warn!(error = %e, "cannot mark a successful login's address");
                }
                Ok(found)
            }
            Ok(None) => Err(LoginError::BadCredentials),
            Err(e) => {
                self.give_back(&reserved).await;
                Err(LoginError::Store(e))
            }
        }
    }

    /// Log a login the store failed, and the error for it.
    async fn store_failed(
        &self,
        valid: Option<&str>,
        login: &str,
        peer: IpAddr,
        e: store::Error,
    ) -> LoginError {
        let shown = self.shown(valid, login).await;
        tracing::error!(login = %shown, %peer, outcome = "store-error", error = %e, "login failed");
        LoginError::Store(e)
    }

    /// Give back reserved failures; a store that fails here costs the
    /// client a counted failure at worst, so it is only logged.
    async fn give_back(&self, reserved: &Reserved) {
        if let Err(e) = self.failures.release(reserved).await {
            tracing::warn!(error = %e, "cannot give back the failures a successful login reserved");
        }
    }

    /// Mark the attempt's address known for `login` (a success); logged,
    /// not fatal, when the store fails.
    async fn known_now(&self, keys: &AttemptKeys, standing: &Standing, login: &str) {
        if let Err(e) = self.failures.succeeded(keys, standing).await {
            tracing::warn!(%login, error = %e, "cannot remember the address a login succeeded from");
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
