//! Commands of the extensions imap-codec has no syntax for. imap-codec
//! decodes every command it can; a command it refuses is offered to the
//! parsers here in turn, and each either claims it (decoded, or with the
//! sentence saying what is wrong with it) or lets it pass. A parser that
//! only adds options to a command imap-codec knows (LIST-EXTENDED's,
//! ESEARCH's RETURN, SEARCHRES's `$`) cuts or replaces
//! them out and hands the rest back to imap-codec, so the arguments are
//! decoded by one grammar only. APPEND with several messages (MULTIAPPEND)
//! or CATENATE is cut into one-message APPENDs for imap-codec the same way.

use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_types::IntoStatic;
use imap_types::command::{Command, CommandBody};
use imap_types::core::Tag;

use super::acl_syntax::{self, AclCommand};
use super::append_ext::{self, AppendCommand};
use super::list_ext::{self, ListOptions};
use super::objectid::{self, ObjectIdItems, SearchId};
use super::search_return::{self, Extras};
use super::utf8;

/// One decoded command.
#[derive(Debug)]
pub(super) struct Request {
    pub tag: Tag<'static>,
    pub body: Body,
}

/// What a command asks, by the grammar that decoded it.
#[derive(Debug)]
pub(super) enum Body {
    /// Decoded by imap-codec alone.
    Codec(CommandBody<'static>),
    /// LIST with RFC 5258 selection or return options; imap-codec decoded
    /// the reference and the pattern.
    List(CommandBody<'static>, ListOptions),
    /// SEARCH or SORT with RFC 4731 / RFC 5267 return options, a command
    /// using `$` (RFC 5182), or a SEARCH, SORT or THREAD with RFC 8474's
    /// EMAILID or THREADID keys (behind placeholders); imap-codec decoded
    /// the rest.
    Search(CommandBody<'static>, Extras, Vec<SearchId>),
    /// APPEND with several messages (RFC 3502) or CATENATE (RFC 4469).
    Append(AppendCommand),
    /// RFC 4314's MYRIGHTS, GETACL, LISTRIGHTS, SETACL, DELETEACL.
    Acl(AclCommand),
    /// FETCH or STATUS with RFC 8474's items; imap-codec decoded the rest.
    ObjectId(CommandBody<'static>, ObjectIdItems),
}

impl Body {
    /// The command's name for logs and spans ("UID FETCH").
    pub(super) fn name(&self) -> &'static str {
        match self {
            Body::Codec(body)
            | Body::List(body, _)
            | Body::Search(body, _, _)
            | Body::ObjectId(body, _) => command_name(body),
            Body::Append(_) => "APPEND",
            Body::Acl(command) => command.name(),
        }
    }

    /// For a client that enabled UTF8=ACCEPT: its UTF-8 mailbox names and
    /// patterns in the modified UTF-7 form the handlers read.
    pub(super) fn names_from_utf8(&mut self) {
        match self {
            Body::Codec(body) | Body::Search(body, _, _) => utf8::names_from_utf8(body),
            Body::ObjectId(body, _) => utf8::names_from_utf8(body),
            Body::Append(command) => utf8::mailbox_from_utf8(&mut command.mailbox),
            Body::Acl(command) => utf8::mailbox_from_utf8(command.mailbox_mut()),
            Body::List(body, options) => {
                utf8::names_from_utf8(body);
                utf8::patterns_from_utf8(&mut options.more_patterns);
            }
        }
    }

    /// Why a client that enabled UTF8=ACCEPT may not send this command, if
    /// it may not: SEARCH with CHARSET (RFC 6855 §3).
    pub(super) fn refused_with_utf8(&self) -> Option<&'static str> {
        matches!(
            self,
            Body::Codec(CommandBody::Search {
                charset: Some(_),
                ..
            }) | Body::Search(
                CommandBody::Search {
                    charset: Some(_),
                    ..
                },
                _,
                _
            )
        )
        .then_some("with UTF8=ACCEPT enabled, SEARCH takes no CHARSET (RFC 6855 section 3)")
    }
}

/// The command's name for logs and replies (`UID FETCH` rather than `FETCH`).
pub(super) fn command_name(body: &CommandBody<'_>) -> &'static str {
    match body {
        CommandBody::Fetch { uid: true, .. } => "UID FETCH",
        CommandBody::Store { uid: true, .. } => "UID STORE",
        CommandBody::Copy { uid: true, .. } => "UID COPY",
        CommandBody::Move { uid: true, .. } => "UID MOVE",
        CommandBody::Search { uid: true, .. } => "UID SEARCH",
        CommandBody::Sort { uid: true, .. } => "UID SORT",
        CommandBody::Thread { uid: true, .. } => "UID THREAD",
        other => other.name(),
    }
}

impl From<Command<'static>> for Request {
    fn from(command: Command<'static>) -> Self {
        Request {
            tag: command.tag,
            body: Body::Codec(command.body),
        }
    }
}

/// `None` if no parser here claims `message` (a complete command whose
/// final line starts at `last_line`); otherwise the command, or why it is
/// malformed (the text of the BAD reply).
pub(super) fn parse(message: &[u8], last_line: usize) -> Option<Result<Request, String>> {
    if let Some(request) = append_utf8(message) {
        return Some(Ok(request));
    }
    if let Some(parsed) = append_ext::parse(message) {
        return Some(
            parsed
                .map(|(tag, command)| Request {
                    tag,
                    body: Body::Append(command),
                })
                .map_err(|why| why.to_string()),
        );
    }
    if let Some(parsed) = acl_syntax::parse(message) {
        return Some(
            parsed
                .map(|(tag, command)| Request {
                    tag,
                    body: Body::Acl(command),
                })
                .map_err(|why| why.to_string()),
        );
    }
    if let Some((rewritten, ids)) = objectid::search_keys(message) {
        // The keys became placeholders: the rest is decoded as any search.
        let parsed = match CommandCodec::default().decode(&rewritten) {
            Ok((b"", command)) => Some(Ok((command.into_static(), Extras::default()))),
            _ => search_return::parse(&rewritten),
        };
        return parsed.map(|parsed| {
            parsed
                .map(|(command, extras)| Request {
                    tag: command.tag,
                    body: Body::Search(command.body, extras, ids),
                })
                .map_err(|why| why.to_string())
        });
    }
    if let Some((command, items)) = objectid::parse(message, last_line) {
        return Some(Ok(Request {
            tag: command.tag,
            body: Body::ObjectId(command.body, items),
        }));
    }
    let list = || {
        list_ext::parse(message, last_line).map(|parsed| {
            parsed
                .map(|(command, options)| Request {
                    tag: command.tag,
                    body: Body::List(command.body, options),
                })
                .map_err(|why| why.to_string())
        })
    };
    let search = || {
        search_return::parse(message).map(|parsed| {
            parsed
                .map(|(command, extras)| Request {
                    tag: command.tag,
                    body: Body::Search(command.body, extras, Vec::new()),
                })
                .map_err(|why| why.to_string())
        })
    };
    list().or_else(search)
}

/// RFC 6855 §4: `APPEND mailbox [flags] [date] UTF8 (~{n}CRLF message)`,
/// a message that may hold UTF-8 headers, in a literal8 inside `UTF8 (…)`.
/// The same command without the wrapping is a plain APPEND with a literal8,
/// which imap-codec decodes.
fn append_utf8(message: &[u8]) -> Option<Request> {
    const WRAP: &[u8] = b" UTF8 (";
    let sp = message.iter().position(|&b| b == b' ')?;
    if !message
        .get(sp + 1..sp + 8)?
        .eq_ignore_ascii_case(b"APPEND ")
    {
        return None;
    }
    let literal = message.windows(2).position(|w| w == b"~{")?;
    let open = literal.checked_sub(WRAP.len())?;
    if !message[open..literal].eq_ignore_ascii_case(WRAP) || !message.ends_with(b")\r\n") {
        return None;
    }
    let mut plain = Vec::with_capacity(message.len());
    plain.extend_from_slice(&message[..open]);
    plain.push(b' ');
    plain.extend_from_slice(&message[literal..message.len() - 3]);
    plain.extend_from_slice(b"\r\n");
    match CommandCodec::default().decode(&plain) {
        Ok((rest, command))
            if rest.is_empty() && matches!(command.body, CommandBody::Append { .. }) =>
        {
            Some(Request::from(command.into_static()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use imap_types::extensions::binary::LiteralOrLiteral8;

    use super::*;

    fn appended(line: &str) -> Option<Vec<u8>> {
        match append_utf8(line.as_bytes())?.body {
            Body::Codec(CommandBody::Append {
                message: LiteralOrLiteral8::Literal8(literal8),
                ..
            }) => Some(literal8.data.to_vec()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn append_utf8_is_a_plain_append_of_its_literal8() {
        let message = "Subject: Grüße\r\n\r\nHallo\r\n";
        let line = format!(
            "a APPEND INBOX (\\Seen) UTF8 (~{{{}}}\r\n{message})\r\n",
            message.len()
        );
        assert_eq!(appended(&line).as_deref(), Some(message.as_bytes()));
        let lower = format!(
            "a append INBOX utf8 (~{{{}}}\r\n{message})\r\n",
            message.len()
        );
        assert_eq!(appended(&lower).as_deref(), Some(message.as_bytes()));
        // Not the wrapping: no claim, imap-codec's answer stands.
        assert!(appended("a APPEND INBOX ~{2}\r\nab\r\n").is_none());
        assert!(appended("a APPEND INBOX UTF8 (~{2}\r\nab\r\n").is_none());
        assert!(appended("a APPEND INBOX UTF8 (~{3}\r\nab)\r\n").is_none());
        assert!(appended("a SELECT UTF8 (~{2}\r\nab)\r\n").is_none());
    }
}
