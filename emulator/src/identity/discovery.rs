//! OpenID Connect discovery: `/{tenant}/v2.0/.well-known/openid-configuration`
//! with every endpoint built from the Host the client used, and an empty
//! JWKS (the emulator signs with a symmetric key it never publishes).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use serde_json::json;

use super::endpoints::{issuer, origin};
use super::error::OAuthError;
use crate::tenant::Emulator;

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
            "urn:ietf:params:oauth:grant-type:device_code"
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

/// `GET /{tenant}/discovery/v2.0/keys`: no public keys (tokens are HS256).
pub(crate) async fn keys(State(t): State<Arc<Emulator>>, Path(segment): Path<String>) -> Response {
    if !t.directory.read().matches_tenant(&segment) {
        return OAuthError::unknown_tenant(&segment).into_response();
    }
    Json(json!({ "keys": [] })).into_response()
}
