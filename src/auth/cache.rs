//! Refresh tokens at rest: sealed with XChaCha20-Poly1305 (a random nonce
//! per record) under a 32-byte key that lives outside the database, in
//! `GRAPHGATE_TOKEN_KEY` (base64) or in a key file created with 0600
//! permissions. A record that does not open (lost or changed key, damaged
//! row) counts as "not signed in": the person is told to sign in again,
//! and nothing crashes.
//!
//! A record is bound to its account: the login and the account's creation
//! time are the AEAD's associated data, so a sealed blob copied to another
//! row, or left behind by an account that was removed and added again (for
//! someone else, perhaps), does not open. Records sealed before that
//! binding existed are re-sealed on first use when they were written after
//! the account was created, and dropped (sign in again) when not.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use super::error::Error;
use super::token::AccessToken;
use crate::accounts::normalise_login;
use crate::secret::Secret;
use crate::store::{Store, access_token_name, refresh_token_name};

/// The environment variable that can hold the key (base64 of 32 bytes).
pub const KEY_ENV: &str = "GRAPHGATE_TOKEN_KEY";
/// The key file's name in the data directory.
pub const KEY_FILE: &str = "token.key";

const NONCE_LEN: usize = 24;
/// The first bytes of a record bound to its account (format 2). Records
/// of format 1 start with their random nonce.
const BOUND: &[u8] = b"gg-rt2:";

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
        self.open_bound(sealed, b"")
    }

    /// Seal `plain` with `aad` as associated data: it opens only with the
    /// same `aad`.
    pub fn seal_bound(&self, plain: &[u8], aad: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut out = nonce.to_vec();
        let payload = Payload { msg: plain, aad };
        // Encryption with a valid key and nonce cannot fail.
        out.extend(
            self.cipher
                .encrypt(&XNonce::from(nonce), payload)
                .unwrap_or_default(),
        );
        out
    }

    pub fn open_bound(&self, sealed: &[u8], aad: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, data) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).ok()?;
        self.cipher.decrypt(&nonce, Payload { msg: data, aad }).ok()
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

/// Refresh tokens per gateway login, sealed in the store and bound to the
/// account (login and creation time); beside each, the access token last
/// fetched with it, sealed the same way, for the other instances.
#[derive(Clone, Debug)]
pub struct RefreshTokens {
    store: Store,
    key: TokenKey,
}

/// The associated data that binds a record to one account.
fn binding(login: &str, created_at: i64) -> Vec<u8> {
    format!("graphgate refresh token\0{login}\0{created_at}").into_bytes()
}

/// The associated data of a cached access token: bound to the account,
/// and never mistaken for a refresh token record.
fn access_binding(login: &str, created_at: i64) -> Vec<u8> {
    format!("graphgate access token\0{login}\0{created_at}").into_bytes()
}

/// What a stored refresh token record holds for its account.
pub(super) enum Opened {
    Token {
        token: Secret,
        /// Format 1, written while the account existed: seal it again,
        /// bound to the account.
        reseal: bool,
    },
    /// Not this account's (older than the account): delete it.
    Gone,
    /// It does not open (the key changed or was lost, or it is damaged).
    Unreadable,
}

impl RefreshTokens {
    pub fn new(store: Store, key: TokenKey) -> RefreshTokens {
        RefreshTokens { store, key }
    }

    pub(super) fn store(&self) -> &Store {
        &self.store
    }

    /// The account's creation time, or `None` when there is no account.
    pub(super) async fn created_at(&self, login: &str) -> Result<Option<i64>, Error> {
        Ok(self
            .store
            .account_get(login)
            .await
            .map_err(Error::store)?
            .map(|row| row.created_at))
    }

    /// Open the record `sealed`, written at `written_at`, of the account
    /// `login` created at `created_at`.
    pub(super) fn open_refresh(
        &self,
        login: &str,
        created_at: i64,
        sealed: &[u8],
        written_at: i64,
    ) -> Opened {
        let (plain, reseal) = match sealed.strip_prefix(BOUND) {
            Some(bound) => (
                self.key.open_bound(bound, &binding(login, created_at)),
                false,
            ),
            None if written_at >= created_at => (self.key.open(sealed), true),
            None => return Opened::Gone,
        };
        match plain.map(String::from_utf8) {
            Some(Ok(text)) => Opened::Token {
                token: Secret::new(text),
                reseal,
            },
            _ => Opened::Unreadable,
        }
    }

    /// `token` sealed for the account `login` created at `created_at`.
    pub(super) fn seal_refresh(&self, login: &str, created_at: i64, token: &Secret) -> Vec<u8> {
        let mut sealed = BOUND.to_vec();
        sealed.extend(
            self.key
                .seal_bound(token.expose().as_bytes(), &binding(login, created_at)),
        );
        sealed
    }

    /// An access token sealed for the account: its expiry, then the token.
    pub(super) fn seal_access(&self, login: &str, created_at: i64, token: &AccessToken) -> Vec<u8> {
        let plain = format!("{}\n{}", token.expires_at, token.secret.expose());
        self.key
            .seal_bound(plain.as_bytes(), &access_binding(login, created_at))
    }

    /// A cached access token, if it opens for this account.
    pub(super) fn open_access(
        &self,
        login: &str,
        created_at: i64,
        sealed: &[u8],
    ) -> Option<AccessToken> {
        let plain = self
            .key
            .open_bound(sealed, &access_binding(login, created_at))?;
        let text = String::from_utf8(plain).ok()?;
        let (expires_at, secret) = text.split_once('\n')?;
        Some(AccessToken {
            secret: Secret::new(secret),
            expires_at: expires_at.parse().ok()?,
            generation: 0,
        })
    }

    /// The stored refresh token; `None` when absent, unreadable, or not
    /// this account's.
    pub async fn get(&self, login: &str) -> Result<Option<Secret>, Error> {
        let login = normalise_login(login);
        let name = refresh_token_name(&login);
        let found = self
            .store
            .secret_get_dated(&name)
            .await
            .map_err(Error::store)?;
        let Some((sealed, written_at)) = found else {
            return Ok(None);
        };
        let Some(created_at) = self.created_at(&login).await? else {
            // No account owns it (removed by an older graphgate): gone.
            self.delete(&login).await?;
            return Ok(None);
        };
        match self.open_refresh(&login, created_at, &sealed, written_at) {
            Opened::Token { token, reseal } => {
                if reseal {
                    self.put(&login, &token).await?;
                    tracing::info!(%login, "a stored sign-in was re-sealed bound to its account");
                }
                Ok(Some(token))
            }
            Opened::Gone => {
                warn_gone(&login);
                self.delete(&login).await?;
                Ok(None)
            }
            Opened::Unreadable => {
                warn_unreadable(&login);
                Ok(None)
            }
        }
    }

    /// Seal `token` for the account `login`, which must exist: a new
    /// sign-in, so an access token cached from an earlier one is dropped.
    pub async fn put(&self, login: &str, token: &Secret) -> Result<(), Error> {
        let login = normalise_login(login);
        let Some(created_at) = self.created_at(&login).await? else {
            return Err(Error::SignInRequired(format!(
                "there is no account {login} to keep a sign-in for"
            )));
        };
        let sealed = self.seal_refresh(&login, created_at, token);
        self.store
            .secret_put(&refresh_token_name(&login), &sealed)
            .await
            .map_err(Error::store)?;
        self.store
            .secret_delete(&access_token_name(&login))
            .await
            .map_err(Error::store)?;
        Ok(())
    }

    /// Forget the sign-in (and its cached access token); whether there
    /// was one.
    pub async fn delete(&self, login: &str) -> Result<bool, Error> {
        let login = normalise_login(login);
        self.store
            .secret_delete(&access_token_name(&login))
            .await
            .map_err(Error::store)?;
        self.store
            .secret_delete(&refresh_token_name(&login))
            .await
            .map_err(Error::store)
    }
}

pub(super) fn warn_gone(login: &str) {
    tracing::warn!(%login, "a stored sign-in is older than the account (the login was removed and added again); it is dropped and the user must sign in again");
}

pub(super) fn warn_unreadable(login: &str) {
    tracing::warn!(%login, "a stored sign-in cannot be decrypted (the token key changed or was lost, or it belongs to another account); the user must sign in again");
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
    fn bound_records_open_only_with_their_binding() {
        let key = TokenKey::from_bytes(&[7; 32]);
        let sealed = key.seal_bound(b"rt", &binding("alice@contoso.test", 100));
        assert_eq!(
            key.open_bound(&sealed, &binding("alice@contoso.test", 100))
                .as_deref(),
            Some(&b"rt"[..])
        );
        for (login, created) in [("bob@contoso.test", 100), ("alice@contoso.test", 101)] {
            assert!(key.open_bound(&sealed, &binding(login, created)).is_none());
        }
        assert!(key.open(&sealed).is_none(), "no binding is not the binding");
    }

    #[tokio::test]
    async fn tokens_follow_their_account_and_not_its_login() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let key = TokenKey::from_bytes(&[3; 32]);
        let tokens = RefreshTokens::new(store.clone(), key.clone());
        let accounts = crate::accounts::Accounts::new(store.clone(), Default::default());
        let mode = crate::accounts::Mode::Delegated;
        accounts
            .add("alice@contoso.test", "alice@contoso.test", mode)
            .await
            .unwrap();
        accounts
            .add("bob@contoso.test", "bob@contoso.test", mode)
            .await
            .unwrap();
        assert!(
            tokens
                .put("nobody@contoso.test", &Secret::new("x"))
                .await
                .is_err()
        );
        tokens
            .put("ALICE@contoso.test", &Secret::new("alice-rt"))
            .await
            .unwrap();
        let got = tokens.get("alice@contoso.test").await.unwrap();
        assert_eq!(got.as_ref().map(Secret::expose), Some("alice-rt"));
        // Alice's blob copied into bob's row does not open.
        let alice = store
            .secret_get(&refresh_token_name("alice@contoso.test"))
            .await
            .unwrap()
            .unwrap();
        store
            .secret_put(&refresh_token_name("bob@contoso.test"), &alice)
            .await
            .unwrap();
        assert!(tokens.get("bob@contoso.test").await.unwrap().is_none());
        // Removing alice deletes her token; a new alice starts signed out.
        assert!(accounts.remove("alice@contoso.test").await.unwrap());
        assert!(
            store
                .secret_get(&refresh_token_name("alice@contoso.test"))
                .await
                .unwrap()
                .is_none()
        );
        store
            .secret_put(&refresh_token_name("alice@contoso.test"), &alice)
            .await
            .unwrap();
        let later = store.pool().clone();
        accounts
            .add("alice@contoso.test", "alice@contoso.test", mode)
            .await
            .unwrap();
        sqlx::query(
            "UPDATE accounts SET created_at = created_at + 5 WHERE login = 'alice@contoso.test'",
        )
        .execute(&later)
        .await
        .unwrap();
        assert!(
            tokens.get("alice@contoso.test").await.unwrap().is_none(),
            "not the old sign-in"
        );
    }

    #[tokio::test]
    async fn records_sealed_before_the_binding_are_migrated_or_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let key = TokenKey::from_bytes(&[4; 32]);
        let tokens = RefreshTokens::new(store.clone(), key.clone());
        let accounts = crate::accounts::Accounts::new(store.clone(), Default::default());
        let mode = crate::accounts::Mode::Delegated;
        accounts
            .add("carol@contoso.test", "carol@contoso.test", mode)
            .await
            .unwrap();
        accounts
            .add("dave@contoso.test", "dave@contoso.test", mode)
            .await
            .unwrap();
        let name = |l| refresh_token_name(l);
        // Format 1 (no binding), written after carol's account was made.
        store
            .secret_put(&name("carol@contoso.test"), &key.seal(b"carol-rt"))
            .await
            .unwrap();
        let got = tokens.get("carol@contoso.test").await.unwrap();
        assert_eq!(got.as_ref().map(Secret::expose), Some("carol-rt"));
        let resealed = store
            .secret_get(&name("carol@contoso.test"))
            .await
            .unwrap()
            .unwrap();
        assert!(
            resealed.starts_with(BOUND),
            "re-sealed bound to the account"
        );
        // Format 1 written before dave's account existed: not his.
        store
            .secret_put(&name("dave@contoso.test"), &key.seal(b"old-rt"))
            .await
            .unwrap();
        sqlx::query(
            "UPDATE accounts SET created_at = created_at + 100 WHERE login = 'dave@contoso.test'",
        )
        .execute(store.pool())
        .await
        .unwrap();
        assert!(tokens.get("dave@contoso.test").await.unwrap().is_none());
        assert!(
            store
                .secret_get(&name("dave@contoso.test"))
                .await
                .unwrap()
                .is_none()
        );
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
