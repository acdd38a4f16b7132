//! Decoded text for SEARCH: header values unfolded with RFC 2047 words
//! decoded, address fields in their normalised form (as ENVELOPE reads
//! them), and the text of every text/* part with its transfer encoding and
//! charset undone (HTML tags stripped). Attachments are never decoded.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use mail_parser::HeaderValue;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;

use imap_types::core::NString;
use imap_types::envelope::Address;

use super::address::{MISSING_DOMAIN, MISSING_MAILBOX, address_list};
use super::content::{self, Media};
use super::lex::{name_eq, unfold};
use super::scan::{Entity, Kind};
use super::section::body;

/// Every value of the header field `name` in `e`, decoded to UTF-8.
pub(crate) fn header_values(raw: &[u8], e: &Entity, name: &[u8]) -> Vec<String> {
    e.fields
        .iter()
        .filter(|f| name_eq(&raw[f.name.clone()], name))
        .map(|f| decode_header(&raw[f.value.clone()]))
        .collect()
}

/// Every address-list value of the header field `name` in `e`, written
/// the way SEARCH FROM/TO/CC/BCC match it (RFC 3501 §6.4.4, as Dovecot
/// does): each address normalised (RFC 5322 §3.4: comments and folding
/// whitespace gone, `user (c) @ (c) example.org` is `user@example.org`),
/// with its RFC 2047-decoded display name, `Name <user@example.org>`, and
/// groups as `group: member, member;`.
pub(crate) fn address_values(raw: &[u8], e: &Entity, name: &[u8]) -> Vec<String> {
    e.fields
        .iter()
        .filter(|f| name_eq(&raw[f.name.clone()], name))
        .map(|f| written_addresses(&address_list(&unfold(&raw[f.value.clone()]))))
        .collect()
}

fn written_addresses(list: &[Address<'_>]) -> String {
    let bytes = |s: &NString<'_>| s.0.as_ref().map(|s| s.as_ref().to_vec());
    let mut out = String::new();
    let separate = |out: &mut String| {
        if !(out.is_empty() || out.ends_with(": ")) {
            out.push_str(", ");
        }
    };
    for a in list {
        match (bytes(&a.mailbox), bytes(&a.host)) {
            // A group's end marker.
            (None, None) => out.push(';'),
            // A group's start: its name.
            (Some(group), None) => {
                separate(&mut out);
                out.push_str(&decode_header(&group));
                out.push_str(": ");
            }
            (mailbox, Some(host)) => {
                separate(&mut out);
                let mut spec = String::new();
                if let Some(m) = mailbox.filter(|m| m.as_slice() != MISSING_MAILBOX) {
                    spec.push_str(&String::from_utf8_lossy(&m));
                }
                if host.as_slice() != MISSING_DOMAIN {
                    spec.push('@');
                    spec.push_str(&String::from_utf8_lossy(&host));
                }
                let name = bytes(&a.name).map(|n| decode_header(&n));
                match name.filter(|n| !n.is_empty()) {
                    Some(name) => {
                        out.push_str(&name);
                        out.push_str(" <");
                        out.push_str(&spec);
                        out.push('>');
                    }
                    None => out.push_str(&spec),
                }
            }
        }
    }
    out
}

/// All header fields of `e` as `Name: decoded value` lines.
pub(crate) fn headers_text(raw: &[u8], e: &Entity) -> String {
    let mut out = String::new();
    for f in &e.fields {
        out.push_str(&String::from_utf8_lossy(&raw[f.name.clone()]));
        out.push_str(": ");
        out.push_str(&decode_header(&raw[f.value.clone()]));
        out.push('\n');
    }
    out
}

/// The decoded text of every text/* part under `e`, including the headers
/// and text of embedded messages, one part after another.
pub(crate) fn body_text(raw: &[u8], e: &Entity, out: &mut String) {
    match &e.kind {
        Kind::Multipart(children) => children.iter().for_each(|c| body_text(raw, c, out)),
        Kind::Message(inner) => {
            out.push_str(&headers_text(raw, inner));
            body_text(raw, inner, out);
        }
        Kind::Leaf if e.media == Media::Text => {
            out.push_str(&leaf_text(raw, e));
            out.push('\n');
        }
        Kind::Leaf => {}
    }
}

/// Unfolds, decodes RFC 2047 words and collapses whitespace runs to one
/// space, so a search string matches however the field was folded.
pub(crate) fn decode_header(value: &[u8]) -> String {
    decode_words(value)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Unfolds and decodes RFC 2047 words, leaving whitespace as it is.
pub(crate) fn decode_words(value: &[u8]) -> String {
    let mut line = unfold(value);
    line.push(b'\n');
    match MessageStream::new(&line).parse_unstructured() {
        HeaderValue::Text(text) => text.into_owned(),
        _ => String::new(),
    }
}

fn leaf_text(raw: &[u8], e: &Entity) -> String {
    let encoded = body(raw, e);
    let encoding = e
        .field(raw, b"content-transfer-encoding")
        .and_then(|v| content::first_token(&unfold(v)))
        .unwrap_or_default();
    let bytes = if encoding.eq_ignore_ascii_case(b"base64") {
        base64_lenient(encoded)
    } else if encoding.eq_ignore_ascii_case(b"quoted-printable") {
        quoted_printable(encoded)
    } else {
        encoded.to_vec()
    };
    let ct = e.content_type.as_ref();
    let text = match ct
        .and_then(|c| c.param(b"charset"))
        .and_then(charset_decoder)
    {
        Some(decode) => decode(&bytes),
        None => String::from_utf8_lossy(&bytes).into_owned(),
    };
    if ct.is_some_and(|c| c.subtype.eq_ignore_ascii_case(b"html")) {
        strip_html(&text)
    } else {
        text
    }
}

/// Base64 that ignores line breaks, junk and missing padding.
pub(super) fn base64_lenient(encoded: &[u8]) -> Vec<u8> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let mut clean: Vec<u8> = encoded
        .iter()
        .copied()
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    LENIENT.decode(clean).unwrap_or_default()
}

/// Quoted-printable (RFC 2045 §6.7) that keeps malformed escapes as they are.
pub(super) fn quoted_printable(encoded: &[u8]) -> Vec<u8> {
    fn hex(b: Option<&u8>) -> Option<u8> {
        char::from(*b?)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    let mut out = Vec::with_capacity(encoded.len());
    let mut i = 0;
    while i < encoded.len() {
        let b = encoded[i];
        if b == b'=' {
            let rest = &encoded[i + 1..];
            if rest.starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if rest.starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let (Some(hi), Some(lo)) = (hex(rest.first()), hex(rest.get(1))) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Drops tags, comments, and the content of `<style>`/`<script>`; decodes
/// the common character entities. Good enough for substring search.
fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&entities(&rest[..lt]));
        let tag = &rest[lt..];
        let starts = |p: &str| {
            tag.as_bytes()
                .get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes()))
        };
        let close = if starts("<!--") {
            tag.find("-->").map(|i| i + 3)
        } else if starts("<style") || starts("<script") {
            let name = if starts("<style") {
                "</style"
            } else {
                "</script"
            };
            find_ci(tag, name).and_then(|i| tag[i..].find('>').map(|j| i + j + 1))
        } else {
            tag.find('>').map(|i| i + 1)
        };
        let Some(close) = close else {
            rest = "";
            break;
        };
        out.push(' ');
        rest = &tag[close..];
    }
    out.push_str(&entities(rest));
    out
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn entities(text: &str) -> String {
    const NAMED: [(&str, &str); 6] = [
        ("&nbsp;", " "),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&amp;", "&"),
    ];
    let mut out = text.to_string();
    for (entity, plain) in NAMED {
        if out.contains(entity) {
            out = out.replace(entity, plain);
        }
    }
    out
}
