//! Errors of the token endpoints in Entra's shape: `error`, an
//! `error_description` that starts with `AADSTSnnnnn:` and ends with trace and
//! correlation ids, `error_codes`, `timestamp`, `trace_id`, `correlation_id`,
//! `error_uri`. HTTP 400, except `invalid_client` which is 401.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::json;
use uuid::Uuid;

/// One refusal of the identity platform.
#[derive(Debug, Clone)]
pub(crate) struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub code: u32,
    pub text: String,
    pub suberror: Option<&'static str>,
}

impl OAuthError {
    pub(crate) fn new(error: &'static str, code: u32, text: impl Into<String>) -> OAuthError {
        let status = if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        OAuthError {
            status,
            error,
            code,
            text: text.into(),
            suberror: None,
        }
    }

    pub(crate) fn with_suberror(mut self, suberror: &'static str) -> OAuthError {
        self.suberror = Some(suberror);
        self
    }

    /// `AADSTSnnnnn: text` and the trailer Entra appends to every description.
    pub(crate) fn description(&self, trace: Uuid, correlation: Uuid, timestamp: &str) -> String {
        format!(
            "AADSTS{}: {}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}",
            self.code, self.text
        )
    }

    // --- the refusals shared by several endpoints ---

    pub(crate) fn missing(param: &str) -> OAuthError {
        OAuthError::new(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{param}'."),
        )
    }

    pub(crate) fn unknown_tenant(tenant: &str) -> OAuthError {
        OAuthError::new(
            "invalid_request",
            90002,
            format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing \
                 into the correct cloud. Check with your subscription administrator, this may happen if there are \
                 no active subscriptions for the tenant."
            ),
        )
    }

    pub(crate) fn unknown_client(client_id: &str, tenant_domain: &str) -> OAuthError {
        OAuthError::new(
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant_domain}'. This \
                 can happen if the application has not been installed by the administrator of the tenant or \
                 consented to by any user in the tenant. You may have sent your authentication request to the \
                 wrong tenant."
            ),
        )
    }

    pub(crate) fn credentials_required() -> OAuthError {
        OAuthError::new(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )
    }

    pub(crate) fn malformed() -> OAuthError {
        OAuthError::new(
            "invalid_request",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        )
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let trace = Uuid::new_v4();
        let correlation = Uuid::new_v4();
        let timestamp = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
        let mut body = json!({
            "error": self.error,
            "error_description": self.description(trace, correlation, &timestamp),
            "error_codes": [self.code],
            "timestamp": timestamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        });
        if let Some(sub) = self.suberror {
            body["suberror"] = json!(sub);
        }
        let mut resp = (self.status, Json(body)).into_response();
        no_store(resp.headers_mut());
        resp
    }
}

/// Token responses must never be cached (RFC 6749 §5.1).
pub(crate) fn no_store(h: &mut http::HeaderMap) {
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
}
