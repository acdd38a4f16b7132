//! The whole token lifecycle against the emulated tenant: `graphgate login`
//! with a device code (form posts, and a real headless browser for the
//! PKCE flow), client credentials with a secret and with a certificate,
//! refresh rotation, expiry in the middle of work, a revoked sign-in,
//! single flight, the sealed cache, logs without secrets, and `doctor`.

pub(crate) mod harness;

mod cli;
mod tokens;
