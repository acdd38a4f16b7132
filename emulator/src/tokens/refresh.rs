//! Refresh tokens: stateless and rotating, each one signed with the tenant's
//! refresh key and carrying its grant, so they need no server-side storage;
//! they expire after the inactivity lifetime and are revoked through the
//! user's `sessions_valid_after`.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::directory::{Directory, DirectoryUser};

use super::keys::{TokenKeys, random_id};

/// Prefix of refresh tokens (real ones start `0.A` too).
const REFRESH_PREFIX: &str = "0.A";

/// What a refresh token carries: a user's grant to one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefreshGrant {
    pub(crate) user: Uuid,
    pub(crate) client_id: String,
    /// Granted scopes, short form, OIDC scopes included (`offline_access`...).
    pub(crate) scopes: BTreeSet<String>,
    /// Unix time this token was issued (rotation renews it).
    pub(crate) issued_at: i64,
    /// The sign-in session this token descends from; kept across rotation.
    pub(crate) family: Uuid,
    /// The exposed API the grant is for (its identifier as requested, e.g.
    /// `api://…`), or None for Microsoft Graph.
    pub(crate) resource: Option<String>,
}

/// Why a refresh token cannot be redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RefreshRejection {
    /// Not a refresh token of this tenant (garbage, tampered, other keys).
    Malformed,
    /// Unused for longer than the refresh token lifetime (AADSTS700082).
    Expired { issued_at: i64 },
    /// Issued before the user's sessions were revoked (AADSTS50173).
    Revoked { issued_at: i64, valid_after: i64 },
    /// The user no longer exists.
    UnknownUser,
}

#[derive(Serialize, Deserialize)]
struct RefreshPayload {
    v: u8,
    tid: Uuid,
    oid: Uuid,
    cid: String,
    scp: String,
    iat: i64,
    fam: Uuid,
    /// Random, so two tokens issued in the same second differ.
    rnd: String,
    /// The exposed API of the grant; absent for Graph (and in tokens issued
    /// before APIs existed, which therefore still redeem as Graph grants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    res: Option<String>,
}

/// Sign a refresh token for `grant`. Stateless: all it needs to be redeemed
/// is the tenant's refresh key.
pub(crate) fn issue_refresh_token(
    keys: &TokenKeys,
    tenant_id: Uuid,
    grant: &RefreshGrant,
) -> String {
    let payload = RefreshPayload {
        v: 1,
        tid: tenant_id,
        oid: grant.user,
        cid: grant.client_id.clone(),
        scp: grant.scopes.iter().cloned().collect::<Vec<_>>().join(" "),
        iat: grant.issued_at,
        fam: grant.family,
        rnd: random_id(12),
        res: grant.resource.clone(),
    };
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap_or_default());
    let message = format!("{REFRESH_PREFIX}{body}");
    let sig = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &EncodingKey::from_secret(&keys.refresh),
        Algorithm::HS256,
    )
    .unwrap_or_default();
    format!("{message}.{sig}")
}

/// Revoke every refresh token of `user` issued up to now ("revoke sessions").
/// Tokens are dated in whole seconds, so the cut-off is the next second; a
/// sign-in later in this second is dated at the cut-off (see
/// `refresh_issue_time`) and stays valid.
pub fn revoke_sessions(user: &mut DirectoryUser, now: i64) {
    user.sessions_valid_after = now.saturating_add(1);
}

/// The `issued_at` to give a refresh token issued `now` to `user`: never
/// before the user's revocation cut-off.
pub(crate) fn refresh_issue_time(user: &DirectoryUser, now: i64) -> i64 {
    now.max(user.sessions_valid_after)
}

/// Check a refresh token: signature, tenant, inactivity lifetime, revocation,
/// user. The caller checks the client and the scopes.
pub(crate) fn redeem_refresh_token(
    keys: &TokenKeys,
    dir: &Directory,
    token: &str,
    now: i64,
    lifetime_s: u64,
) -> Result<RefreshGrant, RefreshRejection> {
    let token = token.trim();
    let (message, sig) = token.rsplit_once('.').ok_or(RefreshRejection::Malformed)?;
    let body = message
        .strip_prefix(REFRESH_PREFIX)
        .ok_or(RefreshRejection::Malformed)?;
    let ok = jsonwebtoken::crypto::verify(
        sig,
        message.as_bytes(),
        &DecodingKey::from_secret(&keys.refresh),
        Algorithm::HS256,
    )
    .unwrap_or(false);
    if !ok {
        return Err(RefreshRejection::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| RefreshRejection::Malformed)?;
    let p: RefreshPayload =
        serde_json::from_slice(&bytes).map_err(|_| RefreshRejection::Malformed)?;
    if p.v != 1 || p.tid != dir.tenant_id {
        return Err(RefreshRejection::Malformed);
    }
    let age = now.saturating_sub(p.iat);
    if age > i64::try_from(lifetime_s).unwrap_or(i64::MAX) {
        return Err(RefreshRejection::Expired { issued_at: p.iat });
    }
    let user = dir
        .user_by_oid(p.oid)
        .ok_or(RefreshRejection::UnknownUser)?;
    if p.iat < user.sessions_valid_after {
        return Err(RefreshRejection::Revoked {
            issued_at: p.iat,
            valid_after: user.sessions_valid_after,
        });
    }
    Ok(RefreshGrant {
        user: p.oid,
        client_id: p.cid,
        scopes: p.scp.split_whitespace().map(String::from).collect(),
        issued_at: p.iat,
        family: p.fam,
        resource: p.res,
    })
}
