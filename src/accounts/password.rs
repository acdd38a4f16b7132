//! Gateway passwords themselves: generating them from the OS random source
//! in a shape people can type and read aloud, and hashing and verifying them
//! with argon2id. Hashing costs tens of milliseconds of CPU and 19 MiB of
//! memory by design, so the async wrappers run it on the blocking pool.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::TryRngCore;
use rand::rngs::OsRng;

use super::error::Error;
use crate::secret::Secret;

/// Lower-case letters and digits without the ones people confuse when
/// reading or typing: 0/o, 1/l/i. 31 symbols, about 4.95 bits each.
pub const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Groups of `GROUP_LEN` symbols joined by `-`: 20 symbols, about 99 bits.
pub const GROUPS: usize = 4;
pub const GROUP_LEN: usize = 5;
/// Length of a password id (about 49 bits; ids are names, not secrets).
const ID_LEN: usize = 10;

/// `n` symbols drawn uniformly from `ALPHABET` with the OS random source.
fn random_symbols(n: usize) -> Result<String, Error> {
    // Rejection sampling: 248 = 8 × 31, so bytes below it map uniformly.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut out = String::with_capacity(n);
    let mut buf = [0u8; 64];
    while out.len() < n {
        OsRng.try_fill_bytes(&mut buf).map_err(Error::Random)?;
        for &b in buf.iter().filter(|&&b| b < limit) {
            if out.len() == n {
                break;
            }
            out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
        }
    }
    Ok(out)
}

/// A new gateway password such as `k7m3x-9q2ab-4rt8e-hw6nz`.
pub fn generate() -> Result<Secret, Error> {
    let symbols = random_symbols(GROUPS * GROUP_LEN)?;
    let groups: Vec<&str> = (0..GROUPS)
        .map(|g| &symbols[g * GROUP_LEN..(g + 1) * GROUP_LEN])
        .collect();
    Ok(Secret::new(groups.join("-")))
}

/// A new password id: short enough to type into `password revoke`.
pub fn new_id() -> Result<String, Error> {
    random_symbols(ID_LEN)
}

/// Whether `text` has the shape `generate` gives (used by tests and to
/// recognise a pasted password with stray spaces).
pub fn looks_generated(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == GROUPS
        && groups
            .iter()
            .all(|g| g.len() == GROUP_LEN && g.bytes().all(|b| ALPHABET.contains(&b)))
}

/// The argon2id PHC string of `password` (random salt, the crate's default
/// cost: m = 19 MiB, t = 2, p = 1, as OWASP recommends). Blocking.
pub fn hash_blocking(password: &Secret) -> Result<String, Error> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(Error::Hash)
}

/// Whether `password` matches the PHC string `hash`. A hash that cannot be
/// parsed matches nothing. Blocking.
pub fn verify_blocking(password: &Secret, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.expose().as_bytes(), hash)
        .is_ok()
}

/// `hash_blocking` on the blocking pool.
pub async fn hash(password: Secret) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(Error::HashTask)?
}

/// Which of `candidates` (id, PHC string) `password` matches, trying each
/// in turn on the blocking pool, and how many were tried. `None` when none
/// matches (or the task died: a login is refused, never let through).
pub async fn verify_any(
    password: Secret,
    candidates: Vec<(String, String)>,
) -> (Option<String>, usize) {
    let outcome = tokio::task::spawn_blocking(move || {
        let mut tried = 0;
        for (id, hash) in candidates {
            tried += 1;
            if verify_blocking(&password, &hash) {
                return (Some(id), tried);
            }
        }
        (None, tried)
    })
    .await;
    match outcome {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "a password verification task failed; refusing the login");
            (None, 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn generated_passwords_have_the_documented_shape_and_entropy() {
        let bits = (GROUPS * GROUP_LEN) as f64 * (ALPHABET.len() as f64).log2();
        assert!(bits > 98.0, "{bits} bits");
        for _ in 0..200 {
            let p = generate().unwrap();
            assert!(looks_generated(p.expose()), "{}", p.expose());
            assert_eq!(p.expose().len(), GROUPS * GROUP_LEN + GROUPS - 1);
        }
    }

    #[test]
    fn the_alphabet_has_no_look_alikes_and_no_repeats() {
        for c in [b'0', b'o', b'1', b'l', b'i'] {
            assert!(!ALPHABET.contains(&c), "{}", char::from(c));
        }
        let unique: HashSet<_> = ALPHABET.iter().collect();
        assert_eq!(unique.len(), ALPHABET.len());
        assert!(
            ALPHABET
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
    }

    #[test]
    fn generated_passwords_differ_and_use_the_whole_alphabet() {
        let mut seen_passwords = HashSet::new();
        let mut seen_symbols = HashSet::new();
        for _ in 0..300 {
            let p = generate().unwrap();
            seen_symbols.extend(p.expose().bytes().filter(|&b| b != b'-'));
            assert!(seen_passwords.insert(p.expose().to_string()));
        }
        // 6000 draws from 31 symbols: every symbol appears (a modulo or
        // range bug that skips one would show here).
        assert_eq!(seen_symbols.len(), ALPHABET.len());
    }

    #[test]
    fn looks_generated_rejects_other_shapes() {
        for text in [
            "",
            "abcde-fghjk-mnpqr",
            "abcde-fghjk-mnpqr-stuvwx",
            "abcde-fghjk-mnpqr-stuv0",
            "ABCDE-FGHJK-MNPQR-STUVW",
            "abcde fghjk mnpqr stuvw",
        ] {
            assert!(!looks_generated(text), "{text:?}");
        }
        assert!(looks_generated("abcde-fghjk-mnpqr-stuvw"));
    }

    #[test]
    fn hashes_are_salted_argon2id_phc_strings_that_verify() {
        let password = Secret::new("k7m3x-9q2ab-4rt8e-hw6nz");
        let a = hash_blocking(&password).unwrap();
        let b = hash_blocking(&password).unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(!a.contains(password.expose()));
        let cases = [
            ("k7m3x-9q2ab-4rt8e-hw6nz", &a, true),
            ("k7m3x-9q2ab-4rt8e-hw6nz", &b, true),
            ("k7m3x-9q2ab-4rt8e-hw6nZ", &a, false),
            ("", &a, false),
        ];
        for (candidate, hash, expected) in cases {
            assert_eq!(
                verify_blocking(&Secret::new(candidate), hash),
                expected,
                "{candidate:?}"
            );
        }
        assert!(!verify_blocking(&password, "not a phc string"));
        assert!(!verify_blocking(&password, ""));
    }

    #[tokio::test]
    async fn verify_any_names_the_matching_password() {
        let one = Secret::new("one");
        let two = Secret::new("two");
        let candidates = vec![
            ("id1".to_string(), hash(one.clone()).await.unwrap()),
            ("id2".to_string(), hash(two.clone()).await.unwrap()),
        ];
        let cases = [
            (two, Some("id2"), 2),
            (one, Some("id1"), 1),
            (Secret::new("three"), None, 2),
        ];
        for (password, id, tried) in cases {
            let (found, n) = verify_any(password, candidates.clone()).await;
            assert_eq!((found.as_deref(), n), (id, tried));
        }
    }
}
