//! GET, HEAD, PUT and DELETE of one resource (RFC 4918 §9.4, §9.6, §9.7;
//! RFC 4791 §5.3.2; RFC 6352 §6.3.2).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use super::paths::Home;
use super::propfind::content_type;
use super::{Ask, data, header_text, response};
use crate::pim::vcard::{self, Version};
use crate::pim::{Collection, Conditions, Kind, PimError, UserPim};

/// The collection and resource name a request names, if the user may see
/// the collection.
async fn locate(user: &UserPim, home: Home, slug: &str) -> Result<Collection, PimError> {
    user.find(home == Home::Calendars, slug)
        .await?
        .ok_or(PimError::NotFound)
}

pub(super) async fn get(
    user: &UserPim,
    home: Home,
    slug: &str,
    name: &str,
    ask: &Ask,
    head: bool,
) -> Response {
    // A contact in the vCard version the client accepts (RFC 6352
    // §5.1.1); its ETag stays the stored card's (docs/carddav.md).
    let version = if home == Home::Addressbooks {
        match data::accepted_version(&ask.headers) {
            Ok(v) => v,
            Err(()) => {
                return response::error(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    crate::pim::CARDDAV_NS,
                    "supported-address-data-conversion",
                    "contacts are given as text/vcard version 3.0 or 4.0",
                );
            }
        }
    } else {
        Version::default()
    };
    let outcome = async {
        let c = locate(user, home, slug).await?;
        user.sync(&c).await?;
        let item = user.item(&c, name).await?.ok_or(PimError::NotFound)?;
        Ok::<_, PimError>((c.kind, item))
    };
    match outcome.await {
        Ok((kind, item)) => {
            let mut body = item.body.unwrap_or_default();
            let mut media = content_type(kind);
            if kind == Kind::Contacts && version != Version::default() {
                match vcard::convert(&body, version) {
                    Some(converted) => {
                        body = converted;
                        media = "text/vcard; charset=utf-8; version=4.0";
                    }
                    None => {
                        return response::error(
                            StatusCode::UNSUPPORTED_MEDIA_TYPE,
                            crate::pim::CARDDAV_NS,
                            "supported-address-data-conversion",
                            "this contact cannot be given as vCard 4.0; ask for 3.0",
                        );
                    }
                }
            }
            let len = body.len();
            let mut r = Response::new(if head {
                axum::body::Body::empty()
            } else {
                axum::body::Body::from(body)
            });
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            if kind == Kind::Contacts {
                h.insert(header::VARY, HeaderValue::from_static("Accept"));
            }
            if let Some(tag) = item
                .etag
                .as_deref()
                .and_then(|t| HeaderValue::from_str(t).ok())
            {
                h.insert(header::ETAG, tag);
            }
            r
        }
        Err(e) => response::pim_error(&e),
    }
}

/// The conditions of a request's If-Match and If-None-Match.
fn conditions(ask: &Ask) -> Conditions {
    let if_match = header_text(&ask.headers, header::IF_MATCH).map(|v| {
        v.split(',')
            .map(|t| t.trim().trim_start_matches("W/").to_string())
            .filter(|t| !t.is_empty())
            .collect()
    });
    let if_none_match_any =
        header_text(&ask.headers, header::IF_NONE_MATCH).is_some_and(|v| v.trim() == "*");
    Conditions {
        if_match,
        if_none_match_any,
    }
}

pub(super) async fn put(user: &UserPim, home: Home, slug: &str, name: &str, ask: &Ask) -> Response {
    let Ok(body) = std::str::from_utf8(&ask.body) else {
        return response::error(
            StatusCode::FORBIDDEN,
            crate::pim::CALDAV_NS,
            "valid-calendar-data",
            "the body is not UTF-8 text",
        );
    };
    let c = match locate(user, home, slug).await {
        Ok(c) => c,
        Err(e) => return response::pim_error(&e),
    };
    let wanted = match c.kind {
        Kind::Contacts => "text/vcard",
        _ => "text/calendar",
    };
    let sent = header_text(&ask.headers, header::CONTENT_TYPE).unwrap_or(wanted);
    let media = sent
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media != wanted && !(c.kind == Kind::Contacts && media == "text/x-vcard") {
        let (ns, pre) = match c.kind {
            Kind::Contacts => (crate::pim::CARDDAV_NS, "supported-address-data"),
            _ => (crate::pim::CALDAV_NS, "supported-calendar-data"),
        };
        return response::error(
            StatusCode::FORBIDDEN,
            ns,
            pre,
            &format!("this collection takes {wanted}, not {media}"),
        );
    }
    match user.put(&c, name, body, &conditions(ask)).await {
        Ok(outcome) => {
            let status = if outcome.created {
                StatusCode::CREATED
            } else {
                StatusCode::NO_CONTENT
            };
            let mut r = response::text(status, "");
            *r.body_mut() = axum::body::Body::empty();
            r.headers_mut().remove(header::CONTENT_TYPE);
            r
        }
        Err(e) => response::pim_error(&e),
    }
}

pub(super) async fn delete(
    user: &UserPim,
    home: Home,
    slug: &str,
    name: &str,
    ask: &Ask,
) -> Response {
    let c = match locate(user, home, slug).await {
        Ok(c) => c,
        Err(e) => return response::pim_error(&e),
    };
    match user.delete(&c, name, &conditions(ask)).await {
        Ok(()) => {
            let mut r = response::text(StatusCode::NO_CONTENT, "");
            *r.body_mut() = axum::body::Body::empty();
            r.headers_mut().remove(header::CONTENT_TYPE);
            r
        }
        Err(e) => response::pim_error(&e),
    }
}
