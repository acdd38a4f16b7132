//! Attachment endpoints: list, get, add (under 3 MB, as JSON with
//! contentBytes), delete, and `$value`. Attachments live inside the message's
//! MIME, so adding or removing one rewrites the MIME.

use axum::http::{HeaderValue, StatusCode};
use base64::Engine;
use bytes::Bytes;
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::error::GraphError;
use super::lookup::key_of;
use super::render::{attachment_id, attachment_json, attachments_json};
use super::response::GraphResponse;
use crate::mailstore::StoredMessage;
use crate::props::{self, AttachmentInfo, NewAttachment};

/// Largest attachment Graph takes in one `POST …/attachments`.
pub(crate) const DIRECT_LIMIT: usize = 3 * 1024 * 1024;

pub(crate) fn list(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let key = key_of(&mb, None, id)?;
    let m = mb
        .messages
        .get(&key)
        .ok_or_else(GraphError::item_not_found)?;
    let body = json!({
        "@odata.context": format!("{}/$metadata#{}/messages('{}')/attachments", ctx.service_root(), ctx.context_user(), id),
        "value": attachments_json(m),
    });
    Ok(GraphResponse::json(StatusCode::OK, &body))
}

fn find<'a>(m: &'a StoredMessage, att: &str) -> Result<&'a AttachmentInfo, GraphError> {
    m.props
        .attachments
        .iter()
        .find(|a| attachment_id(m, a) == att)
        .ok_or_else(GraphError::item_not_found)
}

pub(crate) fn get(ctx: &Ctx<'_>, id: &str, att: &str) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let key = key_of(&mb, None, id)?;
    let m = mb
        .messages
        .get(&key)
        .ok_or_else(GraphError::item_not_found)?;
    let a = find(m, att)?;
    Ok(GraphResponse::json(
        StatusCode::OK,
        &attachment_json(m, a, true),
    ))
}

pub(crate) fn value(ctx: &Ctx<'_>, id: &str, att: &str) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let key = key_of(&mb, None, id)?;
    let m = mb
        .messages
        .get(&key)
        .ok_or_else(GraphError::item_not_found)?;
    let a = find(m, att)?;
    let bytes =
        props::attachment_content(&m.mime, a.index).ok_or_else(GraphError::item_not_found)?;
    // File bytes come as octet-stream whatever their type; an attached item as its MIME.
    let ct = if a.is_item {
        "text/plain"
    } else {
        "application/octet-stream"
    };
    Ok(GraphResponse::new(StatusCode::OK, Bytes::from(bytes), ct))
}

/// Add an attachment to a stored message and answer with its JSON.
pub(crate) fn attach(
    ctx: &Ctx<'_>,
    key: &str,
    new: &NewAttachment<'_>,
) -> Result<(StatusCode, Value, String), GraphError> {
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let m = mb
        .messages
        .get_mut(key)
        .ok_or_else(GraphError::item_not_found)?;
    let mime = props::add_attachment(&m.mime, new);
    if mime.len() > ctx.settings.max_message_bytes {
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ErrorMessageSizeExceeded",
            "The message exceeds the maximum supported size.",
        ));
    }
    m.set_mime(Bytes::from(mime));
    let a = m
        .props
        .attachments
        .last()
        .cloned()
        .ok_or_else(GraphError::item_not_found)?;
    let v = attachment_json(m, &a, false);
    let aid = attachment_id(m, &a);
    mb.touch_message(key, ctx.now);
    Ok((StatusCode::CREATED, v, aid))
}

pub(crate) fn create(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    if ctx.req.body.len() > ctx.settings.max_request_bytes {
        return Err(GraphError::too_large());
    }
    let body = ctx.body_json()?;
    let ty = body
        .get("@odata.type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !ty.eq_ignore_ascii_case("#microsoft.graph.fileAttachment") {
        return Err(GraphError::bad_request(
            "Only '#microsoft.graph.fileAttachment' attachments can be added here (set @odata.type).",
        ));
    }
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("attachment");
    let content_type = body
        .get("contentType")
        .and_then(Value::as_str)
        .unwrap_or("application/octet-stream");
    let b64 = body
        .get("contentBytes")
        .and_then(Value::as_str)
        .ok_or_else(|| GraphError::bad_request("The property 'contentBytes' is required."))?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| GraphError::bad_request("The value of 'contentBytes' is not valid base64."))?;
    if bytes.len() > DIRECT_LIMIT {
        return Err(GraphError::too_large());
    }
    let key = {
        let mb = ctx.mailbox()?;
        let mb = mb.lock();
        key_of(&mb, None, id)?
    };
    let new = NewAttachment {
        name,
        content_type,
        bytes: &bytes,
        is_inline: body
            .get("isInline")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        content_id: body.get("contentId").and_then(Value::as_str),
    };
    let (status, v, _) = attach(ctx, &key, &new)?;
    Ok(GraphResponse::json(status, &v))
}

pub(crate) fn delete(ctx: &Ctx<'_>, id: &str, att: &str) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let key = key_of(&mb, None, id)?;
    let m = mb
        .messages
        .get_mut(&key)
        .ok_or_else(GraphError::item_not_found)?;
    let index = find(m, att)?.index;
    let mime = props::remove_attachment(&m.mime, index);
    m.set_mime(Bytes::from(mime));
    mb.touch_message(&key, ctx.now);
    let mut r = GraphResponse::empty(StatusCode::NO_CONTENT);
    r.headers
        .insert("content-length", HeaderValue::from_static("0"));
    Ok(r)
}
