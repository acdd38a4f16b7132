//! UTF8=ACCEPT (RFC 6855): once a client ENABLEs it, mailbox names travel
//! as UTF-8 both ways instead of modified UTF-7 (§3). The handlers keep
//! one form: a command's names are turned into their modified UTF-7
//! spelling before it is routed ([`names_from_utf8`]), and the names in
//! LIST, LSUB and STATUS responses back into UTF-8 as they are queued
//! ([`names_to_utf8`]). A UTF-8 name is taken as it is written: `a&b`
//! then means those three characters, never modified UTF-7.

use imap_types::command::CommandBody;
use imap_types::core::{AString, IString};
use imap_types::extensions::utf8::QuotedUtf8;
use imap_types::mailbox::{ListCharString, ListMailbox, Mailbox};
use imap_types::response::Data;

use crate::mailbox::mutf7;

/// The modified UTF-7 spelling of a UTF-8 name from the client. A name
/// that is not UTF-8 is left as it is (it then names no folder).
fn to_mutf7(mailbox: &mut Mailbox<'static>) {
    let Mailbox::Other(other) = mailbox else {
        return;
    };
    let Ok(text) = std::str::from_utf8(other.as_ref()) else {
        return;
    };
    let encoded = mutf7::encode(text);
    if encoded != text
        && let Ok(new) = Mailbox::try_from(encoded)
    {
        *mailbox = new;
    }
}

fn pattern_to_mutf7(pattern: &mut ListMailbox<'static>) {
    let bytes: &[u8] = match &*pattern {
        ListMailbox::Token(token) => token.as_ref(),
        ListMailbox::String(s) => s.as_ref(),
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let encoded = mutf7::encode(text);
    if encoded == text {
        return;
    }
    *pattern = match ListCharString::try_from(encoded.clone()) {
        Ok(token) => ListMailbox::Token(token),
        Err(_) => match IString::try_from(encoded) {
            Ok(s) => ListMailbox::String(s),
            Err(_) => return,
        },
    };
}

/// Turn the UTF-8 mailbox names and LIST patterns of `body` into modified
/// UTF-7, the form the handlers read.
pub(super) fn names_from_utf8(body: &mut CommandBody<'static>) {
    match body {
        CommandBody::Select { mailbox, .. }
        | CommandBody::Examine { mailbox, .. }
        | CommandBody::Create { mailbox }
        | CommandBody::Delete { mailbox }
        | CommandBody::Subscribe { mailbox }
        | CommandBody::Unsubscribe { mailbox }
        | CommandBody::Status { mailbox, .. }
        | CommandBody::Append { mailbox, .. }
        | CommandBody::Copy { mailbox, .. }
        | CommandBody::Move { mailbox, .. } => to_mutf7(mailbox),
        CommandBody::Rename { from, to } => {
            to_mutf7(from);
            to_mutf7(to);
        }
        CommandBody::List {
            reference,
            mailbox_wildcard,
        }
        | CommandBody::Lsub {
            reference,
            mailbox_wildcard,
        } => {
            to_mutf7(reference);
            pattern_to_mutf7(mailbox_wildcard);
        }
        _ => {}
    }
}

/// A mailbox argument of a command graphgate parses itself.
pub(super) fn mailbox_from_utf8(mailbox: &mut Mailbox<'static>) {
    to_mutf7(mailbox);
}

/// Also for the patterns LIST-EXTENDED adds.
pub(super) fn patterns_from_utf8(patterns: &mut [ListMailbox<'static>]) {
    patterns.iter_mut().for_each(pattern_to_mutf7);
}

/// A modified UTF-7 name from the handlers, in UTF-8 for the client: a
/// quoted string where it fits, else a literal (both valid once
/// UTF8=ACCEPT is on).
fn to_utf8(mailbox: &mut Mailbox<'_>) {
    let Mailbox::Other(other) = mailbox else {
        return;
    };
    let Ok(wire) = std::str::from_utf8(other.as_ref()) else {
        return;
    };
    let Ok(text) = mutf7::decode(wire) else {
        return;
    };
    if text == wire {
        return;
    }
    let string = match QuotedUtf8::try_from(text.clone()) {
        Ok(quoted) => IString::QuotedUtf8(quoted),
        Err(_) => match IString::try_from(text) {
            Ok(s) => s,
            Err(_) => return,
        },
    };
    *mailbox = Mailbox::from(AString::String(string));
}

/// A mailbox name in a response graphgate encodes itself (MYRIGHTS, ACL,
/// LISTRIGHTS), in UTF-8.
pub(super) fn mailbox_to_utf8(mailbox: &mut Mailbox<'_>) {
    to_utf8(mailbox);
}

/// The names in a LIST, LSUB or STATUS response, in UTF-8.
pub(super) fn names_to_utf8(data: &mut Data<'_>) {
    match data {
        Data::List { mailbox, .. } | Data::Lsub { mailbox, .. } | Data::Status { mailbox, .. } => {
            to_utf8(mailbox)
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use imap_codec::CommandCodec;
    use imap_codec::ResponseCodec;
    use imap_codec::decode::Decoder;
    use imap_codec::encode::Encoder;
    use imap_types::IntoStatic;
    use imap_types::core::QuotedChar;
    use imap_types::response::Response;

    use super::*;

    fn converted(line: &str) -> CommandBody<'static> {
        let (_, command) = CommandCodec::default().decode(line.as_bytes()).unwrap();
        let mut body = command.into_static().body;
        names_from_utf8(&mut body);
        body
    }

    fn name(mailbox: &Mailbox<'_>) -> String {
        match mailbox {
            Mailbox::Inbox => "INBOX".into(),
            Mailbox::Other(o) => String::from_utf8_lossy(o.as_ref()).into_owned(),
        }
    }

    #[test]
    fn names_from_the_client_become_modified_utf7() {
        match converted("a SELECT \"Entwürfe\"\r\n") {
            CommandBody::Select { mailbox, .. } => assert_eq!(name(&mailbox), "Entw&APw-rfe"),
            other => panic!("{other:?}"),
        }
        // An ampersand is itself, not the start of modified UTF-7.
        match converted("a RENAME a&b \"Café\"\r\n") {
            CommandBody::Rename { from, to } => {
                assert_eq!(name(&from), "a&-b");
                assert_eq!(name(&to), "Caf&AOk-");
            }
            other => panic!("{other:?}"),
        }
        match converted("a LIST \"Ärger/\" \"ü*\"\r\n") {
            CommandBody::List {
                reference,
                mailbox_wildcard,
            } => {
                assert_eq!(name(&reference), "&AMQ-rger/");
                let pattern = match mailbox_wildcard {
                    ListMailbox::Token(t) => String::from_utf8_lossy(t.as_ref()).into_owned(),
                    ListMailbox::String(s) => String::from_utf8_lossy(s.as_ref()).into_owned(),
                };
                assert_eq!(pattern, "&APw-*");
            }
            other => panic!("{other:?}"),
        }
        match converted("a SELECT inbox\r\n") {
            CommandBody::Select { mailbox, .. } => assert_eq!(mailbox, Mailbox::Inbox),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_in_responses_become_utf8_and_parse() {
        let mut data = Data::List {
            items: vec![],
            delimiter: QuotedChar::try_from('/').ok(),
            mailbox: Mailbox::try_from("Entw&APw-rfe").unwrap(),
        };
        names_to_utf8(&mut data);
        let bytes = ResponseCodec::default()
            .encode(&Response::Data(data))
            .dump();
        assert_eq!(bytes, "* LIST () \"/\" \"Entwürfe\"\r\n".as_bytes());
        let (rest, _) = ResponseCodec::default().decode(&bytes).unwrap();
        assert!(rest.is_empty());
        // ASCII names are left as they are.
        let mut data = Data::Status {
            mailbox: Mailbox::try_from("Sent").unwrap(),
            items: vec![].into(),
        };
        names_to_utf8(&mut data);
        match data {
            Data::Status { mailbox, .. } => assert_eq!(name(&mailbox), "Sent"),
            other => panic!("{other:?}"),
        }
    }
}
