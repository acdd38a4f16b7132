//! A corpus entry ([`Seed`]) and how it becomes a message: the template
//! tokens (domain, dates relative to when it was received, encoded words and
//! bodies, attachments) filled in, its line endings made CRLF.

use chrono::{DateTime, Duration, FixedOffset, Offset, Utc};

use super::encode::{PNG_BASE64, b_words, base64_lines, latin1, pdf, q_words, quoted_printable};

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

/// Minutes in an hour and in a day, for `Seed::ago`.
pub(super) const H: i64 = 60;
pub(super) const D: i64 = 24 * H;

/// Flag bits for `Seed::flags`.
pub(super) const UNREAD: u8 = 0;
pub(super) const READ: u8 = 1;
pub(super) const FLAGGED: u8 = 2;
pub(super) const ANSWERED: u8 = 4;

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
pub(super) struct Seed {
    pub(super) mailbox: &'static str,
    pub(super) folder: &'static str,
    /// Minutes before `now` the message was received.
    pub(super) ago: i64,
    pub(super) flags: u8,
    pub(super) categories: &'static [&'static str],
    pub(super) mime: &'static str,
}

impl Seed {
    pub(super) fn build(&self, domain: &str, now: DateTime<Utc>) -> SeedMessage {
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
pub(super) fn expand(template: &str, domain: &str, sent: DateTime<Utc>) -> String {
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
