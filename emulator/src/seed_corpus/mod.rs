//! The demo tenant's mail: realistic messages for alice, bob, carol and
//! sales@ (multipart/alternative, attachments, RFC 2047 headers, 8-bit bodies,
//! nested message/rfc822, calendar invites, threads, a large message), and
//! generated filler for benchmarks. Everything is deterministic except the
//! dates, which follow `now` so the demo mailbox always looks recent.

mod alice_folders;
mod alice_inbox;
mod filler;
mod others;
#[cfg(test)]
mod tests;

use base64::Engine;
use chrono::{DateTime, Duration, FixedOffset, Offset, Utc};

pub(crate) use filler::generated_message;

/// One message to put in a demo mailbox.
#[derive(Debug, Clone)]
pub(crate) struct SeedMessage {
    /// Local part of the mailbox owner: `alice`, `bob`, `carol`, `sales`.
    pub mailbox: &'static str,
    /// Folder path with `/`, from the top of the mailbox, using display names:
    /// `Inbox`, `Inbox/Projects`, `Sent Items`, `Receipts`.
    pub folder: &'static str,
    pub mime: Vec<u8>,
    pub is_read: bool,
    pub flagged: bool,
    /// Sets PR_LAST_VERB_EXECUTED = 102 (replied).
    pub answered: bool,
    pub categories: Vec<String>,
    pub received: DateTime<Utc>,
}

/// The fixed demo corpus. `domain` is the tenant domain (`contoso.test`);
/// `large_message` adds one message of about 10 MB to alice's Inbox.
pub(crate) fn demo_corpus(
    domain: &str,
    large_message: bool,
    now: DateTime<Utc>,
) -> Vec<SeedMessage> {
    let mut out: Vec<SeedMessage> = alice_inbox::SEEDS
        .iter()
        .chain(alice_folders::SEEDS)
        .chain(others::SEEDS)
        .map(|seed| seed.build(domain, now))
        .collect();
    if large_message {
        out.push(large(domain, now - Duration::hours(6)));
    }
    out
}

/// Minutes in an hour and in a day, for `Seed::ago`.
const H: i64 = 60;
const D: i64 = 24 * H;

/// Flag bits for `Seed::flags`.
const UNREAD: u8 = 0;
const READ: u8 = 1;
const FLAGGED: u8 = 2;
const ANSWERED: u8 = 4;

/// A corpus entry: where it goes, its state, and its MIME as a template.
///
/// Templates are written with `\n` (turned into CRLF) and these tokens:
/// `${domain}`; `${date}` the Date header (received time, minus 2 minutes
/// for mail from others), `${date-N}` N hours earlier, either with
/// `@+HHMM` for a time zone; `${q:text}` / `${q1:text}` / `${b:text}` RFC
/// 2047 words in UTF-8 Q, ISO-8859-1 Q, UTF-8 B; `${b64:text}`,
/// `${qp:text}`, `${qp1:text}` body text as base64 (UTF-8), quoted-printable
/// UTF-8 or ISO-8859-1; `${pdf:Title}` a small PDF in base64 lines;
/// `${png}` a 16x16 PNG in base64. Token text cannot contain `}`.
struct Seed {
    mailbox: &'static str,
    folder: &'static str,
    /// Minutes before `now` the message was received.
    ago: i64,
    flags: u8,
    categories: &'static [&'static str],
    mime: &'static str,
}

impl Seed {
    fn build(&self, domain: &str, now: DateTime<Utc>) -> SeedMessage {
        let received = now - Duration::minutes(self.ago);
        let sent = if self.folder == "Sent Items" {
            received
        } else {
            received - Duration::minutes(2)
        };
        SeedMessage {
            mailbox: self.mailbox,
            folder: self.folder,
            mime: expand(self.mime, domain, sent).into_bytes(),
            is_read: self.flags & READ != 0,
            flagged: self.flags & FLAGGED != 0,
            answered: self.flags & ANSWERED != 0,
            categories: self.categories.iter().map(|c| c.to_string()).collect(),
            received,
        }
    }
}

/// Fill in a template's tokens and turn its line endings into CRLF.
fn expand(template: &str, domain: &str, sent: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(template.len() + 512);
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            rest = &rest[start..];
            break;
        };
        let token = &after[..end];
        match token.split_once(':') {
            Some(("q", text)) => out.push_str(&q_words("utf-8", text.as_bytes())),
            Some(("q1", text)) => out.push_str(&q_words("iso-8859-1", &latin1(text))),
            Some(("b", text)) => out.push_str(&b_words(text)),
            Some(("b64", text)) => {
                out.push_str(&base64_lines(text.replace('\n', "\r\n").as_bytes(), "\n"))
            }
            Some(("qp", text)) => out.push_str(&quoted_printable(text.as_bytes())),
            Some(("qp1", text)) => out.push_str(&quoted_printable(&latin1(text))),
            Some(("pdf", title)) => out.push_str(&base64_lines(&pdf(title), "\n")),
            _ if token == "domain" => out.push_str(domain),
            _ if token == "png" => out.push_str(PNG_BASE64),
            _ if token.starts_with("date") => out.push_str(&date_token(token, sent)),
            _ => out.push_str(&rest[start..start + 2 + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out.replace('\n', "\r\n")
}

/// `date`, `date-N`, either with `@+HHMM`.
fn date_token(token: &str, sent: DateTime<Utc>) -> String {
    let (spec, zone) = token.split_once('@').unwrap_or((token, "+0000"));
    let hours: i64 = spec
        .strip_prefix("date-")
        .and_then(|h| h.parse().ok())
        .unwrap_or(0);
    let sign = if zone.starts_with('-') { -1 } else { 1 };
    let digits: i32 = zone.trim_start_matches(['+', '-']).parse().unwrap_or(0);
    let offset = FixedOffset::east_opt(sign * ((digits / 100) * 3600 + (digits % 100) * 60))
        .unwrap_or(Utc.fix());
    (sent - Duration::hours(hours))
        .with_timezone(&offset)
        .to_rfc2822()
}

/// ISO-8859-1 bytes of `text` (`?` for what it cannot hold).
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// Quoted-printable body text (lines end in `\n`, soft breaks keep lines
/// within 76 characters).
fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let mut width = 0;
        for (i, &b) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let piece = match b {
                b' ' | b'\t' if !last => (b as char).to_string(),
                33..=60 | 62..=126 => (b as char).to_string(),
                _ => format!("={b:02X}"),
            };
            if width + piece.len() > 75 {
                out.push_str("=\n");
                width = 0;
            }
            width += piece.len();
            out.push_str(&piece);
        }
    }
    out
}

/// RFC 2047 Q words, split so each stays within 75 characters and folded
/// onto continuation lines.
fn q_words(charset: &str, bytes: &[u8]) -> String {
    let prefix = format!("=?{charset}?Q?");
    let mut words = Vec::new();
    let mut word = prefix.clone();
    for &b in bytes {
        let piece = match b {
            b' ' => "_".to_string(),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'!' | b'*' | b'+' | b'-' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("={b:02X}"),
        };
        // Keep multi-byte UTF-8 sequences in one word.
        let continuation = (0x80..0xC0).contains(&b) && charset == "utf-8";
        if word.len() + piece.len() + 2 > 75 && !continuation {
            words.push(format!("{word}?="));
            word = prefix.clone();
        }
        word.push_str(&piece);
    }
    words.push(format!("{word}?="));
    words.join("\n ")
}

/// RFC 2047 B words in UTF-8, at most 39 bytes of text each.
fn b_words(text: &str) -> String {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() - start > 39 {
            words.push(&text[start..i]);
            start = i;
        }
    }
    words.push(&text[start..]);
    let b64 = base64::engine::general_purpose::STANDARD;
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", b64.encode(w)))
        .collect::<Vec<_>>()
        .join("\n ")
}

/// Base64 in 76-character lines, each followed by `eol`.
fn base64_lines(bytes: &[u8], eol: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 * eol.len() + eol.len());
    let mut rest = encoded.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(76));
        out.push_str(line);
        out.push_str(eol);
        rest = tail;
    }
    out
}

/// A small, valid one-page PDF showing `title`.
fn pdf(title: &str) -> Vec<u8> {
    let text: String = title
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .collect::<String>()
        .replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)");
    let content = format!(
        "BT /F1 20 Tf 72 760 Td ({text}) Tj 0 -28 Td /F1 11 Tf (Contoso demo document) Tj ET"
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

/// A 16x16 PNG (a blue and amber checkerboard).
const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAJElEQVR42mP4v5MBjhgqrsARLnGGQaiBGEUo4oNQw2g8DAoNAEsxghB4coCuAAAAAElFTkSuQmCC";

/// Size of the large message's attachment before encoding.
const LARGE_ATTACHMENT_BYTES: usize = 7_500_000;

/// About 10 MB: a 7.5 MB binary attachment of xorshift noise, base64-encoded.
/// Built with word-sized writes and one bulk encode so it costs a few tens of
/// milliseconds even in a debug build.
fn large(domain: &str, received: DateTime<Utc>) -> SeedMessage {
    let mut data = vec![0u8; LARGE_ATTACHMENT_BYTES];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for chunk in data.chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let bytes = state.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    let encoded = base64::engine::general_purpose::STANDARD.encode(&data);
    let head = expand(
        "From: Field Survey Team <survey@${domain}>\nTo: Alice Example <alice@${domain}>\n\
Subject: Site survey raw data (large)\nDate: ${date}\nMessage-ID: <survey-raw-data-2025@${domain}>\n\
MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"=_survey_7f2c\"\n\n\
--=_survey_7f2c\nContent-Type: text/plain; charset=us-ascii\n\n\
Hi Alice,\n\nattached is the raw sensor export from last week's site survey\n\
(7.5 MB). It is large on purpose: please keep it out of forwarded threads.\n\n\
Thanks,\nField Survey Team\n\n--=_survey_7f2c\n\
Content-Type: application/octet-stream; name=\"survey-raw.bin\"\n\
Content-Disposition: attachment; filename=\"survey-raw.bin\"\nContent-Transfer-Encoding: base64\n\n",
        domain,
        received - Duration::minutes(2),
    );
    let mut mime = Vec::with_capacity(head.len() + encoded.len() + encoded.len() / 38 + 64);
    mime.extend_from_slice(head.as_bytes());
    for line in encoded.as_bytes().chunks(76) {
        mime.extend_from_slice(line);
        mime.extend_from_slice(b"\r\n");
    }
    mime.extend_from_slice(b"--=_survey_7f2c--\r\n");
    SeedMessage {
        mailbox: "alice",
        folder: "Inbox",
        mime,
        is_read: false,
        flagged: false,
        answered: false,
        categories: Vec::new(),
        received,
    }
}
