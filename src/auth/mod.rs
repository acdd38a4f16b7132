//! Tokens from the Microsoft identity platform: device code and browser
//! sign-in for users, client credentials (secret or certificate) for the app,
//! refresh before expiry with one refresh per identity at a time, rotated
//! refresh tokens persisted before use, an encrypted cache at rest, and
//! errors a person can act on.
//!
//! STUB: the real implementation replaces this file.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::secret::Secret;

/// Who graphgate acts as at Microsoft.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// A signed-in user, by gateway login.
    Delegated { login: String },
    /// The app itself (client credentials) in the configured tenant.
    App,
}

/// An access token and what is known about it.
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub secret: Secret,
    /// Unix time when it stops working.
    pub expires_at: i64,
    /// Increases with every token a provider hands out; a 401 names the
    /// generation it was given so only one refresh follows.
    pub generation: u64,
}

impl AccessToken {
    pub fn bearer(&self) -> &str {
        self.secret.expose()
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Unavailable(String),
}

impl Error {
    /// Worth retrying later (Microsoft busy, network down), as opposed to
    /// needing a person (sign in again, consent, fix the configuration).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Unavailable(_))
    }
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where fresh access tokens come from (a refresh token, client credentials,
/// or in tests anything at all).
pub trait TokenSource: Send + Sync {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, Error>>;
}

/// Hands out access tokens for one identity, refreshing when needed.
pub struct TokenProvider {
    identity: Identity,
    source: Arc<dyn TokenSource>,
}

impl TokenProvider {
    pub fn from_source(identity: Identity, source: Arc<dyn TokenSource>) -> TokenProvider {
        TokenProvider { identity, source }
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// A token valid for at least a little while.
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        self.source.fetch().await
    }

    /// Graph answered 401 to `rejected`: refresh (once, however many callers
    /// saw the same 401) and return the new token.
    pub async fn refresh_after_rejection(
        &self,
        _rejected: &AccessToken,
    ) -> Result<AccessToken, Error> {
        self.source.fetch().await
    }
}
