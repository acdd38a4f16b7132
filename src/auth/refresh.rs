//! A delegated user's tokens, refreshed once across every gateway instance
//! on the store. Within a process the provider already lets one caller
//! refresh; across processes the store does: the refresh runs under a lock
//! on the user's refresh token row (`Store::secret_lock`) that covers
//! reading the sealed token, redeeming it at Microsoft and writing the
//! rotated one. The access token fetched is sealed beside it, so an
//! instance that waited for the lock finds a fresh token and uses it
//! instead of refreshing again: one token request per expiry for the
//! whole cluster, and never the same refresh token redeemed twice.
//!
//! The rotated refresh token is committed before the new access token is
//! handed out. The lock holds a pooled connection while Microsoft answers,
//! so its wait and the token request under it have deadlines, and only a
//! few refreshes of different users hold locks at once per instance.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::cache::{Opened, RefreshTokens, warn_gone, warn_unreadable};
use super::error::Error;
use super::flows::Oauth;
use super::token::{AccessToken, BoxFuture, TokenSource};
use crate::accounts::normalise_login;
use crate::store::{SecretLock, access_token_name, refresh_token_name};

/// Longest wait for another instance's refresh of the same user.
const LOCK_WAIT: Duration = Duration::from_secs(20);
/// Longest token request while the lock is held: under SQLite's 10 s
/// busy timeout, since there the lock keeps every other writer waiting.
const LOCKED_REQUEST: Duration = Duration::from_secs(8);
/// Refreshes of different users holding a lock at once, per instance, so
/// they never take more than a few of the store's pooled connections.
pub(super) const LOCKED_REFRESHES: usize = 4;

/// A delegated user's tokens: the stored refresh token, rotated on use.
pub(super) struct Refreshing {
    pub oauth: Oauth,
    pub login: String,
    pub scopes: String,
    pub tokens: RefreshTokens,
    /// Shared by every user's source of one registry.
    pub slots: Arc<Semaphore>,
}

fn not_signed_in(login: &str) -> Error {
    Error::SignInRequired(format!(
        "{login} has not signed in to Microsoft 365 through graphgate: run `graphgate login {login}`"
    ))
}

impl TokenSource for Refreshing {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        self.fetch_instead_of(None)
    }

    fn fetch_instead_of<'a>(
        &'a self,
        stale: Option<&'a AccessToken>,
    ) -> BoxFuture<'a, Result<AccessToken, Error>> {
        Box::pin(async move {
            let _slot = self
                .slots
                .acquire()
                .await
                .map_err(|_| Error::Unavailable("graphgate is shutting down".into()))?;
            let login = normalise_login(&self.login);
            let rt_name = refresh_token_name(&login);
            let store = self.tokens.store();
            let (lock, found) = tokio::time::timeout(LOCK_WAIT, store.secret_lock(&rt_name))
                .await
                .map_err(|_| {
                    Error::Unavailable(format!(
                        "the Microsoft 365 sign-in of {login} is being refreshed by another graphgate instance; try again shortly"
                    ))
                })?
                .map_err(Error::store)?;
            let Some((sealed, written_at)) = found else {
                return Err(not_signed_in(&login));
            };
            self.under_lock(lock, &login, &sealed, written_at, stale)
                .await
        })
    }
}

impl Refreshing {
    /// With the lock held: another instance's fresh token if there is
    /// one, else a refresh whose rotated refresh token is committed first.
    async fn under_lock(
        &self,
        mut lock: SecretLock,
        login: &str,
        sealed: &[u8],
        written_at: i64,
        stale: Option<&AccessToken>,
    ) -> Result<AccessToken, Error> {
        let rt_name = refresh_token_name(login);
        let at_name = access_token_name(login);
        let Some(created_at) = self.tokens.created_at(login).await? else {
            // No account owns it (removed by an older graphgate): gone.
            forget(lock, &[&rt_name, &at_name]).await?;
            return Err(not_signed_in(login));
        };
        let refresh = match self
            .tokens
            .open_refresh(login, created_at, sealed, written_at)
        {
            // A record of format 1 is sealed anew below with the rotated token.
            Opened::Token { token, .. } => token,
            Opened::Gone => {
                warn_gone(login);
                forget(lock, &[&rt_name, &at_name]).await?;
                return Err(not_signed_in(login));
            }
            Opened::Unreadable => {
                warn_unreadable(login);
                return Err(not_signed_in(login));
            }
        };
        let cached = lock
            .get(&at_name)
            .await
            .map_err(Error::store)?
            .and_then(|sealed| self.tokens.open_access(login, created_at, &sealed));
        let now = chrono::Utc::now().timestamp();
        if let Some(token) = cached
            && token.fresh(now)
            && stale.is_none_or(|s| s.secret.expose() != token.secret.expose())
        {
            // Another instance (or this one, before a restart) refreshed.
            lock.release().await.map_err(Error::store)?;
            return Ok(token);
        }
        let answer = tokio::time::timeout(
            LOCKED_REQUEST,
            self.oauth.refresh(&refresh, &self.scopes, login),
        )
        .await
        .map_err(|_| {
            Error::Unavailable(format!(
                "Microsoft's sign-in service did not answer within {} s",
                LOCKED_REQUEST.as_secs()
            ))
        })??;
        let token = AccessToken {
            secret: answer.access_token,
            expires_at: chrono::Utc::now().timestamp() + answer.expires_in,
            generation: 0,
        };
        // Rotated: the new refresh token is durable before the access
        // token is used (Microsoft may not honour the old one forever).
        if let Some(next) = &answer.refresh_token {
            let sealed = self.tokens.seal_refresh(login, created_at, next);
            lock.put(&rt_name, &sealed).await.map_err(Error::store)?;
        }
        let sealed = self.tokens.seal_access(login, created_at, &token);
        lock.put(&at_name, &sealed).await.map_err(Error::store)?;
        lock.commit().await.map_err(Error::store)?;
        Ok(token)
    }
}

/// Delete `names` and release the lock.
async fn forget(mut lock: SecretLock, names: &[&str]) -> Result<(), Error> {
    for name in names {
        lock.delete(name).await.map_err(Error::store)?;
    }
    lock.commit().await.map_err(Error::store)
}
