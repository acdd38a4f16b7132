//! What SORT and THREAD read from a message's header (RFC 5256, RFC 5957):
//! the sent date in UTC, the first address of an address field as an
//! ENVELOPE address structure with its display name decoded, the base
//! subject, and the message IDs that tie a reply to what it answers.

use imap_types::core::NString;

use super::address::{MISSING_DOMAIN, MISSING_MAILBOX, address_list};
use super::lex::unfold;
use super::message_id::message_ids;
use super::scan::Entity;
use super::search::{decode_header, decode_words};
use super::subject::{BaseSubject, base_subject};

/// The first address structure of an address field, as ENVELOPE gives it,
/// each part `None` where ENVELOPE has NIL (or fills in a missing part).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirstAddress {
    /// The display name, RFC 2047 words decoded.
    pub name: Option<String>,
    /// `addr-mailbox`: the local part, or a group's name.
    pub mailbox: Option<String>,
    /// `addr-host`; `None` for a group.
    pub host: Option<String>,
}

/// The Date field as seconds since 1970 in UTC, if it parses as a date.
pub(crate) fn sent_timestamp(raw: &[u8], e: &Entity) -> Option<i64> {
    let value = String::from_utf8_lossy(&unfold(e.field(raw, b"date")?)).into_owned();
    let date = mail_parser::DateTime::parse_rfc822(&value)?;
    date.is_valid().then(|| date.to_timestamp())
}

/// The first address structure of the field `name` (From, To, Cc).
pub(crate) fn first_address(raw: &[u8], e: &Entity, name: &[u8]) -> Option<FirstAddress> {
    let list = address_list(&unfold(e.field(raw, name)?));
    let first = list.into_iter().next()?;
    let bytes = |s: &NString<'_>| s.0.as_ref().map(|s| s.as_ref().to_vec());
    let host = bytes(&first.host).filter(|h| h.as_slice() != MISSING_DOMAIN);
    let mailbox = bytes(&first.mailbox)
        .filter(|m| m.as_slice() != MISSING_MAILBOX)
        .map(|m| match first.host.0 {
            // A group's start: its name is a phrase, and may be encoded.
            None => decode_header(&m),
            Some(_) => String::from_utf8_lossy(&m).into_owned(),
        });
    Some(FirstAddress {
        name: bytes(&first.name).map(|n| decode_header(&n)),
        mailbox,
        host: host.map(|h| String::from_utf8_lossy(&h).into_owned()),
    })
}

/// The base subject of the first Subject field (empty without one).
pub(crate) fn subject(raw: &[u8], e: &Entity) -> BaseSubject {
    base_subject(
        &e.field(raw, b"subject")
            .map(decode_words)
            .unwrap_or_default(),
    )
}

/// The message's own ID: the first valid one of its Message-ID field.
pub(crate) fn message_id(raw: &[u8], e: &Entity) -> Option<String> {
    message_ids(e.field(raw, b"message-id")?).into_iter().next()
}

/// The IDs a message refers to (RFC 5256 §3): those of its References
/// field, or if it has none, the first of In-Reply-To.
pub(crate) fn references(raw: &[u8], e: &Entity) -> Vec<String> {
    let references = e.field(raw, b"references").map(message_ids);
    match references {
        Some(ids) if !ids.is_empty() => ids,
        _ => e
            .field(raw, b"in-reply-to")
            .map(message_ids)
            .and_then(|ids| ids.into_iter().next())
            .into_iter()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use crate::mime::ParsedMessage;

    use super::FirstAddress;

    fn message(header: &str) -> ParsedMessage {
        ParsedMessage::parse(format!("{header}\r\n\r\nbody\r\n").as_bytes())
    }

    #[test]
    fn the_sent_date_is_utc_and_absent_when_it_does_not_parse() {
        let m = message("Date: Sun, 31 Dec 2000 16:01:33 -0800");
        let utc = chrono::DateTime::parse_from_rfc3339("2001-01-01T00:01:33Z").unwrap();
        assert_eq!(m.sent_timestamp(), Some(utc.timestamp()));
        assert_eq!(message("Date: yesterday").sent_timestamp(), None);
        assert_eq!(message("Subject: x").sent_timestamp(), None);
    }

    #[test]
    fn the_first_address_is_the_first_structure_of_the_first_field() {
        let m = message(
            "From: =?UTF-8?Q?J=C3=BCrgen?= <Juergen@Example.org>, b@x\r\n\
             To: team: a@x, b@y;\r\nCc: <@route:c@z>\r\nBcc: <>, nobody",
        );
        assert_eq!(
            m.first_address("from"),
            Some(FirstAddress {
                name: Some("Jürgen".into()),
                mailbox: Some("Juergen".into()),
                host: Some("Example.org".into()),
            })
        );
        assert_eq!(
            m.first_address("to"),
            Some(FirstAddress {
                name: None,
                mailbox: Some("team".into()),
                host: None,
            })
        );
        assert_eq!(m.first_address("cc").unwrap().mailbox.as_deref(), Some("c"));
        // A missing domain is no host.
        let bcc = m.first_address("bcc").unwrap();
        assert_eq!((bcc.mailbox.as_deref(), bcc.host), (Some("nobody"), None));
        assert_eq!(m.first_address("reply-to"), None);
    }

    #[test]
    fn references_fall_back_to_the_first_in_reply_to() {
        let m = message("Message-ID: <me@x>\r\nReferences: <a@x> <b@x>\r\nIn-Reply-To: <c@x>");
        assert_eq!(m.message_id().as_deref(), Some("me@x"));
        assert_eq!(m.thread_references(), ["a@x", "b@x"]);
        let m = message("In-Reply-To: <c@x> <d@x>\r\nReferences: none here");
        assert_eq!(m.thread_references(), ["c@x"]);
        assert_eq!(m.message_id(), None);
        assert!(message("Subject: x").thread_references().is_empty());
    }

    #[test]
    fn the_subject_is_decoded_before_its_base_is_taken() {
        let m = message("Subject: =?UTF-8?Q?Re=3A_caf=C3=A9?=\r\n  (fwd)");
        let base = m.base_subject();
        assert_eq!((base.text.as_str(), base.reply_or_forward), ("café", true));
        assert_eq!(message("To: a@b").base_subject().text, "");
    }
}
