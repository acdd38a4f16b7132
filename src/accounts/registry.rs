//! The local accounts: adding, listing and removing them, their gateway
//! passwords (generated or chosen, labelled, revoked), and the way in,
//! `authenticate`, whose checks live in `login`.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::account::{Account, Mode, PasswordInfo, Standing, account, password_info};
use super::error::{Error, LoginError};
use super::limits::{LoginLimits, LoginStats};
use super::names::{self, check_label, check_login, check_microsoft_user};
use super::{login, password};
use crate::secret::Secret;
use crate::store::{self, AccountRow, PasswordInsert, PasswordRow, Store};

/// The local accounts. Cheap to clone: clones share the memory of recent
/// verifications (failure counts are in the store, shared by every
/// instance).
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

    pub(super) fn store(&self) -> &Store {
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

    /// Whether `account` (as a login returned it, or as a trusted client
    /// found it) still stands: present, the same account (not removed and
    /// added again), and, when it signed in with a password, that password
    /// still active. One indexed store read, done before every command of
    /// an open IMAP or SMTP session, so `graphgate user remove` or a
    /// revocation in another process ends those sessions at once.
    pub async fn standing(&self, account: &Account) -> Result<Standing, Error> {
        let found = self
            .store()
            .account_standing(&account.login, account.password_id.as_deref())
            .await?;
        Ok(match found {
            None => Standing::Removed,
            Some((created_at, _)) if created_at != account.created_at => Standing::Replaced,
            Some((_, false)) if account.password_id.is_some() => Standing::PasswordRevoked,
            Some(_) => Standing::Active,
        })
    }

    /// `standing` for an open session: `Err(reason)` (logged) when it must
    /// end. A store that cannot answer ends it too (fail closed): the
    /// client reconnects, and its login is then refused or admitted as the
    /// store says.
    pub async fn still_signed_in(&self, account: &Account, front: &str) -> Result<(), String> {
        let why = match self.standing(account).await {
            Ok(standing) => match standing.reason(&account.login) {
                None => return Ok(()),
                Some(why) => why,
            },
            Err(e) => {
                tracing::error!(login = %account.login, front, error = %e, "cannot re-check an open session");
                return Err(format!(
                    "graphgate cannot confirm the access of {} right now; log in again shortly",
                    account.login
                ));
            }
        };
        tracing::warn!(login = %account.login, front, reason = %why, "open session ended");
        Err(why)
    }

    /// Remove an account, all its passwords and its sealed refresh token
    /// (one transaction); `false` if there was none.
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

    /// A login of another kind (the admin console's) under the same
    /// failed-login limits; see `login::Inner::guarded`.
    pub async fn guarded<T, F>(
        &self,
        user_key: &str,
        peer: IpAddr,
        check: F,
    ) -> Result<T, LoginError>
    where
        F: Future<Output = Result<Option<T>, store::Error>>,
    {
        self.inner.guarded(user_key, peer, check).await
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

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;
    use std::time::Instant;

    use super::*;

    #[tokio::test]
    async fn the_per_command_recheck_is_one_cheap_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let accounts = Accounts::new(store, LoginLimits::default());
        let login = "alice@contoso.test";
        accounts.add(login, login, Mode::Delegated).await.unwrap();
        let laptop = Secret::new("laptop-password-1234");
        accounts
            .set_password(login, "laptop", &laptop)
            .await
            .unwrap();
        // Generated: a second chosen password shares the first one's tag one
        // time in sixteen (the store's tag key is random) and is refused.
        let (_, desk) = accounts.add_password(login, "desk").await.unwrap();
        let peer = Ipv4Addr::LOCALHOST.into();
        let on_laptop = accounts
            .authenticate("ALICE@contoso.test", &laptop, peer)
            .await
            .unwrap();
        let on_desk = accounts.authenticate(login, &desk, peer).await.unwrap();
        assert!(on_laptop.password_id.is_some() && on_laptop.password_id != on_desk.password_id);
        // A trusted SMTP client's account has no password.
        let trusted = accounts.get(login).await.unwrap().unwrap();
        assert_eq!(trusted.password_id, None);

        let n = 2000u32;
        let start = Instant::now();
        for _ in 0..n {
            assert_eq!(
                accounts.standing(&on_laptop).await.unwrap(),
                Standing::Active
            );
        }
        let each = start.elapsed() / n;
        eprintln!("one re-check (one indexed SQLite read): {each:?}, {n} in a row");

        assert!(accounts.revoke_password(login, "laptop").await.unwrap());
        let now = |a: &Account| {
            let a = a.clone();
            let accounts = accounts.clone();
            async move { accounts.standing(&a).await.unwrap() }
        };
        assert_eq!(now(&on_laptop).await, Standing::PasswordRevoked);
        assert_eq!(now(&on_desk).await, Standing::Active);
        assert_eq!(now(&trusted).await, Standing::Active);
        let mut older = trusted.clone();
        older.created_at -= 10;
        assert_eq!(now(&older).await, Standing::Replaced);
        assert!(accounts.remove("Alice@CONTOSO.test").await.unwrap());
        for a in [&on_laptop, &on_desk, &trusted] {
            assert_eq!(now(a).await, Standing::Removed);
        }
        assert!(
            Standing::Removed
                .reason(login)
                .is_some_and(|r| r.contains("removed"))
        );
        assert_eq!(Standing::Active.reason(login), None);
    }
}
