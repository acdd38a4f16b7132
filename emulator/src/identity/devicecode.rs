//! The device code flow (RFC 8628, docs/microsoft-graph.md §19):
//! `POST /devicecode` hands out a device code and a user code; the token
//! endpoint's polling answers pending, slow_down, declined, expired or tokens
//! once the user approved on `/devicelogin`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use rand::Rng;
use serde_json::{Value, json};
use uuid::Uuid;

use super::endpoints::origin;
use super::error::{OAuthError, no_store};
use super::params::Params;
use super::scopes;
use super::state::{DeviceCode, DeviceStatus};
use crate::tenant::Emulator;
use crate::tokens::random_id;

/// Upper-case letters and digits without the ambiguous ones (0/O, 1/I).
const USER_CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const USER_CODE_LEN: usize = 9;

fn user_code() -> String {
    let mut rng = rand::rng();
    (0..USER_CODE_LEN)
        .map(|_| char::from(USER_CODE_ALPHABET[rng.random_range(0..USER_CODE_ALPHABET.len())]))
        .collect()
}

/// What a person types is compared without case, spaces or dashes.
pub(crate) fn normalise_user_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(crate) async fn devicecode(
    State(tenant): State<Arc<Emulator>>,
    Path(segment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    tenant.stats.token_request("devicecode");
    match start(&tenant, &segment, &headers, &Params::parse(&body)) {
        Ok(v) => {
            let mut resp = Json(v).into_response();
            no_store(resp.headers_mut());
            resp
        }
        Err(e) => e.into_response(),
    }
}

fn start(
    t: &Emulator,
    segment: &str,
    headers: &HeaderMap,
    p: &Params,
) -> Result<Value, OAuthError> {
    let app = {
        let dir = t.directory.read();
        if !dir.matches_tenant(segment) {
            return Err(OAuthError::unknown_tenant(segment));
        }
        let client_id = p
            .get("client_id")
            .ok_or_else(|| OAuthError::missing("client_id"))?;
        dir.app(client_id)
            .cloned()
            .ok_or_else(|| OAuthError::unknown_client(client_id, &dir.domain))?
    };
    if !app.public_client {
        return Err(OAuthError::credentials_required());
    }
    let scope = p.get("scope").ok_or_else(|| OAuthError::missing("scope"))?;
    scopes::parse(scope, &t.directory.read())?;
    let (interval_s, expires_s) = {
        let s = t.settings.read();
        (s.device_code_interval_s, s.device_code_expires_s)
    };
    let now = Instant::now();
    let mut tries = 0;
    let (device_code, code) = loop {
        let device_code = format!("DAQABIQEAAAD{}", random_id(96));
        let code = user_code();
        let entry = DeviceCode {
            user_code: code.clone(),
            client_id: app.client_id.clone(),
            scope: scope.to_string(),
            expires: now + Duration::from_secs(expires_s),
            interval: Duration::from_secs(interval_s),
            last_poll: None,
            status: DeviceStatus::Pending,
        };
        if t.identity.insert_device_code(device_code.clone(), entry) {
            break (device_code, code);
        }
        tries += 1;
        if tries > 8 {
            return Err(OAuthError::new(
                "temporarily_unavailable",
                90006,
                "The service is temporarily unavailable.",
            ));
        }
    };
    let verification_uri = format!("{}/devicelogin", origin(headers));
    Ok(json!({
        "device_code": device_code,
        "user_code": code,
        "verification_uri": verification_uri,
        "expires_in": expires_s,
        "interval": interval_s,
        "message": format!(
            "To sign in, use a web browser to open the page {verification_uri} and enter the code {code} to authenticate."
        ),
    }))
}

fn bad_code() -> OAuthError {
    OAuthError::new(
        "bad_verification_code",
        70018,
        "Invalid verification code: the device_code is unknown, was already redeemed, or was issued to another client.",
    )
}

/// One poll of the token endpoint with a device code. On success the code is
/// gone and the approving user and the requested scope are returned.
pub(crate) fn poll(
    t: &Emulator,
    client_id: &str,
    device_code: &str,
) -> Result<(Uuid, String), OAuthError> {
    t.identity.device_code(device_code, |d| {
        let Some(d) = d else { return (Err(bad_code()), false) };
        if !d.client_id.eq_ignore_ascii_case(client_id) {
            return (Err(bad_code()), false);
        }
        let now = Instant::now();
        if now >= d.expires {
            return (Err(OAuthError::new("expired_token", 70019, "Verification code expired.")), false);
        }
        let too_fast = !d.interval.is_zero() && d.last_poll.is_some_and(|last| now.duration_since(last) < d.interval);
        d.last_poll = Some(now);
        if too_fast {
            let text = format!(
                "OAuth 2.0 device flow error. Polling too frequently: wait at least {} seconds between requests.",
                d.interval.as_secs()
            );
            return (Err(OAuthError::new("slow_down", 70016, text)), false);
        }
        match d.status {
            DeviceStatus::Pending => (
                Err(OAuthError::new(
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                )),
                false,
            ),
            DeviceStatus::Declined => (
                Err(OAuthError::new(
                    "authorization_declined",
                    65004,
                    "The user declined to sign in to the application on this device.",
                )),
                false,
            ),
            DeviceStatus::Approved { user } => (Ok((user, d.scope.clone())), true),
        }
    })
}

/// Why the person at the browser cannot finish a device sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unusable {
    Unknown,
    Expired,
    AlreadyUsed,
}

/// Record the user's answer on the device code (approve or decline).
pub(crate) fn answer(t: &Emulator, device_code: &str, user: Option<Uuid>) -> Result<(), Unusable> {
    t.identity.device_code(device_code, |d| {
        let Some(d) = d else {
            return (Err(Unusable::Unknown), false);
        };
        if Instant::now() >= d.expires {
            return (Err(Unusable::Expired), false);
        }
        if d.status != DeviceStatus::Pending {
            return (Err(Unusable::AlreadyUsed), false);
        }
        d.status = match user {
            Some(user) => DeviceStatus::Approved { user },
            None => DeviceStatus::Declined,
        };
        (Ok(()), false)
    })
}
