//! Sending: `sendMail` (JSON or base64 MIME), draft `send`, and the reply and
//! forward actions. Decides send-as versus send-on-behalf from Exchange's
//! permissions (403 ErrorSendAsDenied otherwise), delivers to recipients in the
//! tenant (Bcc stripped), records mail that leaves the tenant, and saves the
//! Sent Items copy where Exchange would (docs/microsoft-graph.md §11, §17).

use std::collections::BTreeSet;

use axum::http::StatusCode;
use bytes::Bytes;
use serde_json::{Value, json};

use super::access::has_scope;
use super::compose::{decode_mime_body, default_from};
use super::ctx::Ctx;
use super::error::GraphError;
use super::lookup::key_of;
use super::render::message_json;
use super::response::GraphResponse;
use crate::directory::{DirectoryUser, MailboxRight};
use crate::mailstore::ItemClass;
use crate::props::{self, BuildContext, MessageProps, Recipient};
use crate::tenant::OutboundMessage;
use crate::tokens::Principal;

use super::route::ReplyKind;

fn send_as_denied() -> GraphError {
    GraphError::new(
        StatusCode::FORBIDDEN,
        "ErrorSendAsDenied",
        "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account. Cannot submit message.",
    )
}

/// Who the message is sent as, and where its Sent Items copy goes.
struct Sending {
    /// The mailbox shown in `from`.
    from: DirectoryUser,
    /// The mailbox shown in `sender` when it differs (send on behalf).
    on_behalf_by: Option<DirectoryUser>,
    /// Whose Sent Items receives the copy.
    sent_items_of: DirectoryUser,
}

/// Decide send-as / send-on-behalf for a message whose From is `from_addr`,
/// submitted through `ctx.owner`'s mailbox.
fn decide(ctx: &Ctx<'_>, from_addr: Option<&str>) -> Result<Sending, GraphError> {
    let dir = ctx.em.directory.read();
    let owner = ctx.owner.clone();
    let from = match from_addr {
        None => owner.clone(),
        Some(a) => dir.user(a).cloned().ok_or_else(send_as_denied)?,
    };
    let may = |who: &DirectoryUser, right| dir.has_right(who.oid, from.oid, right);
    match ctx.principal {
        Principal::App { .. } => {
            if from.oid == owner.oid || may(&owner, MailboxRight::SendAs) {
                Ok(Sending {
                    from,
                    on_behalf_by: None,
                    sent_items_of: owner,
                })
            } else if may(&owner, MailboxRight::SendOnBehalf) {
                Ok(Sending {
                    from,
                    on_behalf_by: Some(owner.clone()),
                    sent_items_of: owner,
                })
            } else {
                Err(send_as_denied())
            }
        }
        Principal::Delegated { user, scopes, .. } => {
            let actor = dir
                .user_by_oid(*user)
                .cloned()
                .ok_or_else(GraphError::access_denied)?;
            if from.oid == actor.oid {
                return Ok(Sending {
                    from,
                    on_behalf_by: None,
                    sent_items_of: actor,
                });
            }
            if !has_scope(scopes, "Mail.Send.Shared") {
                return Err(GraphError::access_denied());
            }
            // Sent through the other mailbox's own path, its Sent Items gets the
            // copy when the user also has FullAccess there.
            let sent_items_of = if owner.oid == from.oid
                && dir.has_right(actor.oid, from.oid, MailboxRight::FullAccess)
            {
                from.clone()
            } else {
                actor.clone()
            };
            if may(&actor, MailboxRight::SendAs) {
                Ok(Sending {
                    from,
                    on_behalf_by: None,
                    sent_items_of,
                })
            } else if may(&actor, MailboxRight::SendOnBehalf) {
                Ok(Sending {
                    from,
                    on_behalf_by: Some(actor),
                    sent_items_of,
                })
            } else {
                Err(send_as_denied())
            }
        }
    }
}

fn all_recipients(p: &MessageProps) -> Vec<String> {
    let mut seen = BTreeSet::new();
    p.to.iter()
        .chain(&p.cc)
        .chain(&p.bcc)
        .map(|r| r.address.trim().to_string())
        .filter(|a| !a.is_empty() && seen.insert(a.to_ascii_lowercase()))
        .collect()
}

fn header_addr(u: &DirectoryUser) -> String {
    props::format_address(&Recipient {
        name: Some(u.display_name.clone()),
        address: u.upn.clone(),
    })
}

/// Exchange fills in what a submitted message lacks and sets Sender.
fn finalise_mime(ctx: &Ctx<'_>, mime: Vec<u8>, s: &Sending) -> Vec<u8> {
    let p = props::props_from_mime(&mime);
    let mut mime = mime;
    if p.internet_message_id.is_none() {
        let domain = ctx.em.directory.read().domain.clone();
        let id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), domain);
        mime = props::set_header(&mime, "Message-ID", &id);
    }
    if p.sent.is_none() {
        mime = props::set_header(&mime, "Date", &ctx.now.to_rfc2822());
    }
    if p.from.is_none() {
        mime = props::set_header(&mime, "From", &header_addr(&s.from));
    }
    match &s.on_behalf_by {
        Some(by) => props::set_header(&mime, "Sender", &header_addr(by)),
        None => props::remove_header(&mime, "Sender"),
    }
}

/// Deliver a submitted message: recipients' Inboxes, the outside world, Sent Items.
fn submit(
    ctx: &Ctx<'_>,
    mime: Vec<u8>,
    s: &Sending,
    save_copy: bool,
) -> Result<Option<String>, GraphError> {
    let p = props::props_from_mime(&mime);
    let recipients = all_recipients(&p);
    if recipients.is_empty() {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRecipients",
            "At least one recipient is required, but none were found.",
        ));
    }
    let delivered = Bytes::from(props::remove_header(&mime, "Bcc"));
    let cap = ctx.settings.delta_tombstones_per_folder;
    let _ = cap;
    let mut outside = Vec::new();
    for r in &recipients {
        let target = ctx.em.directory.read().user(r).map(|u| u.oid);
        match target.and_then(|oid| ctx.em.mailbox(oid)) {
            Some(mb) => {
                let mut mb = mb.lock();
                let inbox = mb.well_known_id("inbox");
                mb.insert(
                    &inbox,
                    delivered.clone(),
                    false,
                    false,
                    ctx.now,
                    ctx.now,
                    0x2,
                    ItemClass::Message,
                );
            }
            None => outside.push(r.clone()),
        }
    }
    if !outside.is_empty() {
        ctx.em.outbound.lock().push(OutboundMessage {
            from_mailbox: s.from.upn.clone(),
            recipients: outside,
            internet_message_id: p.internet_message_id.clone(),
            size: delivered.len(),
            at: ctx.now,
        });
    }
    ctx.em.mark_dirty();
    if !save_copy {
        return Ok(None);
    }
    let mb = ctx
        .em
        .mailbox(s.sent_items_of.oid)
        .ok_or_else(GraphError::item_not_found)?;
    if ctx.settings.sent_copy_delay_ms > 0 {
        // Exchange files the copy shortly after sending, not at once.
        let (em, delay, now) = (ctx.em.clone(), ctx.settings.sent_copy_delay_ms, ctx.now);
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            let mut mb = mb.lock();
            let sent = mb.well_known_id("sentitems");
            mb.insert(
                &sent,
                Bytes::from(mime),
                true,
                false,
                now,
                now,
                0x20,
                ItemClass::Message,
            );
            drop(mb);
            em.mark_dirty();
        });
        return Ok(None);
    }
    let mut mb = mb.lock();
    let sent = mb.well_known_id("sentitems");
    Ok(Some(mb.insert(
        &sent,
        Bytes::from(mime),
        true,
        false,
        ctx.now,
        ctx.now,
        0x20,
        ItemClass::Message,
    )))
}

fn save_to_sent(body: &Value) -> Result<bool, GraphError> {
    match body
        .get("saveToSentItems")
        .or_else(|| body.get("SaveToSentItems"))
    {
        None | Some(Value::Null) => Ok(true),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s))
            if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
        {
            Ok(s.eq_ignore_ascii_case("true"))
        }
        Some(_) => Err(GraphError::bad_request(
            "saveToSentItems must be a boolean.",
        )),
    }
}

pub(crate) fn send_mail(ctx: &Ctx<'_>) -> Result<GraphResponse, GraphError> {
    if ctx.req.body.len() > ctx.settings.max_request_bytes {
        return Err(GraphError::too_large());
    }
    let (mime, save) = if ctx.req.content_type().starts_with("text/plain") {
        (decode_mime_body(&ctx.req.body)?, true)
    } else {
        let body = ctx.body_json()?;
        let message = body
            .get("message")
            .or_else(|| body.get("Message"))
            .filter(|m| m.is_object())
            .ok_or_else(|| {
                GraphError::bad_request("The request is missing the required parameter 'message'.")
            })?;
        let domain = ctx.em.directory.read().domain.clone();
        let build = BuildContext {
            default_from: default_from(ctx),
            domain: &domain,
            now: ctx.now,
        };
        let mime = props::mime_from_json(message, &build).map_err(|e| match e {
            props::BuildError::InvalidHeader(n) => GraphError::new(
                StatusCode::BAD_REQUEST,
                "InvalidInternetMessageHeader",
                format!("The internet message header name '{n}' should start with 'x-' or 'X-'."),
            ),
            props::BuildError::Invalid(m) => GraphError::invalid_request(m),
        })?;
        (mime, save_to_sent(&body)?)
    };
    if mime.len() > ctx.settings.max_message_bytes {
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ErrorMessageSizeExceeded",
            "The message exceeds the maximum supported size.",
        ));
    }
    let p = props::props_from_mime(&mime);
    let sending = decide(ctx, p.from.as_ref().map(|f| f.address.as_str()))?;
    let mime = finalise_mime(ctx, mime, &sending);
    submit(ctx, mime, &sending, save)?;
    Ok(GraphResponse::empty(StatusCode::ACCEPTED))
}

pub(crate) fn send_draft(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    let (key, mime) = {
        let mb = ctx.mailbox()?;
        let mb = mb.lock();
        let key = key_of(&mb, None, id)?;
        let m = mb
            .messages
            .get(&key)
            .ok_or_else(GraphError::item_not_found)?;
        if !m.is_draft {
            return Err(GraphError::invalid_request(
                "Only draft messages can be sent.",
            ));
        }
        (key, m.mime.to_vec())
    };
    if mime.len() > ctx.settings.max_message_bytes {
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ErrorMessageSizeExceeded",
            "The message exceeds the maximum supported size.",
        ));
    }
    let p = props::props_from_mime(&mime);
    let sending = decide(ctx, p.from.as_ref().map(|f| f.address.as_str()))?;
    let mime = finalise_mime(ctx, mime, &sending);
    submit(ctx, mime.clone(), &sending, false)?;
    // The draft itself becomes the Sent Items copy (same immutable id).
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let sent = mb.well_known_id("sentitems");
    mb.move_message(&key, &sent, ctx.now, cap);
    if let Some(m) = mb.messages.get_mut(&key) {
        m.set_mime(Bytes::from(mime));
        m.is_draft = false;
        m.is_read = true;
        m.received = ctx.now;
        m.creation_flags = 0x20;
    }
    mb.touch_message(&key, ctx.now);
    Ok(GraphResponse::empty(StatusCode::ACCEPTED))
}

/// An action parameter by its camelCase name (the docs) or PascalCase name (the CSDL, SDKs).
fn param<'a>(body: &'a Value, camel: &str) -> Option<&'a Value> {
    body.get(camel).or_else(|| {
        let mut pascal = camel.to_string();
        if let Some(first) = pascal.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        body.get(&pascal)
    })
}

fn quote(p: &MessageProps) -> String {
    let from = p
        .from
        .as_ref()
        .map(|f| f.address.clone())
        .unwrap_or_default();
    let mut s = format!(
        "\r\n\r\n________________________________\r\nFrom: {from}\r\nSubject: {}\r\n\r\n",
        p.subject
    );
    s.push_str(&p.body_text);
    s
}

/// Build the reply or forward draft for message `id`.
fn build_reply(ctx: &Ctx<'_>, id: &str, kind: ReplyKind) -> Result<(String, Vec<u8>), GraphError> {
    let body = ctx.body_json()?;
    let (key, orig, orig_mime) = {
        let mb = ctx.mailbox()?;
        let mb = mb.lock();
        let key = key_of(&mb, None, id)?;
        let m = mb
            .messages
            .get(&key)
            .ok_or_else(GraphError::item_not_found)?;
        (key, m.props.clone(), m.mime.clone())
    };
    let me = ctx.owner.upn.to_ascii_lowercase();
    let r = |v: &Recipient| json!({"emailAddress": {"name": v.name, "address": v.address}});
    let mut to: Vec<Value> = Vec::new();
    let mut cc: Vec<Value> = Vec::new();
    match kind {
        ReplyKind::Reply | ReplyKind::ReplyAll => {
            let target = orig.reply_to.first().or(orig.from.as_ref());
            to.extend(target.map(r));
            if kind == ReplyKind::ReplyAll {
                to.extend(
                    orig.to
                        .iter()
                        .filter(|x| x.address.to_ascii_lowercase() != me)
                        .map(r),
                );
                cc.extend(
                    orig.cc
                        .iter()
                        .filter(|x| x.address.to_ascii_lowercase() != me)
                        .map(r),
                );
            }
        }
        ReplyKind::Forward => {}
    }
    if let Some(extra) = param(&body, "toRecipients").and_then(Value::as_array) {
        to.extend(extra.iter().cloned());
    }
    let comment = param(&body, "comment")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let prefix = if kind == ReplyKind::Forward {
        "FW: "
    } else {
        "RE: "
    };
    let mut message = param(&body, "message")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if !message.is_object() {
        message = json!({});
    }
    message["subject"] = json!(format!("{prefix}{}", orig.subject));
    if message.get("toRecipients").is_none() {
        message["toRecipients"] = Value::Array(to);
    }
    if message.get("ccRecipients").is_none() && !cc.is_empty() {
        message["ccRecipients"] = Value::Array(cc);
    }
    message["body"] =
        json!({"contentType": "text", "content": format!("{comment}{}", quote(&orig))});
    let domain = ctx.em.directory.read().domain.clone();
    let build = BuildContext {
        default_from: default_from(ctx),
        domain: &domain,
        now: ctx.now,
    };
    let mut mime = props::mime_from_json(&message, &build)
        .map_err(|_| GraphError::invalid_request("Invalid reply."))?;
    if let Some(mid) = &orig.internet_message_id {
        if kind != ReplyKind::Forward {
            mime = props::set_header(&mime, "In-Reply-To", mid);
        }
        let refs = orig
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("References"))
            .map(|(_, v)| format!("{v} {mid}"))
            .unwrap_or_else(|| mid.clone());
        mime = props::set_header(&mime, "References", &refs);
    }
    if kind == ReplyKind::Forward {
        for a in &orig.attachments {
            if let Some(bytes) = props::attachment_content(&orig_mime, a.index) {
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
    }
    Ok((key, mime))
}

pub(crate) fn create_reply(
    ctx: &Ctx<'_>,
    id: &str,
    kind: ReplyKind,
) -> Result<GraphResponse, GraphError> {
    let (_, mime) = build_reply(ctx, id, kind)?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let drafts = mb.well_known_id("drafts");
    let key = mb.insert(
        &drafts,
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
    let v = message_json(ctx, m, None, &Default::default());
    Ok(GraphResponse::json(StatusCode::CREATED, &v))
}

pub(crate) fn reply_now(
    ctx: &Ctx<'_>,
    id: &str,
    kind: ReplyKind,
) -> Result<GraphResponse, GraphError> {
    let (orig_key, mime) = build_reply(ctx, id, kind)?;
    let sending = decide(ctx, None)?;
    let mime = finalise_mime(ctx, mime, &sending);
    submit(ctx, mime, &sending, true)?;
    let (verb, icon) = match kind {
        ReplyKind::Reply => ("102", "261"),
        ReplyKind::ReplyAll => ("103", "261"),
        ReplyKind::Forward => ("104", "262"),
    };
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    if let Some(m) = mb.messages.get_mut(&orig_key) {
        m.ext.insert("Integer 0x1081".into(), verb.into());
        m.ext.insert("Integer 0x1080".into(), icon.into());
        m.ext.insert(
            "SystemTime 0x1082".into(),
            ctx.now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
    }
    mb.touch_message(&orig_key, ctx.now);
    Ok(GraphResponse::empty(StatusCode::ACCEPTED))
}
