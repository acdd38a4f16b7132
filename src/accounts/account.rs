//! One local account as the rest of graphgate sees it (its login, the
//! Microsoft 365 user it is linked to, how tokens are had) and its gateway
//! passwords' public facts, read from the store's rows.

use super::error::Error;
use crate::store::{AccountRow, PasswordRow};

/// How graphgate reaches Microsoft for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The user signed in (device code or browser); graphgate holds their refresh token.
    Delegated,
    /// The app's own token (client credentials) acting on the account's mailbox.
    AppOnly,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Delegated => "delegated",
            Mode::AppOnly => "app-only",
        }
    }

    /// The mode `as_str` names.
    pub fn parse(text: &str) -> Option<Mode> {
        [Mode::Delegated, Mode::AppOnly]
            .into_iter()
            .find(|m| m.as_str() == text)
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The name clients log in with (usually the email address), in the
    /// one normalised form of logins (`normalise_login`).
    pub login: String,
    /// The Microsoft 365 user (UPN) whose mailbox this account uses.
    pub microsoft_user: String,
    pub mode: Mode,
    /// When the account was added: a login removed and added again is
    /// another account (another person, perhaps), and sessions and sealed
    /// tokens of the old one must not carry over to it.
    pub created_at: i64,
    /// The gateway password a login was verified against; `None` for an
    /// account read from the store (or a trusted client that sends without
    /// AUTH). Open sessions re-check it before every command.
    pub password_id: Option<String>,
}

impl Account {
    /// This account as signed in with password `id`.
    pub(super) fn signed_in_with(mut self, id: &str) -> Account {
        self.password_id = Some(id.to_string());
        self
    }
}

/// Whether an open session's account still stands, as the store says now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    Active,
    /// `graphgate user remove` (perhaps by another process).
    Removed,
    /// Removed and added again: the login now names another account.
    Replaced,
    /// The password the session signed in with was revoked.
    PasswordRevoked,
}

impl Standing {
    /// Why a session of `login` ends, for the client, the log and the audit.
    pub fn reason(&self, login: &str) -> Option<String> {
        match self {
            Standing::Active => None,
            Standing::Removed => Some(format!("the account {login} was removed")),
            Standing::Replaced => Some(format!(
                "the account {login} was removed and added again; log in anew"
            )),
            Standing::PasswordRevoked => Some(format!(
                "the gateway password this session of {login} logged in with was revoked"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordInfo {
    pub id: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl PasswordInfo {
    /// Not revoked.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// The account a row describes.
pub(super) fn account(row: AccountRow) -> Result<Account, Error> {
    let Some(mode) = Mode::parse(&row.mode) else {
        return Err(Error::Damaged {
            problem: format!(
                "its mode {:?} is neither \"delegated\" nor \"app-only\"",
                row.mode
            ),
            login: row.login,
        });
    };
    Ok(Account {
        login: row.login,
        microsoft_user: row.microsoft_user,
        mode,
        created_at: row.created_at,
        password_id: None,
    })
}

pub(super) fn password_info(row: PasswordRow) -> PasswordInfo {
    PasswordInfo {
        id: row.id,
        label: row.label,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}
