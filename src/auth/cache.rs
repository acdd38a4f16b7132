//! Refresh tokens at rest: sealed with XChaCha20-Poly1305 (a random nonce
//! per record) under a 32-byte key that lives outside the database, in
//! `GRAPHGATE_TOKEN_KEY` (base64) or in a key file created with 0600
//! permissions. A record that does not open (lost or changed key, damaged
//! row) counts as "not signed in": the person is told to sign in again,
//! and nothing crashes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::error::Error;
use crate::secret::Secret;
use crate::store::Store;

/// The environment variable that can hold the key (base64 of 32 bytes).
pub const KEY_ENV: &str = "GRAPHGATE_TOKEN_KEY";
/// The key file's name in the data directory.
pub const KEY_FILE: &str = "token.key";

const NONCE_LEN: usize = 24;

/// The key that seals cached tokens.
#[derive(Clone)]
pub struct TokenKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(***)")
    }
}

impl TokenKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> TokenKey {
        TokenKey {
            cipher: XChaCha20Poly1305::new(bytes.into()),
        }
    }

    /// The key from the environment, or from `data_dir/token.key` (made on
    /// first use, readable by the owner only).
    pub fn load(data_dir: &Path) -> Result<TokenKey, Error> {
        if let Ok(text) = std::env::var(KEY_ENV) {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| {
                    Error::Configuration(format!(
                        "{KEY_ENV} must be the base64 of 32 random bytes (e.g. `openssl rand -base64 32`)"
                    ))
                })?;
            return Ok(TokenKey::from_bytes(&bytes));
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let bytes = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
                    Error::Configuration(format!(
                        "{} is not a graphgate token key (32 bytes); delete it and sign in again",
                        path.display()
                    ))
                })?;
                Ok(TokenKey::from_bytes(&bytes))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_key_file(&path),
            Err(e) => Err(Error::TokenKeyFile {
                doing: "read the token key",
                path,
                source: Arc::new(e),
            }),
        }
    }

    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        // Encryption with a valid key and nonce cannot fail.
        out.extend(
            self.cipher
                .encrypt(&XNonce::from(nonce), plain)
                .unwrap_or_default(),
        );
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, data) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).ok()?;
        self.cipher.decrypt(&nonce, data).ok()
    }
}

fn create_key_file(path: &PathBuf) -> Result<TokenKey, Error> {
    use std::io::Write;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::TokenKeyFile {
            doing: "create",
            path: dir.to_path_buf(),
            source: Arc::new(e),
        })?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| Error::TokenKeyFile {
        doing: "create the token key",
        path: path.clone(),
        source: Arc::new(e),
    })?;
    file.write_all(&bytes).map_err(|e| Error::TokenKeyFile {
        doing: "write the token key",
        path: path.clone(),
        source: Arc::new(e),
    })?;
    tracing::info!(path = %path.display(), "created the token key (keep it with the data directory; losing it means signing in again)");
    Ok(TokenKey::from_bytes(&bytes))
}

/// Refresh tokens per gateway login, sealed in the store.
#[derive(Clone, Debug)]
pub struct RefreshTokens {
    store: Store,
    key: TokenKey,
}

fn record(login: &str) -> String {
    format!("refresh-token:{}", login.to_ascii_lowercase())
}

impl RefreshTokens {
    pub fn new(store: Store, key: TokenKey) -> RefreshTokens {
        RefreshTokens { store, key }
    }

    /// The stored refresh token; `None` when absent or unreadable.
    pub async fn get(&self, login: &str) -> Result<Option<Secret>, Error> {
        let sealed = self
            .store
            .secret_get(&record(login))
            .await
            .map_err(Error::store)?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        match self.key.open(&sealed) {
            Some(plain) => Ok(String::from_utf8(plain).ok().map(Secret::new)),
            None => {
                tracing::warn!(%login, "a stored sign-in cannot be decrypted (the token key changed or was lost); the user must sign in again");
                Ok(None)
            }
        }
    }

    pub async fn put(&self, login: &str, token: &Secret) -> Result<(), Error> {
        let sealed = self.key.seal(token.expose().as_bytes());
        self.store
            .secret_put(&record(login), &sealed)
            .await
            .map_err(Error::store)
    }

    pub async fn delete(&self, login: &str) -> Result<bool, Error> {
        self.store
            .secret_delete(&record(login))
            .await
            .map_err(Error::store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_records_open_only_with_their_key() {
        let key = TokenKey::from_bytes(&[7; 32]);
        let sealed = key.seal(b"0.AXoA-refresh");
        assert!(!sealed.windows(8).any(|w| w == b"AXoA-ref"));
        assert_eq!(key.open(&sealed).as_deref(), Some(&b"0.AXoA-refresh"[..]));
        assert_ne!(key.seal(b"x"), key.seal(b"x"), "random nonce per record");
        let other = TokenKey::from_bytes(&[8; 32]);
        assert!(other.open(&sealed).is_none());
        assert!(key.open(b"short").is_none());
    }

    #[test]
    fn key_file_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = TokenKey::load(dir.path()).unwrap();
        let sealed = a.seal(b"hello");
        let b = TokenKey::load(dir.path()).unwrap();
        assert_eq!(b.open(&sealed).as_deref(), Some(&b"hello"[..]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
