//! Why an account operation or a login failed. Failures that come from
//! another error (the store, the password hash, the random source) keep it
//! as their `source()`.

use std::time::Duration;

/// Why an account operation failed. No message ever contains a password
/// or a hash; names are quoted with `{:?}` so control characters show.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no account {0}")]
    NoSuchAccount(String),
    #[error("there is already an account {0}")]
    AccountExists(String),
    #[error("{login:?} cannot be a login name: {problem}")]
    InvalidLogin {
        login: String,
        problem: &'static str,
    },
    #[error(
        "{user:?} is not a Microsoft 365 user name (a UPN such as alice@contoso.com): {problem}"
    )]
    InvalidMicrosoftUser { user: String, problem: &'static str },
    #[error("{label:?} cannot be a password label: {problem}")]
    InvalidLabel {
        label: String,
        problem: &'static str,
    },
    #[error("the password cannot be used: {0}")]
    InvalidPassword(&'static str),
    #[error(
        "account {login} already has an active password labelled {label:?}; revoke it first or choose another label"
    )]
    LabelInUse { login: String, label: String },
    #[error(
        "account {login} already has {max} active passwords, the most an account may have; revoke one first"
    )]
    TooManyPasswords { login: String, max: usize },
    #[error("the stored account {login} is damaged: {problem}")]
    Damaged { login: String, problem: String },
    #[error("cannot hash the password")]
    Hash(#[source] argon2::password_hash::Error),
    #[error("the password hashing task failed")]
    HashTask(#[source] tokio::task::JoinError),
    #[error("the operating system's random source failed")]
    Random(#[source] rand::rand_core::OsError),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

/// Why a login was refused. The fronts answer both the same way to the
/// client (no hint whether the user exists), but log them apart.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("too many failed logins; try again in {} s", retry_after.as_secs())]
    TooManyAttempts { retry_after: Duration },
    /// Every password-verification slot stayed busy for the configured
    /// wait: a temporary failure, not counted against the client.
    #[error("too many logins are being checked at once; try again in a moment")]
    Busy,
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

impl LoginError {
    /// The outcome label of a refused login in metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            LoginError::BadCredentials => "bad_credentials",
            LoginError::TooManyAttempts { .. } => "too_many_failures",
            LoginError::Busy => "busy",
            LoginError::Store(_) => "unavailable",
        }
    }
}
