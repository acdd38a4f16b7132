//! The demo tenant's mail: realistic messages for alice, bob, carol and
//! sales@ (multipart/alternative, attachments, RFC 2047 headers, 8-bit bodies,
//! nested message/rfc822, a large message), and generated filler for
//! benchmarks.
//!
//! STUB: the real implementation replaces this file.

use chrono::{DateTime, Utc};

/// One message to put in a demo mailbox.
#[derive(Debug, Clone)]
pub struct SeedMessage {
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
pub fn demo_corpus(_domain: &str, _large_message: bool, _now: DateTime<Utc>) -> Vec<SeedMessage> {
    Vec::new()
}

/// Filler message number `i` (0-based) for `--seed-messages`: a few KB, varied
/// senders/subjects, received at `base` minus `i` minutes.
pub fn generated_message(domain: &str, i: usize, base: DateTime<Utc>) -> (Vec<u8>, DateTime<Utc>) {
    let at = base - chrono::Duration::minutes(i as i64);
    let mime = format!(
        "From: Sender {i} <sender{i}@example.net>\r\nTo: alice@{domain}\r\nSubject: Message {i}\r\nDate: {}\r\nMessage-ID: <seed-{i}@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBody of message {i}.\r\n",
        at.to_rfc2822()
    );
    (mime.into_bytes(), at)
}
