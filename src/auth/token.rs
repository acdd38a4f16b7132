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

/// Refresh this long (seconds) before a token expires.
const EARLY: i64 = 300;

impl AccessToken {
    pub fn bearer(&self) -> &str {
        self.secret.expose()
    }

    /// Good for a while yet at Unix time `now`: more than 5 minutes left,
    /// or for short-lived tokens (tests) more than the last 10% of what is
    /// left (at least a second).
    pub fn fresh(&self, now: i64) -> bool {
        let margin = EARLY.min((self.expires_at - now).max(0) / 10).max(1);
        self.expires_at - now > margin
    }
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where fresh access tokens come from (a refresh token, client credentials,
/// or in tests anything at all).
pub trait TokenSource: Send + Sync {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, Error>>;

    /// A fresh token to use instead of `stale`, the one the caller holds
    /// (expiring, or refused by Graph). A source that several gateway
    /// instances share may hand out a token another instance fetched
    /// meanwhile; by default, `fetch`.
    fn fetch_instead_of<'a>(
        &'a self,
        stale: Option<&'a AccessToken>,
    ) -> BoxFuture<'a, Result<AccessToken, Error>> {
        let _ = stale;
        self.fetch()
    }
}
