//! A short memory of successful password verifications. Scanners and
//! Thunderbird log in many times a minute (one connection per folder, one
//! login per scanned page), and each argon2 verification costs tens of
//! milliseconds of CPU and 19 MiB of memory on purpose; remembering a
//! success for a minute turns the repeats into one indexed store read.
//!
//! The map holds no password: entries are keyed by the login and an
//! HMAC-SHA256 tag of the password under a random key made for this process,
//! so the tag is useless anywhere else and a memory dump shows no password.
//! A hit is still confirmed against the store (the password must be active
//! and the account present), so a revocation by another process — the
//! `graphgate user` CLI, another instance on PostgreSQL — takes effect at
//! once; revocations in this process also drop the login's entries.

use std::time::{Duration, Instant};

use dashmap::DashMap;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::Secret;

/// How long a verification is remembered.
pub const REMEMBER_FOR: Duration = Duration::from_secs(60);
/// Entries kept at most (one per login and distinct password in use).
const MAX_ENTRIES: usize = 10_000;

/// The HMAC-SHA256 of a password under the process key.
pub type Tag = [u8; 32];

#[derive(Debug)]
struct Verified {
    password_id: String,
    at: Instant,
}

/// Recent successful verifications: (login, tag) → password id.
pub struct VerifiedCache {
    key: [u8; 32],
    ttl: Duration,
    entries: DashMap<(String, Tag), Verified>,
}

impl std::fmt::Debug for VerifiedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedCache")
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl VerifiedCache {
    pub fn new(ttl: Duration) -> VerifiedCache {
        VerifiedCache {
            // A CSPRNG seeded from the OS; the key never leaves this process.
            key: rand::random(),
            ttl,
            entries: DashMap::new(),
        }
    }

    /// The tag of `password` for `login`.
    pub fn tag(&self, login: &str, password: &Secret) -> Tag {
        // HMAC accepts keys of any length, so this cannot fail; the
        // fallback only keeps `expect` out of the code.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return [0; 32];
        };
        mac.update(login.as_bytes());
        mac.update(&[0]);
        mac.update(password.expose().as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The id of the password `tag` was verified against, if that was less
    /// than the time to remember ago.
    pub fn get(&self, login: &str, tag: &Tag, now: Instant) -> Option<String> {
        let key = (login.to_string(), *tag);
        let entry = self.entries.get(&key)?;
        if now.saturating_duration_since(entry.at) < self.ttl {
            return Some(entry.password_id.clone());
        }
        drop(entry);
        self.entries.remove(&key);
        None
    }

    pub fn insert(&self, login: &str, tag: Tag, password_id: &str, now: Instant) {
        if self.entries.len() >= MAX_ENTRIES {
            self.entries
                .retain(|_, v| now.saturating_duration_since(v.at) < self.ttl);
            if self.entries.len() >= MAX_ENTRIES {
                // Only under a flood of distinct logins; the cost of
                // forgetting is one argon2 verification per login.
                self.entries.clear();
            }
        }
        self.entries.insert(
            (login.to_string(), tag),
            Verified {
                password_id: password_id.to_string(),
                at: now,
            },
        );
    }

    /// Forget one remembered verification.
    pub fn forget(&self, login: &str, tag: &Tag) {
        self.entries.remove(&(login.to_string(), *tag));
    }

    /// Forget every remembered verification of `login` (a password was
    /// revoked or the account removed).
    pub fn forget_login(&self, login: &str) {
        self.entries.retain(|(l, _), _| l != login);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_depend_on_login_password_and_process_key() {
        let cache = VerifiedCache::new(REMEMBER_FOR);
        let other = VerifiedCache::new(REMEMBER_FOR);
        let pw = Secret::new("abcde-fghjk-mnpqr-stuvw");
        let tag = cache.tag("alice", &pw);
        assert_eq!(tag, cache.tag("alice", &pw));
        assert_ne!(tag, cache.tag("bob", &pw));
        assert_ne!(
            tag,
            cache.tag("alice", &Secret::new("abcde-fghjk-mnpqr-stuvx"))
        );
        assert_ne!(tag, other.tag("alice", &pw), "the key is random per cache");
        // The login/password boundary is part of the input.
        assert_ne!(
            cache.tag("ab", &Secret::new("c")),
            cache.tag("a", &Secret::new("bc"))
        );
    }

    #[test]
    fn entries_expire_and_can_be_forgotten() {
        let start = Instant::now();
        let cache = VerifiedCache::new(Duration::from_secs(60));
        let tag = cache.tag("alice", &Secret::new("pw"));
        let cases = [(0, Some("id1")), (59, Some("id1")), (60, None)];
        for (after, expected) in cases {
            cache.insert("alice", tag, "id1", start);
            assert_eq!(
                cache
                    .get("alice", &tag, start + Duration::from_secs(after))
                    .as_deref(),
                expected,
                "after {after} s"
            );
        }
        assert_eq!(cache.get("bob", &tag, start), None);
        cache.insert("alice", tag, "id1", start);
        let bob = cache.tag("bob", &Secret::new("pw"));
        cache.insert("bob", bob, "id2", start);
        cache.forget_login("alice");
        assert_eq!(cache.get("alice", &tag, start), None);
        assert_eq!(cache.get("bob", &bob, start).as_deref(), Some("id2"));
        cache.forget("bob", &bob);
        assert!(cache.is_empty());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let now = Instant::now();
        let cache = VerifiedCache::new(REMEMBER_FOR);
        for i in 0..(MAX_ENTRIES + 10) {
            let login = format!("user{i}");
            let tag = cache.tag(&login, &Secret::new("pw"));
            cache.insert(&login, tag, "id", now);
            assert!(cache.len() <= MAX_ENTRIES);
        }
    }
}
