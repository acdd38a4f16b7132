//! `GET` and `PUT /_emulator/apps/{client_id}`: read, create or change an
//! app registration, its Graph consent and credentials, the API it exposes
//! (App ID URIs, scopes, token version) and the consent it holds on APIs.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use super::{Em, fail, not_found};
use crate::directory::{AppCertificate, AppRegistration};

pub(super) async fn app_get(State(em): Em, Path(client_id): Path<String>) -> Response {
    match em.directory.read().app(&client_id) {
        Some(a) => {
            let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
            v["secrets"] = json!(a.secrets.len());
            Json(v).into_response()
        }
        None => not_found("app registration"),
    }
}

/// `access_token_version`: absent (unchanged), null (unset: v1.0), 1 or 2;
/// Err for anything else.
fn token_version(v: &Value) -> Result<Option<Option<u8>>, ()> {
    match v.get("access_token_version") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(n) => match n.as_u64() {
            Some(1) => Ok(Some(Some(1))),
            Some(2) => Ok(Some(Some(2))),
            _ => Err(()),
        },
    }
}

/// Create or change an app registration. Fields: display_name, secrets,
/// certificates (PEM strings), app_roles, delegated_scopes, public_client,
/// redirect_uris, mailbox_scope (null to lift the restriction),
/// identifier_uris, api_scopes, access_token_version (1, 2 or null),
/// api_permissions (`api://{id}/Scope`).
pub(super) async fn app_put(State(em): Em, Path(client_id): Path<String>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return fail(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")),
    };
    let strings = |k: &str| -> Option<Vec<String>> {
        v.get(k)?.as_array().map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
    };
    let mut certs = Vec::new();
    for pem in strings("certificates").unwrap_or_default() {
        match x5t_of(&pem) {
            Some(x5t) => certs.push(AppCertificate { x5t, pem }),
            None => {
                return fail(
                    StatusCode::BAD_REQUEST,
                    "a certificate is not a PEM CERTIFICATE",
                );
            }
        }
    }
    let Ok(version) = token_version(&v) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "access_token_version must be 1, 2 or null",
        );
    };
    let mut dir = em.directory.write();
    if dir.app(&client_id).is_none() {
        dir.apps.push(AppRegistration {
            client_id: client_id.clone(),
            display_name: client_id.clone(),
            ..AppRegistration::default()
        });
    }
    let Some(app) = dir.app_mut(&client_id) else {
        return not_found("app registration");
    };
    if let Some(n) = v.get("display_name").and_then(Value::as_str) {
        app.display_name = n.to_string();
    }
    if let Some(s) = strings("secrets") {
        app.secrets = s;
    }
    if v.get("certificates").is_some() {
        app.certificates = certs;
    }
    if let Some(r) = strings("app_roles") {
        app.app_roles = r.into_iter().collect();
    }
    if let Some(s) = strings("delegated_scopes") {
        app.delegated_scopes = s.into_iter().collect();
    }
    if let Some(p) = v.get("public_client").and_then(Value::as_bool) {
        app.public_client = p;
    }
    if let Some(r) = strings("redirect_uris") {
        app.redirect_uris = r;
    }
    if let Some(m) = v.get("mailbox_scope") {
        app.mailbox_scope = m.as_array().map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        });
    }
    if let Some(u) = strings("identifier_uris") {
        app.identifier_uris = u;
    }
    if let Some(s) = strings("api_scopes") {
        app.api_scopes = s.into_iter().collect();
    }
    if let Some(version) = version {
        app.access_token_version = version;
    }
    if let Some(p) = strings("api_permissions") {
        app.api_permissions = p.into_iter().collect();
    }
    drop(dir);
    em.mark_dirty();
    StatusCode::NO_CONTENT.into_response()
}

/// The JWT `x5t` of a PEM certificate: base64url(SHA-1(DER)).
pub(crate) fn x5t_of(pem: &str) -> Option<String> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE-----"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END CERTIFICATE-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha1::digest(&der)))
}
