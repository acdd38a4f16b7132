//! Submission: a message an SMTP client handed over, checked and sent
//! through Graph exactly once. The header block is read strictly
//! (`fields`): what two readers could see differently is refused. Every
//! address in From, Sender and Resent-From (and a Reply-To naming a shared
//! mailbox) must be one policy lets this user send as (`author`); RCPT TO
//! decides who receives it (`recipients`: recipients missing from To/Cc go
//! as Bcc, the Bcc header never reaches anyone); From (RFC 6409 §8),
//! Message-ID and Date are added when missing, and everything else is sent
//! as the client wrote it (MIME pass-through).

use std::collections::BTreeSet;

use mail_parser::MessageParser;

mod author;
mod fields;
mod mailboxes;
mod recipients;
mod service;

use super::reason::Reason;
use crate::accounts::Account;
#[cfg(test)]
use crate::accounts::Mode;
use crate::policy::{Policy, SendMode};

/// Largest MIME sent in one `sendMail` request (the base64 must stay under
/// Graph's ~4 MB request limit); bigger messages go as a draft with
/// attachments added one by one.
pub const ONE_REQUEST_MIME: usize = 3 * 1024 * 1024;

/// The SMTP envelope.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    /// MAIL FROM (empty for `<>`).
    pub mail_from: String,
    /// RCPT TO, in order.
    pub rcpt_to: Vec<String>,
    /// The account's display name, for the From graphgate adds to a
    /// message without one (RFC 6409 §8); `None` writes the bare address.
    pub author_name: Option<String>,
}

/// Why a message was not sent; each maps to one SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    /// Try again later (451 4.4.x): Microsoft busy, throttled, token refresh.
    #[error(transparent)]
    Transient(Reason),
    /// Not allowed to send as this address (550 5.7.60).
    #[error(transparent)]
    SenderDenied(Reason),
    /// The message itself is unacceptable (550 5.6.0).
    #[error(transparent)]
    Invalid(Reason),
    /// Too big (552 5.3.4).
    #[error(transparent)]
    TooLarge(Reason),
    /// A limit of the account (452 4.5.3 recipients, 550 5.7.x per day).
    #[error(transparent)]
    Limit(Reason),
    /// Microsoft refused it for good (554 5.x).
    #[error(transparent)]
    Rejected(Reason),
}

/// Which mailbox sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFrom {
    /// The account's own mailbox.
    Own,
    /// A shared mailbox, as itself (send as).
    Shared(String),
}

/// A checked message, ready for Graph.
#[derive(Debug, Clone)]
pub struct Plan {
    pub from: SendFrom,
    /// The From address (lower-case).
    pub from_address: String,
    pub mode: SendMode,
    /// The MIME to send (Bcc header replaced by the envelope's extras).
    pub mime: Vec<u8>,
    pub message_id: String,
    pub recipients: BTreeSet<String>,
}

fn lower(s: &str) -> String {
    s.trim().to_ascii_lowercase()
}

/// Whether the message has no `From` field at all (then the submission
/// front looks up the account's display name for the one `prepare` adds).
pub fn lacks_from(raw: &[u8]) -> bool {
    fields::split(raw).is_ok_and(|h| !h.has("From"))
}

/// The `From:` line graphgate writes for a message without one: the
/// account's display name (quoted, or RFC 2047 encoded when not ASCII)
/// and its address; the bare address when the name is unknown or would
/// itself look like an address.
fn author_line(name: Option<&str>, address: &str) -> String {
    let name: Option<String> = name
        .map(|n| n.chars().filter(|c| !c.is_control()).collect::<String>())
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty() && !n.contains(['@', '\u{FF20}', '\u{FE6B}']));
    match name {
        None => format!("From: <{address}>"),
        Some(n) if n.is_ascii() => format!(
            "From: \"{}\" <{address}>",
            n.replace('\\', "\\\\").replace('"', "\\\"")
        ),
        Some(n) => {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD.encode(n.as_bytes());
            format!("From: =?utf-8?b?{b64}?= <{address}>")
        }
    }
}

/// Check a message against the envelope and policy and decide how to send it.
pub fn prepare(
    account: &Account,
    policy: &Policy,
    envelope: &Envelope,
    raw: &[u8],
    host: &str,
) -> Result<Plan, SubmitError> {
    let own = lower(&account.microsoft_user);
    let header = fields::split(raw).map_err(|why| SubmitError::Invalid(why.into()))?;
    let mut add = Vec::new();
    // RFC 6409 §8.6: a submission server may add the From it knows.
    let with_from;
    let (raw, header) = if header.has("From") {
        (raw, header)
    } else {
        let mut line = author_line(envelope.author_name.as_deref(), &own).into_bytes();
        line.extend_from_slice(header.eol.as_bytes());
        if header.fields.is_empty() {
            // A message of body only: the blank line that ends the header.
            line.extend_from_slice(header.eol.as_bytes());
        }
        line.extend_from_slice(raw);
        with_from = line;
        let header = fields::split(&with_from).map_err(|why| SubmitError::Invalid(why.into()))?;
        (&with_from[..], header)
    };
    let author = author::check(raw, &header, policy, &account.login, &own)?;
    let mail_from = lower(&envelope.mail_from);
    if !mail_from.is_empty() && mail_from != own && !author.all.contains(&mail_from) {
        return Err(SubmitError::SenderDenied(
            format!(
                "MAIL FROM {mail_from} is neither your address {own} nor a From address ({})",
                author.all.join(", ")
            )
            .into(),
        ));
    }
    if author.add_sender {
        add.push(format!("Sender: <{own}>"));
    }
    let rcpt: BTreeSet<String> = envelope.rcpt_to.iter().map(|r| lower(r)).collect();
    if rcpt.is_empty() {
        return Err(SubmitError::Invalid("no recipients".into()));
    }
    let strip = recipients::rewrite(raw, &header, &rcpt, &mut add)?;
    // The client's Message-ID is kept when it names one; an empty or
    // unreadable one is replaced.
    let parsed = MessageParser::default().parse_headers(raw);
    let given = parsed
        .as_ref()
        .and_then(|p| p.message_id())
        .map(str::trim)
        .filter(|id| header.has("Message-ID") && !id.is_empty())
        .map(|id| format!("<{id}>"));
    let replace_id = given.is_none();
    let message_id = given.unwrap_or_else(|| {
        let id = format!("<{}@{}>", uuid::Uuid::new_v4(), host);
        add.push(format!("Message-ID: {id}"));
        id
    });
    if !header.has("Date") {
        add.push(format!("Date: {}", chrono::Utc::now().to_rfc2822()));
    }
    let mut mime = Vec::with_capacity(raw.len() + 256);
    for line in &add {
        mime.extend_from_slice(line.as_bytes());
        mime.extend_from_slice(header.eol.as_bytes());
    }
    mime.extend_from_slice(&fields::without(raw, &header, |f| {
        (replace_id && f.name.eq_ignore_ascii_case("Message-ID"))
            || strip.iter().any(|n| f.name.eq_ignore_ascii_case(n))
    }));
    mime.extend_from_slice(&raw[header.end..]);
    Ok(Plan {
        from_address: author.address,
        from: author.from,
        mode: author.mode,
        mime,
        message_id,
        recipients: rcpt,
    })
}

#[cfg(test)]
mod tests;
