//! OpenID Connect discovery: the v2.0 document
//! (`/{tenant}/v2.0/.well-known/openid-configuration`) and the v1.0 one
//! (`/{tenant}/.well-known/openid-configuration`, issuer
//! `https://sts.windows.net/{tid}/`), every endpoint built from the Host the
//! client used, and the JWKS with the RS256 keys that sign tokens for
//! exposed APIs. Graph tokens are signed with a symmetric key that is never
//! published: like Microsoft's, they are not for third parties to check.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use serde_json::json;

use super::endpoints::{issuer, origin};
use super::error::OAuthError;
use crate::tenant::Emulator;
use crate::tokens::v1_issuer;

pub(crate) async fn openid_configuration(
    State(t): State<Arc<Emulator>>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let dir = t.directory.read();
    if !dir.matches_tenant(&segment) {
        return OAuthError::unknown_tenant(&segment).into_response();
    }
    let origin = origin(&headers);
    let base = format!("{origin}/{segment}");
    let host = origin.split_once("://").map_or(origin.as_str(), |(_, h)| h);
    Json(json!({
        "issuer": issuer(&origin, &dir),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "userinfo_endpoint": format!("{origin}/oidc/userinfo"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ],
        "code_challenge_methods_supported": ["S256", "plain"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "nbf", "name", "preferred_username", "email", "oid", "tid", "nonce", "ver"
        ],
        "request_uri_parameter_supported": false,
        "tenant_region_scope": "EU",
        "cloud_instance_name": host,
        "msgraph_host": host,
    }))
    .into_response()
}

/// `GET /{tenant}/.well-known/openid-configuration`: the v1.0 document,
/// whose issuer is the one v1.0 access tokens carry.
pub(crate) async fn openid_configuration_v1(
    State(t): State<Arc<Emulator>>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let dir = t.directory.read();
    if !dir.matches_tenant(&segment) {
        return OAuthError::unknown_tenant(&segment).into_response();
    }
    let origin = origin(&headers);
    let base = format!("{origin}/{segment}");
    let host = origin.split_once("://").map_or(origin.as_str(), |(_, h)| h);
    Json(json!({
        "issuer": v1_issuer(dir.tenant_id),
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "token_endpoint": format!("{base}/oauth2/token"),
        "end_session_endpoint": format!("{base}/oauth2/logout"),
        "jwks_uri": format!("{base}/discovery/keys"),
        "userinfo_endpoint": format!("{origin}/{}/openid/userinfo", dir.tenant_id),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "scopes_supported": ["openid"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "nbf", "name", "upn", "unique_name", "oid", "tid", "nonce", "ver"
        ],
        "microsoft_multi_refresh_token": true,
        "tenant_region_scope": "EU",
        "cloud_instance_name": host,
        "msgraph_host": host,
    }))
    .into_response()
}

/// `GET /{tenant}/discovery/v2.0/keys` and `/{tenant}/discovery/keys`: the
/// published RS256 keys (the JWKS), older keys included until retired.
pub(crate) async fn keys(
    State(t): State<Arc<Emulator>>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let issuer = {
        let dir = t.directory.read();
        if !dir.matches_tenant(&segment) {
            return OAuthError::unknown_tenant(&segment).into_response();
        }
        issuer(&origin(&headers), &dir)
    };
    Json(json!({ "keys": t.keys.api.jwks(&issuer) })).into_response()
}
