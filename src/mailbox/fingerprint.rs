//! What tells one message from another that carries the same Message-ID.
//! Scanners and other devices send every message with one fixed Message-ID,
//! so "a copy with this Message-ID is in Sent Items" does not prove that
//! *this* message went. A fingerprint keeps what graphgate can compare:
//! the subject and the recipients (which Graph reports on the Sent Items
//! copy, so a lost send can be checked without downloading anything), and
//! a digest of the body (which a client's own copy, filed by APPEND,
//! carries unchanged). The time a copy was made is compared by the callers.

use std::collections::BTreeSet;

use mail_parser::{Address, MessageParser};
use sha2::{Digest, Sha256};

use crate::graph::FoundCopy;

/// The parts of a message that the "is it this one?" checks compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    /// `<id>`, when the message has one.
    pub message_id: Option<String>,
    /// The decoded subject, white space collapsed.
    pub subject: String,
    /// To and Cc addresses, lower-case.
    pub visible: BTreeSet<String>,
    /// Bcc addresses, lower-case.
    pub hidden: BTreeSet<String>,
    /// SHA-256 of the body (everything after the header block), with CRs
    /// removed and trailing white space trimmed, so SMTP's and IMAP's line
    /// endings and the final CRLF do not matter.
    pub body: [u8; 32],
}

fn lower_set(a: Option<&Address<'_>>) -> BTreeSet<String> {
    let Some(a) = a else {
        return BTreeSet::new();
    };
    a.iter()
        .filter_map(|addr| addr.address.as_deref())
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Collapse runs of white space (folding, tabs) and trim, so a subject
/// compares equal however it was folded or re-encoded.
pub(crate) fn normal_subject(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where the header block ends (after its blank line), or the whole input.
fn body_start(raw: &[u8]) -> usize {
    let crlf = memchr::memmem::find(raw, b"\r\n\r\n").map(|i| i + 4);
    let lf = memchr::memmem::find(raw, b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(raw.len()),
    }
}

fn body_digest(raw: &[u8]) -> [u8; 32] {
    let body = &raw[body_start(raw)..];
    let end = body
        .iter()
        .rposition(|b| !matches!(b, b'\r' | b'\n' | b' ' | b'\t'))
        .map_or(0, |i| i + 1);
    let mut hash = Sha256::new();
    for chunk in body[..end].split(|b| *b == b'\r') {
        hash.update(chunk);
    }
    hash.finalize().into()
}

impl Fingerprint {
    /// The fingerprint of a MIME message (headers it lacks count as empty).
    pub fn of(mime: &[u8]) -> Fingerprint {
        let parsed = MessageParser::default().parse_headers(mime);
        let parsed = parsed.as_ref();
        Fingerprint {
            message_id: parsed
                .and_then(|p| p.message_id())
                .map(|id| format!("<{id}>")),
            subject: normal_subject(parsed.and_then(|p| p.subject()).unwrap_or("")),
            visible: parsed
                .map(|p| {
                    let mut v = lower_set(p.to());
                    v.extend(lower_set(p.cc()));
                    v
                })
                .unwrap_or_default(),
            hidden: parsed.map(|p| lower_set(p.bcc())).unwrap_or_default(),
            body: body_digest(mime),
        }
    }

    /// Whether a copy Graph found could be this message: the same subject
    /// and the same recipients. Exchange keeps Bcc on the sender's copy; a
    /// copy reported without any Bcc is compared on To and Cc alone.
    pub fn fits(&self, copy: &FoundCopy) -> bool {
        let subject = normal_subject(copy.subject.as_deref().unwrap_or(""));
        if subject != self.subject {
            return false;
        }
        let (visible, hidden) = copy.recipients();
        let visible: BTreeSet<String> = visible.into_iter().collect();
        if hidden.is_empty() {
            return visible == self.visible;
        }
        let mut all = visible;
        all.extend(hidden);
        let mine: BTreeSet<String> = self.visible.union(&self.hidden).cloned().collect();
        all == mine
    }

    /// Whether `other` is the same message as far as a client's own copy
    /// shows: Message-ID, subject and body. (Recipients are left out: the
    /// copy a client files keeps the Bcc header that sending removed.)
    pub fn same_content(&self, other: &Fingerprint) -> bool {
        self.message_id == other.message_id
            && self.subject == other.subject
            && self.body == other.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(json: &str) -> FoundCopy {
        serde_json::from_str(json).unwrap()
    }

    const SENT: &[u8] =
        b"Bcc: <dave@x.test>\r\nFrom: a@x.test\r\nTo: Bob <BOB@x.test>\r\nCc: carol@x.test\r\n\
Subject: =?utf-8?q?Scan?=\r\n  report\r\nMessage-ID: <same@dev>\r\n\r\npage one\r\n";

    #[test]
    fn a_copy_fits_on_subject_and_recipients() {
        let fp = Fingerprint::of(SENT);
        assert_eq!(fp.message_id.as_deref(), Some("<same@dev>"));
        assert_eq!(fp.subject, "Scan report");
        let cases = [
            (
                r#"{"id":"1","subject":"Scan report","toRecipients":[{"emailAddress":{"address":"bob@x.test"}}],
                   "ccRecipients":[{"emailAddress":{"address":"Carol@x.test"}}],
                   "bccRecipients":[{"emailAddress":{"address":"dave@x.test"}}]}"#,
                true,
                "all recipients",
            ),
            (
                r#"{"id":"1","subject":"Scan  report","toRecipients":[{"emailAddress":{"address":"bob@x.test"}}],
                   "ccRecipients":[{"emailAddress":{"address":"carol@x.test"}}],"bccRecipients":null}"#,
                true,
                "no Bcc reported",
            ),
            (
                r#"{"id":"1","subject":"Scan report 2","toRecipients":[{"emailAddress":{"address":"bob@x.test"}}],
                   "ccRecipients":[{"emailAddress":{"address":"carol@x.test"}}]}"#,
                false,
                "other subject",
            ),
            (
                r#"{"id":"1","subject":"Scan report","toRecipients":[{"emailAddress":{"address":"bob@x.test"}}],
                   "bccRecipients":[{"emailAddress":{"address":"dave@x.test"}}]}"#,
                false,
                "a recipient missing",
            ),
            (
                r#"{"id":"1","subject":null,"toRecipients":[{"emailAddress":null}]}"#,
                false,
                "nothing",
            ),
        ];
        for (json, want, what) in cases {
            assert_eq!(fp.fits(&copy(json)), want, "{what}");
        }
    }

    #[test]
    fn body_digest_ignores_line_endings_and_trailing_space_but_not_content() {
        let a = Fingerprint::of(b"Subject: s\r\nMessage-ID: <m@x>\r\n\r\nline 1\r\nline 2\r\n\r\n");
        let b = Fingerprint::of(b"Subject: s\nMessage-ID: <m@x>\nBcc: z@x\n\nline 1\nline 2");
        let c = Fingerprint::of(b"Subject: s\r\nMessage-ID: <m@x>\r\n\r\nline 1\r\nline 3\r\n");
        assert!(a.same_content(&b));
        assert!(!a.same_content(&c));
        let empty = Fingerprint::of(b"");
        assert_eq!(empty.message_id, None);
        assert_eq!(empty.subject, "");
    }
}
