//! Cutting a message too big for one Graph request into a skeleton (the
//! MIME without its largest attachments) and those attachments, which go to
//! the draft one by one (upload sessions for 3 MB and more). The skeleton
//! keeps every header and every other part byte for byte.

use mail_parser::{MessageParser, MimeHeaders, PartType};

use crate::graph::NewAttachment;

/// Graph's smallest attachment for an upload session.
pub const SESSION_MIN: usize = 3 * 1024 * 1024;

/// An attachment taken out of the MIME.
pub struct Detached {
    pub name: String,
    pub content_type: String,
    pub inline: bool,
    pub content_id: Option<String>,
    pub bytes: Vec<u8>,
}

impl Detached {
    /// The attachment as Graph takes it (a `fileAttachment`, or the item
    /// of an upload session for the big ones).
    pub fn as_attachment(&self) -> NewAttachment<'_> {
        NewAttachment {
            name: &self.name,
            content_type: &self.content_type,
            is_inline: self.inline,
            content_id: self.content_id.as_deref(),
            bytes: &self.bytes,
        }
    }
}

/// The skeleton (at most `limit` bytes) and the attachments taken out;
/// `None` if no cut gets under the limit.
pub fn split(raw: &[u8], limit: usize) -> Option<(Vec<u8>, Vec<Detached>)> {
    let message = MessageParser::default().parse(raw)?;
    // Leaf attachments, biggest first.
    let mut candidates: Vec<(usize, usize, Detached)> = Vec::new();
    for part in message.attachments() {
        let bytes = match &part.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
            PartType::Text(t) | PartType::Html(t) => t.as_bytes().to_vec(),
            _ => continue,
        };
        let (start, end) = (part.offset_header as usize, part.offset_end as usize);
        let Some(cut_start) = delimiter_start(raw, start) else {
            continue;
        };
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            })
            .unwrap_or_else(|| "application/octet-stream".into());
        let detached = Detached {
            name: part.attachment_name().unwrap_or("attachment").to_string(),
            content_type,
            inline: part
                .content_disposition()
                .is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline")),
            content_id: part.content_id().map(|id| id.to_string()),
            bytes,
        };
        candidates.push((cut_start, end, detached));
    }
    candidates.sort_by_key(|(s, e, _)| std::cmp::Reverse(e - s));
    let mut size = raw.len();
    let mut cuts = Vec::new();
    for (start, end, detached) in candidates {
        if size <= limit {
            break;
        }
        size -= end - start;
        cuts.push((start, end, detached));
    }
    if size > limit {
        return None;
    }
    cuts.sort_by_key(|(s, _, _)| *s);
    let mut skeleton = Vec::with_capacity(size);
    let mut at = 0;
    let mut detached = Vec::new();
    for (start, end, d) in cuts {
        if start < at {
            return None;
        }
        skeleton.extend_from_slice(&raw[at..start]);
        at = end;
        detached.push(d);
    }
    skeleton.extend_from_slice(&raw[at..]);
    Some((skeleton, detached))
}

/// Where the delimiter line of the part starting at `part_start` begins,
/// including the line break before it (which belongs to the delimiter).
fn delimiter_start(raw: &[u8], part_start: usize) -> Option<usize> {
    let before = raw.get(..part_start)?;
    // The delimiter line ends right before the part: "\r\n--boundary\r\n".
    let line_end = before.len().checked_sub(1)?;
    let line_start = before[..line_end].iter().rposition(|&b| b == b'\n')? + 1;
    if !before[line_start..].starts_with(b"--") {
        return None;
    }
    let crlf = if line_start >= 2 && &raw[line_start - 2..line_start] == b"\r\n" {
        2
    } else {
        1
    };
    Some(line_start - crlf)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    fn message(big: usize) -> Vec<u8> {
        let payload: Vec<u8> = (0..big).map(|i| (i % 251) as u8).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&payload);
        let wrapped: Vec<String> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        format!(
            "From: a@x.test\r\nTo: b@x.test\r\nSubject: big\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
             --XX\r\nContent-Type: application/pdf; name=\"big.pdf\"\r\nContent-Disposition: attachment; filename=\"big.pdf\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n--XX\r\nContent-Type: text/plain; name=\"small.txt\"\r\n\
             Content-Disposition: attachment; filename=\"small.txt\"\r\n\r\nsmall one\r\n--XX--\r\n",
            wrapped.join("\r\n")
        )
        .into_bytes()
    }

    #[test]
    fn the_big_attachment_comes_out_and_the_rest_stays_byte_for_byte() {
        let raw = message(200_000);
        let (skeleton, detached) = split(&raw, 10_000).unwrap();
        assert_eq!(detached.len(), 1);
        assert_eq!(detached[0].name, "big.pdf");
        assert_eq!(detached[0].content_type, "application/pdf");
        assert_eq!(detached[0].bytes.len(), 200_000);
        assert_eq!(detached[0].bytes[1000], (1000 % 251) as u8);
        let text = String::from_utf8(skeleton).unwrap();
        assert!(text.contains("--XX\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX\r\nContent-Type: text/plain; name=\"small.txt\""), "{text}");
        let parsed = MessageParser::default().parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.body_text(0).as_deref(), Some("hello"));
        assert_eq!(parsed.attachment_count(), 1);
    }

    #[test]
    fn nothing_to_cut_means_none() {
        let raw = b"From: a@x.test\r\nSubject: x\r\n\r\n".repeat(1000);
        assert!(split(&raw, 100).is_none());
    }
}
