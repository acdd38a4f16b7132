//! MIME built from a Graph JSON `message` (sendMail, POST messages), the way
//! Exchange turns a JSON item into an RFC 5322 message: top-level headers are
//! written here (RFC 2047 for non-ASCII, folded at 78 columns), the body and
//! attachments by mail-builder.

use base64::Engine;
use chrono::{DateTime, Utc};
use mail_builder::headers::content_type::ContentType;
use mail_builder::mime::{BodyPart, MimePart};
use serde_json::{Map, Value};

use super::model::{BuildContext, BuildError, Importance, Recipient};
use super::text::html_to_text;

/// Format a recipient as a header value (`Name <addr>`, the name quoted when
/// it has specials and RFC 2047-encoded when it is not ASCII).
pub(crate) fn format_address(r: &Recipient) -> String {
    let address: String = r
        .address
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let name = r.name.as_deref().map(clean_text).filter(|n| !n.is_empty());
    match name {
        None => format!("<{address}>"),
        Some(n) => format!("{} <{address}>", display_name(&n)),
    }
}

/// Control characters become spaces; surrounding whitespace goes.
fn clean_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

fn display_name(name: &str) -> String {
    const SPECIALS: &[char] = &[
        '(', ')', '<', '>', '[', ']', ':', ';', '@', '\\', ',', '.', '"',
    ];
    if !name.is_ascii() || name.contains("=?") {
        encode_words(name)
    } else if name.contains(SPECIALS) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        name.to_string()
    }
}

/// Text for an unstructured header (Subject, x- headers): as is when it is
/// plain ASCII, else RFC 2047 encoded words.
pub(super) fn encode_unstructured(text: &str) -> String {
    let text = clean_text(text);
    if text.is_ascii() && !text.contains("=?") {
        text
    } else {
        encode_words(&text)
    }
}

/// RFC 2047 `B` encoded words in UTF-8, each at most 64 characters, split on
/// character boundaries and separated by a space.
pub(super) fn encode_words(text: &str) -> String {
    // 39 bytes -> 52 base64 characters + 12 = 64, so `Subject: ` and a word fit in 78.
    const MAX_CHUNK: usize = 39;
    let mut words = Vec::new();
    let mut start = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() - start > MAX_CHUNK {
            words.push(&text[start..end]);
            start = i;
        }
        end = i + c.len_utf8();
    }
    if start < text.len() {
        words.push(&text[start..]);
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    words
        .iter()
        .map(|w| format!("=?utf-8?B?{}?=", b64.encode(w)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `Name: value` folded before spaces so lines stay within 78 characters
/// where possible, ending with CRLF.
pub(super) fn header_line(name: &str, value: &str) -> String {
    let line = format!("{name}: {value}");
    let mut out = String::with_capacity(line.len() + 8);
    let mut rest = line.as_str();
    let mut min_cut = name.len() + 2;
    while rest.len() > 78 {
        let bytes = rest.as_bytes();
        let before = bytes
            .get(..=78)
            .and_then(|b| b.iter().rposition(|&c| c == b' '))
            .filter(|&i| i >= min_cut);
        let after = || {
            bytes
                .iter()
                .skip(79)
                .position(|&c| c == b' ')
                .map(|i| i + 79)
        };
        let Some(cut) = before.or_else(after) else {
            break;
        };
        out.push_str(&rest[..cut]);
        out.push_str("\r\n");
        rest = &rest[cut..];
        min_cut = 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
    out
}

/// A file attachment of the JSON message.
struct FileAttachment {
    name: String,
    content_type: String,
    bytes: Vec<u8>,
    is_inline: bool,
    content_id: Option<String>,
}

/// Build RFC 5322 MIME from a Graph JSON `message` object (see the module
/// documentation of `props`).
pub(crate) fn mime_from_json(
    message: &Value,
    ctx: &BuildContext<'_>,
) -> Result<Vec<u8>, BuildError> {
    let obj = message
        .as_object()
        .ok_or_else(|| unexpected("message", message, "StartObject"))?;
    let subject = opt_str(obj, "subject")?;
    let (is_html, content) = body(obj)?;
    let from = opt_recipient(obj, "from")?.unwrap_or_else(|| ctx.default_from.clone());
    let sender = opt_recipient(obj, "sender")?;
    let lists = [
        ("To", recipients(obj, "toRecipients")?),
        ("Cc", recipients(obj, "ccRecipients")?),
        ("Bcc", recipients(obj, "bccRecipients")?),
        ("Reply-To", recipients(obj, "replyTo")?),
    ];
    let message_id = match opt_str(obj, "internetMessageId")? {
        Some(id) => normalize_message_id(id)?,
        None => format!("<{}@{}>", uuid::Uuid::new_v4().simple(), ctx.domain),
    };
    let custom = custom_headers(obj)?;
    let importance = opt_importance(obj)?;
    let read_receipt = opt_bool(obj, "isReadReceiptRequested")?.unwrap_or(false);
    let delivery_receipt = opt_bool(obj, "isDeliveryReceiptRequested")?.unwrap_or(false);
    let attachments = attachments(obj)?;

    let from_value = format_address(&from);
    let mut head = header_line("From", &from_value);
    if let Some(s) = &sender {
        head.push_str(&header_line("Sender", &format_address(s)));
    }
    for (name, list) in &lists {
        if !list.is_empty() {
            let value = list
                .iter()
                .map(format_address)
                .collect::<Vec<_>>()
                .join(", ");
            head.push_str(&header_line(name, &value));
        }
    }
    if let Some(s) = subject {
        head.push_str(&header_line("Subject", &encode_unstructured(s)));
    }
    head.push_str(&header_line("Date", &rfc2822(ctx.now)));
    head.push_str(&header_line("Message-ID", &message_id));
    if let Some(i) = importance {
        let (word, priority) = match i {
            Importance::Low => ("low", Some("5")),
            Importance::Normal => ("normal", None),
            Importance::High => ("high", Some("1")),
        };
        head.push_str(&header_line("Importance", word));
        if let Some(p) = priority {
            head.push_str(&header_line("X-Priority", p));
        }
    }
    if read_receipt {
        head.push_str(&header_line("Disposition-Notification-To", &from_value));
    }
    if delivery_receipt {
        head.push_str(&header_line("Return-Receipt-To", &from_value));
    }
    for (name, value) in &custom {
        head.push_str(&header_line(name, &encode_unstructured(value)));
    }
    head.push_str("MIME-Version: 1.0\r\n");

    let mut out = head.into_bytes();
    body_part(is_html, content, attachments)
        .write_part(&mut out)
        .map_err(|e| BuildError::Invalid(format!("The message could not be written: {e}")))?;
    Ok(out)
}

fn rfc2822(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// text → text/plain; html → multipart/alternative with a derived text part;
/// inline attachments of an HTML body → multipart/related around it; files →
/// multipart/mixed around everything.
fn body_part<'x>(
    is_html: bool,
    content: &'x str,
    attachments: Vec<FileAttachment>,
) -> MimePart<'x> {
    let mut body = if is_html {
        let text = MimePart::new("text/plain", html_to_text(content));
        MimePart::new(
            "multipart/alternative",
            vec![text, MimePart::new("text/html", content)],
        )
    } else {
        MimePart::new("text/plain", content)
    };
    let (inline, files): (Vec<_>, Vec<_>) = attachments
        .into_iter()
        .partition(|a| a.is_inline && is_html);
    if !inline.is_empty() {
        let mut parts = vec![body];
        parts.extend(inline.into_iter().map(attachment_part));
        body = MimePart::new("multipart/related", parts);
    }
    if !files.is_empty() {
        let mut parts = vec![body];
        parts.extend(files.into_iter().map(attachment_part));
        body = MimePart::new("multipart/mixed", parts);
    }
    body
}

fn attachment_part<'x>(a: FileAttachment) -> MimePart<'x> {
    let content_type = ContentType::new(a.content_type).attribute("name", a.name.clone());
    let disposition = if a.is_inline { "inline" } else { "attachment" };
    let mut part = MimePart::new(content_type, BodyPart::Binary(a.bytes.into())).header(
        "Content-Disposition",
        ContentType::new(disposition).attribute("filename", a.name),
    );
    if let Some(cid) = a.content_id {
        part = part.cid(cid);
    }
    part
}

fn body(obj: &Map<String, Value>) -> Result<(bool, &str), BuildError> {
    let Some(b) = opt_obj(obj, "body")? else {
        return Ok((false, ""));
    };
    let is_html = match opt_str(b, "contentType")? {
        None => false,
        Some(ct) if ct.eq_ignore_ascii_case("text") => false,
        Some(ct) if ct.eq_ignore_ascii_case("html") => true,
        Some(other) => return Err(not_found(other)),
    };
    Ok((is_html, opt_str(b, "content")?.unwrap_or_default()))
}

fn opt_importance(obj: &Map<String, Value>) -> Result<Option<Importance>, BuildError> {
    Ok(match opt_str(obj, "importance")? {
        None => None,
        Some(v) if v.eq_ignore_ascii_case("low") => Some(Importance::Low),
        Some(v) if v.eq_ignore_ascii_case("normal") => Some(Importance::Normal),
        Some(v) if v.eq_ignore_ascii_case("high") => Some(Importance::High),
        Some(other) => return Err(not_found(other)),
    })
}

fn normalize_message_id(id: &str) -> Result<String, BuildError> {
    let inner = id.trim().trim_start_matches('<').trim_end_matches('>');
    let bad = inner.is_empty()
        || inner
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>".contains(c));
    if bad {
        return Err(BuildError::Invalid(format!(
            "The internetMessageId '{id}' is not valid."
        )));
    }
    Ok(format!("<{inner}>"))
}

fn custom_headers(obj: &Map<String, Value>) -> Result<Vec<(String, String)>, BuildError> {
    let mut out = Vec::new();
    for item in opt_array(obj, "internetMessageHeaders")? {
        let h = item
            .as_object()
            .ok_or_else(|| unexpected("internetMessageHeaders", item, "StartObject"))?;
        let name = opt_str(h, "name")?.unwrap_or_default();
        let valid_name =
            !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':');
        if !valid_name || !(name.starts_with("x-") || name.starts_with("X-")) {
            return Err(BuildError::InvalidHeader(name.to_string()));
        }
        out.push((
            name.to_string(),
            opt_str(h, "value")?.unwrap_or_default().to_string(),
        ));
    }
    Ok(out)
}

fn attachments(obj: &Map<String, Value>) -> Result<Vec<FileAttachment>, BuildError> {
    let mut out = Vec::new();
    for item in opt_array(obj, "attachments")? {
        let a = item
            .as_object()
            .ok_or_else(|| unexpected("attachments", item, "StartObject"))?;
        let kind = opt_str(a, "@odata.type")?.unwrap_or_default();
        if !kind
            .trim_start_matches('#')
            .eq_ignore_ascii_case("microsoft.graph.fileAttachment")
        {
            return Err(BuildError::Invalid(format!(
                "The attachment type '{kind}' is not supported here; use '#microsoft.graph.fileAttachment'."
            )));
        }
        let encoded = opt_str(a, "contentBytes")?
            .ok_or_else(|| BuildError::Invalid("The fileAttachment has no contentBytes.".into()))?;
        let compact: String = encoded
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| {
                BuildError::Invalid(format!(
                    "Cannot convert the literal '{encoded}' to the expected type 'Edm.Binary'."
                ))
            })?;
        let content_type = opt_str(a, "contentType")?.and_then(|c| media_type(&clean_text(c)));
        out.push(FileAttachment {
            name: opt_str(a, "name")?
                .map(clean_text)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "Untitled".into()),
            content_type: content_type.unwrap_or_else(|| "application/octet-stream".into()),
            bytes,
            is_inline: opt_bool(a, "isInline")?.unwrap_or(false),
            content_id: opt_str(a, "contentId")?
                .map(|c| {
                    c.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string()
                })
                .filter(|c| {
                    !c.is_empty()
                        && c.bytes()
                            .all(|b| (33..=126).contains(&b) && b != b'<' && b != b'>')
                }),
        });
    }
    Ok(out)
}

/// A `type/subtype` of RFC 2045 token characters, with its parameters when
/// they are printable ASCII; None for anything else.
fn media_type(ct: &str) -> Option<String> {
    let (base, params) = match ct.split_once(';') {
        Some((b, p)) => (b.trim(), Some(p)),
        None => (ct.trim(), None),
    };
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    let (t, s) = base.split_once('/')?;
    if !token(t) || !token(s) {
        return None;
    }
    let base = base.to_ascii_lowercase();
    match params {
        Some(p) if p.bytes().all(|b| b.is_ascii_graphic() || b == b' ') => {
            Some(format!("{base};{p}"))
        }
        _ => Some(base),
    }
}

fn opt_recipient(obj: &Map<String, Value>, key: &str) -> Result<Option<Recipient>, BuildError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => recipient(v, key).map(Some),
    }
}

fn recipients(obj: &Map<String, Value>, key: &str) -> Result<Vec<Recipient>, BuildError> {
    opt_array(obj, key)?
        .iter()
        .map(|v| recipient(v, key))
        .collect()
}

fn recipient(v: &Value, key: &str) -> Result<Recipient, BuildError> {
    let r = v
        .as_object()
        .ok_or_else(|| unexpected(key, v, "StartObject"))?;
    let unresolved = |name: &str| {
        BuildError::Invalid(format!(
            "At least one recipient isn't valid., Recipient '{name}' isn't resolved. All recipients must be resolved before a message can be submitted."
        ))
    };
    let Some(ea) = opt_obj(r, "emailAddress")? else {
        return Err(unresolved(""));
    };
    let name = opt_str(ea, "name")?
        .map(clean_text)
        .filter(|n| !n.is_empty());
    let address = opt_str(ea, "address")?
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let Some(address) = address else {
        return Err(unresolved(name.as_deref().unwrap_or_default()));
    };
    if address
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
    {
        return Err(BuildError::Invalid(format!(
            "The email address '{address}' is not valid."
        )));
    }
    Ok(Recipient {
        name,
        address: address.to_string(),
    })
}

fn opt_str<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, BuildError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v @ (Value::Array(_) | Value::Object(_))) => Err(unexpected(key, v, "PrimitiveValue")),
        Some(v) => Err(convert(v, "Edm.String")),
    }
}

fn opt_bool(obj: &Map<String, Value>, key: &str) -> Result<Option<bool>, BuildError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v @ (Value::Array(_) | Value::Object(_))) => Err(unexpected(key, v, "PrimitiveValue")),
        Some(v) => Err(convert(v, "Edm.Boolean")),
    }
}

fn opt_obj<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a Map<String, Value>>, BuildError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(v) => Err(unexpected(key, v, "StartObject")),
    }
}

fn opt_array<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], BuildError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(v) => Err(unexpected(key, v, "StartArray")),
    }
}

/// OData's words for a JSON node of the wrong kind.
fn unexpected(key: &str, found: &Value, expected: &str) -> BuildError {
    let node = match found {
        Value::Array(_) => "StartArray",
        Value::Object(_) => "StartObject",
        _ => "PrimitiveValue",
    };
    BuildError::Invalid(format!(
        "An unexpected '{node}' node was found for property '{key}' when reading from the JSON reader. A '{expected}' node was expected."
    ))
}

/// OData's words for a primitive of the wrong type.
fn convert(found: &Value, edm: &str) -> BuildError {
    BuildError::Invalid(format!(
        "Cannot convert the literal '{found}' to the expected type '{edm}'."
    ))
}

/// .NET's words for an unknown enum member.
fn not_found(value: &str) -> BuildError {
    BuildError::Invalid(format!("Requested value '{value}' was not found."))
}
