//! The local accounts: adding, listing and removing them, their gateway
//! passwords (generated or chosen, labelled, revoked), and the way in,
//! `authenticate`, whose checks live in `login`.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::account::{Account, Mode, PasswordInfo, account, password_info};
use super::error::{Error, LoginError};
use super::limits::{LoginLimits, LoginStats};
use super::names::{self, check_label, check_login, check_microsoft_user};
use super::{login, password};
use crate::secret::Secret;
use crate::store::{self, AccountRow, PasswordInsert, PasswordRow, Store};

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
            peak_concurrent_verifications: self.inner.peak.load(Ordering::Relaxed),
            busy: self.inner.busy.load(Ordering::Relaxed),
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
        let key = names::lookup_key(login);
        // Its tag must be free among the account's active passwords (tags.rs).
        let password = self.inner.tags.generate(self.store(), &key).await?;
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
        let tag = self
            .inner
            .tags
            .for_new(self.store(), &login, password)
            .await?;
        let row = PasswordRow {
            id: password::new_id()?,
            login: login.clone(),
            label,
            hash: password::hash(password.clone()).await?,
            created_at: store::now(),
            last_used_at: None,
            revoked_at: None,
            tag: Some(tag),
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
