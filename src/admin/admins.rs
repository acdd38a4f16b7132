//! The console's administrators: each has a name and a generated password
//! (argon2id, as gateway passwords), and signs in under the same
//! failed-login limits as the mail fronts (counted under a key of their
//! own, per name and per client address, shared by every instance). A
//! sign-in is a random token in a cookie; the store keeps only its SHA-256,
//! with the form token (CSRF) of that sign-in.

use std::net::IpAddr;

use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use crate::accounts::{Accounts, LoginError};
use crate::secret::Secret;
use crate::store::{self, AdminSessionRow, Store};

/// Why an administrator could not be added or signed in.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(
        "{0:?} is not an administrator name: use 1 to 64 letters, digits, dots, dashes or underscores"
    )]
    BadName(String),
    #[error("there is already an administrator {0}")]
    Exists(String),
    #[error(transparent)]
    Password(#[from] crate::accounts::Error),
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// A signed-in administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub name: String,
    /// The token every form of this sign-in carries.
    pub csrf: String,
}

/// How long sign-ins last.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub idle_s: i64,
    pub max_s: i64,
}

/// The administrators, in the store.
#[derive(Clone)]
pub struct Admins {
    store: Store,
    accounts: Accounts,
}

/// The prefix of the failed-login counters of console sign-ins.
const COUNTER_KEY: &str = "admin\u{0}";

impl Admins {
    pub fn new(store: Store, accounts: Accounts) -> Admins {
        Admins { store, accounts }
    }

    /// Add `name` with a generated password, returned once.
    pub async fn add(&self, name: &str) -> Result<Secret, AdminError> {
        let name = check_name(name)?;
        let password = crate::accounts::generate_password()?;
        let hash = crate::accounts::hash_password(password.clone()).await?;
        if !self.store.admin_insert(&name, &hash, store::now()).await? {
            return Err(AdminError::Exists(name));
        }
        Ok(password)
    }

    /// Set `name`'s password (added if missing): the demo's fixed one.
    pub async fn set(&self, name: &str, password: &Secret) -> Result<(), AdminError> {
        let name = check_name(name)?;
        let hash = crate::accounts::hash_password(password.clone()).await?;
        self.store.admin_upsert(&name, &hash, store::now()).await?;
        Ok(())
    }

    /// (name, created_at) of every administrator.
    pub async fn list(&self) -> Result<Vec<(String, i64)>, AdminError> {
        Ok(self.store.admin_list().await?)
    }

    /// Remove `name` and end its sign-ins; `false` if there was none.
    pub async fn remove(&self, name: &str) -> Result<bool, AdminError> {
        let name = check_name(name)?;
        Ok(self.store.admin_delete(&name).await?)
    }

    /// Check a sign-in attempt under the failed-login limits and, when it
    /// is right, start a sign-in: (cookie token, its state).
    pub async fn sign_in(
        &self,
        name: &str,
        password: &Secret,
        peer: IpAddr,
    ) -> Result<(String, SignedIn), LoginError> {
        // Names that cannot be an administrator's all count in one bucket,
        // so junk names cannot fill the counters' table.
        let name = check_name(name).unwrap_or_default();
        let key = format!("{COUNTER_KEY}{name}");
        let store = self.store.clone();
        let checked = self
            .accounts
            .guarded(&key, peer, async {
                let hash = match store.admin_hash(&name).await? {
                    Some(hash) => hash,
                    // Spend the same work on a name that does not exist.
                    None => decoy().await,
                };
                let (found, _) =
                    crate::accounts::verify_any(password.clone(), vec![(name.clone(), hash)]).await;
                Ok(found)
            })
            .await;
        let name = match checked {
            Ok(name) => name,
            Err(e) => {
                crate::observe::metrics::admin_login(e.outcome());
                return Err(e);
            }
        };
        crate::observe::metrics::admin_login("ok");
        let token = random_hex(32).map_err(|_| LoginError::Busy)?;
        let csrf = random_hex(32).map_err(|_| LoginError::Busy)?;
        let now = store::now();
        let row = AdminSessionRow {
            name: name.clone(),
            csrf: csrf.clone(),
            created_at: now,
            used_at: now,
        };
        self.store
            .admin_session_insert(&token_hash(&token), &row)
            .await?;
        Ok((token, SignedIn { name, csrf }))
    }

    /// The sign-in a cookie's token belongs to, if it is still valid
    /// (marked as used, at most once a minute).
    pub async fn session(
        &self,
        token: &str,
        limits: SessionLimits,
    ) -> Result<Option<SignedIn>, store::Error> {
        let hash = token_hash(token);
        let Some(row) = self.store.admin_session_get(&hash).await? else {
            return Ok(None);
        };
        let now = store::now();
        if now - row.used_at > limits.idle_s || now - row.created_at > limits.max_s {
            self.store.admin_session_delete(&hash).await?;
            return Ok(None);
        }
        if now - row.used_at >= 60 {
            self.store.admin_session_touch(&hash, now).await?;
            self.store
                .admin_session_sweep(now - limits.idle_s, now - limits.max_s)
                .await?;
        }
        Ok(Some(SignedIn {
            name: row.name,
            csrf: row.csrf,
        }))
    }

    /// End the sign-in of `token`.
    pub async fn sign_out(&self, token: &str) -> Result<(), store::Error> {
        self.store.admin_session_delete(&token_hash(token)).await
    }
}

/// An argon2id hash of a random password nobody knows, verified when the
/// name does not exist (so a wrong name costs what a wrong password does).
async fn decoy() -> String {
    static DECOY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DECOY
        .get_or_init(|| async {
            let made = match crate::accounts::generate_password() {
                Ok(p) => crate::accounts::hash_password(p).await.ok(),
                Err(_) => None,
            };
            made.unwrap_or_default()
        })
        .await
        .clone()
}

fn check_name(name: &str) -> Result<String, AdminError> {
    let name = name.trim().to_ascii_lowercase();
    let fine = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if fine {
        Ok(name)
    } else {
        Err(AdminError::BadName(name))
    }
}

/// `bytes` random bytes from the OS, in hex.
pub(super) fn random_hex(bytes: usize) -> Result<String, rand::rand_core::OsError> {
    let mut buf = vec![0u8; bytes];
    OsRng.try_fill_bytes(&mut buf)?;
    Ok(hex::encode(buf))
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_are_short_plain_and_lower_case() {
        assert_eq!(check_name(" Admin ").unwrap(), "admin");
        assert_eq!(check_name("ops.team_1-x").unwrap(), "ops.team_1-x");
        assert!(check_name("").is_err());
        assert!(check_name("a b").is_err());
        assert!(check_name("admin@contoso").is_err());
        assert!(check_name(&"a".repeat(65)).is_err());
    }
}
