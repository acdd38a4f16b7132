//! Password tags: 4 bits of an HMAC-SHA256 of (login, password) under a
//! key the gateway keeps in its store, saved beside each password's hash.
//! A login attempt computes the tag of the password it was given and runs
//! argon2 only against the active password with that tag, or against a
//! decoy when none has it. So every attempt costs exactly one argon2
//! verification, whether the login exists or not and however many
//! passwords it has; without tags, an account with 16 passwords would cost
//! 16 verifications per guess and tell a guesser that it exists.
//!
//! For that to hold, tags are unique among an account's active passwords:
//! generated passwords are drawn again until their tag is free, a chosen
//! password whose tag is taken is refused, and an account holds at most 16
//! active passwords. What 4 bits give away is in docs/security-limits.md.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::OnceCell;

use super::error::Error;
use super::password;
use crate::secret::Secret;
use crate::store::{self, Store};

/// Bits of a tag.
pub const TAG_BITS: u32 = 4;
/// Active passwords an account may hold: one per tag value.
pub const MAX_ACTIVE_PASSWORDS: usize = 1 << TAG_BITS;

/// The tag of `password` for `login` under `key`.
pub fn tag_with(key: &[u8], login: &str, password: &Secret) -> i64 {
    // HMAC takes keys of any length; the fallback only keeps `expect` out.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return 0;
    };
    mac.update(login.as_bytes());
    mac.update(&[0]);
    mac.update(password.expose().as_bytes());
    let digest = mac.finalize().into_bytes();
    i64::from(digest[0] & ((1 << TAG_BITS) - 1))
}

/// The tag key, read from the store (or made) on first use.
#[derive(Default)]
pub(super) struct TagKey {
    key: OnceCell<Vec<u8>>,
}

impl TagKey {
    /// The key, shared by every instance on the store; it also keys the
    /// names failed logins are counted under (`limits`).
    pub(super) async fn key(&self, store: &Store) -> Result<&[u8], store::Error> {
        self.key
            .get_or_try_init(|| async {
                let candidate: [u8; 32] = rand::random();
                store.password_tag_key(&candidate).await
            })
            .await
            .map(Vec::as_slice)
    }

    /// The tag of `password` for `login`.
    pub async fn tag(
        &self,
        store: &Store,
        login: &str,
        password: &Secret,
    ) -> Result<i64, store::Error> {
        Ok(tag_with(self.key(store).await?, login, password))
    }

    /// Tags of the active passwords of `login`; refuses a new password
    /// when the account already has as many as there are tags.
    async fn taken(&self, store: &Store, login: &str) -> Result<Vec<Option<i64>>, Error> {
        let taken: Vec<Option<i64>> = store
            .password_list(login)
            .await?
            .into_iter()
            .filter(|p| p.revoked_at.is_none())
            .map(|p| p.tag)
            .collect();
        if taken.len() >= MAX_ACTIVE_PASSWORDS {
            return Err(Error::TooManyPasswords {
                login: login.to_string(),
                max: MAX_ACTIVE_PASSWORDS,
            });
        }
        Ok(taken)
    }

    /// A new generated password for `login` whose tag no active password has.
    pub async fn generate(&self, store: &Store, login: &str) -> Result<Secret, Error> {
        let taken = self.taken(store, login).await?;
        let key = self.key(store).await?;
        loop {
            let candidate = password::generate()?;
            if !taken.contains(&Some(tag_with(key, login, &candidate))) {
                return Ok(candidate);
            }
        }
    }

    /// The tag for a new password `password` of `login` (chosen or
    /// generated), or why it cannot be added.
    pub async fn for_new(
        &self,
        store: &Store,
        login: &str,
        password: &Secret,
    ) -> Result<i64, Error> {
        let taken = self.taken(store, login).await?;
        let tag = tag_with(self.key(store).await?, login, password);
        if taken.contains(&Some(tag)) {
            return Err(Error::InvalidPassword(
                "the account has an active password with the same tag (graphgate keeps one \
                 password per tag so a login costs one check); choose another password",
            ));
        }
        Ok(tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_small_and_depend_on_key_login_and_password() {
        let pw = Secret::new("k7m3x-9q2ab-4rt8e-hw6nz");
        let mut seen = std::collections::HashSet::new();
        for i in 0..200 {
            let t = tag_with(&[1; 32], &format!("user{i}"), &pw);
            assert!((0..16).contains(&t), "{t}");
            seen.insert(t);
        }
        assert_eq!(seen.len(), 16, "all 16 values occur");
        let differs = (0..50).any(|i| {
            let login = format!("user{i}");
            tag_with(&[1; 32], &login, &pw) != tag_with(&[2; 32], &login, &pw)
        });
        assert!(differs, "the key matters");
    }
}
