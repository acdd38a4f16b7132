//! What the mail service asks of the token side: the token provider of a
//! gateway account. `Tokens` answers it in the gateway; tests answer it
//! with tokens minted by the emulator.

use std::sync::Arc;

use super::error::Error;
use super::provider::TokenProvider;
use super::token::BoxFuture;
use crate::accounts::Account;

/// Where the mail service gets an account's Microsoft tokens (the `auth`
/// registry in the gateway; anything in tests).
pub trait Credentials: Send + Sync + 'static {
    fn tokens_for<'a>(
        &'a self,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<Arc<TokenProvider>, Error>>;
}
