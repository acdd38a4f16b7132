//! What the in-process login tests share (here and in the separate
//! `tests/log_capture.rs` binary, which includes this file): a real SQLite
//! store in a temp dir, an account with one password, a client address.

use std::net::IpAddr;

use graphgate::accounts::{Accounts, Mode};
use graphgate::secret::Secret;
use graphgate::store::Store;
use tempfile::TempDir;

pub async fn store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    (dir, store)
}

/// An account `login` with the password `pw` labelled "default".
pub async fn with_account(accounts: &Accounts, login: &str, pw: &str) {
    accounts.add(login, login, Mode::Delegated).await.unwrap();
    accounts
        .set_password(login, "default", &Secret::new(pw))
        .await
        .unwrap();
}

pub fn peer() -> IpAddr {
    ip("192.0.2.10")
}

pub fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}
