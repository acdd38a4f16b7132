//! Graph's JSON shapes for messages, folders and users, built from the mail
//! store: default property sets, `$select`, extended properties through
//! `$expand`, immutable or default ids, HTML or text bodies.

use axum::http::StatusCode;
use base64::Engine;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::ctx::Ctx;
use super::error::GraphError;
use super::response::GraphResponse;
use crate::mailstore::{Folder, Mailbox, StoredMessage};
use crate::odata::{self, Entity, Expand};
use crate::props::{self, AttachmentInfo, Importance, Recipient};

/// Properties Graph returns for a message when there is no `$select`
/// (`internetMessageHeaders` and `uniqueBody` only when selected).
pub(crate) const DEFAULT_MESSAGE_PROPERTIES: [&str; 28] = [
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "internetMessageId",
    "subject",
    "bodyPreview",
    "importance",
    "parentFolderId",
    "conversationId",
    "conversationIndex",
    "isDeliveryReceiptRequested",
    "isReadReceiptRequested",
    "isRead",
    "isDraft",
    "webLink",
    "inferenceClassification",
    "body",
    "sender",
    "from",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
];

pub(crate) fn date(d: chrono::DateTime<chrono::Utc>) -> Value {
    json!(d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn recipient(r: &Recipient) -> Value {
    json!({"emailAddress": {"name": r.name.clone().unwrap_or_else(|| r.address.clone()), "address": r.address}})
}

fn recipients(v: &[Recipient]) -> Value {
    Value::Array(v.iter().map(recipient).collect())
}

fn importance(i: Importance) -> &'static str {
    match i {
        Importance::Low => "low",
        Importance::Normal => "normal",
        Importance::High => "high",
    }
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Thread key: the first References id, else In-Reply-To, else the message's own id.
fn conversation_seed(m: &StoredMessage) -> String {
    let header = |n: &str| {
        m.props
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    let first_id = |v: String| v.split_whitespace().next().map(str::to_string);
    header("References")
        .and_then(first_id)
        .or_else(|| header("In-Reply-To").and_then(first_id))
        .or_else(|| m.props.internet_message_id.clone())
        .unwrap_or_else(|| m.immutable_id.clone())
}

fn conversation_id(m: &StoredMessage) -> String {
    let d = Sha256::digest(conversation_seed(m).as_bytes());
    let mut b = vec![0x00, 0x10, 0x00];
    b.extend_from_slice(&d[..16]);
    format!(
        "AAQkA{}",
        base64::engine::general_purpose::URL_SAFE.encode(b)
    )
}

/// Every extended property the item has: stored ones and those Exchange computes.
pub(crate) fn extended_properties(m: &StoredMessage) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = vec![
        ("Integer 0xe08".into(), m.store_size().to_string()),
        ("Integer 0xe07".into(), m.message_flags().to_string()),
        ("String 0x1a".into(), "IPM.Note".into()),
        (
            "SystemTime 0xe06".into(),
            m.received.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ),
    ];
    if let Some(s) = m.props.sent {
        v.push((
            "SystemTime 0x39".into(),
            s.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ));
    }
    for (k, val) in &m.ext {
        if !v.iter().any(|(x, _)| x == k) {
            v.push((k.clone(), val.clone()));
        }
    }
    v
}

/// One property of a message as Graph's JSON.
pub(crate) fn message_property(ctx: &Ctx<'_>, m: &StoredMessage, name: &str) -> Value {
    let p = &m.props;
    match name {
        "id" => json!(ctx.message_id(m)),
        "createdDateTime" => date(m.created),
        "lastModifiedDateTime" => date(m.modified),
        "changeKey" => json!(m.change_key()),
        "categories" => json!(m.categories),
        "receivedDateTime" => date(m.received),
        "sentDateTime" => p.sent.map(date).unwrap_or_else(|| date(m.created)),
        "hasAttachments" => json!(p.has_attachments()),
        "internetMessageId" => json!(p.internet_message_id),
        "subject" => json!(p.subject),
        "bodyPreview" => json!(props::body_preview(&p.body_text)),
        "importance" => json!(importance(m.importance.unwrap_or(p.importance))),
        "parentFolderId" => json!(m.folder_id),
        "conversationId" => json!(conversation_id(m)),
        "conversationIndex" => {
            let d = Sha256::digest(conversation_seed(m).as_bytes());
            json!(base64::engine::general_purpose::STANDARD.encode(&d[..22]))
        }
        "isDeliveryReceiptRequested" => json!(p.delivery_receipt_requested),
        "isReadReceiptRequested" => json!(p.read_receipt_requested),
        "isRead" => json!(m.is_read),
        "isDraft" => json!(m.is_draft),
        "webLink" => json!(format!(
            "https://outlook.office365.com/owa/?ItemID={}&exvsurl=1&viewmodel=ReadMessageItem",
            percent_encoding::utf8_percent_encode(&m.rest_id, percent_encoding::NON_ALPHANUMERIC)
        )),
        "inferenceClassification" => json!(if m.inference_focused {
            "focused"
        } else {
            "other"
        }),
        "body" | "uniqueBody" => {
            if ctx.prefer.body_text {
                json!({"contentType": "text", "content": p.body_text})
            } else {
                let html = p.body_html.clone().unwrap_or_else(|| {
                    format!(
                        "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body><div>{}</div></body></html>",
                        escape_html(&p.body_text).replace("\r\n", "<br>").replace('\n', "<br>")
                    )
                });
                json!({"contentType": "html", "content": html})
            }
        }
        "sender" => p
            .sender
            .as_ref()
            .or(p.from.as_ref())
            .map(recipient)
            .unwrap_or(Value::Null),
        "from" => p.from.as_ref().map(recipient).unwrap_or(Value::Null),
        "toRecipients" => recipients(&p.to),
        "ccRecipients" => recipients(&p.cc),
        "bccRecipients" => recipients(&p.bcc),
        "replyTo" => recipients(&p.reply_to),
        "flag" => json!({"flagStatus": m.flag.as_str()}),
        "internetMessageHeaders" => Value::Array(
            p.headers
                .iter()
                .map(|(k, v)| json!({"name": k, "value": v}))
                .collect(),
        ),
        "singleValueExtendedProperties" => Value::Array(
            extended_properties(m)
                .into_iter()
                .map(|(id, value)| json!({"id": id, "value": value}))
                .collect(),
        ),
        "attachments" => Value::Array(
            p.attachments
                .iter()
                .map(|a| json!({"name": a.name, "contentType": a.content_type, "size": a.size}))
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// A message as JSON: `@odata.etag`, the selected (or default) properties,
/// and expanded extended properties.
pub(crate) fn message_json(
    ctx: &Ctx<'_>,
    m: &StoredMessage,
    select: Option<&[String]>,
    expand: &Expand,
) -> Value {
    let mut o = Map::new();
    o.insert("@odata.etag".into(), json!(m.etag()));
    o.insert("id".into(), json!(ctx.message_id(m)));
    let mut emit = |name: &str| {
        if name != "id" {
            o.insert(name.to_string(), message_property(ctx, m, name));
        }
    };
    match select {
        Some(names) => names.iter().for_each(|n| emit(n)),
        None => {
            DEFAULT_MESSAGE_PROPERTIES.iter().for_each(|n| emit(n));
            emit("flag");
        }
    }
    if !expand.single_value_properties.is_empty() {
        let all = extended_properties(m);
        let found: Vec<Value> = expand
            .single_value_properties
            .iter()
            // Both sides are normalised (`odata::normalize_property_id`):
            // what is left to differ is a named property's name, which
            // Graph compares case-sensitively.
            .filter_map(|want| all.iter().find(|(id, _)| id == want))
            .map(|(id, value)| json!({"id": id, "value": value}))
            .collect();
        if !found.is_empty() {
            o.insert("singleValueExtendedProperties".into(), Value::Array(found));
        }
    }
    if expand.attachments {
        o.insert("attachments".into(), attachments_json(m));
    }
    Value::Object(o)
}

/// Lets `$filter`, `$orderby` and `$search` read a stored message.
pub(crate) struct MessageEntity<'a, 'b> {
    pub ctx: &'a Ctx<'b>,
    pub m: &'a StoredMessage,
}

impl Entity for MessageEntity<'_, '_> {
    fn get(&self, path: &[&str]) -> Value {
        let Some((first, rest)) = path.split_first() else {
            return Value::Null;
        };
        let canonical = if first.eq_ignore_ascii_case("flag") {
            "flag"
        } else {
            first
        };
        let v = message_property(self.ctx, self.m, canonical);
        if rest.is_empty() {
            v
        } else {
            Entity::get(&v, rest)
        }
    }
}

/// A folder as JSON.
pub(crate) fn folder_json(mb: &Mailbox, f: &Folder) -> Value {
    let (total, unread) = mb.counts(&f.id);
    json!({
        "id": f.id,
        "displayName": f.display_name,
        "parentFolderId": f.parent_id,
        "childFolderCount": mb.children(&f.id).count(),
        "unreadItemCount": unread,
        "totalItemCount": total,
        "isHidden": f.is_hidden,
    })
}

pub(crate) fn folder_select(v: Value, select: Option<&[String]>) -> Value {
    match (v, select) {
        (Value::Object(o), Some(names)) => Value::Object(
            o.into_iter()
                .filter(|(k, _)| k == "id" || names.iter().any(|n| n.eq_ignore_ascii_case(k)))
                .collect(),
        ),
        (v, _) => v,
    }
}

pub(crate) fn user_response(ctx: &Ctx<'_>) -> GraphResponse {
    let u = &ctx.owner;
    let local = u.upn.split('@').next().unwrap_or_default();
    let v = json!({
        "@odata.context": format!("{}/$metadata#users/$entity", ctx.service_root()),
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": u.display_name.split_whitespace().next(),
        "surname": u.display_name.split_whitespace().nth(1),
        "jobTitle": null,
        "mail": u.upn,
        "mobilePhone": null,
        "officeLocation": null,
        "preferredLanguage": "en-US",
        "userPrincipalName": u.upn,
        "id": u.oid.to_string(),
        "mailNickname": local,
    });
    GraphResponse::json(StatusCode::OK, &v)
}

/// `GET mailboxSettings` (or its `timeZone` alone), as Graph answers it
/// (learn.microsoft.com/graph/api/user-get-mailboxsettings).
pub(crate) fn mailbox_settings(
    ctx: &Ctx<'_>,
    zone_only: bool,
) -> Result<GraphResponse, GraphError> {
    let zone = ctx.mailbox()?.lock().time_zone.clone();
    let root = ctx.service_root();
    let id = ctx.owner.oid;
    let v = if zone_only {
        json!({
            "@odata.context": format!("{root}/$metadata#users('{id}')/mailboxSettings/timeZone"),
            "value": zone,
        })
    } else {
        json!({
            "@odata.context": format!("{root}/$metadata#users('{id}')/mailboxSettings"),
            "archiveFolder": null,
            "timeZone": zone,
            "automaticRepliesSetting": {"status": "disabled", "externalAudience": "all",
                "internalReplyMessage": "", "externalReplyMessage": ""},
            "dateFormat": "yyyy-MM-dd",
            "timeFormat": "HH:mm",
            "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
            "language": {"locale": "en-US", "displayName": "English (United States)"},
            "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:00:00.0000000",
                "endTime": "17:00:00.0000000",
                "timeZone": {"name": zone},
            },
            "userPurpose": "user",
        })
    };
    Ok(GraphResponse::json(StatusCode::OK, &v))
}

/// Parse `$select` for messages (None when absent).
pub(crate) fn message_select(ctx: &Ctx<'_>) -> Result<Option<Vec<String>>, GraphError> {
    match ctx.req.query("$select") {
        None => Ok(None),
        Some(s) => odata::parse_select(s, odata::EntityType::Message)
            .map(Some)
            .map_err(|e| GraphError::new(StatusCode::BAD_REQUEST, e.code, e.message)),
    }
}

pub(crate) fn message_expand(ctx: &Ctx<'_>) -> Result<Expand, GraphError> {
    match ctx.req.query("$expand") {
        None => Ok(Expand::default()),
        Some(s) => odata::parse_expand(s)
            .map_err(|e| GraphError::new(StatusCode::BAD_REQUEST, e.code, e.message)),
    }
}

/// A stable attachment id for attachment `a` of message `m`.
pub(crate) fn attachment_id(m: &StoredMessage, a: &AttachmentInfo) -> String {
    let mut h = Sha256::new();
    h.update(m.immutable_id.as_bytes());
    h.update((a.index as u64).to_be_bytes());
    h.update(a.name.as_bytes());
    h.update((a.size as u64).to_be_bytes());
    let mut b = vec![0x00, 0x01, 0x12, 0x00];
    b.extend_from_slice(&h.finalize()[..24]);
    format!(
        "AAMkA{}",
        base64::engine::general_purpose::URL_SAFE.encode(b)
    )
}

pub(crate) fn attachment_json(m: &StoredMessage, a: &AttachmentInfo, with_bytes: bool) -> Value {
    let ty = if a.is_item {
        "#microsoft.graph.itemAttachment"
    } else {
        "#microsoft.graph.fileAttachment"
    };
    let mut v = json!({
        "@odata.type": ty,
        "@odata.mediaContentType": a.content_type,
        "id": attachment_id(m, a),
        "lastModifiedDateTime": date(m.modified),
        "name": a.name,
        "contentType": a.content_type,
        "size": a.size,
        "isInline": a.is_inline,
    });
    if !a.is_item {
        v["contentId"] = json!(a.content_id);
        v["contentLocation"] = Value::Null;
        if with_bytes {
            let bytes = props::attachment_content(&m.mime, a.index).unwrap_or_default();
            v["contentBytes"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes));
        }
    }
    v
}

pub(crate) fn attachments_json(m: &StoredMessage) -> Value {
    Value::Array(
        m.props
            .attachments
            .iter()
            .map(|a| attachment_json(m, a, true))
            .collect(),
    )
}
