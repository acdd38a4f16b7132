//! Creating and changing messages: POST from MIME (always a draft) or JSON
//! (PR_MESSAGE_FLAGS at creation decides draft or not), PATCH with Graph's
//! rules on what may change after sending, `PUT $value`, and the extended
//! properties of requests.

use axum::http::StatusCode;
use base64::Engine;
use bytes::Bytes;
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::error::GraphError;
use super::lookup::{key_of, resolve};
use super::messages::entity_response;
use super::response::GraphResponse;
use crate::mailstore::{FlagStatus, ItemClass, StoredMessage};
use crate::odata;
use crate::props::{self, BuildContext, BuildError, Importance, Recipient};

/// Decode a base64 MIME request body (line breaks allowed).
pub(crate) fn decode_mime_body(body: &[u8]) -> Result<Vec<u8>, GraphError> {
    let compact: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let invalid = || {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorMimeContentInvalidBase64String",
            "Invalid base64 string for MIME content.",
        )
    };
    let mime = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|_| invalid())?;
    if mime.is_empty() {
        return Err(invalid());
    }
    Ok(mime)
}

fn check_size(ctx: &Ctx<'_>, n: usize) -> Result<(), GraphError> {
    if ctx.req.body.len() > ctx.settings.max_request_bytes {
        return Err(GraphError::too_large());
    }
    if n > ctx.settings.max_message_bytes {
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ErrorMessageSizeExceeded",
            "The message exceeds the maximum supported size.",
        ));
    }
    Ok(())
}

pub(crate) fn put_mime(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    if !ctx.req.content_type().starts_with("text/plain") {
        return Err(GraphError::bad_request(
            "The MIME content must be sent as base64 with Content-Type text/plain.",
        ));
    }
    let mime = decode_mime_body(&ctx.req.body)?;
    check_size(ctx, mime.len())?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let key = key_of(&mb, folder, id)?;
    if let Some(m) = mb.messages.get_mut(&key) {
        if ctx.settings.put_value_drafts_only && !m.is_draft {
            return Err(sent_message_error());
        }
        m.set_mime(Bytes::from(mime));
    }
    mb.touch_message(&key, ctx.now);
    Ok(GraphResponse::empty(StatusCode::NO_CONTENT))
}

fn build_error(e: BuildError) -> GraphError {
    match e {
        BuildError::InvalidHeader(name) => GraphError::new(
            StatusCode::BAD_REQUEST,
            "InvalidInternetMessageHeader",
            format!("The internet message header name '{name}' should start with 'x-' or 'X-'."),
        ),
        BuildError::Invalid(msg) => GraphError::invalid_request(msg),
    }
}

/// Known MAPI properties and the type Graph insists on.
const TYPED_TAGS: [(&str, &str); 12] = [
    ("0xe08", "Integer"),
    ("0xe07", "Integer"),
    ("0x1081", "Integer"),
    ("0x1080", "Integer"),
    ("0x1082", "SystemTime"),
    ("0xe06", "SystemTime"),
    ("0x39", "SystemTime"),
    ("0x1a", "String"),
    ("0x7d", "String"),
    ("0x1042", "String"),
    ("0x1039", "String"),
    ("0x1000", "String"),
];

fn invalid_ext() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidExtendedProperty",
        "The extended property attribute combination is invalid.",
    )
}

/// What Exchange answers to a change of a draft-only property of an item
/// that is not a draft.
fn sent_message_error() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidPropertyUpdateSentMessage",
        "Update operation is invalid for property of a sent message.",
    )
}

fn save_error() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorItemSavePropertyError",
        "Item save operation did not succeed.",
    )
}

/// Parse `singleValueExtendedProperties` of a request into (normalised id, value).
pub(crate) fn ext_properties(body: &Value) -> Result<Vec<(String, String)>, GraphError> {
    let Some(list) = body.get("singleValueExtendedProperties") else {
        return Ok(Vec::new());
    };
    let list = list.as_array().ok_or_else(invalid_ext)?;
    let mut out = Vec::new();
    for p in list {
        let id = p
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(invalid_ext)?;
        let value = p
            .get("value")
            .and_then(Value::as_str)
            .ok_or_else(invalid_ext)?;
        let norm = odata::normalize_property_id(id).ok_or_else(invalid_ext)?;
        let (ty, tag) = norm.split_once(' ').unwrap_or((norm.as_str(), ""));
        if let Some((_, want)) = TYPED_TAGS.iter().find(|(t, _)| *t == tag)
            && !ty.eq_ignore_ascii_case(want)
        {
            return Err(invalid_ext());
        }
        if ty.eq_ignore_ascii_case("Integer") && value.trim().parse::<i64>().is_err() {
            return Err(invalid_ext());
        }
        if ty.eq_ignore_ascii_case("SystemTime")
            && chrono::DateTime::parse_from_rfc3339(value).is_err()
        {
            return Err(invalid_ext());
        }
        out.push((norm, value.to_string()));
    }
    Ok(out)
}

fn is_tag(id: &str, tag: &str) -> bool {
    id.split_once(' ').is_some_and(|(_, t)| t == tag)
}

pub(crate) fn create(ctx: &Ctx<'_>, folder: Option<&str>) -> Result<GraphResponse, GraphError> {
    let ct = ctx.req.content_type();
    let mb_arc = ctx.mailbox()?;
    if ct.starts_with("text/plain") {
        let mime = decode_mime_body(&ctx.req.body)?;
        check_size(ctx, mime.len())?;
        let mut mb = mb_arc.lock();
        let dest = match folder {
            Some(f) => resolve(&mb, f)?,
            None => mb.well_known_id("drafts"),
        };
        // Items created from MIME are always drafts (docs/microsoft-graph.md §10).
        let key = mb.insert(
            &dest,
            Bytes::from(mime),
            true,
            true,
            ctx.now,
            ctx.now,
            0x8,
            ItemClass::Message,
        );
        let m = mb
            .messages
            .get(&key)
            .ok_or_else(GraphError::item_not_found)?;
        return entity_response(ctx, m, StatusCode::CREATED);
    }
    if !ct.starts_with("application/json") && !ct.is_empty() {
        return Err(GraphError::bad_request(format!(
            "Content type '{ct}' is not supported here."
        )));
    }
    if ctx.req.body.len() > ctx.settings.max_request_bytes {
        return Err(GraphError::too_large());
    }
    let body = ctx.body_json()?;
    let ext = ext_properties(&body)?;
    let build = BuildContext {
        default_from: default_from(ctx),
        domain: &domain(ctx),
        now: ctx.now,
    };
    let mime = props::mime_from_json(&body, &build).map_err(build_error)?;
    check_size(ctx, mime.len())?;
    // PR_MESSAGE_FLAGS can be set at creation only: without mfUnsent the item is not a draft.
    let flags = ext
        .iter()
        .find(|(id, _)| is_tag(id, "0xe07"))
        .and_then(|(_, v)| v.trim().parse::<u32>().ok());
    let is_draft = flags.is_none_or(|f| f & 0x8 != 0);
    let is_read = match body.get("isRead").and_then(Value::as_bool) {
        Some(r) => r,
        None => flags.map(|f| f & 0x1 != 0).unwrap_or(true),
    };
    let received = ext
        .iter()
        .find(|(id, _)| is_tag(id, "0xe06"))
        .and_then(|(_, v)| chrono::DateTime::parse_from_rfc3339(v).ok())
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or(ctx.now);
    let mut mb = mb_arc.lock();
    let dest = match folder {
        Some(f) => resolve(&mb, f)?,
        None => mb.well_known_id("drafts"),
    };
    let creation_flags = flags.unwrap_or(0x8) & !0x1;
    let key = mb.insert(
        &dest,
        Bytes::from(mime),
        is_read,
        is_draft,
        received,
        ctx.now,
        creation_flags,
        ItemClass::Message,
    );
    if let Some(m) = mb.messages.get_mut(&key) {
        apply_state(m, &body)?;
        for (id, v) in ext {
            if !["0xe07", "0xe08", "0xe06", "0x39", "0x1a"]
                .iter()
                .any(|t| is_tag(&id, t))
            {
                m.ext.insert(id, v);
            }
        }
    }
    let m = mb
        .messages
        .get(&key)
        .ok_or_else(GraphError::item_not_found)?;
    entity_response(ctx, m, StatusCode::CREATED)
}

fn domain(ctx: &Ctx<'_>) -> String {
    ctx.em.directory.read().domain.clone()
}

pub(crate) fn default_from(ctx: &Ctx<'_>) -> Recipient {
    Recipient {
        name: Some(ctx.owner.display_name.clone()),
        address: ctx.owner.upn.clone(),
    }
}

/// Apply the always-updatable state properties of a JSON body.
fn apply_state(m: &mut StoredMessage, body: &Value) -> Result<bool, GraphError> {
    let mut changed = false;
    if let Some(v) = body.get("isRead") {
        m.is_read = v
            .as_bool()
            .ok_or_else(|| GraphError::bad_request("isRead must be a boolean."))?;
        changed = true;
    }
    if let Some(v) = body.get("flag") {
        let status = v
            .get("flagStatus")
            .and_then(Value::as_str)
            .unwrap_or("notFlagged");
        m.flag = FlagStatus::parse(status).ok_or_else(|| {
            GraphError::bad_request(format!("Invalid value '{status}' for flagStatus."))
        })?;
        changed = true;
    }
    if let Some(v) = body.get("categories") {
        let list = v
            .as_array()
            .ok_or_else(|| GraphError::bad_request("categories must be an array of strings."))?;
        m.categories = list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        changed = true;
    }
    if let Some(v) = body.get("importance") {
        let s = v.as_str().unwrap_or_default().to_ascii_lowercase();
        m.importance = Some(match s.as_str() {
            "low" => Importance::Low,
            "normal" => Importance::Normal,
            "high" => Importance::High,
            _ => {
                return Err(GraphError::bad_request(format!(
                    "Invalid value '{s}' for importance."
                )));
            }
        });
        changed = true;
    }
    if let Some(v) = body.get("inferenceClassification") {
        m.inference_focused = !v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("other"));
        changed = true;
    }
    Ok(changed)
}

const DRAFT_ONLY: [&str; 5] = ["subject", "body", "internetMessageId", "from", "sender"];
const HEADER_PROPS: [(&str, &str); 4] = [
    ("toRecipients", "To"),
    ("ccRecipients", "Cc"),
    ("bccRecipients", "Bcc"),
    ("replyTo", "Reply-To"),
];
const STATE_PROPS: [&str; 5] = [
    "isRead",
    "flag",
    "categories",
    "importance",
    "inferenceClassification",
];
const READ_ONLY: [&str; 16] = [
    "id",
    "changeKey",
    "createdDateTime",
    "lastModifiedDateTime",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "bodyPreview",
    "parentFolderId",
    "conversationId",
    "conversationIndex",
    "isDraft",
    "webLink",
    "internetMessageHeaders",
    "uniqueBody",
    "isReadReceiptRequested",
];

fn parse_recipients(v: &Value) -> Result<Vec<Recipient>, GraphError> {
    let list = v
        .as_array()
        .ok_or_else(|| GraphError::bad_request("Recipients must be an array."))?;
    list.iter()
        .map(|r| {
            let e = &r["emailAddress"];
            let address = e["address"]
                .as_str()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| {
                    GraphError::invalid_request(
                        "At least one recipient is not valid., Recipient is missing an address.",
                    )
                })?;
            Ok(Recipient {
                name: e["name"].as_str().map(str::to_string),
                address: address.to_string(),
            })
        })
        .collect()
}

pub(crate) fn patch(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let body = ctx.body_json()?;
    let obj = body
        .as_object()
        .ok_or_else(|| GraphError::bad_request("The request body must be a JSON object."))?;
    let ext = ext_properties(&body)?;
    let mb_arc = ctx.mailbox()?;
    let mut mb = mb_arc.lock();
    let key = key_of(&mb, folder, id)?;
    let is_draft = mb.messages.get(&key).is_some_and(|m| m.is_draft);
    for k in obj.keys() {
        let known = k.starts_with('@')
            || k == "singleValueExtendedProperties"
            || DRAFT_ONLY.contains(&k.as_str())
            || HEADER_PROPS.iter().any(|(p, _)| p == k)
            || STATE_PROPS.contains(&k.as_str())
            || READ_ONLY.contains(&k.as_str())
            || k == "isDeliveryReceiptRequested";
        if !known {
            return Err(GraphError::bad_request(format!(
                "The property '{k}' does not exist on type 'microsoft.graph.message'. Make sure to only use property names that are defined by the type or mark the type as open type."
            )));
        }
        if DRAFT_ONLY.contains(&k.as_str()) && !is_draft {
            return Err(sent_message_error());
        }
    }
    for (id, _) in &ext {
        if ["0xe07", "0xe08", "0x1a"].iter().any(|t| is_tag(id, t)) {
            return Err(save_error());
        }
    }
    let Some(m) = mb.messages.get_mut(&key) else {
        return Err(GraphError::item_not_found());
    };
    let mut changed = apply_state(m, &body)?;
    let mut mime = m.mime.to_vec();
    let mut mime_changed = false;
    for (prop, header) in HEADER_PROPS {
        if let Some(v) = body.get(prop) {
            let list = parse_recipients(v)?;
            mime = if list.is_empty() {
                props::remove_header(&mime, header)
            } else {
                let value = list
                    .iter()
                    .map(props::format_address)
                    .collect::<Vec<_>>()
                    .join(", ");
                props::set_header(&mime, header, &value)
            };
            mime_changed = true;
        }
    }
    if is_draft {
        if let Some(s) = body.get("subject").and_then(Value::as_str) {
            mime = props::set_header(&mime, "Subject", &encode_header_text(s));
            mime_changed = true;
        }
        if let Some(s) = body.get("internetMessageId").and_then(Value::as_str) {
            mime = props::set_header(&mime, "Message-ID", s);
            mime_changed = true;
        }
        for (prop, header) in [("from", "From"), ("sender", "Sender")] {
            if let Some(v) = body.get(prop) {
                let r = parse_recipients(&Value::Array(vec![v.clone()]))?;
                mime = props::set_header(&mime, header, &props::format_address(&r[0]));
                mime_changed = true;
            }
        }
        if body.get("body").is_some() {
            mime = rebuild_draft_body(ctx, m, &body)?;
            mime_changed = true;
        }
    }
    if mime_changed {
        m.set_mime(Bytes::from(mime));
        changed = true;
    }
    for (id, v) in ext {
        // PR_MESSAGE_DELIVERY_TIME is receivedDateTime (already checked
        // to be a date); the other properties are kept as written.
        if is_tag(&id, "0xe06") {
            if let Ok(at) = chrono::DateTime::parse_from_rfc3339(&v) {
                m.received = at.with_timezone(&chrono::Utc);
            }
        } else {
            m.ext.insert(id, v);
        }
        changed = true;
    }
    if changed {
        mb.touch_message(&key, ctx.now);
    }
    let m = mb
        .messages
        .get(&key)
        .ok_or_else(GraphError::item_not_found)?;
    entity_response(ctx, m, StatusCode::OK)
}

/// RFC 2047-encode a header text when it is not plain ASCII.
pub(crate) fn encode_header_text(s: &str) -> String {
    if s.is_ascii() {
        s.to_string()
    } else {
        format!(
            "=?utf-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
        )
    }
}

/// A draft whose body changed is regenerated from its JSON view (as Exchange
/// regenerates MIME from its store).
fn rebuild_draft_body(
    ctx: &Ctx<'_>,
    m: &StoredMessage,
    patch: &Value,
) -> Result<Vec<u8>, GraphError> {
    let r = |v: &[Recipient]| -> Value {
        Value::Array(
            v.iter()
                .map(|x| json!({"emailAddress": {"name": x.name, "address": x.address}}))
                .collect(),
        )
    };
    let p = &m.props;
    let mut msg = json!({
        "subject": p.subject,
        "toRecipients": r(&p.to),
        "ccRecipients": r(&p.cc),
        "bccRecipients": r(&p.bcc),
        "replyTo": r(&p.reply_to),
        "internetMessageId": p.internet_message_id,
        "body": patch["body"],
    });
    if let Some(f) = &p.from {
        msg["from"] = json!({"emailAddress": {"name": f.name, "address": f.address}});
    }
    let build = BuildContext {
        default_from: default_from(ctx),
        domain: &domain(ctx),
        now: ctx.now,
    };
    let mut mime = props::mime_from_json(&msg, &build).map_err(build_error)?;
    for a in &p.attachments {
        if let Some(bytes) = props::attachment_content(&m.mime, a.index) {
            mime = props::add_attachment(
                &mime,
                &props::NewAttachment {
                    name: &a.name,
                    content_type: &a.content_type,
                    bytes: &bytes,
                    is_inline: a.is_inline,
                    content_id: a.content_id.as_deref(),
                },
            );
        }
    }
    Ok(mime)
}
