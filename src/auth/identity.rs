//! Who graphgate acts as at Microsoft: a signed-in user (delegated, by
//! gateway login) or the app itself (client credentials). An account's
//! mode decides which; each identity has one token provider.

use crate::accounts::{Account, Mode};

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
