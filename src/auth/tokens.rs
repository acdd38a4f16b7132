//! The token registry of the gateway: one provider per identity, made on
//! first use, fed by the stored refresh token of a delegated user (rotated
//! on every use, refreshed once across every instance on the store:
//! `refresh`) or by the app's client credentials (per instance: nothing
//! rotates there, so each instance fetches its own). It is what the mail
//! service asks for an account's tokens (`Credentials`).

use std::sync::Arc;

use dashmap::DashMap;
use tokio::sync::Semaphore;

use super::cache::RefreshTokens;
use super::credentials::Credentials;
use super::error::Error;
use super::flows::Oauth;
use super::identity::Identity;
use super::provider::TokenProvider;
use super::refresh::{LOCKED_REFRESHES, Refreshing};
use super::token::{AccessToken, BoxFuture, TokenSource};
use crate::accounts::{Account, Mode};

/// The app's token (client credentials).
struct AppCredentials {
    oauth: Oauth,
}

impl TokenSource for AppCredentials {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        Box::pin(async move {
            let answer = self.oauth.client_credentials().await?;
            Ok(AccessToken {
                secret: answer.access_token,
                expires_at: chrono::Utc::now().timestamp() + answer.expires_in,
                generation: 0,
            })
        })
    }
}

/// Every identity's token provider, made on first use.
pub struct Tokens {
    oauth: Oauth,
    refresh: RefreshTokens,
    /// Ask for the `.Shared` scopes (shared mailboxes are configured).
    shared: bool,
    /// Ask for calendar, contact and task scopes (CalDAV/CardDAV is on).
    pim: bool,
    providers: DashMap<Identity, Arc<TokenProvider>>,
    /// Refreshes holding a store lock at once (`refresh`).
    locked_refreshes: Arc<Semaphore>,
}

impl Tokens {
    pub fn new(oauth: Oauth, refresh: RefreshTokens, shared: bool) -> Tokens {
        Tokens {
            oauth,
            refresh,
            shared,
            pim: false,
            providers: DashMap::new(),
            locked_refreshes: Arc::new(Semaphore::new(LOCKED_REFRESHES)),
        }
    }

    /// Ask delegated sign-ins for calendars, contacts and tasks as well
    /// (the DAV front is on); off by default, so that an app registration
    /// consented for mail alone keeps working.
    pub fn with_pim(mut self, on: bool) -> Tokens {
        self.pim = on;
        self
    }

    pub fn oauth(&self) -> &Oauth {
        &self.oauth
    }

    pub fn refresh_tokens(&self) -> &RefreshTokens {
        &self.refresh
    }

    /// The scopes a delegated sign-in asks for.
    pub fn delegated_scopes(&self) -> String {
        self.oauth.delegated_scopes(self.shared, self.pim)
    }

    /// The provider of `identity`'s tokens.
    pub fn provider(&self, identity: &Identity) -> Arc<TokenProvider> {
        self.providers
            .entry(identity.clone())
            .or_insert_with(|| {
                let source: Arc<dyn TokenSource> = match identity {
                    // Refresh asks for `.default`: every permission the
                    // sign-in holds, so a missing one shows up as a
                    // missing scope (doctor names it) rather than as a
                    // refused refresh.
                    Identity::Delegated { login } => Arc::new(Refreshing {
                        oauth: self.oauth.clone(),
                        login: login.clone(),
                        scopes: format!("{}/.default offline_access", self.oauth.resource),
                        tokens: self.refresh.clone(),
                        slots: self.locked_refreshes.clone(),
                    }),
                    Identity::App => Arc::new(AppCredentials {
                        oauth: self.oauth.clone(),
                    }),
                };
                Arc::new(TokenProvider::from_source(identity.clone(), source))
            })
            .clone()
    }

    /// Forget what a provider learned (after `graphgate login` stored a new
    /// sign-in, so a remembered failure does not linger).
    pub fn forget(&self, identity: &Identity) {
        self.providers.remove(identity);
    }
}

impl Credentials for Tokens {
    fn tokens_for<'a>(
        &'a self,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<Arc<TokenProvider>, Error>> {
        Box::pin(async move {
            if account.mode == Mode::AppOnly && !self.oauth.has_app_credential() {
                return Err(Error::Configuration(format!(
                    "{} is app-only, but no client secret or certificate is configured in [microsoft]",
                    account.login
                )));
            }
            Ok(self.provider(&Identity::of(account)))
        })
    }
}
