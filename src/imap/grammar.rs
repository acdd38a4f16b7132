//! Commands of the extensions imap-codec has no syntax for. imap-codec
//! decodes every command it can; a command it refuses is offered to the
//! parsers here in turn, and each either claims it (decoded, or with the
//! sentence saying what is wrong with it) or lets it pass. A parser that
//! only adds options to a command imap-codec knows (LIST-EXTENDED's) cuts
//! them out and hands the rest back to imap-codec, so the arguments are
//! decoded by one grammar only.

use imap_types::command::{Command, CommandBody};
use imap_types::core::Tag;

use super::acl_syntax::{self, AclCommand};
use super::commands::command_name;
use super::list_ext::{self, ListOptions};
use super::objectid::{self, ObjectIdItems};

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
    /// RFC 4314's MYRIGHTS, GETACL, LISTRIGHTS, SETACL, DELETEACL.
    Acl(AclCommand),
    /// FETCH, STATUS or SEARCH with RFC 8474's items or keys; imap-codec
    /// decoded the rest.
    ObjectId(CommandBody<'static>, ObjectIdItems),
}

impl Body {
    /// The command's name for logs and spans ("UID FETCH").
    pub(super) fn name(&self) -> &'static str {
        match self {
            Body::Codec(body) | Body::List(body, _) | Body::ObjectId(body, _) => command_name(body),
            Body::Acl(command) => command.name(),
        }
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
    if let Some((command, items)) = objectid::parse(message, last_line) {
        return Some(Ok(Request {
            tag: command.tag,
            body: Body::ObjectId(command.body, items),
        }));
    }
    list_ext::parse(message, last_line).map(|parsed| {
        parsed
            .map(|(command, options)| Request {
                tag: command.tag,
                body: Body::List(command.body, options),
            })
            .map_err(|why| why.to_string())
    })
}
