//! Submission: a message an SMTP client handed over, checked and sent
//! through Graph exactly once. The From header (with Sender) decides the
//! mailbox and policy decides whether this user may use it; RCPT TO decides
//! who receives it (recipients missing from To/Cc go as Bcc, the Bcc header
//! never reaches anyone); Message-ID and Date are added when missing, and
//! everything else is sent as the client wrote it (MIME pass-through).

use std::collections::BTreeSet;

use mail_parser::{Address, MessageParser};

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

fn addresses(a: Option<&Address<'_>>) -> Vec<String> {
    let Some(a) = a else { return Vec::new() };
    a.iter()
        .filter_map(|addr| addr.address.as_deref())
        .map(lower)
        .collect()
}

/// The raw value of every header named `name` (case-insensitive), unfolded.
fn raw_headers(header: &[u8], name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let text = String::from_utf8_lossy(header);
    let mut current: Option<String> = None;
    for line in text.split("\r\n").flat_map(|l| l.split('\n')) {
        if line.starts_with([' ', '\t']) {
            if let Some(c) = current.as_mut() {
                c.push(' ');
                c.push_str(line.trim());
            }
            continue;
        }
        if let Some(c) = current.take() {
            out.push(c);
        }
        if let Some((n, v)) = line.split_once(':')
            && n.trim().eq_ignore_ascii_case(name)
        {
            current = Some(v.trim().to_string());
        }
    }
    out.extend(current);
    out
}

/// Where the header block ends (after its blank line).
fn header_end(raw: &[u8]) -> usize {
    memchr::memmem::find(raw, b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| memchr::memmem::find(raw, b"\n\n").map(|i| i + 2))
        .unwrap_or(raw.len())
}

/// Remove every header named in `names` from the header block.
fn strip_headers(header: &[u8], names: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.len());
    let mut skipping = false;
    for line in header.split_inclusive(|&b| b == b'\n') {
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if continuation {
            if !skipping {
                out.extend_from_slice(line);
            }
            continue;
        }
        skipping = line
            .iter()
            .position(|&b| b == b':')
            .map(|i| {
                let name = String::from_utf8_lossy(&line[..i]);
                names.iter().any(|n| name.trim().eq_ignore_ascii_case(n))
            })
            .unwrap_or(false);
        if !skipping {
            out.extend_from_slice(line);
        }
    }
    out
}

/// An address the header shows in a way graphgate will not guess at:
/// encoded words or a second address in the display part.
fn tricky(raw_value: &str) -> bool {
    let lower = raw_value.to_ascii_lowercase();
    // An encoded word around or inside the address itself.
    if let Some(open) = lower.rfind('<') {
        let addr = &lower[open..];
        if addr.contains("=?") {
            return true;
        }
        // A display name that carries another address ("bob@x" <alice@y>).
        let display = &lower[..open];
        if display.contains('@') {
            return true;
        }
        false
    } else {
        lower.contains("=?")
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
    let end = header_end(raw);
    let header = &raw[..end];
    let parsed = MessageParser::default()
        .parse_headers(raw)
        .ok_or_else(|| SubmitError::Invalid("the message has no readable header".into()))?;
    let from_raw = raw_headers(header, "From");
    if from_raw.len() != 1 {
        return Err(SubmitError::Invalid(
            format!(
                "the message must have exactly one From header (it has {})",
                from_raw.len()
            )
            .into(),
        ));
    }
    if tricky(&from_raw[0]) {
        return Err(SubmitError::SenderDenied(
            "the From header hides its address (encoded words, or another address in the name); write the plain address".into(),
        ));
    }
    let froms = addresses(parsed.from());
    let sender_raw = raw_headers(header, "Sender");
    if sender_raw.len() > 1 || sender_raw.iter().any(|s| tricky(s)) {
        return Err(SubmitError::SenderDenied(
            "the Sender header is not one plain address".into(),
        ));
    }
    let sender = addresses(parsed.sender()).into_iter().next();
    let from = match froms.as_slice() {
        [one] => one.clone(),
        [] => {
            return Err(SubmitError::Invalid(
                "the From header holds no address".into(),
            ));
        }
        _ => {
            // Several authors are allowed only with a Sender, who sends.
            match &sender {
                Some(s) if froms.contains(s) => s.clone(),
                _ => {
                    return Err(SubmitError::SenderDenied(
                        "a From with several addresses needs a Sender header naming one of them"
                            .into(),
                    ));
                }
            }
        }
    };
    for resent in raw_headers(header, "Resent-From") {
        if !resent.to_ascii_lowercase().contains(&format!("<{own}>")) && lower(&resent) != own {
            return Err(SubmitError::SenderDenied(
                format!("Resent-From must be your own address {own}").into(),
            ));
        }
    }
    let grant = policy.send(&account.login, &own, &from).map_err(|d| {
        SubmitError::SenderDenied(format!("{}: not allowed to send as {from}", d.reason).into())
    })?;
    let mail_from = lower(&envelope.mail_from);
    if !mail_from.is_empty() && mail_from != own && mail_from != from {
        return Err(SubmitError::SenderDenied(
            format!(
                "MAIL FROM {mail_from} is neither your address {own} nor the From address {from}"
            )
            .into(),
        ));
    }
    let mut add = Vec::new();
    let send_from = match grant.mode() {
        SendMode::Own => {
            if sender.as_ref().is_some_and(|s| *s != own) {
                return Err(SubmitError::SenderDenied(
                    format!("the Sender header names someone else; only {own} may be the sender")
                        .into(),
                ));
            }
            SendFrom::Own
        }
        SendMode::As => {
            if sender.as_ref().is_some_and(|s| *s != from) {
                return Err(SubmitError::SenderDenied(
                    format!("you may send as {from}, but not with another Sender").into(),
                ));
            }
            SendFrom::Shared(from.clone())
        }
        SendMode::OnBehalf => {
            match &sender {
                Some(s) if *s != own => {
                    return Err(SubmitError::SenderDenied(
                        format!("on behalf of {from}, the Sender must be you ({own})").into(),
                    ));
                }
                Some(_) => {}
                None => add.push(format!("Sender: <{own}>")),
            }
            SendFrom::Own
        }
    };
    // Recipients: RCPT TO decides.
    let rcpt: BTreeSet<String> = envelope.rcpt_to.iter().map(|r| lower(r)).collect();
    if rcpt.is_empty() {
        return Err(SubmitError::Invalid("no recipients".into()));
    }
    let visible: BTreeSet<String> = addresses(parsed.to())
        .into_iter()
        .chain(addresses(parsed.cc()))
        .collect();
    let mut strip = vec!["Bcc"];
    if !visible.is_subset(&rcpt) {
        // Header recipients the client did not address must not get it:
        // To and Cc are rewritten to the envelope's share of them.
        strip.extend(["To", "Cc"]);
        let to: Vec<String> = addresses(parsed.to())
            .into_iter()
            .filter(|a| rcpt.contains(a))
            .collect();
        let cc: Vec<String> = addresses(parsed.cc())
            .into_iter()
            .filter(|a| rcpt.contains(a))
            .collect();
        if !to.is_empty() {
            add.push(format!("To: {}", angle_list(&to)));
        }
        if !cc.is_empty() {
            add.push(format!("Cc: {}", angle_list(&cc)));
        }
    }
    let hidden: Vec<String> = rcpt
        .iter()
        .filter(|r| !visible.contains(*r))
        .cloned()
        .collect();
    if !hidden.is_empty() {
        add.push(format!("Bcc: {}", angle_list(&hidden)));
    }
    let message_id = match parsed.message_id() {
        Some(id) => format!("<{id}>"),
        None => {
            let id = format!("<{}@{}>", uuid::Uuid::new_v4(), host);
            add.push(format!("Message-ID: {id}"));
            id
        }
    };
    if parsed.date().is_none() {
        add.push(format!("Date: {}", chrono::Utc::now().to_rfc2822()));
    }
    let mut mime = Vec::with_capacity(raw.len() + 256);
    for line in &add {
        mime.extend_from_slice(line.as_bytes());
        mime.extend_from_slice(b"\r\n");
    }
    mime.extend_from_slice(&strip_headers(header, &strip));
    mime.extend_from_slice(&raw[end..]);
    Ok(Plan {
        from_address: from.clone(),
        from: send_from,
        mode: grant.mode(),
        mime,
        message_id,
        recipients: rcpt,
    })
}

fn angle_list(list: &[String]) -> String {
    list.iter()
        .map(|a| format!("<{a}>"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SharedMailbox;

    fn account(login: &str) -> Account {
        Account {
            login: login.into(),
            microsoft_user: login.into(),
            mode: Mode::Delegated,
            created_at: 0,
            password_id: None,
        }
    }

    fn policy() -> Policy {
        Policy::new(vec![SharedMailbox {
            address: "sales@x.test".into(),
            writers: vec!["alice@x.test".into()],
            readers: vec!["bob@x.test".into()],
            send_as: vec!["alice@x.test".into()],
            send_on_behalf: vec!["bob@x.test".into()],
        }])
    }

    fn env(from: &str, to: &[&str]) -> Envelope {
        Envelope {
            mail_from: from.into(),
            rcpt_to: to.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn msg(headers: &str) -> Vec<u8> {
        format!("{headers}\r\nSubject: t\r\n\r\nbody\r\n").into_bytes()
    }

    #[test]
    fn own_mail_gets_message_id_and_date_and_keeps_the_rest() {
        let raw = msg("From: Alice <alice@x.test>\r\nTo: carol@x.test\r\nX-Keep: yes");
        let plan = prepare(
            &account("alice@x.test"),
            &policy(),
            &env("alice@x.test", &["carol@x.test"]),
            &raw,
            "h",
        )
        .unwrap();
        assert_eq!(plan.from, SendFrom::Own);
        let text = String::from_utf8(plan.mime).unwrap();
        assert!(
            text.starts_with("Message-ID: <") && text.contains("\r\nDate: "),
            "{text}"
        );
        assert!(text.contains("X-Keep: yes\r\n") && text.ends_with("\r\n\r\nbody\r\n"));
    }

    #[test]
    fn envelope_only_recipients_become_bcc_and_bcc_headers_go() {
        let raw = msg(
            "From: alice@x.test\r\nTo: carol@x.test\r\nBcc: secret@x.test\r\nMessage-ID: <a@b>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000",
        );
        let plan = prepare(
            &account("alice@x.test"),
            &policy(),
            &env("", &["carol@x.test", "dave@x.test"]),
            &raw,
            "h",
        )
        .unwrap();
        let text = String::from_utf8(plan.mime).unwrap();
        assert!(text.starts_with("Bcc: <dave@x.test>\r\n"), "{text}");
        assert!(
            !text.contains("secret@x.test"),
            "a Bcc not in RCPT TO gets nothing: {text}"
        );
        assert_eq!(plan.recipients.len(), 2);
    }

    #[test]
    fn header_recipients_outside_rcpt_to_are_dropped() {
        let raw = msg(
            "From: alice@x.test\r\nTo: carol@x.test, mallory@x.test\r\nMessage-ID: <a@b>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000",
        );
        let plan = prepare(
            &account("alice@x.test"),
            &policy(),
            &env("", &["carol@x.test"]),
            &raw,
            "h",
        )
        .unwrap();
        let text = String::from_utf8(plan.mime).unwrap();
        assert!(
            text.starts_with("To: <carol@x.test>\r\n") && !text.contains("mallory"),
            "{text}"
        );
    }

    #[test]
    fn send_as_and_on_behalf_follow_policy() {
        let raw = msg("From: sales@x.test\r\nTo: carol@x.test");
        let plan = prepare(
            &account("alice@x.test"),
            &policy(),
            &env("", &["carol@x.test"]),
            &raw,
            "h",
        )
        .unwrap();
        assert_eq!(plan.from, SendFrom::Shared("sales@x.test".into()));
        let plan = prepare(
            &account("bob@x.test"),
            &policy(),
            &env("", &["carol@x.test"]),
            &raw,
            "h",
        )
        .unwrap();
        assert_eq!(plan.from, SendFrom::Own);
        assert!(
            String::from_utf8(plan.mime)
                .unwrap()
                .contains("Sender: <bob@x.test>\r\n")
        );
    }

    #[test]
    fn spoofing_is_refused() {
        let carol = account("carol@x.test");
        let bob = account("bob@x.test");
        let alice = account("alice@x.test");
        let cases: Vec<(&Account, &str, &str)> = vec![
            (&carol, "From: sales@x.test", "carol may not send as sales"),
            (
                &carol,
                "From: \"alice@x.test\" <carol2@x.test>",
                "display-name trick",
            ),
            (
                &carol,
                "From: =?utf-8?q?carol?= <=?utf-8?q?sales=40x.test?=>",
                "encoded address",
            ),
            (
                &carol,
                "From: carol@x.test, sales@x.test",
                "two From without Sender",
            ),
            (
                &carol,
                "From: carol@x.test\r\nFrom: sales@x.test",
                "two From headers",
            ),
            (
                &carol,
                "From: carol@x.test\r\nSender: alice@x.test",
                "Sender someone else",
            ),
            (
                &carol,
                "From: carol@x.test\r\nResent-From: sales@x.test",
                "Resent-From",
            ),
            (
                &carol,
                "From: Carol+sales@x.test",
                "plus address is another address",
            ),
            (
                &bob,
                "From: sales@x.test\r\nSender: alice@x.test",
                "on behalf with another Sender",
            ),
            (
                &alice,
                "From: sales@x.test\r\nSender: alice@x.test",
                "send-as with a Sender",
            ),
        ];
        for (who, headers, what) in cases {
            let raw = msg(&format!("{headers}\r\nTo: dave@x.test"));
            let r = prepare(who, &policy(), &env("", &["dave@x.test"]), &raw, "h");
            assert!(
                matches!(
                    r,
                    Err(SubmitError::SenderDenied(_)) | Err(SubmitError::Invalid(_))
                ),
                "{what}: {r:?}"
            );
        }
        let raw = msg("From: carol@x.test\r\nTo: dave@x.test");
        let r = prepare(
            &carol,
            &policy(),
            &env("sales@x.test", &["dave@x.test"]),
            &raw,
            "h",
        );
        assert!(
            matches!(r, Err(SubmitError::SenderDenied(_))),
            "MAIL FROM differing: {r:?}"
        );
        let raw = msg("From: CAROL@X.TEST\r\nTo: dave@x.test");
        assert!(
            prepare(
                &carol,
                &policy(),
                &env("Carol@x.test", &["dave@x.test"]),
                &raw,
                "h"
            )
            .is_ok(),
            "case does not matter"
        );
    }
}
