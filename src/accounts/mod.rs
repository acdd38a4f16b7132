//! Local accounts: who may log in to graphgate, with which gateway passwords
//! (generated, shown once, stored as argon2id hashes, labelled and
//! revocable), and which Microsoft 365 identity each one is linked to.
//! Gateway passwords are never Microsoft passwords; failed logins are
//! limited per login and per client address (`limits`).

mod cache;
mod limits;
mod login;
mod names;
mod password;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use names::{check_label, check_login, check_microsoft_user};
pub use password::{generate as generate_password, looks_generated};

use crate::config::AccountsSection;
use crate::secret::Secret;
use crate::store::{self, AccountRow, PasswordInsert, PasswordRow, Store};

/// How graphgate reaches Microsoft for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The user signed in (device code or browser); graphgate holds their refresh token.
    Delegated,
    /// The app's own token (client credentials) acting on the account's mailbox.
    AppOnly,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Delegated => "delegated",
            Mode::AppOnly => "app-only",
        }
    }

    /// The mode `as_str` names.
    pub fn parse(text: &str) -> Option<Mode> {
        [Mode::Delegated, Mode::AppOnly]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The name clients log in with (usually the email address), lower-case.
    pub login: String,
    /// The Microsoft 365 user (UPN) whose mailbox this account uses.
    pub microsoft_user: String,
    pub mode: Mode,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordInfo {
    pub id: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl PasswordInfo {
    /// Not revoked.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// Why an account operation failed. No message ever contains a password
/// or a hash; names are quoted with `{:?}` so control characters show.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no account {0}")]
    NoSuchAccount(String),
    #[error("there is already an account {0}")]
    AccountExists(String),
    #[error("{login:?} cannot be a login name: {problem}")]
    InvalidLogin {
        login: String,
        problem: &'static str,
    },
    #[error(
        "{user:?} is not a Microsoft 365 user name (a UPN such as alice@contoso.com): {problem}"
    )]
    InvalidMicrosoftUser { user: String, problem: &'static str },
    #[error("{label:?} cannot be a password label: {problem}")]
    InvalidLabel {
        label: String,
        problem: &'static str,
    },
    #[error("the password cannot be used: {0}")]
    InvalidPassword(&'static str),
    #[error(
        "account {login} already has an active password labelled {label:?}; revoke it first or choose another label"
    )]
    LabelInUse { login: String, label: String },
    #[error("the stored account {login} is damaged: {problem}")]
    Damaged { login: String, problem: String },
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("the operating system's random source failed: {0}")]
    Random(String),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

/// Why a login was refused. The fronts answer both the same way to the
/// client (no hint whether the user exists), but log them apart.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("too many failed logins; try again in {} s", retry_after.as_secs())]
    TooManyAttempts { retry_after: Duration },
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

/// Limits on failed logins (only failures count; see `limits.rs`).
#[derive(Debug, Clone)]
pub struct LoginLimits {
    /// Failures allowed per login name within `window`; then the login is
    /// refused, right password or not, until the oldest is `window` old.
    /// 0 turns the limit off (the configuration does not allow that).
    pub failures_per_user: u32,
    /// Failures allowed per client address (IPv6: per /64) within `window`.
    pub failures_per_address: u32,
    pub window: Duration,
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
}

/// The local accounts. Cheap to clone: clones share the failure counters
/// and the memory of recent verifications.
#[derive(Clone)]
pub struct Accounts {
    inner: Arc<login::Inner>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("limits", &self.inner.limits)
            .finish_non_exhaustive()
    }
}

impl Accounts {
    pub fn new(store: Store, limits: LoginLimits) -> Accounts {
        Accounts {
            inner: Arc::new(login::Inner::new(store, limits)),
        }
    }

    fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The failed-login limits in force.
    pub fn limits(&self) -> &LoginLimits {
        &self.inner.limits
    }

    pub fn stats(&self) -> LoginStats {
        LoginStats {
            verifications: self.inner.verifications.load(Ordering::Relaxed),
            cache_hits: self.inner.cache_hits.load(Ordering::Relaxed),
        }
    }

    /// Create an account. The login and the Microsoft user are stored
    /// lower-case (both are case-insensitive).
    pub async fn add(
        &self,
        login: &str,
        microsoft_user: &str,
        mode: Mode,
    ) -> Result<Account, Error> {
        let row = AccountRow {
            login: check_login(login)?,
            microsoft_user: check_microsoft_user(microsoft_user)?,
            mode: mode.as_str().to_string(),
            created_at: store::now(),
        };
        if !self.store().account_insert(&row).await? {
            return Err(Error::AccountExists(row.login));
        }
        tracing::debug!(login = %row.login, microsoft_user = %row.microsoft_user, %mode, "account added");
        account(row)
    }

    pub async fn get(&self, login: &str) -> Result<Option<Account>, Error> {
        self.store()
            .account_get(&names::lookup_key(login))
            .await?
            .map(account)
            .transpose()
    }

    /// Every account, by login.
    pub async fn list(&self) -> Result<Vec<Account>, Error> {
        self.store()
            .account_list()
            .await?
            .into_iter()
            .map(account)
            .collect()
    }

    /// Remove an account and all its passwords; `false` if there was none.
    pub async fn remove(&self, login: &str) -> Result<bool, Error> {
        let login = names::lookup_key(login);
        let removed = self.store().account_delete(&login).await?;
        self.inner.verified.forget_login(&login);
        if removed {
            tracing::debug!(%login, "account removed");
        }
        Ok(removed)
    }

    /// Generate a new password labelled `label`; the plaintext is returned once.
    pub async fn add_password(
        &self,
        login: &str,
        label: &str,
    ) -> Result<(PasswordInfo, Secret), Error> {
        let password = password::generate()?;
        let info = self.store_password(login, label, &password).await?;
        Ok((info, password))
    }

    /// Set a password chosen by the caller (the demo's fixed `graphgate-demo`).
    pub async fn set_password(
        &self,
        login: &str,
        label: &str,
        password: &Secret,
    ) -> Result<PasswordInfo, Error> {
        if password.is_empty() {
            return Err(Error::InvalidPassword("it is empty"));
        }
        if password.expose().chars().any(char::is_control) {
            return Err(Error::InvalidPassword("it contains a control character"));
        }
        self.store_password(login, label, password).await
    }

    async fn store_password(
        &self,
        login: &str,
        label: &str,
        password: &Secret,
    ) -> Result<PasswordInfo, Error> {
        let login = names::lookup_key(login);
        let label = check_label(label)?;
        // Fail before spending a hash on an account that is not there.
        if self.store().account_get(&login).await?.is_none() {
            return Err(Error::NoSuchAccount(login));
        }
        let row = PasswordRow {
            id: password::new_id()?,
            login: login.clone(),
            label,
            hash: password::hash(password.clone()).await?,
            created_at: store::now(),
            last_used_at: None,
            revoked_at: None,
        };
        match self.store().password_insert(&row).await? {
            PasswordInsert::Inserted => {}
            PasswordInsert::NoAccount => return Err(Error::NoSuchAccount(login)),
            PasswordInsert::LabelInUse => {
                return Err(Error::LabelInUse {
                    login,
                    label: row.label,
                });
            }
        }
        tracing::debug!(%login, label = %row.label, id = %row.id, "password added");
        Ok(password_info(row))
    }

    /// Revoke the active password of `login` with id `label_or_id`, or else
    /// the one labelled so; `false` when no active password matched.
    pub async fn revoke_password(&self, login: &str, label_or_id: &str) -> Result<bool, Error> {
        let login = names::lookup_key(login);
        if self.store().account_get(&login).await?.is_none() {
            return Err(Error::NoSuchAccount(login));
        }
        let revoked = self
            .store()
            .password_revoke(&login, label_or_id, store::now())
            .await?;
        self.inner.verified.forget_login(&login);
        for id in &revoked {
            tracing::debug!(%login, %id, "password revoked");
        }
        Ok(!revoked.is_empty())
    }

    /// Every password of `login`, revoked ones too, oldest first.
    pub async fn passwords(&self, login: &str) -> Result<Vec<PasswordInfo>, Error> {
        let login = names::lookup_key(login);
        if self.store().account_get(&login).await?.is_none() {
            return Err(Error::NoSuchAccount(login));
        }
        Ok(self
            .store()
            .password_list(&login)
            .await?
            .into_iter()
            .map(password_info)
            .collect())
    }

    /// Check `password` against every active password of `login`, within
    /// the failed-login limits of `login` and of `peer`. See `login.rs`.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &Secret,
        peer: IpAddr,
    ) -> Result<Account, LoginError> {
        self.inner.authenticate(login, password, peer).await
    }
}

/// The account a row describes.
fn account(row: AccountRow) -> Result<Account, Error> {
    let Some(mode) = Mode::parse(&row.mode) else {
        return Err(Error::Damaged {
            problem: format!(
                "its mode {:?} is neither \"delegated\" nor \"app-only\"",
                row.mode
            ),
            login: row.login,
        });
    };
    Ok(Account {
        login: row.login,
        microsoft_user: row.microsoft_user,
        mode,
        created_at: row.created_at,
    })
}

fn password_info(row: PasswordRow) -> PasswordInfo {
    PasswordInfo {
        id: row.id,
        label: row.label,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}

/// Add `n` to a counter of `LoginStats`.
fn count(counter: &AtomicU64, n: u64) {
    counter.fetch_add(n, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::LoginLimits;
    use crate::config::Config;

    #[test]
    fn login_limits_come_from_the_accounts_section() {
        let config = Config::from_toml(
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
                defaults.window.as_secs()
            ),
            (5, 20, 60)
        );
    }
}
