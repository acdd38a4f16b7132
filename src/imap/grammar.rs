//! Commands of the extensions imap-codec has no syntax for. imap-codec
//! decodes every command it can; a command it refuses is offered to the
//! parsers here in turn, and each either claims it (decoded, or with the
//! sentence saying what is wrong with it) or lets it pass. A parser that
//! only adds options to a command imap-codec knows (LIST-EXTENDED's) cuts
//! them out and hands the rest back to imap-codec, so the arguments are
//! decoded by one grammar only. APPEND with several messages (MULTIAPPEND)
//! or CATENATE is cut into one-message APPENDs for imap-codec the same way.

use imap_types::command::{Command, CommandBody};
use imap_types::core::Tag;

use super::append_ext::{self, AppendCommand};
use super::commands::command_name;
use super::list_ext::{self, ListOptions};

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
    /// APPEND with several messages (RFC 3502) or CATENATE (RFC 4469).
    Append(AppendCommand),
}

impl Body {
    /// The command's name for logs and spans ("UID FETCH").
    pub(super) fn name(&self) -> &'static str {
        match self {
            Body::Codec(body) | Body::List(body, _) => command_name(body),
            Body::Append(_) => "APPEND",
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
    list_ext::parse(message, last_line).map(|parsed| {
        parsed
            .map(|(command, options)| Request {
                tag: command.tag,
                body: Body::List(command.body, options),
            })
            .map_err(|why| why.to_string())
    })
}
