//! Tokens the emulated identity platform issues and Graph checks: access
//! tokens shaped like Entra's v1 Graph tokens (HS256 JWTs with `scp` or
//! `roles`), id tokens, and stateless rotating refresh tokens.
//!
//! Everything is signed with the tenant's persisted [`TokenKeys`], so tokens
//! outlive an emulator restart; refresh tokens need no server-side storage and
//! are revoked through the user's `sessions_valid_after`.

mod access;
mod keys;
mod refresh;
#[cfg(test)]
mod tests;

pub use access::{Principal, TokenRejection, service_principal_id, verify_access_token};
pub use keys::TokenKeys;
pub use refresh::revoke_sessions;

pub(crate) use access::{issue_access_token, pairwise_subject};
pub(crate) use keys::{random_id, sign_with_access_key};
pub(crate) use refresh::{
    RefreshGrant, RefreshRejection, issue_refresh_token, redeem_refresh_token, refresh_issue_time,
};
