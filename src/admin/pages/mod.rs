//! The console's pages: signing in and out here, each section in its own
//! file. Every handler that changes something takes the form token first.

pub(super) mod accounts;
pub(super) mod audit;
pub(super) mod doctor;
pub(super) mod graph;
pub(super) mod mailboxes;
pub(super) mod sessions;

use std::sync::Arc;

use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::Console;
use super::admins::random_hex;
use super::html::{self, CSS};
use super::http::{Admin, cookie, cookie_name, login_cookie_name, same, set_cookie};
use super::tls_listener::Peer;
use crate::accounts::LoginError;
use crate::secret::Secret;

pub(super) async fn home(_admin: Admin) -> Redirect {
    Redirect::to("/accounts")
}

pub(super) async fn stylesheet() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS).into_response()
}

/// The sign-in page, with a fresh double-submit token.
pub(super) async fn login_page(State(console): State<Arc<Console>>) -> Response {
    login_form(&console, None, StatusCode::OK)
}

fn login_form(console: &Console, error: Option<String>, status: StatusCode) -> Response {
    let Ok(token) = random_hex(16) else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no random numbers").into_response();
    };
    let page = html::bare(
        "Sign in",
        html! {
            form.login method="post" action="/login" {
                h1 { "graphgate console" }
                @if let Some(e) = &error { div.error role="alert" { (e) } }
                p { label for="name" { "Administrator" } input type="text" id="name" name="name" autocomplete="username" required autofocus; }
                p { label for="password" { "Password" } input type="password" id="password" name="password" autocomplete="current-password" required; }
                input type="hidden" name="csrf" value=(token);
                p { button type="submit" id="sign-in" { "Sign in" } }
            }
        },
    );
    let mut response = (status, page).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            login_cookie_name(console.secure),
            &token,
            console.secure,
            600,
        ),
    );
    response
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    name: String,
    password: String,
    csrf: String,
}

pub(super) async fn login(
    State(console): State<Arc<Console>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let expected = cookie(&headers, login_cookie_name(console.secure)).unwrap_or_default();
    if expected.is_empty() || !same(&expected, &form.csrf) {
        return login_form(
            &console,
            Some("The sign-in form expired; please sign in again.".into()),
            StatusCode::FORBIDDEN,
        );
    }
    let password = Secret::new(form.password);
    match console
        .admins
        .sign_in(&form.name, &password, peer.ip())
        .await
    {
        Ok((token, signed_in)) => {
            tracing::info!(admin = %signed_in.name, %peer, "admin console: signed in");
            let mut response = Redirect::to("/accounts").into_response();
            let h = response.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(
                    cookie_name(console.secure),
                    &token,
                    console.secure,
                    console.limits.max_s,
                ),
            );
            h.append(
                header::SET_COOKIE,
                set_cookie(login_cookie_name(console.secure), "", console.secure, 0),
            );
            response
        }
        Err(e) => {
            tracing::warn!(%peer, outcome = e.outcome(), "admin console: sign-in refused");
            let (status, text) = match e {
                LoginError::BadCredentials => (
                    StatusCode::UNAUTHORIZED,
                    "Wrong name or password.".to_string(),
                ),
                LoginError::TooManyAttempts { retry_after } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many failed sign-ins; try again in {} seconds.",
                        retry_after.as_secs().max(1)
                    ),
                ),
                LoginError::Busy | LoginError::Store(_) => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "graphgate cannot check passwords right now; try again shortly.".to_string(),
                ),
            };
            login_form(&console, Some(text), status)
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    csrf: String,
}

pub(super) async fn logout(
    State(console): State<Arc<Console>>,
    admin: Admin,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Some(refused) = admin.refused(&form.csrf) {
        return refused;
    }
    if let Some(token) = cookie(&headers, cookie_name(console.secure))
        && let Err(e) = console.admins.sign_out(&token).await
    {
        tracing::warn!(error = %e, "admin console: cannot end a sign-in");
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(cookie_name(console.secure), "", console.secure, 0),
    );
    response
}

/// A page's message after a change, carried in the redirect's query.
/// It is signed with the sign-in's form token, so a link from elsewhere
/// cannot put words of its own on a console page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Flash {
    ok: Option<String>,
    error: Option<String>,
    sig: Option<String>,
}

impl Flash {
    fn message(&self, admin: &Admin) -> Option<Result<String, String>> {
        let (text, outcome) = match (&self.ok, &self.error) {
            (_, Some(e)) => (e, Err(e.clone())),
            (Some(o), None) => (o, Ok(o.clone())),
            _ => return None,
        };
        let sig = self.sig.as_deref().unwrap_or_default();
        same(sig, &flash_sig(admin.csrf(), text)).then_some(outcome)
    }
}

fn flash_sig(csrf: &str, text: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(csrf.as_bytes());
    h.update([0]);
    h.update(text.as_bytes());
    hex::encode(&h.finalize()[..12])
}

/// Redirect to `path` with a message for its page.
fn back(path: &str, admin: &Admin, outcome: Result<String, String>) -> Response {
    let (key, text) = match &outcome {
        Ok(t) => ("ok", t),
        Err(t) => ("error", t),
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(key, text)
        .append_pair("sig", &flash_sig(admin.csrf(), text))
        .finish();
    let location = format!("{path}?{query}");
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// A path segment, percent-encoded.
fn segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}
