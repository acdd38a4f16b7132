//! Adding and removing attachments as byte surgery: the new part is spliced
//! in (or the old one cut out) and every other byte of the message stays as
//! it was, so what a client stored is what it reads back.

use std::hash::{DefaultHasher, Hash, Hasher};

use base64::Engine;
use mail_parser::{HeaderName, MessageParser};

use super::build::encode_words;
use super::header_block::{self, HeaderBlock, line_at};
use super::model::NewAttachment;
use super::outline::{self, param};
use super::parse::with_parsed;

/// Return the MIME with one more attachment (a multipart/mixed is created
/// around a single-part message). A top-level multipart/mixed gets the new
/// part before its closing boundary; anything else is wrapped: the top-level
/// headers stay (minus Content-*), the original content becomes the first
/// part and the attachment the second.
pub(crate) fn add_attachment(mime: &[u8], att: &NewAttachment<'_>) -> Vec<u8> {
    let block = header_block::scan(mime);
    let eol = block.eol();
    match mixed_boundary(mime, &block) {
        Some(boundary) => insert_part(mime, &block, &boundary, att),
        None => wrap(mime, &block, &fresh_boundary(mime, att), eol, att),
    }
}

/// The boundary of a top-level multipart/mixed, if that is what the message is.
fn mixed_boundary(mime: &[u8], block: &HeaderBlock) -> Option<String> {
    let headers = MessageParser::default().parse_headers(mime)?;
    let root = headers.parts.first()?;
    let (ctype, subtype) = outline::content_type(root, false);
    if ctype != "multipart" || subtype != "mixed" {
        return None;
    }
    // A Content-Type only mail-parser saw (outside our header block) is not trusted.
    block.value_of(mime, "Content-Type")?;
    param(&root.headers, HeaderName::ContentType, "boundary").filter(|b| !b.is_empty())
}

fn insert_part(
    mime: &[u8],
    block: &HeaderBlock,
    boundary: &str,
    att: &NewAttachment<'_>,
) -> Vec<u8> {
    let eol = block.eol();
    // Damaged input: multiparts inside that never close would swallow the
    // new part, so they are closed first (well-formed mail has none).
    let mut part = Vec::new();
    for inner in unclosed_boundaries(mime, block.body_start)
        .iter()
        .filter(|b| *b != boundary)
    {
        part.extend_from_slice(format!("--{inner}--").as_bytes());
        part.extend_from_slice(eol);
    }
    part.extend_from_slice(&part_bytes(boundary, att, eol));
    let mut out = Vec::with_capacity(mime.len() + part.len() + 64);
    match closing_delimiter(mime, block.body_start, boundary) {
        Some(at) => {
            out.extend_from_slice(mime.get(..at).unwrap_or_default());
            out.extend_from_slice(&part);
            out.extend_from_slice(mime.get(at..).unwrap_or_default());
        }
        None => {
            // Truncated multipart: end the cut-off part (a blank line also
            // ends a cut-off header block), add the part, close the message.
            out.extend_from_slice(mime);
            if !mime.ends_with(b"\n") {
                out.extend_from_slice(eol);
            }
            out.extend_from_slice(eol);
            out.extend_from_slice(&part);
            out.extend_from_slice(format!("--{boundary}--").as_bytes());
            out.extend_from_slice(eol);
        }
    }
    out
}

/// Start of the line `--boundary--` at or after `from`.
fn closing_delimiter(mime: &[u8], from: usize, boundary: &str) -> Option<usize> {
    let close = format!("--{boundary}--");
    let mut pos = from;
    while pos < mime.len() {
        let (content_end, next) = line_at(mime, pos);
        let line = mime.get(pos..content_end).unwrap_or_default();
        if let Some(rest) = line.strip_prefix(close.as_bytes())
            && rest.iter().all(|b| matches!(b, b' ' | b'\t'))
        {
            return Some(pos);
        }
        pos = next;
    }
    None
}

/// Boundaries of multiparts (attached messages included) that have no
/// closing delimiter, innermost first.
fn unclosed_boundaries(mime: &[u8], body_start: usize) -> Vec<String> {
    fn collect(msg: &mail_parser::Message<'_>, depth: usize, out: &mut Vec<String>) {
        for p in &msg.parts {
            match &p.body {
                mail_parser::PartType::Multipart(_) => {
                    out.extend(param(&p.headers, HeaderName::ContentType, "boundary"));
                }
                mail_parser::PartType::Message(inner) if depth < 8 => {
                    collect(inner, depth + 1, out)
                }
                _ => {}
            }
        }
    }
    let boundaries = with_parsed(mime, |msg, _| {
        let mut all = Vec::new();
        collect(msg, 0, &mut all);
        all
    });
    let mut open: Vec<String> = boundaries
        .unwrap_or_default()
        .into_iter()
        .filter(|b| !b.is_empty() && closing_delimiter(mime, body_start, b).is_none())
        .collect();
    open.reverse();
    open
}

fn wrap(
    mime: &[u8],
    block: &HeaderBlock,
    boundary: &str,
    eol: &[u8],
    att: &NewAttachment<'_>,
) -> Vec<u8> {
    let mut head = Vec::new();
    let mut content_headers = Vec::new();
    let mut copied = 0;
    let mut has_version = false;
    // Lines of the block that are not fields stay where they were.
    for f in &block.fields {
        let bytes = mime.get(f.start..f.end).unwrap_or_default();
        head.extend_from_slice(mime.get(copied..f.start).unwrap_or_default());
        copied = f.end;
        let is_content = f
            .name(mime)
            .get(..8)
            .is_some_and(|n| n.eq_ignore_ascii_case(b"content-"));
        let target = if is_content {
            &mut content_headers
        } else {
            has_version |= f.is_named(mime, "MIME-Version");
            &mut head
        };
        target.extend_from_slice(bytes);
        if !bytes.ends_with(b"\n") {
            target.extend_from_slice(eol);
        }
    }
    head.extend_from_slice(mime.get(copied..block.blank_line).unwrap_or_default());
    if !head.is_empty() && !head.ends_with(b"\n") {
        head.extend_from_slice(eol);
    }
    let mut out = head;
    if !has_version {
        out.extend_from_slice(b"MIME-Version: 1.0");
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(
        format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"").as_bytes(),
    );
    out.extend_from_slice(eol);
    out.extend_from_slice(eol);
    out.extend_from_slice(format!("--{boundary}").as_bytes());
    out.extend_from_slice(eol);
    out.extend_from_slice(&content_headers);
    out.extend_from_slice(eol);
    out.extend_from_slice(mime.get(block.body_start..).unwrap_or_default());
    out.extend_from_slice(eol);
    // A cut-off multipart inside would swallow the new part: close it.
    for inner in unclosed_boundaries(mime, block.body_start) {
        out.extend_from_slice(eol);
        out.extend_from_slice(format!("--{inner}--").as_bytes());
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(&part_bytes(boundary, att, eol));
    out.extend_from_slice(format!("--{boundary}--").as_bytes());
    out.extend_from_slice(eol);
    out
}

/// `--boundary`, the part headers, the base64 content in 76-character lines,
/// ending with a line break (the next delimiter follows).
fn part_bytes(boundary: &str, att: &NewAttachment<'_>, eol: &[u8]) -> Vec<u8> {
    let eol_str = if eol == b"\r\n" { "\r\n" } else { "\n" };
    let name = quoted_param(att.name);
    let ctype = media_type(att.content_type);
    let disposition = if att.is_inline {
        "inline"
    } else {
        "attachment"
    };
    let mut head = format!("--{boundary}{eol_str}Content-Type: {ctype}; name={name}{eol_str}");
    head.push_str(&format!(
        "Content-Disposition: {disposition}; filename={name}{eol_str}"
    ));
    if let Some(cid) = att.content_id.map(clean_cid).filter(|c| !c.is_empty()) {
        head.push_str(&format!("Content-ID: <{cid}>{eol_str}"));
    }
    head.push_str(&format!(
        "Content-Transfer-Encoding: base64{eol_str}{eol_str}"
    ));
    let encoded = base64::engine::general_purpose::STANDARD.encode(att.bytes);
    let mut out = head.into_bytes();
    out.reserve(encoded.len() + encoded.len() / 76 * 2 + 4);
    for line in encoded.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(eol);
    }
    out
}

/// A parameter value in quotes; RFC 2047 words inside the quotes for
/// non-ASCII names (what Outlook writes and every client reads).
fn quoted_param(value: &str) -> String {
    let clean: String = value.chars().filter(|c| !c.is_control()).collect();
    let clean = if clean.trim().is_empty() {
        "Untitled".to_string()
    } else {
        clean
    };
    if clean.is_ascii() {
        format!("\"{}\"", clean.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        format!("\"{}\"", encode_words(&clean))
    }
}

fn media_type(ct: &str) -> String {
    let base = ct.split(';').next().unwrap_or_default().trim();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    match base.split_once('/') {
        Some((t, s)) if token(t) && token(s) => base.to_ascii_lowercase(),
        _ => "application/octet-stream".to_string(),
    }
}

fn clean_cid(cid: &str) -> String {
    cid.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .collect()
}

/// A boundary that no line of the message starts with: derived from the
/// content (so the result is deterministic), re-drawn on a clash.
fn fresh_boundary(mime: &[u8], att: &NewAttachment<'_>) -> String {
    let mut hasher = DefaultHasher::new();
    mime.len().hash(&mut hasher);
    mime.get(..mime.len().min(4096)).hash(&mut hasher);
    att.name.hash(&mut hasher);
    att.bytes.len().hash(&mut hasher);
    loop {
        let candidate = format!("=_graphgate_{:016x}", hasher.finish());
        if !starts_a_line(mime, &format!("--{candidate}")) {
            return candidate;
        }
        candidate.hash(&mut hasher);
    }
}

fn starts_a_line(mime: &[u8], prefix: &str) -> bool {
    let mut pos = 0;
    while pos < mime.len() {
        if mime
            .get(pos..)
            .is_some_and(|rest| rest.starts_with(prefix.as_bytes()))
        {
            return true;
        }
        pos = line_at(mime, pos).1;
    }
    false
}

/// Return the MIME without attachment `index`: its part, from its delimiter
/// line to the line break before the next delimiter, is cut out. A message
/// that is nothing but the attachment, or one whose delimiters cannot be
/// found where the parser saw them, is returned unchanged.
pub(crate) fn remove_attachment(mime: &[u8], index: usize) -> Vec<u8> {
    let range = with_parsed(mime, |msg, outline| {
        let a = outline.attachments.get(index)?;
        let part = msg.parts.get(a.part)?;
        let boundary = a.boundary.as_deref()?;
        part_range(
            mime,
            part.offset_header as usize,
            part.offset_end as usize,
            boundary,
        )
    })
    .flatten();
    match range {
        Some((start, end)) => {
            let mut out = Vec::with_capacity(mime.len());
            out.extend_from_slice(&mime[..start]);
            out.extend_from_slice(&mime[end..]);
            out
        }
        None => mime.to_vec(),
    }
}

/// (start of the delimiter line before the part, start of the next delimiter line).
fn part_range(
    mime: &[u8],
    header_start: usize,
    body_end: usize,
    boundary: &str,
) -> Option<(usize, usize)> {
    let delimiter = format!("--{boundary}");
    if header_start == 0
        || header_start > mime.len()
        || body_end < header_start
        || body_end > mime.len()
    {
        return None;
    }
    // The delimiter line ends right before the part's headers.
    let before = mime.get(..header_start - 1)?;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    if !mime.get(start..)?.starts_with(delimiter.as_bytes()) {
        return None;
    }
    let rest = mime.get(body_end..)?;
    let end = body_end
        + if rest.starts_with(b"\r\n") {
            2
        } else if rest.starts_with(b"\n") {
            1
        } else {
            0
        };
    mime.get(end..)?
        .starts_with(delimiter.as_bytes())
        .then_some((start, end))
}
