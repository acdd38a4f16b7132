//! Graph's view of a message derived from its MIME, as Exchange derives its
//! store properties from what it received: subject, addresses, body,
//! importance, receipts, headers and attachments, plus an attachment's bytes.

use chrono::DateTime;
use mail_parser::{Address, Header, HeaderName, HeaderValue, Message};

use super::header_block;
use super::model::{AttachmentInfo, Importance, MessageProps, Recipient};
use super::outline::{self, Outline};
use super::parse::with_parsed;
use super::text::html_to_text;

/// Derive Graph's view of a message from its MIME. Never fails: malformed MIME
/// gives what can be read (Exchange accepts nearly anything).
///
/// The body is the first text/plain and text/html of the body parts (the
/// alternatives, the root of a multipart/related, the first part of a
/// multipart/mixed). Attachments, in document order: message/rfc822 parts
/// (named after their Subject), parts with `Content-Disposition: attachment`,
/// parts with a Content-ID after the root of a multipart/related (inline),
/// other named parts, and non-text parts that are not the body.
pub(crate) fn props_from_mime(mime: &[u8]) -> MessageProps {
    let mut props =
        with_parsed(mime, |msg, outline| parsed_props(mime, msg, outline)).unwrap_or_default();
    let block = header_block::scan(mime);
    props.headers = header_block::header_list(mime, &block);
    props.internet_message_id = block
        .value_of(mime, "Message-ID")
        .and_then(|v| message_id(&v));
    props.importance = importance(mime, &block);
    let present = |name| {
        block
            .value_of(mime, name)
            .is_some_and(|v| !v.trim().is_empty())
    };
    props.read_receipt_requested = present("Disposition-Notification-To");
    props.delivery_receipt_requested = present("Return-Receipt-To");
    props
}

fn parsed_props(mime: &[u8], msg: &Message<'_>, outline: &Outline) -> MessageProps {
    let headers: &[Header<'_>] = msg
        .parts
        .first()
        .map(|p| p.headers.as_slice())
        .unwrap_or_default();
    let text_of = |id: Option<usize>| {
        id.and_then(|id| msg.parts.get(id))
            .and_then(|p| p.text_contents())
            .map(str::to_string)
    };
    let body_html = text_of(outline.html);
    let body_text = text_of(outline.text)
        .or_else(|| body_html.as_deref().map(html_to_text))
        .unwrap_or_default();
    let from = addresses(headers, HeaderName::From).into_iter().next();
    let sender = addresses(headers, HeaderName::Sender)
        .into_iter()
        .next()
        .or_else(|| from.clone());
    let attachments = outline
        .attachments
        .iter()
        .filter_map(|a| msg.parts.get(a.part).map(|p| (a, p)))
        .enumerate()
        .map(|(index, (a, part))| {
            let (ctype, subtype) = outline::content_type(part, false);
            let name = if a.is_item {
                outline::item_name(part)
            } else {
                outline::attachment_name(part).unwrap_or_else(|| "Untitled".to_string())
            };
            AttachmentInfo {
                index,
                name,
                content_type: match (a.is_item, subtype.is_empty()) {
                    (true, _) if ctype != "message" => "message/rfc822".to_string(),
                    (false, true) => "application/octet-stream".to_string(),
                    _ => format!("{ctype}/{subtype}"),
                },
                size: outline::part_content(mime, part).len(),
                is_inline: a.is_inline,
                content_id: outline::content_id(part),
                is_item: a.is_item,
            }
        })
        .collect();
    MessageProps {
        subject: first(headers, HeaderName::Subject)
            .and_then(HeaderValue::as_text)
            .map(str::to_string)
            .unwrap_or_default(),
        from,
        sender,
        to: addresses(headers, HeaderName::To),
        cc: addresses(headers, HeaderName::Cc),
        bcc: addresses(headers, HeaderName::Bcc),
        reply_to: addresses(headers, HeaderName::ReplyTo),
        sent: first(headers, HeaderName::Date)
            .and_then(HeaderValue::as_datetime)
            .filter(|d| d.is_valid())
            .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)),
        body_html,
        body_text,
        attachments,
        ..MessageProps::default()
    }
}

fn first<'a, 'x>(
    headers: &'a [Header<'x>],
    name: HeaderName<'static>,
) -> Option<&'a HeaderValue<'x>> {
    headers.iter().find(|h| h.name == name).map(|h| &h.value)
}

/// Every address of every `name` header, groups flattened; entries without
/// an address are skipped.
fn addresses(headers: &[Header<'_>], name: HeaderName<'static>) -> Vec<Recipient> {
    let mut out = Vec::new();
    for h in headers.iter().filter(|h| h.name == name) {
        let HeaderValue::Address(addr) = &h.value else {
            continue;
        };
        let list: Vec<&mail_parser::Addr<'_>> = match addr {
            Address::List(list) => list.iter().collect(),
            Address::Group(groups) => groups.iter().flat_map(|g| g.addresses.iter()).collect(),
        };
        for a in list {
            let Some(address) = a
                .address
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            else {
                continue;
            };
            let name = a
                .name
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            out.push(Recipient {
                name,
                address: address.to_string(),
            });
        }
    }
    out
}

/// `<id>` from a Message-ID value, angle brackets added when missing.
fn message_id(value: &str) -> Option<String> {
    let v = value.trim();
    if let Some(start) = v.find('<')
        && let Some(len) = v[start..].find('>')
        && len > 1
    {
        return Some(v[start..=start + len].to_string());
    }
    let bare = v.split_whitespace().next()?;
    Some(format!("<{bare}>"))
}

/// `Importance:`, else `X-Priority:` (1-2 high, 4-5 low), else the Outlook
/// and RFC 2156 variants.
fn importance(mime: &[u8], block: &header_block::HeaderBlock) -> Importance {
    let value = |name| {
        block
            .value_of(mime, name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if let Some(v) = value("Importance") {
        match v.as_str() {
            "high" => return Importance::High,
            "low" => return Importance::Low,
            "normal" => return Importance::Normal,
            _ => {}
        }
    }
    if let Some(v) = value("X-Priority") {
        match v.chars().next() {
            Some('1' | '2') => return Importance::High,
            Some('4' | '5') => return Importance::Low,
            Some('3') => return Importance::Normal,
            _ => {}
        }
    }
    match value("X-MSMail-Priority")
        .or_else(|| value("Priority"))
        .as_deref()
    {
        Some("high" | "urgent") => Importance::High,
        Some("low" | "non-urgent") => Importance::Low,
        _ => Importance::Normal,
    }
}

/// The decoded bytes of attachment `index` (for `attachments/{id}/$value`:
/// the raw bytes of a file, the MIME of an attached message).
pub(crate) fn attachment_content(mime: &[u8], index: usize) -> Option<Vec<u8>> {
    with_parsed(mime, |msg, outline| {
        let a = outline.attachments.get(index)?;
        let part = msg.parts.get(a.part)?;
        Some(outline::part_content(mime, part).into_owned())
    })
    .flatten()
}
