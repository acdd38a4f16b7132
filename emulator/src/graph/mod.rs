//! Microsoft Graph v1.0 mail endpoints of the emulated tenant.
//!
//! Every operation, whether it arrives as its own HTTP request or as a
//! `$batch` member, goes through `execute`: bearer token, route, mailbox,
//! throttling, injected faults and latency, Exchange permissions, then the
//! operation itself. That single path is what makes counting, throttling and
//! fault injection behave the same everywhere.

pub(crate) mod access;
pub(crate) mod attachments;
pub(crate) mod batch;
pub(crate) mod compose;
pub(crate) mod delta;
pub(crate) mod error;
pub(crate) mod folders;
pub(crate) mod messages;
pub(crate) mod render;
pub(crate) mod route;
pub(crate) mod send;
pub(crate) mod uploads;

pub(crate) use uploads::UploadSessions;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, put};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use rand::Rng;
use uuid::Uuid;

use super::directory::DirectoryUser;
use super::mailstore::Mailbox;
use super::settings::Settings;
use super::tokens::{self, Principal};
use crate::tenant::Emulator;
use error::GraphError;
use route::{MailboxRef, Op};

/// Content type of Graph's JSON responses.
pub(crate) const JSON: &str = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

/// Largest body the HTTP layer reads at all; Graph's own limits are checked per endpoint.
const HTTP_BODY_CAP: usize = 200 * 1024 * 1024;

/// One Graph operation, from HTTP or from a `$batch` member.
#[derive(Debug, Clone)]
pub(crate) struct GraphRequest {
    pub method: Method,
    /// Path below `/v1.0`, as sent (percent-encoded).
    pub path: String,
    /// Decoded query parameters in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// `http://host:port` as the client addressed the emulator.
    pub base: String,
}

impl GraphRequest {
    /// A query option by name, with or without its `$`, case-insensitive.
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        let bare = name.trim_start_matches('$');
        self.query
            .iter()
            .find(|(k, _)| k.trim_start_matches('$').eq_ignore_ascii_case(bare))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn content_type(&self) -> String {
        self.header("content-type")
            .unwrap_or("")
            .to_ascii_lowercase()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct GraphResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl GraphResponse {
    pub(crate) fn new(status: StatusCode, body: Bytes, content_type: &str) -> GraphResponse {
        let mut headers = HeaderMap::new();
        if !body.is_empty()
            && let Ok(v) = HeaderValue::from_str(content_type)
        {
            headers.insert("content-type", v);
        }
        GraphResponse {
            status,
            headers,
            body,
        }
    }

    pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> GraphResponse {
        let mut r = GraphResponse::new(status, Bytes::from(value.to_string()), JSON);
        r.headers
            .insert("odata-version", HeaderValue::from_static("4.0"));
        r
    }

    pub(crate) fn empty(status: StatusCode) -> GraphResponse {
        GraphResponse::new(status, Bytes::new(), "")
    }

    pub(crate) fn is_json(&self) -> bool {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    }
}

/// What the `Prefer` headers asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prefer {
    pub immutable_ids: bool,
    pub body_text: bool,
    pub max_page_size: Option<usize>,
}

impl Prefer {
    pub(crate) fn parse(headers: &HeaderMap) -> Prefer {
        let mut p = Prefer::default();
        for v in headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            for item in v.split(',') {
                let (k, val) = item.split_once('=').unwrap_or((item, ""));
                let val = val.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "idtype" => p.immutable_ids = val.eq_ignore_ascii_case("ImmutableId"),
                    "outlook.body-content-type" => p.body_text = val.eq_ignore_ascii_case("text"),
                    "odata.maxpagesize" => p.max_page_size = val.parse().ok().filter(|n| *n > 0),
                    _ => {}
                }
            }
        }
        p
    }
}

/// Everything an operation needs to know about its request.
pub(crate) struct Ctx<'a> {
    pub em: &'a Arc<Emulator>,
    pub req: &'a GraphRequest,
    pub principal: &'a Principal,
    /// The mailbox owner the path addresses.
    pub owner: DirectoryUser,
    pub prefer: Prefer,
    pub settings: Settings,
    pub now: DateTime<Utc>,
}

impl Ctx<'_> {
    pub(crate) fn mailbox(&self) -> Result<Arc<Mutex<Mailbox>>, GraphError> {
        self.em.mailbox(self.owner.oid).ok_or_else(|| {
            GraphError::new(
                StatusCode::NOT_FOUND,
                "MailboxNotEnabledForRESTAPI",
                "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
            )
        })
    }

    /// `http://host/v1.0` for links.
    pub(crate) fn service_root(&self) -> String {
        format!("{}/v1.0", self.req.base)
    }

    /// `users('alice%40contoso.test')` for `@odata.context`.
    pub(crate) fn context_user(&self) -> String {
        format!("users('{}')", self.owner.upn.replace('@', "%40"))
    }

    /// The id to show for a message: immutable or default, as the request prefers.
    pub(crate) fn message_id(&self, m: &super::mailstore::StoredMessage) -> String {
        if self.prefer.immutable_ids {
            m.immutable_id.clone()
        } else {
            m.rest_id.clone()
        }
    }

    pub(crate) fn body_json(&self) -> Result<serde_json::Value, GraphError> {
        if self.req.body.is_empty() {
            return Ok(serde_json::Value::Object(Default::default()));
        }
        serde_json::from_slice(&self.req.body)
            .map_err(|e| GraphError::bad_request(format!("Invalid JSON in the request body: {e}")))
    }
}

/// Graph, the upload-session host, and `$batch`.
pub(crate) fn routes() -> Router<Arc<Emulator>> {
    Router::new()
        .route("/v1.0/{*path}", any(http_entry))
        .route(
            "/outlook/api/v2.0/uploads/{session}",
            put(uploads::put_chunk),
        )
        .layer(DefaultBodyLimit::max(HTTP_BODY_CAP))
}

async fn http_entry(State(em): State<Arc<Emulator>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, HTTP_BODY_CAP).await {
        Ok(b) => b,
        Err(_) => {
            return to_http(
                GraphError::too_large().into_response(&Uuid::new_v4().to_string(), None),
            );
        }
    };
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let path = parts
        .uri
        .path()
        .strip_prefix("/v1.0")
        .unwrap_or("")
        .to_string();
    let query = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let greq = GraphRequest {
        method: parts.method,
        path,
        query,
        headers: parts.headers,
        body,
        base: format!("http://{host}"),
    };
    em.stats.http_requests.fetch_add(1, Ordering::Relaxed);
    let resp = if greq.path.trim_matches('/').eq_ignore_ascii_case("$batch") {
        batch::handle(&em, greq).await
    } else {
        execute(&em, greq).await
    };
    to_http(resp)
}

pub(crate) fn to_http(r: GraphResponse) -> Response {
    let mut resp = Response::new(Body::from(r.body));
    *resp.status_mut() = r.status;
    *resp.headers_mut() = r.headers;
    resp.into_response()
}

/// Run one Graph operation and always produce a response.
pub(crate) async fn execute(em: &Arc<Emulator>, req: GraphRequest) -> GraphResponse {
    let request_id = Uuid::new_v4().to_string();
    let client_rid = req.header("client-request-id").map(str::to_string);
    let mut resp = match execute_inner(em, &req).await {
        Ok(r) => r,
        Err(e) => e.into_response(&request_id, client_rid.as_deref()),
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers.insert("request-id", v);
    }
    if let Some(v) = client_rid.and_then(|c| HeaderValue::from_str(&c).ok()) {
        resp.headers.insert("client-request-id", v);
    }
    resp
}

fn bearer(req: &GraphRequest) -> Option<&str> {
    let v = req.header("authorization")?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

/// An injected fault: its status and whether it strikes after the change.
struct Fault {
    status: u16,
    after: bool,
}

fn draw_fault(s: &Settings, template: &str) -> Option<Fault> {
    if s.fault_rate <= 0.0 || s.fault_statuses.is_empty() {
        return None;
    }
    if !s.fault_match.is_empty() && !template.contains(&s.fault_match) {
        return None;
    }
    let mut rng = rand::rng();
    if rng.random::<f64>() >= s.fault_rate {
        return None;
    }
    let status = s.fault_statuses[rng.random_range(0..s.fault_statuses.len())];
    // Graph throttles before it does the work: a 429 never hides a change.
    Some(Fault {
        status,
        after: status != 429 && rng.random::<f64>() < s.fault_after_ratio,
    })
}

fn fault_error(status: u16) -> GraphError {
    let st = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    match status {
        429 => GraphError::throttled(1, "Application is over its MailboxConcurrency limit."),
        503 => GraphError::new(
            st,
            "serviceNotAvailable",
            "Service is unavailable. Try again later.",
        )
        .with_retry_after(1),
        504 => GraphError::new(st, "UnknownError", "The operation has timed out."),
        _ => GraphError::new(
            st,
            "generalException",
            "An internal server error occurred. The operation failed.",
        ),
    }
}

async fn execute_inner(
    em: &Arc<Emulator>,
    req: &GraphRequest,
) -> Result<GraphResponse, GraphError> {
    let now = Utc::now();
    let token = bearer(req).ok_or_else(|| {
        GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token is empty.",
        )
    })?;
    let principal = {
        let dir = em.directory.read();
        tokens::verify_access_token(&em.keys, &dir, token, now.timestamp())
    }
    .map_err(|r| {
        GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            r.message(),
        )
    })?;
    let route = route::parse(&req.method, &req.path)?;
    let owner = {
        let dir = em.directory.read();
        let actor = match &principal {
            Principal::Delegated { user, .. } => dir.user_by_oid(*user).cloned(),
            Principal::App { .. } => None,
        };
        match &route.mailbox {
            MailboxRef::Me => match actor {
                Some(a) => a,
                None => {
                    return Err(GraphError::bad_request(
                        "/me request is only valid with delegated authentication flow.",
                    ));
                }
            },
            MailboxRef::User(key) => dir.user(key).cloned().ok_or_else(|| {
                GraphError::new(
                    StatusCode::NOT_FOUND,
                    "ErrorInvalidUser",
                    format!("The requested user '{key}' is invalid."),
                )
            })?,
        }
    };
    let settings = em.settings.read().clone();
    em.stats.operation(Some(&owner.upn), &route.template);
    let _slot = em
        .throttle
        .admit(
            principal.client_id(),
            &owner.upn,
            settings.concurrency_per_mailbox,
            settings.rate_limit_requests,
            Duration::from_secs(settings.rate_limit_window_s),
        )
        .map_err(|refusal| {
            em.stats.throttled.fetch_add(1, Ordering::Relaxed);
            match refusal {
                super::throttle::Refusal::Concurrency(s) => {
                    GraphError::throttled(s, "Application is over its MailboxConcurrency limit.")
                }
                super::throttle::Refusal::Rate(s) => {
                    GraphError::throttled(s, "Application is over its request limit.")
                }
            }
        })?;
    let fault = draw_fault(&settings, &route.template);
    if let Some(f) = &fault
        && !f.after
    {
        em.stats.faults.fetch_add(1, Ordering::Relaxed);
        return Err(fault_error(f.status));
    }
    if settings.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(settings.latency_ms)).await;
    }
    {
        let dir = em.directory.read();
        access::authorize(&dir, &principal, &owner, &route.op)?;
    }
    let ctx = Ctx {
        em,
        req,
        principal: &principal,
        owner,
        prefer: Prefer::parse(&req.headers),
        settings,
        now,
    };
    let result = dispatch(&ctx, route.op).await;
    if result.as_ref().is_ok_and(|r| r.status.is_success()) && route_writes(&req.method) {
        em.mark_dirty();
    }
    if let Some(f) = fault {
        em.stats.faults.fetch_add(1, Ordering::Relaxed);
        return Err(fault_error(f.status));
    }
    result
}

fn route_writes(m: &Method) -> bool {
    *m != Method::GET
}

async fn dispatch(ctx: &Ctx<'_>, op: Op) -> Result<GraphResponse, GraphError> {
    match op {
        Op::GetUser => Ok(render::user_response(ctx)),
        Op::ListFolders { parent } => folders::list(ctx, parent.as_deref()),
        Op::CreateFolder { parent } => folders::create(ctx, parent.as_deref()),
        Op::GetFolder(f) => folders::get(ctx, &f),
        Op::PatchFolder(f) => folders::patch(ctx, &f),
        Op::DeleteFolder(f) => folders::delete(ctx, &f, false),
        Op::PermanentDeleteFolder(f) => folders::delete(ctx, &f, true),
        Op::MoveFolder(f) => folders::move_or_copy(ctx, &f, false),
        Op::CopyFolder(f) => folders::move_or_copy(ctx, &f, true),
        Op::FolderDelta => delta::folders(ctx),
        Op::ListMessages { folder } => messages::list(ctx, folder.as_deref()),
        Op::CreateMessage { folder } => compose::create(ctx, folder.as_deref()),
        Op::MessageDelta { folder: Some(f) } => delta::messages(ctx, &f),
        Op::MessageDelta { folder: None } => Err(GraphError::invalid_request(
            "Change tracking is not supported against 'microsoft.graph.message'.",
        )),
        Op::GetMessage { folder, id } => messages::get(ctx, folder.as_deref(), &id),
        Op::PatchMessage { folder, id } => compose::patch(ctx, folder.as_deref(), &id),
        Op::DeleteMessage { folder, id } => messages::delete(ctx, folder.as_deref(), &id, false),
        Op::PermanentDeleteMessage(id) => messages::delete(ctx, None, &id, true),
        Op::GetMime { folder, id } => messages::get_mime(ctx, folder.as_deref(), &id),
        Op::PutMime { folder, id } => compose::put_mime(ctx, folder.as_deref(), &id),
        Op::MoveMessage(id) => messages::move_or_copy(ctx, &id, false),
        Op::CopyMessage(id) => messages::move_or_copy(ctx, &id, true),
        Op::SendDraft(id) => send::send_draft(ctx, &id),
        Op::CreateReply(id, kind) => send::create_reply(ctx, &id, kind),
        Op::ReplyNow(id, kind) => send::reply_now(ctx, &id, kind),
        Op::SendMail => send::send_mail(ctx),
        Op::ListAttachments(id) => attachments::list(ctx, &id),
        Op::CreateAttachment(id) => attachments::create(ctx, &id),
        Op::GetAttachment(id, a) => attachments::get(ctx, &id, &a),
        Op::DeleteAttachment(id, a) => attachments::delete(ctx, &id, &a),
        Op::GetAttachmentValue(id, a) => attachments::value(ctx, &id, &a),
        Op::CreateUploadSession(id) => uploads::create_session(ctx, &id),
        Op::TranslateIds => messages::translate_ids(ctx),
    }
}
