//! Local accounts from outside: the `graphgate user` commands run as the
//! real binary against a temp data dir, and `Accounts::authenticate` against
//! a real SQLite store — right and wrong passwords, revocation, lower-case
//! logins, and the failed-login limits per login and per client address.

mod cli;
mod login;
mod support;
