//! The console's HTTP rules: the sign-in cookie (HttpOnly, SameSite=Strict,
//! Secure over TLS), the extractor that requires a signed-in administrator,
//! the form token every change must carry, and the headers every answer
//! gets (a Content-Security-Policy that allows nothing but our own
//! stylesheet, no framing, no caching, no referrer).

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::Console;
use super::admins::SignedIn;

/// The cookie's name: `__Host-` over TLS (browsers then insist on Secure,
/// Path=/ and no Domain), a plain name on loopback HTTP.
pub(super) fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-graphgate"
    } else {
        "graphgate_admin"
    }
}

/// The login form's own token cookie (double submit: a page elsewhere
/// cannot read it, so it cannot post a valid sign-in form).
pub(super) fn login_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-graphgate-login"
    } else {
        "graphgate_login"
    }
}

/// A `Set-Cookie` value; `max_age` 0 deletes it.
pub(super) fn set_cookie(name: &str, value: &str, secure: bool, max_age: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text)
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// Equal, in time that does not depend on where they differ.
pub(super) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in administrator, required by every page but the sign-in
/// page and the health endpoints. Without a valid sign-in: a redirect to
/// `/login` (a GET) or 403 (a change).
pub(super) struct Admin(pub SignedIn);

impl Admin {
    /// The refusal of a change whose form token is not this sign-in's.
    pub(super) fn refused(&self, csrf: &str) -> Option<Response> {
        if same(csrf, &self.0.csrf) {
            None
        } else {
            Some(
                (
                    StatusCode::FORBIDDEN,
                    "the form is out of date or not from this console; reload the page and try again",
                )
                    .into_response(),
            )
        }
    }

    pub(super) fn name(&self) -> &str {
        &self.0.name
    }

    pub(super) fn csrf(&self) -> &str {
        &self.0.csrf
    }
}

impl FromRequestParts<Arc<Console>> for Admin {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        console: &Arc<Console>,
    ) -> Result<Admin, Response> {
        let refuse = || {
            if parts.method == Method::GET || parts.method == Method::HEAD {
                Redirect::to("/login").into_response()
            } else {
                (StatusCode::FORBIDDEN, "sign in to the console first").into_response()
            }
        };
        let Some(token) = cookie(&parts.headers, cookie_name(console.secure)) else {
            return Err(refuse());
        };
        match console.admins.session(&token, console.limits).await {
            Ok(Some(signed_in)) => Ok(Admin(signed_in)),
            Ok(None) => Err(refuse()),
            Err(e) => {
                tracing::error!(error = %e, "admin console: cannot check a sign-in");
                Err((
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the store cannot be reached; try again shortly",
                )
                    .into_response())
            }
        }
    }
}

/// The headers every answer carries.
pub(super) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "Cross-Origin-Opener-Policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use axum::http::header::{COOKIE, HeaderMap, HeaderValue};

    use super::{cookie, same, set_cookie};

    #[test]
    fn cookies_are_read_and_written_strictly() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; graphgate_admin=abc"));
        h.append(COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, "graphgate_admin").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "b").as_deref(), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
        let set = set_cookie("__Host-graphgate", "t", true, 60);
        let set = set.to_str().unwrap();
        for part in [
            "HttpOnly",
            "SameSite=Strict",
            "Secure",
            "Path=/",
            "Max-Age=60",
        ] {
            assert!(set.contains(part), "{set}");
        }
        assert!(
            !set_cookie("x", "t", false, 0)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
