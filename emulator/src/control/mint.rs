//! `POST /_emulator/tokens`: access tokens without a sign-in, for tests and
//! tools. Graph tokens for a user or an app, and tokens for an exposed API
//! (`"api"`) in that API's v1.0 or v2.0 shape, with overrides that make the
//! faulty tokens negative tests need: expired or not yet valid, another
//! tenant, another audience, or signed with a key nobody published.

use std::collections::BTreeSet;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Em, fail, not_found};
use crate::identity::{find_api, origin};
use crate::seed::{DEMO_CLIENT_ID, DEMO_MAIL_CLIENT_ID};
use crate::tenant::Emulator;
use crate::tokens::{
    self, ApiTokenFor, ApiUser, ClientAuth, Principal, RsaKey, TokenVersion, api_claims,
    sign_api_claims,
};

fn list(v: &Value, k: &str) -> Option<BTreeSet<String>> {
    v.get(k).and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    })
}

fn answer(token: String, lifetime: impl serde::Serialize) -> Response {
    Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime}))
        .into_response()
}

/// Mint an access token without a sign-in: `{"upn": "alice@contoso.test",
/// "scopes": ["Mail.ReadWrite"]}` or `{"app": true, "roles": ["Mail.ReadWrite"]}`
/// for Graph (`client_id` defaults to the demo app); with `"api"` (a client
/// id or App ID URI), a token for that API (see [`mint_api_token`]).
pub(super) async fn mint_token(State(em): Em, headers: HeaderMap, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if let Some(api) = v.get("api").and_then(Value::as_str) {
        let api = api.to_string();
        let origin = origin(&headers);
        // An unpublished key takes a while to make: off the async workers.
        let worker = em.clone();
        return tokio::task::spawn_blocking(move || mint_api_token(&worker, &v, &api, &origin))
            .await
            .unwrap_or_else(|_| fail(StatusCode::INTERNAL_SERVER_ERROR, "minting failed"));
    }
    let client_id = v
        .get("client_id")
        .and_then(Value::as_str)
        .unwrap_or(DEMO_CLIENT_ID)
        .to_string();
    let dir = em.directory.read();
    let principal = if v.get("app").and_then(Value::as_bool).unwrap_or(false) {
        Principal::App {
            client_id,
            roles: list(&v, "roles").unwrap_or_default(),
        }
    } else {
        let Some(upn) = v.get("upn").and_then(Value::as_str) else {
            return fail(
                StatusCode::BAD_REQUEST,
                "give \"upn\" (delegated) or \"app\": true",
            );
        };
        let Some(u) = dir.user(upn) else {
            return not_found("user");
        };
        Principal::Delegated {
            client_id,
            user: u.oid,
            scopes: list(&v, "scopes").unwrap_or_default(),
        }
    };
    let lifetime = v
        .get("lifetime_s")
        .and_then(Value::as_u64)
        .unwrap_or(em.settings.read().token_lifetime_s);
    let token = tokens::issue_access_token(
        &em.keys,
        &dir,
        &principal,
        lifetime,
        chrono::Utc::now().timestamp(),
    );
    answer(token, lifetime)
}

/// A token for the API `api` names, v1.0 or v2.0 as that app asks:
/// delegated for `"upn"` (`"client_id"` the requesting client, default the
/// demo mail client; `"scopes"` default every scope the API exposes) or
/// app-only with `"app": true` (`"roles"` optional). Overrides:
/// `"lifetime_s"` (negative: already expired), `"not_before_s"` (`nbf` is
/// now plus this), `"tenant_id"` (tid and iss name that tenant),
/// `"audience"` (`aud` as given), `"key": "unknown"` (signed with a key
/// never published).
fn mint_api_token(em: &Emulator, v: &Value, api: &str, origin: &str) -> Response {
    let now = chrono::Utc::now().timestamp();
    let lifetime = match v.get("lifetime_s") {
        None => i64::try_from(em.settings.read().token_lifetime_s).unwrap_or(i64::MAX),
        Some(n) => match n.as_i64() {
            Some(n) => n,
            None => return fail(StatusCode::BAD_REQUEST, "lifetime_s must be an integer"),
        },
    };
    let not_before = match v.get("not_before_s") {
        None => 0,
        Some(n) => match n.as_i64() {
            Some(n) => n,
            None => return fail(StatusCode::BAD_REQUEST, "not_before_s must be an integer"),
        },
    };
    let app_only = v.get("app").and_then(Value::as_bool).unwrap_or(false);
    let client_id = v
        .get("client_id")
        .and_then(Value::as_str)
        .unwrap_or(DEMO_MAIL_CLIENT_ID);
    let mut f = {
        let dir = em.directory.read();
        let Some(resource_ref) = find_api(&dir, api) else {
            return not_found("API (an app registration with that client id or App ID URI)");
        };
        let Some(resource) = dir.app(&resource_ref.client_id) else {
            return not_found("app registration");
        };
        let Some(client) = dir.app(client_id) else {
            return not_found("client app registration");
        };
        let user = if app_only {
            None
        } else {
            let Some(upn) = v.get("upn").and_then(Value::as_str) else {
                return fail(
                    StatusCode::BAD_REQUEST,
                    "give \"upn\" (delegated) or \"app\": true",
                );
            };
            let Some(u) = dir.user(upn) else {
                return not_found("user");
            };
            Some(ApiUser {
                oid: u.oid,
                upn: u.upn.clone(),
                name: u.display_name.clone(),
            })
        };
        ApiTokenFor {
            version: TokenVersion::of(resource),
            resource_client_id: resource.client_id.clone(),
            resource_as_requested: resource_ref.identifier.clone(),
            client_id: client.client_id.clone(),
            client_auth: ClientAuth::of_registration(client),
            user,
            scopes: if app_only {
                BTreeSet::new()
            } else {
                list(v, "scopes").unwrap_or_else(|| resource.api_scopes.clone())
            },
            roles: if app_only {
                list(v, "roles").unwrap_or_default()
            } else {
                BTreeSet::new()
            },
            tenant_id: dir.tenant_id,
            origin: origin.to_string(),
            iat: now,
            nbf: now.saturating_add(not_before),
            exp: now.saturating_add(lifetime),
        }
    };
    if let Some(tid) = v.get("tenant_id") {
        match tid.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
            Some(tid) => f.tenant_id = tid,
            None => return fail(StatusCode::BAD_REQUEST, "tenant_id must be a GUID"),
        }
    }
    let mut claims = api_claims(&f);
    if let Some(aud) = v.get("audience") {
        match aud.as_str() {
            Some(aud) => claims.aud = aud.to_string(),
            None => return fail(StatusCode::BAD_REQUEST, "audience must be a string"),
        }
    }
    let token = match v.get("key").map(|k| k.as_str()) {
        None => em.keys.api.sign(&claims, f.version == TokenVersion::V1),
        Some(Some("unknown")) => RsaKey::generate().and_then(|k| sign_api_claims(&k, &claims)),
        Some(_) => {
            return fail(
                StatusCode::BAD_REQUEST,
                "key must be \"unknown\" (or left out for the signing key)",
            );
        }
    };
    match token {
        Some(t) => answer(t, lifetime),
        None => fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "no RS256 signing key could be used",
        ),
    }
}
