//! `GET /{tenant}/oauth2/v2.0/authorize` (authorization code + PKCE,
//! docs/microsoft-graph.md §20): checks the client and its redirect URI (a
//! mismatch is an error page, never a redirect), then runs the sign-in pages
//! and returns the code (or the error) to the app by query, fragment or
//! auto-submitted form.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use url::Url;
use uuid::Uuid;

use super::error::{OAuthError, no_store};
use super::params::Params;
use super::state::{
    AUTH_CODE_LIFETIME, AuthCode, AuthorizeRequest, ChallengeMethod, FLOW_LIFETIME, Flow, FlowKind,
    ResponseMode,
};
use super::{pages, scopes};
use crate::tenant::Emulator;
use crate::tokens::random_id;

fn page(status: StatusCode, code: u32, text: &str) -> Response {
    pages::respond(status, pages::error(code, text))
}

/// Is `host` a loopback name the loopback rule covers?
fn is_loopback(host: Option<&str>) -> bool {
    matches!(host, Some("localhost") | Some("127.0.0.1"))
}

/// Is `requested` one of the app's redirect URIs? Exact match, except that a
/// registered `http://localhost` (or `http://127.0.0.1`) URI matches any
/// port on either loopback name, with the same path.
pub(crate) fn redirect_allowed(registered: &[String], requested: &str) -> bool {
    let Ok(req) = Url::parse(requested) else {
        return false;
    };
    if req.fragment().is_some() {
        return false;
    }
    registered.iter().any(|r| {
        if r == requested {
            return true;
        }
        let Ok(reg) = Url::parse(r) else { return false };
        if reg.scheme() == "http" && is_loopback(reg.host_str()) {
            return req.scheme() == "http"
                && is_loopback(req.host_str())
                && reg.path() == req.path()
                && reg.query() == req.query();
        }
        reg == req
    })
}

pub(crate) async fn authorize(
    State(tenant): State<Arc<Emulator>>,
    Path(segment): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    start(&tenant, &segment, &Params::from_map(query))
}

fn start(t: &Emulator, segment: &str, p: &Params) -> Response {
    // Until the redirect URI is known good, errors are pages, never redirects.
    let (app, redirect_uri) = {
        let dir = t.directory.read();
        if !dir.matches_tenant(segment) {
            return page(
                StatusCode::BAD_REQUEST,
                90002,
                &OAuthError::unknown_tenant(segment).text,
            );
        }
        let Some(client_id) = p.get("client_id") else {
            return page(
                StatusCode::BAD_REQUEST,
                900144,
                &OAuthError::missing("client_id").text,
            );
        };
        let Some(app) = dir.app(client_id).cloned() else {
            return page(
                StatusCode::BAD_REQUEST,
                700016,
                &OAuthError::unknown_client(client_id, &dir.domain).text,
            );
        };
        let Some(redirect_uri) = p.get("redirect_uri") else {
            return page(
                StatusCode::BAD_REQUEST,
                900971,
                "No reply address provided.",
            );
        };
        if !redirect_allowed(&app.redirect_uris, redirect_uri) {
            let text = format!(
                "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs \
                 configured for the application '{}'. Make sure the redirect URI sent in the request matches one \
                 added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError \
                 to learn more about how to fix this.",
                app.client_id
            );
            return page(StatusCode::BAD_REQUEST, 50011, &text);
        }
        (app, redirect_uri.to_string())
    };
    let response_mode = match p.get("response_mode") {
        None | Some("query") => ResponseMode::Query,
        Some("fragment") => ResponseMode::Fragment,
        Some("form_post") => ResponseMode::FormPost,
        Some(other) => {
            let text =
                format!("The app returned an unsupported value of response_mode: '{other}'.");
            return page(StatusCode::BAD_REQUEST, 70007, &text);
        }
    };
    let mut req = AuthorizeRequest {
        redirect_uri,
        state: p.get("state").map(String::from),
        challenge: None,
        response_mode,
        nonce: p.get("nonce").map(String::from),
    };
    // From here on, errors go back to the app.
    match p.get("response_type") {
        Some("code") => {}
        None => return deliver_error(&req, &OAuthError::missing("response_type")),
        Some(other) => {
            let e = OAuthError::new(
                "unsupported_response_type",
                70005,
                format!(
                    "The app returned an unsupported response type: '{other}' is not enabled for the application."
                ),
            );
            return deliver_error(&req, &e);
        }
    }
    let Some(scope) = p.get("scope") else {
        return deliver_error(&req, &OAuthError::missing("scope"));
    };
    let parsed = scopes::parse(scope, &t.directory.read());
    if let Err(e) = parsed {
        return deliver_error(&req, &e);
    }
    if let Some(challenge) = p.get("code_challenge") {
        let method = match p.get("code_challenge_method") {
            None | Some("plain") => ChallengeMethod::Plain,
            Some("S256") => ChallengeMethod::S256,
            Some(other) => {
                let e = OAuthError::new(
                    "invalid_request",
                    90100,
                    format!(
                        "Invalid value for the code_challenge_method parameter: '{other}'. Use S256 or plain."
                    ),
                );
                return deliver_error(&req, &e);
            }
        };
        let unreserved = |c: char| c.is_ascii_alphanumeric() || "-._~".contains(c);
        if !(43..=128).contains(&challenge.len()) || !challenge.chars().all(unreserved) {
            let e = OAuthError::new(
                "invalid_request",
                501491,
                "Invalid size of Code_Challenge parameter.",
            );
            return deliver_error(&req, &e);
        }
        req.challenge = Some((challenge.to_string(), method));
    }
    if p.get("prompt") == Some("none") {
        let e = OAuthError::new(
            "login_required",
            50058,
            "A silent sign-in request was sent but no user is signed in.",
        );
        return deliver_error(&req, &e);
    }
    let login_hint = p.get("login_hint").map(String::from);
    let flow_id = random_id(32);
    t.identity.insert_flow(
        flow_id.clone(),
        Flow {
            kind: FlowKind::Authorize(req),
            client_id: app.client_id.clone(),
            scope: scope.to_string(),
            login_hint: login_hint.clone(),
            username: None,
            user: None,
            expires: Instant::now() + FLOW_LIFETIME,
        },
    );
    let prefill = login_hint.unwrap_or_default();
    pages::respond(
        StatusCode::OK,
        pages::username(&flow_id, &app.display_name, &prefill, None),
    )
}

/// Send `fields` (plus `state`) back to the app's redirect URI.
pub(crate) fn deliver(req: &AuthorizeRequest, mut fields: Vec<(&'static str, String)>) -> Response {
    if let Some(state) = &req.state {
        fields.push(("state", state.clone()));
    }
    if req.response_mode == ResponseMode::FormPost {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        return pages::respond(StatusCode::OK, pages::form_post(&req.redirect_uri, &pairs));
    }
    let Ok(mut url) = Url::parse(&req.redirect_uri) else {
        return page(
            StatusCode::BAD_REQUEST,
            50011,
            "The redirect URI is not a valid URL.",
        );
    };
    match req.response_mode {
        ResponseMode::Fragment => {
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&fields)
                .finish();
            url.set_fragment(Some(&encoded));
        }
        _ => {
            url.query_pairs_mut().extend_pairs(&fields);
        }
    }
    let mut resp = StatusCode::FOUND.into_response();
    match HeaderValue::from_str(url.as_str()) {
        Ok(v) => {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        Err(_) => {
            return page(
                StatusCode::BAD_REQUEST,
                50011,
                "The redirect URI is not a valid URL.",
            );
        }
    }
    no_store(resp.headers_mut());
    resp
}

/// Send an error back to the app, Entra-style.
pub(crate) fn deliver_error(req: &AuthorizeRequest, e: &OAuthError) -> Response {
    let timestamp = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    let description = e.description(Uuid::new_v4(), Uuid::new_v4(), &timestamp);
    let mut fields = vec![
        ("error", e.error.to_string()),
        ("error_description", description),
    ];
    if let Some(sub) = e.suberror {
        fields.push(("suberror", sub.to_string()));
    }
    deliver(req, fields)
}

/// The user approved: mint a single-use code and hand it to the app.
pub(crate) fn complete(t: &Emulator, flow: &Flow, req: &AuthorizeRequest, user: Uuid) -> Response {
    let code = format!("1.AQ{}", random_id(96));
    t.identity.insert_auth_code(
        code.clone(),
        AuthCode {
            client_id: flow.client_id.clone(),
            user,
            scope: flow.scope.clone(),
            redirect_uri: req.redirect_uri.clone(),
            challenge: req.challenge.clone(),
            nonce: req.nonce.clone(),
            expires: Instant::now() + AUTH_CODE_LIFETIME,
            redeemed: false,
        },
    );
    deliver(req, vec![("code", code)])
}

/// The user declined on the consent page.
pub(crate) fn declined(req: &AuthorizeRequest) -> Response {
    let e = OAuthError::new(
        "access_denied",
        65004,
        "User declined to consent to access the app.",
    );
    deliver_error(req, &e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registration_matches_any_port_same_path() {
        let reg = vec![
            "http://localhost".to_string(),
            "https://app.example/cb".to_string(),
        ];
        let cases = [
            ("http://localhost", true),
            ("http://localhost:8400", true),
            ("http://localhost:8400/", true),
            ("http://127.0.0.1:51234", true),
            ("http://localhost:8400/cb", false),
            ("https://localhost:8400", false),
            ("http://127.0.0.2:8400", false),
            ("https://app.example/cb", true),
            ("https://app.example/cb2", false),
            ("https://app.example:8443/cb", false),
            ("http://localhost:8400/#x", false),
            ("not a url", false),
        ];
        for (uri, want) in cases {
            assert_eq!(redirect_allowed(&reg, uri), want, "{uri}");
        }
    }
}
