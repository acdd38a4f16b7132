//! OpenID Connect id tokens for the app that signed a user in (`openid`
//! scope): the v2.0 shape with `aud` = client id, `tid`, `oid`,
//! `preferred_username`, `name`, signed like the emulator's access tokens.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::directory::Directory;
use crate::tokens::{self, TokenKeys};

/// What an id token says about the signed-in user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IdClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: Uuid,
    pub oid: Uuid,
    pub sub: String,
    pub preferred_username: String,
    pub name: String,
    pub ver: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// The subject and audience of an id token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdTokenFor<'a> {
    pub user: Uuid,
    pub client_id: &'a str,
    /// The discovery document's `issuer`.
    pub issuer: &'a str,
    /// Add the `email` claim (the `email` scope was granted).
    pub with_email: bool,
    pub nonce: Option<&'a str>,
}

/// Issue an OpenID Connect id token (v2.0 shape); None if the user is unknown.
pub(crate) fn issue_id_token(
    keys: &TokenKeys,
    dir: &Directory,
    f: IdTokenFor<'_>,
    lifetime_s: u64,
    now: i64,
) -> Option<String> {
    let u = dir.user_by_oid(f.user)?;
    let claims = IdClaims {
        aud: f.client_id.to_string(),
        iss: f.issuer.to_string(),
        iat: now,
        nbf: now,
        exp: now.saturating_add(i64::try_from(lifetime_s).unwrap_or(i64::MAX)),
        tid: dir.tenant_id,
        oid: f.user,
        sub: tokens::pairwise_subject(f.user, f.client_id),
        preferred_username: u.upn.clone(),
        name: u.display_name.clone(),
        ver: "2.0".into(),
        email: f.with_email.then(|| u.upn.clone()),
        nonce: f.nonce.map(String::from),
    };
    Some(tokens::sign_with_access_key(keys, &claims))
}
