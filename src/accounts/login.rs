//! The login path: refuse a login or address that used up its failures,
//! answer repeats from the memory of recent verifications, otherwise verify
//! against every active password with argon2 — and spend one verification
//! even when the login does not exist, so the time taken does not tell an
//! attacker which logins do. Each outcome is logged as (login, peer, outcome).

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::sync::OnceCell;

use super::account::{Account, account};
use super::cache::{REMEMBER_FOR, VerifiedCache};
use super::error::LoginError;
use super::limits::LoginLimits;
use super::limits::{FailureCounter, address_key};
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
    by_address: FailureCounter<IpAddr>,
    pub verified: VerifiedCache,
    /// A hash of a random password, verified when there is nothing real
    /// to verify against. Made on first use.
    decoy: OnceCell<String>,
    pub verifications: AtomicU64,
    pub cache_hits: AtomicU64,
}

/// How the check of the credentials ended, before limits and logging.
enum Checked {
    Ok { account: Account, cached: bool },
    Bad,
}

impl Inner {
    pub fn new(store: Store, limits: LoginLimits) -> Inner {
        Inner {
            by_login: FailureCounter::new(limits.failures_per_user, limits.window),
            by_address: FailureCounter::new(limits.failures_per_address, limits.window),
            store,
            limits,
            verified: VerifiedCache::new(REMEMBER_FOR),
            decoy: OnceCell::new(),
            verifications: AtomicU64::new(0),
            cache_hits: AtomicU64::new(0),
        }
    }

    pub async fn authenticate(
        &self,
        login: &str,
        password: &Secret,
        peer: IpAddr,
    ) -> Result<Account, LoginError> {
        let valid = names::check_login(login).ok();
        // What to log: the name as given when it cannot be a login (Debug
        // quoting keeps control characters out of the log line).
        let shown = valid.clone().unwrap_or_else(|| format!("{login:?}"));
        let user_key = valid.clone().unwrap_or_else(|| NOT_A_LOGIN.to_string());
        let address = address_key(peer);

        let now = Instant::now();
        let wait = [
            self.by_login.refused(&user_key, now),
            self.by_address.refused(&address, now),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(retry_after) = wait {
            tracing::warn!(
                login = %shown,
                %peer,
                outcome = "too-many-failures",
                retry_after_s = retry_after.as_secs(),
                "login refused"
            );
            return Err(LoginError::TooManyAttempts { retry_after });
        }

        match self.check(valid.as_deref(), password).await {
            Ok(Checked::Ok { account, cached }) => {
                tracing::info!(login = %account.login, %peer, outcome = "ok", cached, "login");
                Ok(account)
            }
            Ok(Checked::Bad) => {
                // Only failures count: a user's own clients logging in all
                // day use up nothing. A success does not reset the count
                // either, or a guesser could lean on someone's working
                // client (or own account) to keep guessing.
                let now = Instant::now();
                self.by_login.record(&user_key, now);
                self.by_address.record(&address, now);
                tracing::warn!(login = %shown, %peer, outcome = "bad-credentials", "login refused");
                Err(LoginError::BadCredentials)
            }
            Err(e) => {
                // The store failed: not the client's fault, so not counted.
                tracing::error!(login = %shown, %peer, outcome = "store-error", error = %e, "login failed");
                Err(LoginError::Store(e))
            }
        }
    }

    async fn check(&self, login: Option<&str>, password: &Secret) -> Result<Checked, store::Error> {
        let Some(login) = login else {
            self.spend_decoy(password).await;
            return Ok(Checked::Bad);
        };

        let tag = self.verified.tag(login, password);
        if let Some(id) = self.verified.get(login, &tag, Instant::now()) {
            // Confirm it still holds: the password may have been revoked or
            // the account removed by another process since.
            match self.store.account_with_active_password(login, &id).await? {
                Some(row) => {
                    if let Some(account) = self.usable(row) {
                        count(&self.cache_hits, 1);
                        return Ok(Checked::Ok {
                            account: account.signed_in_with(&id),
                            cached: true,
                        });
                    }
                    return Ok(Checked::Bad);
                }
                None => self.verified.forget(login, &tag),
            }
        }

        let Some(row) = self.store.account_get(login).await? else {
            self.spend_decoy(password).await;
            return Ok(Checked::Bad);
        };
        let candidates: Vec<(String, String)> = self
            .store
            .password_list(login)
            .await?
            .into_iter()
            .filter(|p| p.revoked_at.is_none())
            .map(|p| (p.id, p.hash))
            .collect();
        if candidates.is_empty() {
            self.spend_decoy(password).await;
            return Ok(Checked::Bad);
        }
        let (found, tried) = password::verify_any(password.clone(), candidates).await;
        count(&self.verifications, tried as u64);
        let Some(id) = found else {
            return Ok(Checked::Bad);
        };
        let Some(account) = self.usable(row) else {
            return Ok(Checked::Bad);
        };
        // last_used_at is written on verification, not on remembered
        // logins, so it is at most REMEMBER_FOR behind.
        if let Err(e) = self.store.password_touch(&id, store::now()).await {
            tracing::warn!(login = %login, password_id = %id, error = %e, "cannot record the password's last use");
        }
        self.verified.insert(login, tag, &id, Instant::now());
        Ok(Checked::Ok {
            account: account.signed_in_with(&id),
            cached: false,
        })
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
    async fn spend_decoy(&self, password: &Secret) {
        let decoy = self
            .decoy
            .get_or_try_init(|| async {
                let random = password::generate()?;
                password::hash(random).await
            })
            .await;
        match decoy {
            Ok(hash) => {
                let candidates = vec![(String::new(), hash.clone())];
                let (_, tried) = password::verify_any(password.clone(), candidates).await;
                count(&self.verifications, tried as u64);
            }
            Err(e) => tracing::error!(error = %e, "cannot make the decoy password hash"),
        }
    }
}

/// Add `n` to a counter of `LoginStats`.
fn count(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}
