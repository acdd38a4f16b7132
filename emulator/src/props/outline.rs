//! Which parts of a parsed message are its body and which are attachments,
//! decided the way Exchange presents them: the first text/plain and text/html
//! of the body, then every attachment in document order with the byte range
//! and enclosing boundary that attachment surgery needs.

use std::borrow::Cow;

use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, Header, HeaderName, HeaderValue, Message, MessagePart, PartType};

/// Multipart nesting deeper than this is not walked (no real mail gets close).
const MAX_DEPTH: usize = 64;

/// One attachment of a parsed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AttachmentPart {
    /// Index into `Message::parts`.
    pub part: usize,
    /// Boundary of the enclosing multipart; None when the attachment is the
    /// whole message.
    pub boundary: Option<String>,
    pub is_inline: bool,
    pub is_item: bool,
}

/// The body parts and attachments of a parsed message.
#[derive(Debug, Default)]
pub(super) struct Outline {
    pub text: Option<usize>,
    pub html: Option<usize>,
    pub attachments: Vec<AttachmentPart>,
}

#[derive(Clone, Copy)]
struct Ctx<'a> {
    /// May this part be (part of) the body?
    candidate: bool,
    /// Directly inside a multipart/related, after its root part.
    in_related: bool,
    /// The enclosing multipart is a multipart/digest (default type message/rfc822).
    in_digest: bool,
    boundary: Option<&'a str>,
    depth: usize,
}

/// Walk the part tree of `msg` from its root.
pub(super) fn outline(msg: &Message<'_>) -> Outline {
    let mut out = Outline::default();
    let ctx = Ctx {
        candidate: true,
        in_related: false,
        in_digest: false,
        boundary: None,
        depth: 0,
    };
    walk(msg, 0, ctx, &mut out);
    out
}

fn walk(msg: &Message<'_>, id: usize, ctx: Ctx<'_>, out: &mut Outline) {
    let Some(part) = msg.parts.get(id) else {
        return;
    };
    if ctx.depth > MAX_DEPTH {
        return;
    }
    if let PartType::Multipart(children) = &part.body {
        let (_, subtype) = content_type(part, false);
        let boundary = param(&part.headers, HeaderName::ContentType, "boundary");
        let base = Ctx {
            candidate: ctx.candidate,
            in_related: false,
            in_digest: subtype == "digest",
            boundary: boundary.as_deref(),
            depth: ctx.depth + 1,
        };
        // Children always come after their parent; anything else is corrupt.
        let children = children.iter().map(|&c| c as usize).filter(|&c| c > id);
        for (n, child) in children.enumerate() {
            let child_ctx = match subtype.as_str() {
                "alternative" => base,
                "related" => Ctx {
                    candidate: base.candidate && n == 0,
                    in_related: n > 0,
                    ..base
                },
                _ => Ctx {
                    candidate: base.candidate && out.text.is_none() && out.html.is_none(),
                    ..base
                },
            };
            walk(msg, child, child_ctx, out);
        }
        return;
    }
    let (ctype, subtype) = content_type(part, ctx.in_digest);
    let attachment = |is_inline, is_item| AttachmentPart {
        part: id,
        boundary: ctx.boundary.map(str::to_string),
        is_inline,
        is_item,
    };
    let is_item = matches!(part.body, PartType::Message(_))
        || (ctype == "message" && matches!(subtype.as_str(), "rfc822" | "global"));
    let disposition = param_value(&part.headers, HeaderName::ContentDisposition);
    let is_attachment_disposition = disposition.as_deref() == Some("attachment");
    let named = attachment_name(part).is_some();
    let is_root = ctx.boundary.is_none();
    // mail-parser reads a multipart without a usable boundary as text.
    let textual = ctype == "text" || (ctype == "multipart" && part.text_contents().is_some());
    let body_kind = match (textual, subtype.as_str()) {
        (true, "html") => Some(BodyKind::Html),
        (true, "plain") => Some(BodyKind::Text),
        (true, _) if ctype == "multipart" => Some(BodyKind::Text),
        _ => None,
    };
    let slot_free = match body_kind {
        Some(BodyKind::Text) => out.text.is_none(),
        Some(BodyKind::Html) => out.html.is_none(),
        None => false,
    };
    if is_item {
        out.attachments.push(attachment(false, true));
    } else if slot_free && ctx.candidate && !is_attachment_disposition && (is_root || !named) {
        match body_kind {
            Some(BodyKind::Html) => out.html = Some(id),
            _ => out.text = Some(id),
        }
    } else if is_attachment_disposition {
        out.attachments.push(attachment(false, false));
    } else if ctx.in_related && content_id(part).is_some() {
        out.attachments.push(attachment(true, false));
    } else if named || !textual {
        out.attachments.push(attachment(false, false));
    }
}

enum BodyKind {
    Text,
    Html,
}

/// Lower-case (type, subtype) of a part, with the MIME defaults.
pub(super) fn content_type(part: &MessagePart<'_>, in_digest: bool) -> (String, String) {
    match find(&part.headers, HeaderName::ContentType).and_then(HeaderValue::as_content_type) {
        Some(ct) => (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or_default().to_ascii_lowercase(),
        ),
        None if in_digest => ("message".into(), "rfc822".into()),
        None => ("text".into(), "plain".into()),
    }
}

fn find<'a, 'x>(
    headers: &'a [Header<'x>],
    name: HeaderName<'static>,
) -> Option<&'a HeaderValue<'x>> {
    headers.iter().find(|h| h.name == name).map(|h| &h.value)
}

/// The main value of a Content-Type / Content-Disposition header, lower-cased.
fn param_value(headers: &[Header<'_>], name: HeaderName<'static>) -> Option<String> {
    find(headers, name)
        .and_then(HeaderValue::as_content_type)
        .map(|ct| ct.ctype().to_ascii_lowercase())
}

/// A parameter of a Content-Type / Content-Disposition header.
pub(super) fn param(
    headers: &[Header<'_>],
    name: HeaderName<'static>,
    attr: &str,
) -> Option<String> {
    find(headers, name)
        .and_then(HeaderValue::as_content_type)
        .and_then(|ct| ct.attribute(attr))
        .map(str::to_string)
}

/// The file name of a part: `filename` of Content-Disposition, else `name` of Content-Type.
pub(super) fn attachment_name(part: &MessagePart<'_>) -> Option<String> {
    param(&part.headers, HeaderName::ContentDisposition, "filename")
        .or_else(|| param(&part.headers, HeaderName::ContentType, "name"))
        .filter(|n| !n.trim().is_empty())
}

/// Content-ID without angle brackets.
pub(super) fn content_id(part: &MessagePart<'_>) -> Option<String> {
    let v = find(&part.headers, HeaderName::ContentId)?;
    let id = match v {
        HeaderValue::Text(t) => t.to_string(),
        HeaderValue::TextList(l) => l.first()?.to_string(),
        _ => return None,
    };
    let id = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string();
    (!id.is_empty()).then_some(id)
}

/// The embedded subject of an attached message, else "Untitled".
pub(super) fn item_name(part: &MessagePart<'_>) -> String {
    let subject = match &part.body {
        PartType::Message(m) => m
            .parts
            .first()
            .and_then(|root| find(&root.headers, HeaderName::Subject))
            .and_then(HeaderValue::as_text)
            .map(|s| s.trim().to_string()),
        _ => None,
    };
    subject
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "Untitled".to_string())
}

/// The decoded content of a part: transfer-decoded bytes for files (text
/// attachments keep their charset), the raw bytes of an attached message.
pub(super) fn part_content<'a>(raw: &'a [u8], part: &'a MessagePart<'a>) -> Cow<'a, [u8]> {
    let body = raw
        .get(part.offset_body as usize..part.offset_end as usize)
        .unwrap_or_default();
    match &part.body {
        PartType::Binary(b) | PartType::InlineBinary(b) => Cow::Borrowed(b.as_ref()),
        PartType::Message(_) if part.encoding == Encoding::None && !body.is_empty() => {
            Cow::Borrowed(body)
        }
        PartType::Message(m) => Cow::Borrowed(m.raw_message.as_ref()),
        // Text keeps its charset; a part mail-parser could not decode (it
        // falls back to text) is decoded here as well as it goes.
        PartType::Text(_) | PartType::Html(_) => {
            let cte = find(&part.headers, HeaderName::ContentTransferEncoding)
                .and_then(HeaderValue::as_text)
                .map(|t| t.trim().to_ascii_lowercase());
            match cte.as_deref() {
                Some("base64") => Cow::Owned(lenient_base64(body)),
                Some("quoted-printable") => {
                    Cow::Owned(quoted_printable_decode(body).unwrap_or_else(|| body.to_vec()))
                }
                _ => Cow::Borrowed(body),
            }
        }
        PartType::Multipart(_) => Cow::Borrowed(&[]),
    }
}

/// Base64 that skips characters outside the alphabet and stops at padding,
/// as mail clients do with damaged attachments.
pub(super) fn lenient_base64(encoded: &[u8]) -> Vec<u8> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone),
    );
    let mut clean: Vec<u8> = encoded
        .iter()
        .copied()
        .take_while(|&b| b != b'=')
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    LENIENT.decode(&clean).unwrap_or_default()
}
