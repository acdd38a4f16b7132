//! Local accounts: who may log in to graphgate, with which gateway passwords
//! (generated, shown once, stored as argon2id hashes, labelled and
//! revocable), and which Microsoft 365 identity each one is linked to.
//! Gateway passwords are never Microsoft passwords; failed logins are
//! limited per login and per client address (`limits`), and messages per
//! account and day (`daily`), counted in the store for every instance.

mod account;
mod bearer;
mod cache;
mod daily;
mod error;
mod limits;
mod login;
mod names;
mod password;
mod registry;
pub mod sasl;
mod tags;

pub use account::{Account, Mode, PasswordInfo, Standing};
pub use bearer::{AUDIT_ACTION as OAUTH_AUDIT_ACTION, BearerLogins, BearerRefusal};
pub use daily::SentCount;
pub use error::{Error, LoginError};
pub use limits::{LoginLimits, LoginStats, address_key};
pub use names::{check_label, normalise_login};
pub use password::{
    generate as generate_password, hash as hash_password, looks_generated, verify_any,
};
pub use registry::Accounts;
pub use tags::{MAX_ACTIVE_PASSWORDS, TAG_BITS};
