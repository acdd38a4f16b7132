//! Tokens from the Microsoft identity platform: device code and browser
//! sign-in for users, client credentials (secret or certificate) for the app,
//! refresh before expiry with one refresh per identity at a time, rotated
//! refresh tokens persisted before use, an encrypted cache at rest, and
//! errors a person can act on.

pub mod cache;
mod errors;
pub mod flows;
pub mod login;
mod provider;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use dashmap::DashMap;

pub use cache::{RefreshTokens, TokenKey};
pub use errors::{TokenFailure, explain};
pub use flows::{DeviceCode, Oauth, TokenResponse};
pub use provider::TokenProvider;

use crate::accounts::{Account, Mode};
use crate::secret::Secret;

/// Who graphgate acts as at Microsoft.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// A signed-in user, by gateway login.
    Delegated { login: String },
    /// The app itself (client credentials) in the configured tenant.
    App,
}

impl Identity {
    /// The identity an account uses.
    pub fn of(account: &Account) -> Identity {
        match account.mode {
            Mode::Delegated => Identity::Delegated {
                login: account.login.to_ascii_lowercase(),
            },
            Mode::AppOnly => Identity::App,
        }
    }
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Microsoft or the network is having trouble; it passes.
    #[error("{0}")]
    Unavailable(String),
    /// The user must sign in again; the text names the command.
    #[error("{0}")]
    SignInRequired(String),
    /// An administrator must grant consent; the text has the address.
    #[error("{0}")]
    ConsentRequired(String),
    /// The configuration or app registration is wrong; the text names the key.
    #[error("{0}")]
    Configuration(String),
    /// The person declined the sign-in.
    #[error("{0}")]
    Denied(String),
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

/// A delegated user's tokens: the stored refresh token, rotated on use.
struct Refreshing {
    oauth: Oauth,
    login: String,
    scopes: String,
    tokens: RefreshTokens,
}

impl TokenSource for Refreshing {
    fn fetch(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        Box::pin(async move {
            let Some(refresh) = self.tokens.get(&self.login).await? else {
                return Err(Error::SignInRequired(format!(
                    "{} has not signed in to Microsoft 365 through graphgate: run `graphgate login {}`",
                    self.login, self.login
                )));
            };
            let answer = self
                .oauth
                .refresh(&refresh, &self.scopes, &self.login)
                .await?;
            // Rotated: keep the new refresh token before the access token is used.
            if let Some(next) = &answer.refresh_token {
                self.tokens.put(&self.login, next).await?;
            }
            Ok(AccessToken {
                secret: answer.access_token,
                expires_at: chrono::Utc::now().timestamp() + answer.expires_in,
                generation: 0,
            })
        })
    }
}

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
    providers: DashMap<Identity, Arc<TokenProvider>>,
}

impl Tokens {
    pub fn new(oauth: Oauth, refresh: RefreshTokens, shared: bool) -> Tokens {
        Tokens {
            oauth,
            refresh,
            shared,
            providers: DashMap::new(),
        }
    }

    pub fn oauth(&self) -> &Oauth {
        &self.oauth
    }

    pub fn refresh_tokens(&self) -> &RefreshTokens {
        &self.refresh
    }

    /// The scopes a delegated sign-in asks for.
    pub fn delegated_scopes(&self) -> String {
        self.oauth.delegated_scopes(self.shared)
    }

    pub fn identity_for(account: &Account) -> Identity {
        Identity::of(account)
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

impl crate::mailbox::Credentials for Tokens {
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
