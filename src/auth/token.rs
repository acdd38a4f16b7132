//! An access token and where fresh ones come from: the `TokenSource` a
//! provider asks when its token runs out (a refresh token, client
//! credentials, or in tests anything at all).

use std::future::Future;
use std::pin::Pin;

use super::error::Error;
use crate::secret::Secret;

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

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where fresh access tokens come from (a refresh token, client credentials,
/// or in tests anything at all).
pub trait TokenSource: Send + Sync {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, Error>>;
}
