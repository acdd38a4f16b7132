//! Answers: multistatus, errors with precondition elements, challenges.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::auth::Refusal;
use super::xml;
use crate::graph;
use crate::pim::PimError;

/// What the server supports, on every answer to OPTIONS (RFC 4791 §5.1,
/// RFC 6352 §6.1, RFC 6638 §2).
pub const DAV_CLASSES: &str =
    "1, 3, access-control, calendar-access, addressbook, calendar-auto-schedule, extended-mkcol";
pub const ALLOW: &str =
    "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCALENDAR, MKCOL, POST";

fn build(status: StatusCode, content_type: &str, body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r.headers_mut()
        .insert("DAV", HeaderValue::from_static(DAV_CLASSES));
    r
}

pub fn text(status: StatusCode, sentence: &str) -> Response {
    build(status, "text/plain; charset=utf-8", format!("{sentence}\n"))
}

pub fn multistatus(body: String) -> Response {
    build(
        StatusCode::MULTI_STATUS,
        "application/xml; charset=utf-8",
        body,
    )
}

/// 200 with an iCalendar object (a free-busy-query answer).
pub fn calendar(body: String) -> Response {
    build(StatusCode::OK, "text/calendar; charset=utf-8", body)
}

/// 200 with an XML body that is not a multistatus (a schedule-response).
pub fn xml_ok(body: String) -> Response {
    build(StatusCode::OK, "application/xml; charset=utf-8", body)
}

pub fn error(status: StatusCode, ns: &str, name: &str, sentence: &str) -> Response {
    build(
        status,
        "application/xml; charset=utf-8",
        xml::error_body(ns, name, sentence),
    )
}

pub fn redirect(to: &str) -> Response {
    let mut r = text(StatusCode::MOVED_PERMANENTLY, to);
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

pub fn options() -> Response {
    let mut r = build(StatusCode::OK, "text/plain; charset=utf-8", "");
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(ALLOW));
    r
}

/// No usable identity.
pub(super) fn refused(refusal: Refusal, bearer: bool) -> Response {
    match refusal {
        Refusal::Challenge(why) => {
            let mut r = text(StatusCode::UNAUTHORIZED, &why);
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"graphgate\", charset=\"UTF-8\""),
            );
            if bearer {
                r.headers_mut().append(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"graphgate\""),
                );
            }
            r
        }
        Refusal::Insecure => text(
            StatusCode::FORBIDDEN,
            "passwords are taken over plain HTTP only from this machine: use HTTPS",
        ),
        Refusal::Later(status, why) => {
            let mut r = text(status, &why);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            r
        }
    }
}

/// A failed calendar, task or contact request.
pub fn pim_error(e: &PimError) -> Response {
    match e {
        PimError::Denied(why) => error(StatusCode::FORBIDDEN, xml::DAV, "need-privileges", why),
        PimError::NotFound => text(StatusCode::NOT_FOUND, "there is nothing at this address"),
        PimError::ReadOnly(why) => error(StatusCode::FORBIDDEN, xml::DAV, "need-privileges", why),
        PimError::Precondition { ns, name, sentence } => {
            let status = if *name == "no-uid-conflict" {
                StatusCode::CONFLICT
            } else {
                StatusCode::FORBIDDEN
            };
            error(status, ns, name, sentence)
        }
        PimError::Changed(why) => text(StatusCode::PRECONDITION_FAILED, why),
        PimError::Exists(why) => text(StatusCode::METHOD_NOT_ALLOWED, why),
        PimError::Forbidden(why) => text(StatusCode::FORBIDDEN, why),
        PimError::Conflict(why) => text(StatusCode::CONFLICT, why),
        PimError::Unavailable(why) => {
            let mut r = text(StatusCode::SERVICE_UNAVAILABLE, why);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            r
        }
        PimError::Graph(g) => graph_error(g),
        PimError::Store(e) => {
            tracing::warn!(error = %e, "DAV request failed in the store");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "graphgate's store failed; try again",
            )
        }
    }
}

fn graph_error(e: &graph::Error) -> Response {
    let sentence = e.to_string();
    match e {
        graph::Error::Graph(f) => match f.status {
            403 => error(
                StatusCode::FORBIDDEN,
                xml::DAV,
                "need-privileges",
                &sentence,
            ),
            404 => text(StatusCode::NOT_FOUND, &sentence),
            409 | 412 => text(StatusCode::PRECONDITION_FAILED, &sentence),
            400 => text(StatusCode::BAD_REQUEST, &sentence),
            _ => text(StatusCode::BAD_GATEWAY, &sentence),
        },
        graph::Error::Throttled { .. } | graph::Error::Busy { .. } => {
            let mut r = text(StatusCode::SERVICE_UNAVAILABLE, &sentence);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            r
        }
        graph::Error::Auth(_) => text(StatusCode::SERVICE_UNAVAILABLE, &sentence),
        _ => text(StatusCode::BAD_GATEWAY, &sentence),
    }
}
