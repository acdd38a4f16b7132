//! LIST with selection and return options (RFC 5258 syntax, used by
//! SPECIAL-USE and LIST-STATUS): `LIST (SPECIAL-USE) "" "*" RETURN
//! (SUBSCRIBED CHILDREN STATUS (MESSAGES UNSEEN))`. imap-codec only decodes
//! the basic form, so the options are cut out here and the rest is handed
//! back to imap-codec, which then decodes the mailbox arguments as usual.

use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_types::IntoStatic;
use imap_types::command::{Command, CommandBody};
use imap_types::status::StatusDataItemName;

/// The options of one LIST command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ListOptions {
    /// Selection: only subscribed mailboxes.
    pub subscribed: bool,
    /// Selection: only mailboxes with a special use.
    pub special_use_only: bool,
    /// Selection RECURSIVEMATCH (accepted; our hierarchy is complete).
    pub recursive_match: bool,
    /// RETURN (SUBSCRIBED): mark subscribed mailboxes.
    pub return_subscribed: bool,
    /// RETURN (STATUS (...)): a STATUS response after each selectable mailbox.
    pub return_status: Option<Vec<StatusDataItemName>>,
}

/// What is wrong with the options of a LIST; the text is the BAD reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum ListOptionsError {
    #[error("unknown LIST selection option {0}")]
    UnknownSelection(String),
    #[error("LIST RETURN options must be ASCII")]
    NotAscii(#[source] std::str::Utf8Error),
    #[error("LIST RETURN STATUS needs a list of status items")]
    StatusWithoutItems,
    #[error("unknown STATUS item {0}")]
    UnknownStatusItem(String),
}

/// `None` if `message` is not a LIST with options; otherwise the decoded
/// command with its options, or what is wrong with the options.
pub(super) fn parse(
    message: &[u8],
    last_line: usize,
) -> Option<Result<(Command<'static>, ListOptions), ListOptionsError>> {
    let sp = message.iter().position(|&b| b == b' ')?;
    let (tag, rest) = (&message[..sp], &message[sp + 1..]);
    if rest.len() < 5 || !rest[..5].eq_ignore_ascii_case(b"LIST ") {
        return None;
    }
    let mut pos = sp + 1 + 5;
    let mut options = ListOptions::default();
    let mut any = false;
    if message.get(pos) == Some(&b'(') {
        let close = pos + message[pos..].iter().position(|&b| b == b')')?;
        let inner = std::str::from_utf8(&message[pos + 1..close]).ok()?;
        for word in inner.split_ascii_whitespace() {
            match word.to_ascii_uppercase().as_str() {
                "SUBSCRIBED" => options.subscribed = true,
                "SPECIAL-USE" => options.special_use_only = true,
                "RECURSIVEMATCH" => options.recursive_match = true,
                "REMOTE" => {}
                other => {
                    return Some(Err(ListOptionsError::UnknownSelection(other.to_string())));
                }
            }
        }
        if message.get(close + 1) != Some(&b' ') {
            return None;
        }
        pos = close + 2;
        any = true;
    }
    // The arguments end before CRLF, or before " RETURN (...)" in the final line.
    let end = message.len().checked_sub(2)?;
    if &message[end..] != b"\r\n" || end < pos {
        return None;
    }
    let mut args_end = end;
    let search_from = pos.max(last_line);
    if let Some(at) = return_clause(&message[search_from..end]) {
        let clause = &message[search_from + at + " RETURN ".len()..end];
        match return_options(clause, &mut options) {
            Ok(()) => {}
            Err(why) => return Some(Err(why)),
        }
        args_end = search_from + at;
        any = true;
    }
    if !any {
        return None;
    }
    let mut basic = Vec::with_capacity(message.len());
    basic.extend_from_slice(tag);
    basic.extend_from_slice(b" LIST ");
    basic.extend_from_slice(&message[pos..args_end]);
    basic.extend_from_slice(b"\r\n");
    match CommandCodec::default().decode(&basic) {
        Ok((rest, command))
            if rest.is_empty() && matches!(command.body, CommandBody::List { .. }) =>
        {
            Some(Ok((command.into_static(), options)))
        }
        _ => None,
    }
}

/// Where ` RETURN (` starts in `line`, if the rest of the line is one
/// balanced parenthesised list. One backward pass: the list can only open
/// at the parenthesis that matches the line's final one, so there is one
/// candidate to check, not one per ` RETURN (` the line holds.
fn return_clause(line: &[u8]) -> Option<usize> {
    const KEY: &[u8] = b" RETURN (";
    if line.last() != Some(&b')') {
        return None;
    }
    let mut depth = 0usize;
    let mut open = None;
    for (i, &b) in line.iter().enumerate().rev() {
        match b {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    open = Some(i);
                    break;
                }
            }
            b'"' | b'{' | b'\\' => return None,
            _ => {}
        }
    }
    let at = (open? + 1).checked_sub(KEY.len())?;
    line[at..at + KEY.len()]
        .eq_ignore_ascii_case(KEY)
        .then_some(at)
}

fn return_options(clause: &[u8], options: &mut ListOptions) -> Result<(), ListOptionsError> {
    let text = std::str::from_utf8(clause).map_err(ListOptionsError::NotAscii)?;
    let spaced = text.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<String> = spaced
        .split_ascii_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    // tokens: ( opt opt STATUS ( item item ) )
    let mut i = 1;
    while i + 1 < tokens.len() {
        match tokens[i].as_str() {
            "SUBSCRIBED" => options.return_subscribed = true,
            // Always returned anyway.
            "CHILDREN" | "SPECIAL-USE" => {}
            "STATUS" => {
                if tokens.get(i + 1).map(String::as_str) != Some("(") {
                    return Err(ListOptionsError::StatusWithoutItems);
                }
                let mut items = Vec::new();
                i += 2;
                while i < tokens.len() && tokens[i] != ")" {
                    items.push(match tokens[i].as_str() {
                        "MESSAGES" => StatusDataItemName::Messages,
                        "RECENT" => StatusDataItemName::Recent,
                        "UIDNEXT" => StatusDataItemName::UidNext,
                        "UIDVALIDITY" => StatusDataItemName::UidValidity,
                        "UNSEEN" => StatusDataItemName::Unseen,
                        "HIGHESTMODSEQ" => StatusDataItemName::HighestModSeq,
                        other => {
                            return Err(ListOptionsError::UnknownStatusItem(other.to_string()));
                        }
                    });
                    i += 1;
                }
                options.return_status = Some(items);
            }
            // RFC 5258: unknown return options are ignored.
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use imap_types::mailbox::{ListMailbox, Mailbox};

    use super::*;

    fn parsed(line: &str) -> Option<Result<(Command<'static>, ListOptions), ListOptionsError>> {
        let last_line = line.rfind("}\r\n").map_or(0, |i| i + 3);
        parse(line.as_bytes(), last_line)
    }

    fn args(command: &Command<'static>) -> (String, String) {
        match &command.body {
            CommandBody::List {
                reference,
                mailbox_wildcard,
            } => {
                let reference = match reference {
                    Mailbox::Inbox => "INBOX".to_string(),
                    Mailbox::Other(o) => String::from_utf8_lossy(o.as_ref()).into_owned(),
                };
                let pattern = match mailbox_wildcard {
                    ListMailbox::Token(t) => String::from_utf8_lossy(t.as_ref()).into_owned(),
                    ListMailbox::String(s) => String::from_utf8_lossy(s.as_ref()).into_owned(),
                };
                (reference, pattern)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn options_are_cut_out_and_the_rest_decoded() {
        let (r, o) = parsed("a LIST (SPECIAL-USE) \"\" \"*\"\r\n")
            .unwrap()
            .unwrap();
        assert!(o.special_use_only);
        assert_eq!(args(&r), (String::new(), "*".into()));

        let (r, o) =
            parsed("a list \"\" % return (children special-use status (messages unseen))\r\n")
                .unwrap()
                .unwrap();
        assert_eq!(
            o.return_status,
            Some(vec![
                StatusDataItemName::Messages,
                StatusDataItemName::Unseen
            ])
        );
        assert_eq!(args(&r), (String::new(), "%".into()));

        let r = parsed("a LIST (SUBSCRIBED) \"\" {7}\r\nINBOX/* RETURN (SUBSCRIBED)\r\n");
        let (r, o) = r.unwrap().unwrap();
        assert!(o.subscribed);
        assert!(o.return_subscribed);
        assert_eq!(args(&r), (String::new(), "INBOX/*".into()));
    }

    #[test]
    fn a_return_inside_a_name_is_not_an_option() {
        // The literal holds " RETURN (X)"; the final line is empty.
        let r = parsed("a LIST \"\" {12}\r\nx RETURN (X)\r\n");
        assert!(r.is_none(), "{r:?}");
        assert!(parsed("a LIST \"\" \"a RETURN (b)\"\r\n").is_none());
    }

    #[test]
    fn bad_options_are_named() {
        assert_eq!(
            parsed("a LIST (FOO) \"\" *\r\n")
                .unwrap()
                .unwrap_err()
                .to_string(),
            "unknown LIST selection option FOO"
        );
        assert_eq!(
            parsed("a LIST \"\" * RETURN (STATUS (SIZE))\r\n")
                .unwrap()
                .unwrap_err()
                .to_string(),
            "unknown STATUS item SIZE"
        );
        assert!(parsed("a LSUB \"\" *\r\n").is_none());
    }

    /// A line full of ` RETURN (` was scanned from every occurrence.
    #[test]
    fn a_line_of_many_returns_is_scanned_once() {
        use crate::mailbox::growth::{NOT_QUADRATIC, growth};
        let g = growth(2_000, |n| {
            let line = format!("a LIST \"\" *{}\r\n", " RETURN (".repeat(n));
            assert!(parsed(&line).is_none());
            let line = format!("a LIST \"\" *{}\r\n", " RETURN ((x)".repeat(n));
            assert!(parsed(&line).is_none());
        });
        assert!(g < NOT_QUADRATIC, "grew {g:.1}x for 4x input");
        let (_, o) = parsed("a LIST \"\" \"x RETURN (y)\" RETURN (SUBSCRIBED)\r\n")
            .unwrap()
            .unwrap();
        assert!(o.return_subscribed);
    }
}
