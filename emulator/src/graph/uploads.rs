//! Attachment upload sessions (3-150 MB): `createUploadSession` hands out a
//! pre-authenticated URL on the "Outlook" host; the client PUTs the bytes in
//! order, in chunks of at most 4 MB, without an Authorization header; the last
//! chunk adds the attachment to the message (docs/microsoft-graph.md §12).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::ctx::Ctx;
use super::error::GraphError;
use super::lookup::key_of;
use super::render::attachment_id;
use super::response::{GraphResponse, to_http};
use super::upload_sessions::Session;
use crate::props::{self, NewAttachment};
use crate::tenant::Emulator;

const MIN_SIZE: usize = 3 * 1024 * 1024;
const MAX_SIZE: usize = 150 * 1024 * 1024;
const MAX_CHUNK: usize = 4 * 1024 * 1024;

fn item(body: &Value) -> Option<&Value> {
    body.get("AttachmentItem")
        .or_else(|| body.get("attachmentItem"))
}

pub(crate) fn create_session(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    let body = ctx.body_json()?;
    let it = item(&body)
        .ok_or_else(|| GraphError::bad_request("The parameter 'AttachmentItem' is required."))?;
    let ty = it
        .get("attachmentType")
        .and_then(Value::as_str)
        .unwrap_or("file");
    if !ty.eq_ignore_ascii_case("file") {
        return Err(GraphError::bad_request(
            "Only file attachments can be uploaded in a session.",
        ));
    }
    let name = it
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("attachment")
        .to_string();
    let size = it.get("size").and_then(Value::as_u64).ok_or_else(|| {
        GraphError::bad_request("The attachment item must state its size in bytes.")
    })? as usize;
    if size < MIN_SIZE {
        return Err(
            GraphError::bad_request("Attachment size should not be less than 3 MB.")
                .into_code("ErrorAttachmentSizeShouldNotBeLessThanMinimumSize"),
        );
    }
    if size > MAX_SIZE || size > ctx.settings.max_message_bytes {
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ErrorAttachmentSizeLimitExceeded",
            "The attachment is larger than the mailbox allows.",
        ));
    }
    let message = {
        let mb = ctx.mailbox()?;
        let mb = mb.lock();
        key_of(&mb, None, id)?
    };
    let sid = Uuid::new_v4().simple().to_string();
    let auth = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
    let expires = ctx.now + Duration::minutes(15);
    let url = format!(
        "{}/outlook/api/v2.0/uploads/{sid}?authtoken={auth}",
        ctx.req.base
    );
    ctx.em.uploads.sessions.lock().insert(
        sid,
        Session {
            owner: ctx.owner.oid,
            message,
            auth,
            name,
            content_type: it
                .get("contentType")
                .and_then(Value::as_str)
                .unwrap_or("application/octet-stream")
                .into(),
            is_inline: it.get("isInline").and_then(Value::as_bool).unwrap_or(false),
            content_id: it
                .get("contentId")
                .and_then(Value::as_str)
                .map(str::to_string),
            size,
            data: Vec::with_capacity(size.min(MAX_CHUNK * 4)),
            expires,
            upn: ctx.owner.upn.clone(),
        },
    );
    let v = json!({
        "@odata.context": format!("{}/$metadata#microsoft.graph.uploadSession", ctx.service_root()),
        "uploadUrl": url,
        "expirationDateTime": expires.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "nextExpectedRanges": ["0-"],
    });
    Ok(GraphResponse::json(StatusCode::CREATED, &v))
}

#[derive(serde::Deserialize)]
pub(crate) struct AuthQuery {
    authtoken: Option<String>,
}

fn err(status: StatusCode, code: &str, msg: &str) -> Response {
    to_http(GraphError::new(status, code, msg).into_response(&Uuid::new_v4().to_string(), None))
}

/// Parse `bytes start-end/total`.
fn content_range(h: &HeaderMap) -> Option<(usize, usize, usize)> {
    let v = h.get("content-range")?.to_str().ok()?.trim();
    let rest = v.strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.trim().parse().ok()?,
    ))
}

/// `PUT {uploadUrl}`: one chunk.
pub(crate) async fn put_chunk(
    State(em): State<Arc<Emulator>>,
    Path(sid): Path<String>,
    Query(q): Query<AuthQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if headers.contains_key("authorization") {
        return err(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Do not send an Authorization header to a pre-authenticated upload URL.",
        );
    }
    let upn = {
        let sessions = em.uploads.sessions.lock();
        match sessions.get(&sid) {
            Some(s) if Some(&s.auth) == q.authtoken.as_ref() && s.expires > Utc::now() => {
                s.upn.clone()
            }
            _ => {
                return err(
                    StatusCode::NOT_FOUND,
                    "ErrorItemNotFound",
                    "The upload session was not found or has expired.",
                );
            }
        }
    };
    let settings = em.settings.read().clone();
    em.stats
        .operation(Some(&upn), "PUT /outlook/uploads/{session}");
    if settings.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(settings.latency_ms)).await;
    }
    let Some((start, end, total)) = content_range(&headers) else {
        return err(
            StatusCode::BAD_REQUEST,
            "invalidRange",
            "A valid Content-Range header is required.",
        );
    };
    let mut sessions = em.uploads.sessions.lock();
    let Some(s) = sessions.get_mut(&sid) else {
        return err(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The upload session was not found or has expired.",
        );
    };
    if body.len() > MAX_CHUNK {
        return err(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ErrorRequestEntityTooLarge",
            "Each chunk must be 4 MB or less.",
        );
    }
    if total != s.size
        || start != s.data.len()
        || end < start
        || end - start + 1 != body.len()
        || end >= total
    {
        return err(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalidRange",
            &format!(
                "The uploaded fragment does not match the expected range {}-.",
                s.data.len()
            ),
        );
    }
    s.data.extend_from_slice(&body);
    s.expires = Utc::now() + Duration::minutes(15);
    if s.data.len() < s.size {
        let v = json!({
            "expirationDateTime": s.expires.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "nextExpectedRanges": [format!("{}", s.data.len())],
        });
        return to_http(GraphResponse::json(StatusCode::OK, &v));
    }
    let Some(done) = sessions.remove(&sid) else {
        return err(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The upload session was not found.",
        );
    };
    drop(sessions);
    finish(&em, done)
}

fn finish(em: &Arc<Emulator>, s: Session) -> Response {
    let Some(mb) = em.mailbox(s.owner) else {
        return err(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The message was not found.",
        );
    };
    let mut mb = mb.lock();
    let Some(m) = mb.messages.get_mut(&s.message) else {
        return err(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The message was not found.",
        );
    };
    let new = NewAttachment {
        name: &s.name,
        content_type: &s.content_type,
        bytes: &s.data,
        is_inline: s.is_inline,
        content_id: s.content_id.as_deref(),
    };
    let mime = props::add_attachment(&m.mime, &new);
    m.set_mime(Bytes::from(mime));
    let aid = m
        .props
        .attachments
        .last()
        .map(|a| attachment_id(m, a))
        .unwrap_or_default();
    let rest = m.rest_id.clone();
    mb.touch_message(&s.message, Utc::now());
    em.mark_dirty();
    let mut resp = GraphResponse::empty(StatusCode::CREATED);
    let loc = format!(
        "https://outlook.office.com/api/v2.0/Users('{}')/Messages('{rest}')/Attachments('{aid}')",
        s.owner
    );
    if let Ok(v) = HeaderValue::from_str(&loc) {
        resp.headers.insert("location", v);
    }
    to_http(resp)
}
