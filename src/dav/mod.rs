//! The CalDAV (RFC 4791) and CardDAV (RFC 6352) front: calendars, To Do
//! lists (as VTODO calendars) and contact folders of the user's own
//! mailbox and of the shared mailboxes policy grants, over HTTP and
//! HTTPS. It speaks WebDAV (RFC 4918) to clients and calls `pim/`, which
//! calls Graph; it never calls Graph itself.
//!
//! Every request is authenticated (`auth.rs`), then the path (`paths.rs`)
//! decides what it is about; PROPFIND is in `propfind.rs`, the REPORTs in
//! `report.rs`, GET/PUT/DELETE in `object.rs`; collections are made and
//! deleted in `collection.rs` and changed in `proppatch.rs`; free/busy and
//! the schedule outbox are in `schedule.rs`.

mod auth;
mod collection;
mod data;
mod matching;
mod object;
mod paths;
mod propfind;
mod proppatch;
mod propset;
mod query;
mod report;
mod response;
mod route;
mod schedule;
mod xml;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use tokio_rustls::TlsAcceptor;

use crate::accounts::{Accounts, BearerLogins};
use crate::admin::tls_listener::Peer;
use crate::pim::PimService;
use crate::server::Shutdown;

pub use crate::admin::Served;

/// What the front needs of `[dav]`.
#[derive(Debug, Clone)]
pub struct DavSettings {
    pub allow_plain_remote: bool,
    pub max_body: usize,
}

impl From<&crate::config::DavSection> for DavSettings {
    fn from(s: &crate::config::DavSection) -> Self {
        DavSettings {
            allow_plain_remote: s.allow_plaintext_auth_on_non_loopback,
            max_body: usize::try_from(s.max_body_kb.saturating_mul(1024)).unwrap_or(usize::MAX),
        }
    }
}

/// The front: one per gateway, shared by its listeners.
pub struct Dav {
    pub(crate) accounts: Arc<Accounts>,
    pub(crate) bearer: Option<Arc<BearerLogins>>,
    pub(crate) pim: Arc<PimService>,
    pub(crate) settings: DavSettings,
}

impl Dav {
    pub fn new(
        accounts: Arc<Accounts>,
        bearer: Option<Arc<BearerLogins>>,
        pim: Arc<PimService>,
        settings: DavSettings,
    ) -> Arc<Dav> {
        Arc::new(Dav {
            accounts,
            bearer,
            pim,
            settings,
        })
    }
}

/// One listener's view: the front, and whether it is HTTPS.
#[derive(Clone)]
struct Listener {
    dav: Arc<Dav>,
    tls: bool,
}

/// Serve the front on `addr`, over TLS with `tls`, until `shutdown`.
pub async fn serve(
    dav: Arc<Dav>,
    addr: SocketAddr,
    tls: Option<TlsAcceptor>,
    shutdown: Shutdown,
) -> std::io::Result<Served> {
    let state = Listener {
        dav,
        tls: tls.is_some(),
    };
    let app = Router::new().fallback(handle).with_state(state);
    crate::admin::serve(addr, tls, app, shutdown).await
}

/// Every request, whatever its method and path.
async fn handle(
    State(listener): State<Listener>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    request: Request,
) -> Response {
    let method = request.method().clone();
    let started = std::time::Instant::now();
    let response = listener.dispatch(peer, request).await;
    let status = response.status();
    metrics::counter!(
        "graphgate_dav_requests_total",
        "method" => method_label(&method),
        "status" => status_class(status),
    )
    .increment(1);
    metrics::histogram!("graphgate_dav_request_seconds", "method" => method_label(&method))
        .record(started.elapsed().as_secs_f64());
    response
}

fn method_label(m: &Method) -> &'static str {
    match m.as_str() {
        "OPTIONS" => "OPTIONS",
        "GET" => "GET",
        "HEAD" => "HEAD",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PROPFIND" => "PROPFIND",
        "PROPPATCH" => "PROPPATCH",
        "REPORT" => "REPORT",
        "MKCALENDAR" => "MKCALENDAR",
        "MKCOL" => "MKCOL",
        "POST" => "POST",
        _ => "other",
    }
}

fn status_class(s: StatusCode) -> &'static str {
    match s.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// What a handler is given.
pub(crate) struct Ask {
    pub method: Method,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl Listener {
    async fn dispatch(&self, peer: SocketAddr, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let path = parts.uri.path().to_string();
        let Some(target) = paths::parse(&path) else {
            return answer_before_body(body, response::text(StatusCode::NOT_FOUND, "nothing here"))
                .await;
        };
        if target == paths::Target::WellKnown {
            // RFC 6764 §5: the context path, for PROPFIND and GET alike.
            return answer_before_body(body, response::redirect(paths::ROOT)).await;
        }
        if parts.method == Method::OPTIONS {
            return answer_before_body(body, response::options()).await;
        }
        let account = match self.dav.identify(&parts.headers, peer, self.tls).await {
            Ok(a) => a,
            Err(refusal) => {
                let r = response::refused(refusal, self.dav.bearer.is_some());
                return answer_before_body(body, r).await;
            }
        };
        let body = match read_body(body, self.dav.settings.max_body).await {
            Ok(b) => b,
            Err(r) => return r,
        };
        let ask = Ask {
            method: parts.method,
            headers: parts.headers,
            body,
        };
        let user = match self.dav.pim.open(&account).await {
            Ok(u) => u,
            Err(e) => return response::pim_error(&e),
        };
        route::route(&account, &user, target, ask).await
    }
}

/// The most of an unread request body read and dropped so that the
/// connection can carry the client's next request.
const DRAIN_LIMIT: usize = 64 * 1024;

/// `r`, answered to a request whose body was not needed. A body left
/// unread makes the HTTP server close the connection after the answer,
/// without saying so, and a client that sends its next request on it (the
/// authenticated retry after a 401, say) sees the connection drop. So a
/// small body is read and dropped; past [`DRAIN_LIMIT`] the answer says
/// `Connection: close`.
async fn answer_before_body(body: Body, mut r: Response) -> Response {
    if to_bytes(body, DRAIN_LIMIT).await.is_err() {
        r.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    r
}

async fn read_body(body: Body, max: usize) -> Result<bytes::Bytes, Response> {
    to_bytes(body, max).await.map_err(|_| {
        let mut r = response::text(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body is larger than {} KiB", max / 1024),
        );
        // The rest of the body is not read: the connection ends here.
        r.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
        r
    })
}

/// The header value of `name`, if it is text.
pub(crate) fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
