//! Local accounts: who may log in to graphgate, with which gateway passwords
//! (generated, shown once, stored as argon2 hashes, labelled and revocable),
//! and which Microsoft 365 identity each one is linked to. Gateway passwords
//! are never Microsoft passwords. Failed logins are rate-limited per user and
//! per client address.
//!
//! STUB: the real implementation replaces this file.

use std::net::IpAddr;
use std::time::Duration;

use crate::secret::Secret;
use crate::store::Store;

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

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no account {0}")]
    NoSuchAccount(String),
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

/// Limits on failed logins.
#[derive(Debug, Clone)]
pub struct LoginLimits {
    pub failures_per_user: u32,
    pub failures_per_address: u32,
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            failures_per_user: 5,
            failures_per_address: 20,
            window: Duration::from_secs(60),
        }
    }
}

pub struct Accounts {
    #[allow(dead_code)]
    store: Store,
}

impl Accounts {
    pub fn new(store: Store, _limits: LoginLimits) -> Accounts {
        Accounts { store }
    }
    pub async fn add(
        &self,
        _login: &str,
        _microsoft_user: &str,
        _mode: Mode,
    ) -> Result<Account, Error> {
        Err(Error::NoSuchAccount(String::new()))
    }
    pub async fn get(&self, _login: &str) -> Result<Option<Account>, Error> {
        Ok(None)
    }
    pub async fn list(&self) -> Result<Vec<Account>, Error> {
        Ok(Vec::new())
    }
    pub async fn remove(&self, _login: &str) -> Result<bool, Error> {
        Ok(false)
    }
    /// Generate a new password labelled `label`; the plaintext is returned once.
    pub async fn add_password(
        &self,
        _login: &str,
        _label: &str,
    ) -> Result<(PasswordInfo, Secret), Error> {
        Err(Error::NoSuchAccount(String::new()))
    }
    /// Set a password chosen by the caller (the demo's fixed `graphgate-demo`).
    pub async fn set_password(
        &self,
        _login: &str,
        _label: &str,
        _password: &Secret,
    ) -> Result<PasswordInfo, Error> {
        Err(Error::NoSuchAccount(String::new()))
    }
    pub async fn revoke_password(&self, _login: &str, _label_or_id: &str) -> Result<bool, Error> {
        Ok(false)
    }
    pub async fn passwords(&self, _login: &str) -> Result<Vec<PasswordInfo>, Error> {
        Ok(Vec::new())
    }
    pub async fn authenticate(
        &self,
        _login: &str,
        _password: &Secret,
        _peer: IpAddr,
    ) -> Result<Account, LoginError> {
        Err(LoginError::BadCredentials)
    }
}
