//! The wire syntax of RFC 4314 (ACL), which imap-codec does not know: the
//! commands MYRIGHTS, GETACL, LISTRIGHTS, SETACL and DELETEACL, and the
//! MYRIGHTS, ACL and LISTRIGHTS responses. Here only the boundaries of the
//! arguments are found (atom, quoted string or literal); each argument is
//! then decoded by imap-codec inside a command it knows (a mailbox as
//! SELECT's, an identifier or rights as LOGIN's user name), so the
//! astring and mailbox grammar stays imap-codec's.

use imap_codec::decode::Decoder;
use imap_codec::encode::Encoder;
use imap_codec::{CommandCodec, ResponseCodec};
use imap_types::IntoStatic;
use imap_types::command::CommandBody;
use imap_types::core::{AString, Tag};
use imap_types::mailbox::Mailbox;
use imap_types::response::{Data, Response};

/// One ACL command, its arguments decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AclCommand {
    MyRights {
        mailbox: Mailbox<'static>,
    },
    GetAcl {
        mailbox: Mailbox<'static>,
    },
    ListRights {
        mailbox: Mailbox<'static>,
        identifier: AString<'static>,
    },
    SetAcl {
        mailbox: Mailbox<'static>,
        identifier: AString<'static>,
        rights: AString<'static>,
    },
    DeleteAcl {
        mailbox: Mailbox<'static>,
        identifier: AString<'static>,
    },
}

impl AclCommand {
    pub(super) fn name(&self) -> &'static str {
        match self {
            AclCommand::MyRights { .. } => "MYRIGHTS",
            AclCommand::GetAcl { .. } => "GETACL",
            AclCommand::ListRights { .. } => "LISTRIGHTS",
            AclCommand::SetAcl { .. } => "SETACL",
            AclCommand::DeleteAcl { .. } => "DELETEACL",
        }
    }

    /// The mailbox it is about (every ACL command names one).
    pub(super) fn mailbox_mut(&mut self) -> &mut Mailbox<'static> {
        match self {
            AclCommand::MyRights { mailbox }
            | AclCommand::GetAcl { mailbox }
            | AclCommand::ListRights { mailbox, .. }
            | AclCommand::SetAcl { mailbox, .. }
            | AclCommand::DeleteAcl { mailbox, .. } => mailbox,
        }
    }
}

/// What is wrong with an ACL command; the text is the BAD reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum AclSyntaxError {
    #[error("{command} takes {want} (RFC 4314)")]
    Arguments {
        command: &'static str,
        want: &'static str,
    },
    #[error("{command}: {what} is not a valid IMAP string")]
    NotAString {
        command: &'static str,
        what: &'static str,
    },
}

/// The commands, the number of their arguments and how to say so.
const COMMANDS: [(&str, usize, &str); 5] = [
    ("MYRIGHTS", 1, "a mailbox"),
    ("GETACL", 1, "a mailbox"),
    ("LISTRIGHTS", 2, "a mailbox and an identifier"),
    ("SETACL", 3, "a mailbox, an identifier and rights"),
    ("DELETEACL", 2, "a mailbox and an identifier"),
];

/// `None` if `message` is not an ACL command; otherwise its tag and the
/// decoded command, or what is wrong with it.
pub(super) fn parse(message: &[u8]) -> Option<Result<(Tag<'static>, AclCommand), AclSyntaxError>> {
    let sp = message.iter().position(|&b| b == b' ')?;
    let tag = &message[..sp];
    let rest = &message[sp + 1..];
    let name_end = rest
        .iter()
        .position(|&b| b == b' ' || b == b'\r')
        .unwrap_or(rest.len());
    let name = &rest[..name_end];
    let &(command, count, want) = COMMANDS
        .iter()
        .find(|(n, _, _)| name.eq_ignore_ascii_case(n.as_bytes()))?;
    let wrong = AclSyntaxError::Arguments { command, want };
    let args_from = name_end + 1;
    let args = match rest.get(name_end) {
        Some(b' ') => arguments(&rest[args_from..]),
        _ => None,
    };
    let args = match args {
        Some((args, used)) if args.len() == count && args_from + used == rest.len() => args,
        _ => return Some(Err(wrong)),
    };
    let Some((tag, mailbox)) = mailbox(tag, args[0]) else {
        return Some(Err(AclSyntaxError::NotAString {
            command,
            what: "the mailbox",
        }));
    };
    let string = |i: usize, what: &'static str| {
        astring(args[i]).ok_or(AclSyntaxError::NotAString { command, what })
    };
    let parsed = match command {
        "MYRIGHTS" => Ok(AclCommand::MyRights { mailbox }),
        "GETACL" => Ok(AclCommand::GetAcl { mailbox }),
        "LISTRIGHTS" => string(1, "the identifier").map(|identifier| AclCommand::ListRights {
            mailbox,
            identifier,
        }),
        "DELETEACL" => string(1, "the identifier").map(|identifier| AclCommand::DeleteAcl {
            mailbox,
            identifier,
        }),
        _ => string(1, "the identifier").and_then(|identifier| {
            string(2, "the rights").map(|rights| AclCommand::SetAcl {
                mailbox,
                identifier,
                rights,
            })
        }),
    };
    Some(parsed.map(|command| (tag, command)))
}

/// The arguments up to the next CRLF, as they are on the wire: atoms,
/// quoted strings and literals (with their `{n}` line), separated by one
/// space; and how many bytes they took, the CRLF included. `None` if they
/// are not that, or more than `MAX_ARGUMENTS`.
fn arguments(rest: &[u8]) -> Option<(Vec<&[u8]>, usize)> {
    const MAX_ARGUMENTS: usize = 64;
    let mut out = Vec::new();
    let mut at = 0;
    loop {
        let len = argument_len(&rest[at..])?;
        out.push(&rest[at..at + len]);
        if out.len() > MAX_ARGUMENTS {
            return None;
        }
        at += len;
        match rest.get(at..at + 2) {
            Some(b"\r\n") => return Some((out, at + 2)),
            Some([b' ', _]) => at += 1,
            _ => return None,
        }
    }
}

/// For the fuzzing harness's response check: `None` if `rest` does not
/// start with an ACL response; otherwise the response's length, or why it
/// does not follow RFC 4314's grammar.
#[cfg(test)]
pub(crate) fn response_len(rest: &[u8]) -> Option<Result<usize, String>> {
    let (name, min) = [("* MYRIGHTS ", 2), ("* ACL ", 1), ("* LISTRIGHTS ", 3)]
        .into_iter()
        .find(|(name, _)| rest.starts_with(name.as_bytes()))?;
    let Some((args, used)) = arguments(&rest[name.len()..]) else {
        return Some(Err(format!("{name}: not a list of strings")));
    };
    let count_ok = match name {
        "* MYRIGHTS " => args.len() == 2,
        "* ACL " => args.len() % 2 == 1,
        _ => args.len() >= min,
    };
    let strings_ok =
        mailbox(b"a", args[0]).is_some() && args[1..].iter().all(|a| astring(a).is_some());
    match count_ok && strings_ok {
        true => Some(Ok(name.len() + used)),
        false => Some(Err(format!("{name}: wrong arguments"))),
    }
}

/// The length of the argument `rest` starts with.
fn argument_len(rest: &[u8]) -> Option<usize> {
    match rest.first()? {
        b'"' => {
            let mut i = 1;
            while i < rest.len() {
                match rest[i] {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    b'\r' | b'\n' => return None,
                    _ => i += 1,
                }
            }
            None
        }
        b'{' => {
            let close = rest.iter().position(|&b| b == b'}')?;
            let digits = rest[1..close].strip_suffix(b"+").unwrap_or(&rest[1..close]);
            if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let n: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
            if rest.get(close + 1..close + 3)? != b"\r\n" {
                return None;
            }
            let end = (close + 3).checked_add(n)?;
            (end <= rest.len()).then_some(end)
        }
        _ => {
            let len = rest
                .iter()
                .position(|&b| b == b' ' || b == b'\r' || b == b'\n')
                .unwrap_or(rest.len());
            (len > 0).then_some(len)
        }
    }
}

/// The tag and the mailbox, decoded by imap-codec as SELECT's argument.
fn mailbox(tag: &[u8], arg: &[u8]) -> Option<(Tag<'static>, Mailbox<'static>)> {
    let mut line = Vec::with_capacity(tag.len() + arg.len() + 10);
    line.extend_from_slice(tag);
    line.extend_from_slice(b" SELECT ");
    line.extend_from_slice(arg);
    line.extend_from_slice(b"\r\n");
    match CommandCodec::default().decode(&line) {
        Ok((b"", command)) => match command.body {
            CommandBody::Select { mailbox, .. } => {
                Some((command.tag.into_static(), mailbox.into_static()))
            }
            _ => None,
        },
        _ => None,
    }
}

/// An astring, decoded by imap-codec as LOGIN's user name.
fn astring(arg: &[u8]) -> Option<AString<'static>> {
    let mut line = Vec::with_capacity(arg.len() + 12);
    line.extend_from_slice(b"a LOGIN ");
    line.extend_from_slice(arg);
    line.extend_from_slice(b" x\r\n");
    match CommandCodec::default().decode(&line) {
        Ok((b"", command)) => match command.body {
            CommandBody::Login { username, .. } => Some(username.into_static()),
            _ => None,
        },
        _ => None,
    }
}

/// A mailbox name as imap-codec writes it in a response (atom, quoted
/// string or literal, as LIST and STATUS show it).
pub(super) fn mailbox_bytes(mailbox: &Mailbox<'_>) -> Vec<u8> {
    let data = Data::Status {
        mailbox: mailbox.clone(),
        items: Vec::new().into(),
    };
    let encoded = ResponseCodec::default()
        .encode(&Response::Data(data))
        .dump();
    // "* STATUS " name " ()\r\n"
    let start = b"* STATUS ".len();
    let end = encoded.len().saturating_sub(b" ()\r\n".len());
    encoded.get(start..end).unwrap_or_default().to_vec()
}

/// RFC 3501 `astring` for an identifier or a rights string: an atom when
/// every byte is an ASTRING-CHAR, a quoted string when it is printable
/// 7-bit text, a literal otherwise.
pub(super) fn astring_bytes(value: &[u8]) -> Vec<u8> {
    let astring_char = |b: u8| (0x21..0x7f).contains(&b) && !b"(){ %*\"\\".contains(&b);
    if !value.is_empty() && value.iter().all(|&b| astring_char(b)) {
        return value.to_vec();
    }
    if value.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        let mut out = Vec::with_capacity(value.len() + 2);
        out.push(b'"');
        for &b in value {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b'"');
        return out;
    }
    let mut out = format!("{{{}}}\r\n", value.len()).into_bytes();
    out.extend_from_slice(value);
    out
}

/// `* MYRIGHTS mailbox rights` (RFC 4314 §3.8).
pub(super) fn myrights_response(mailbox: &Mailbox<'_>, rights: &str) -> Vec<u8> {
    response("MYRIGHTS", mailbox, &[rights.as_bytes()])
}

/// `* ACL mailbox identifier rights` (RFC 4314 §3.6), one entry.
pub(super) fn acl_response(mailbox: &Mailbox<'_>, identifier: &[u8], rights: &str) -> Vec<u8> {
    response("ACL", mailbox, &[identifier, rights.as_bytes()])
}

/// `* LISTRIGHTS mailbox identifier required *(optional)` (RFC 4314 §3.7).
pub(super) fn listrights_response(
    mailbox: &Mailbox<'_>,
    identifier: &[u8],
    required: &str,
    optional: &[&str],
) -> Vec<u8> {
    let mut args = vec![identifier, required.as_bytes()];
    args.extend(optional.iter().map(|o| o.as_bytes()));
    response("LISTRIGHTS", mailbox, &args)
}

fn response(name: &str, mailbox: &Mailbox<'_>, args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("* {name} ").into_bytes();
    out.extend(mailbox_bytes(mailbox));
    for arg in args {
        out.push(b' ');
        out.extend(astring_bytes(arg));
    }
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
#[path = "acl_syntax_tests.rs"]
mod tests;
