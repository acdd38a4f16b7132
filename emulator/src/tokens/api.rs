//! Access tokens for the APIs app registrations expose (`api://{id}/Scope`),
//! as Entra issues them: RS256 with the tenant's published signing key, in
//! the v1.0 or v2.0 shape the resource app asks for
//! (`requestedAccessTokenVersion`), for a signed-in user (`scp`) or for an
//! app (`idtyp` app). Anyone can check them against the JWKS, which is the
//! point: the resource validates them itself.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::directory::AppRegistration;

use super::access::{pairwise_subject, service_principal_id};
use super::keys::{TokenKeys, random_id};
use super::signing::RsaKey;

/// The token shape a resource app asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenVersion {
    /// v1.0: `iss` `https://sts.windows.net/{tid}/`, `appid`, `upn`.
    V1,
    /// v2.0: `iss` `{authority}/{tid}/v2.0`, `azp`, `preferred_username`.
    V2,
}

impl TokenVersion {
    /// Entra's rule: `requestedAccessTokenVersion` 2 gives v2.0 tokens;
    /// unset (null) or 1 gives v1.0.
    pub(crate) fn of(app: &AppRegistration) -> TokenVersion {
        match app.access_token_version {
            Some(2) => TokenVersion::V2,
            _ => TokenVersion::V1,
        }
    }
}

/// How the requesting client proved itself (`azpacr` / `appidacr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientAuth {
    Public,
    Secret,
    Certificate,
}

impl ClientAuth {
    fn claim(self) -> &'static str {
        match self {
            ClientAuth::Public => "0",
            ClientAuth::Secret => "1",
            ClientAuth::Certificate => "2",
        }
    }

    /// What a registration alone suggests: public if it has no credentials.
    pub(crate) fn of_registration(app: &AppRegistration) -> ClientAuth {
        if app.secrets.is_empty() && app.certificates.is_empty() {
            ClientAuth::Public
        } else {
            ClientAuth::Secret
        }
    }
}

/// The signed-in user a delegated API token speaks for.
#[derive(Debug, Clone)]
pub(crate) struct ApiUser {
    pub oid: Uuid,
    pub upn: String,
    pub name: String,
}

/// Everything an API access token is made from.
#[derive(Debug, Clone)]
pub(crate) struct ApiTokenFor {
    pub version: TokenVersion,
    /// The resource app's client id (v2.0 `aud`; salts the pairwise `sub`).
    pub resource_client_id: String,
    /// The resource as the client named it: an App ID URI, or the client id
    /// (v1.0 `aud`).
    pub resource_as_requested: String,
    /// The requesting client (`azp` / `appid`).
    pub client_id: String,
    pub client_auth: ClientAuth,
    /// The user (delegated), or None (app-only).
    pub user: Option<ApiUser>,
    /// Delegated: the granted API scopes, short names.
    pub scopes: BTreeSet<String>,
    /// App-only: the app roles granted on the resource (usually none).
    pub roles: BTreeSet<String>,
    pub tenant_id: Uuid,
    /// Scheme and host the identity platform was reached at (v2.0 `iss`).
    pub origin: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
}

/// The claims of an API access token, v1.0 and v2.0 in one struct (the
/// fields of the other version are left out). Read leniently: a missing
/// claim is empty, so the checks that follow refuse it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ApiClaims {
    pub aud: String,
    pub iss: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub tid: String,
    pub oid: String,
    pub sub: String,
    pub ver: String,
    pub uti: String,
    /// `user` or `app`.
    pub idtyp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azpacr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appidacr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_name: Option<String>,
}

/// The issuer of this tenant's v1.0 tokens (Entra's fixed STS host).
pub(crate) fn v1_issuer(tenant_id: Uuid) -> String {
    format!("https://sts.windows.net/{tenant_id}/")
}

/// The issuer of this tenant's v2.0 tokens, as the discovery document names it.
pub(crate) fn v2_issuer(origin: &str, tenant_id: Uuid) -> String {
    format!("{origin}/{tenant_id}/v2.0")
}

/// The claims Entra puts in an API access token of `f`'s shape.
pub(crate) fn api_claims(f: &ApiTokenFor) -> ApiClaims {
    let v2 = f.version == TokenVersion::V2;
    let mut c = ApiClaims {
        iat: f.iat,
        nbf: f.nbf,
        exp: f.exp,
        tid: f.tenant_id.to_string(),
        uti: random_id(16),
        ..ApiClaims::default()
    };
    if v2 {
        c.aud = f.resource_client_id.clone();
        c.iss = v2_issuer(&f.origin, f.tenant_id);
        c.ver = "2.0".into();
        c.azp = Some(f.client_id.clone());
        c.azpacr = Some(f.client_auth.claim().into());
    } else {
        c.aud = f.resource_as_requested.clone();
        c.iss = v1_issuer(f.tenant_id);
        c.ver = "1.0".into();
        c.appid = Some(f.client_id.clone());
        c.appidacr = Some(f.client_auth.claim().into());
    }
    match &f.user {
        Some(u) => {
            c.idtyp = "user".into();
            c.oid = u.oid.to_string();
            c.sub = pairwise_subject(u.oid, &f.resource_client_id);
            c.scp = Some(f.scopes.iter().cloned().collect::<Vec<_>>().join(" "));
            c.name = Some(u.name.clone());
            if v2 {
                c.preferred_username = Some(u.upn.clone());
            } else {
                c.upn = Some(u.upn.clone());
                c.unique_name = Some(u.upn.clone());
            }
        }
        None => {
            let sp = service_principal_id(f.tenant_id, &f.client_id).to_string();
            c.idtyp = "app".into();
            c.oid = sp.clone();
            c.sub = sp;
            // Entra leaves `roles` out when the client holds none on the API.
            c.roles = (!f.roles.is_empty()).then(|| f.roles.iter().cloned().collect());
        }
    }
    c
}

/// Sign API token claims with `key`: RS256, `kid`, and `x5t` for v1.0.
pub(crate) fn sign_api_claims(key: &RsaKey, claims: &ApiClaims) -> Option<String> {
    key.sign(claims, claims.ver == "1.0")
}

/// Issue an API access token with the tenant's current signing key; None
/// if there is no usable signing key.
pub(crate) fn issue_api_token(keys: &TokenKeys, f: &ApiTokenFor) -> Option<String> {
    let claims = api_claims(f);
    keys.api.sign(&claims, f.version == TokenVersion::V1)
}
