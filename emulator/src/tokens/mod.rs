//! Tokens the emulated identity platform issues and Graph checks: access
//! tokens shaped like Entra's v1 Graph tokens (HS256 JWTs with `scp` or
//! `roles`), RS256 access tokens for the APIs apps expose (v1.0 or v2.0,
//! checkable against the published JWKS), id tokens, and stateless rotating
//! refresh tokens.
//!
//! Everything is signed with the tenant's persisted [`TokenKeys`], so tokens
//! outlive an emulator restart; refresh tokens need no server-side storage and
//! are revoked through the user's `sessions_valid_after`.

mod access;
mod api;
mod keys;
mod refresh;
mod signing;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_api;

pub use access::{Principal, TokenRejection, service_principal_id, verify_access_token};
pub use keys::TokenKeys;
pub use refresh::revoke_sessions;

pub(crate) use access::{issue_access_token, pairwise_subject};
pub(crate) use api::{
    ApiClaims, ApiTokenFor, ApiUser, ClientAuth, TokenVersion, api_claims, issue_api_token,
    sign_api_claims, v1_issuer,
};
pub(crate) use keys::{random_id, sign_with_access_key};
pub(crate) use refresh::{
    RefreshGrant, RefreshRejection, issue_refresh_token, redeem_refresh_token, refresh_issue_time,
};
pub(crate) use signing::{RsaKey, SignatureCheck};
