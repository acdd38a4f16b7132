//! Message properties derived from MIME, and MIME built from Graph JSON.
//!
//! The emulator keeps every message as its MIME bytes (what `$value` serves)
//! and derives the Graph properties (subject, recipients, body, attachments)
//! from them, as Exchange derives its store properties from what it received.
//! Messages created or sent as JSON are turned into MIME here first, and
//! attachment or header changes are byte surgery that leaves the rest intact.

mod build;
mod header_block;
mod outline;
mod surgery;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_build;
#[cfg(test)]
mod tests_surgery;

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, Utc};
use mail_parser::{Address, Header, HeaderName, HeaderValue, Message, MessageParser};
use serde::{Deserialize, Serialize};

pub(crate) use build::{format_address, mime_from_json};
pub(crate) use header_block::{remove_header, set_header};
pub(crate) use surgery::{add_attachment, remove_attachment};

/// `{"emailAddress": {"name": ..., "address": ...}}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub(crate) struct Recipient {
    pub name: Option<String>,
    pub address: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Importance {
    Low,
    #[default]
    Normal,
    High,
}

/// One attachment as Graph shows it (a `fileAttachment`, or an `itemAttachment`
/// for an attached message/rfc822).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub(crate) struct AttachmentInfo {
    /// Position among the message's attachments (0-based); stable for a given MIME.
    pub index: usize,
    pub name: String,
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: usize,
    pub is_inline: bool,
    pub content_id: Option<String>,
    /// true for message/rfc822 parts (Graph: `#microsoft.graph.itemAttachment`).
    pub is_item: bool,
}

/// What Graph exposes of a message that comes from its MIME.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub(crate) struct MessageProps {
    pub subject: String,
    pub from: Option<Recipient>,
    /// The Sender header, else the From address (Graph shows `sender` equal
    /// to `from` when the message has no Sender).
    pub sender: Option<Recipient>,
    pub to: Vec<Recipient>,
    pub cc: Vec<Recipient>,
    pub bcc: Vec<Recipient>,
    pub reply_to: Vec<Recipient>,
    /// With angle brackets, as Graph shows it: `<abc@contoso.com>`.
    pub internet_message_id: Option<String>,
    /// From the Date header.
    pub sent: Option<DateTime<Utc>>,
    /// The HTML body if the message has one.
    pub body_html: Option<String>,
    /// The plain-text body (derived from the HTML when there is no text part).
    pub body_text: String,
    pub importance: Importance,
    /// Every header in order, unfolded, values as they appear (not decoded).
    pub headers: Vec<(String, String)>,
    pub attachments: Vec<AttachmentInfo>,
    pub read_receipt_requested: bool,
    pub delivery_receipt_requested: bool,
}

impl MessageProps {
    pub(crate) fn has_attachments(&self) -> bool {
        self.attachments.iter().any(|a| !a.is_inline)
    }
}

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

/// Parse `mime` and run `f` on the message and its outline. mail-parser is
/// built never to panic, yet it keeps `debug_assert!`s on paths through
/// corrupt input; a message must never take the emulator down, so a panic
/// here reads as "nothing could be parsed".
fn with_parsed<T>(mime: &[u8], f: impl FnOnce(&Message<'_>, &outline::Outline) -> T) -> Option<T> {
    // A header block cut off without a line ending loses its last field in
    // mail-parser; parse a copy with the line ended.
    let ended;
    let input = if !mime.ends_with(b"\n") && header_block::scan(mime).body_start == mime.len() {
        ended = [mime, b"\r\n"].concat();
        &ended[..]
    } else {
        mime
    };
    catch_unwind(AssertUnwindSafe(|| {
        let msg = MessageParser::default().parse(input)?;
        let outline = outline::outline(&msg);
        Some(f(&msg, &outline))
    }))
    .ok()
    .flatten()
}

fn parsed_props(mime: &[u8], msg: &Message<'_>, outline: &outline::Outline) -> MessageProps {
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

/// Plain text from HTML (tags dropped, entities decoded). mail-parser's
/// converter slices by byte positions; any panic there falls back to a crude
/// tag stripper.
pub(super) fn html_to_text(html: &str) -> String {
    catch_unwind(|| mail_parser::decoders::html::html_to_text(html)).unwrap_or_else(|_| {
        let mut out = String::with_capacity(html.len());
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    })
}

/// Why a JSON message cannot be turned into MIME (answered as 400 by Graph).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BuildError {
    /// `internetMessageHeaders` entry not starting with `x-`/`X-`: 400 InvalidInternetMessageHeader.
    InvalidHeader(String),
    /// Anything else malformed: 400 ErrorInvalidRequest / BadRequest with this text.
    Invalid(String),
}

/// Context for building MIME from JSON.
pub(crate) struct BuildContext<'a> {
    /// Used for From when the JSON names none (the mailbox the request addresses).
    pub default_from: Recipient,
    /// Domain for a generated Message-ID.
    pub domain: &'a str,
    pub now: DateTime<Utc>,
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

/// A new attachment to add to a message.
pub(crate) struct NewAttachment<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub bytes: &'a [u8],
    pub is_inline: bool,
    pub content_id: Option<&'a str>,
}

/// The first 255 characters of the text body, whitespace collapsed (Graph's `bodyPreview`).
pub(crate) fn body_preview(text: &str) -> String {
    let collapsed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(255).collect()
}
