//! Tokens from the Microsoft identity platform: device code and browser
//! sign-in for users, client credentials (secret or certificate) for the app,
//! refresh before expiry with one refresh per identity at a time, rotated
//! refresh tokens persisted before use, an encrypted cache at rest, and
//! errors a person can act on.

mod bearer;
pub(crate) mod cache;
mod credentials;
mod error;
pub(crate) mod flows;
mod identity;
mod jwks;
pub mod login;
mod provider;
mod refresh;
mod token;
mod token_failure;
mod tokens;

pub use bearer::{BearerVerifier, Rejection, TokenUser};
pub use cache::{KEY_FILE, RefreshTokens, TokenKey};
pub use credentials::Credentials;
pub use error::Error;
pub use flows::Oauth;
pub use identity::Identity;
pub use provider::TokenProvider;
pub use token::{AccessToken, BoxFuture, TokenSource};
pub use token_failure::TokenFailure;
pub use tokens::Tokens;
