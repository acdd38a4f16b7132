//! LIST-EXTENDED (RFC 5258, used by SPECIAL-USE and LIST-STATUS too):
//! selection options, several patterns and return options, as in
//! `LIST (SUBSCRIBED) "" ("INBOX" "Sent*") RETURN (CHILDREN STATUS
//! (MESSAGES UNSEEN))`. imap-codec only decodes the basic form, so the
//! options are cut out here and each pattern is handed back to imap-codec
//! with the reference as a basic LIST, which decodes the mailbox arguments
//! (quoted, atoms, literals) as usual.

use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_types::IntoStatic;
use imap_types::command::{Command, CommandBody};
use imap_types::mailbox::ListMailbox;
use imap_types::status::StatusDataItemName;

/// The options of one LIST command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ListOptions {
    /// Selection: only subscribed mailboxes.
    pub subscribed: bool,
    /// Selection: only mailboxes with a special use.
    pub special_use_only: bool,
    /// Selection RECURSIVEMATCH: a folder that matches but is not
    /// subscribed is listed with CHILDINFO when a folder under it is.
    pub recursive_match: bool,
    /// The patterns after the first, from a parenthesised list.
    pub more_patterns: Vec<ListMailbox<'static>>,
    /// RETURN (SUBSCRIBED): mark subscribed mailboxes.
    pub return_subscribed: bool,
    /// RETURN (STATUS (...)): a STATUS response after each selectable mailbox.
    pub return_status: Option<Vec<StatusDataItemName>>,
    /// RFC 8474's MAILBOXID among those STATUS items.
    pub return_mailbox_id: bool,
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
    #[error("unknown LIST return option {0}")]
    UnknownReturn(String),
    #[error("RECURSIVEMATCH needs another selection option, such as SUBSCRIBED (RFC 5258)")]
    RecursiveMatchAlone,
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
    if options.recursive_match && !options.subscribed && !options.special_use_only {
        return Some(Err(ListOptionsError::RecursiveMatchAlone));
    }
    let args = &message[pos..args_end];
    // A parenthesised list of patterns after the reference.
    let reference_end = skip_string(args, 0)?;
    let items = match args.get(reference_end..reference_end + 2) {
        Some(b" (") => {
            any = true;
            let items = pattern_items(&args[reference_end + 2..])?;
            let base = reference_end + 2;
            items
                .into_iter()
                .map(|(from, to)| (base + from, base + to))
                .collect()
        }
        _ => vec![(reference_end + 1, args.len())],
    };
    if !any {
        return None;
    }
    let mut patterns = Vec::with_capacity(items.len());
    let mut first = None;
    for (from, to) in items {
        let command = basic_list(tag, &args[..reference_end], args.get(from..to)?)?;
        match command.body {
            CommandBody::List {
                mailbox_wildcard, ..
            } if first.is_some() => patterns.push(mailbox_wildcard),
            _ => first = Some(command),
        }
    }
    options.more_patterns = patterns;
    Some(Ok((first?, options)))
}

/// `tag LIST reference pattern`, decoded by imap-codec.
fn basic_list(tag: &[u8], reference: &[u8], pattern: &[u8]) -> Option<Command<'static>> {
    let mut basic = Vec::with_capacity(tag.len() + reference.len() + pattern.len() + 9);
    basic.extend_from_slice(tag);
    basic.extend_from_slice(b" LIST ");
    basic.extend_from_slice(reference);
    basic.push(b' ');
    basic.extend_from_slice(pattern);
    basic.extend_from_slice(b"\r\n");
    match CommandCodec::default().decode(&basic) {
        Ok((rest, command))
            if rest.is_empty() && matches!(command.body, CommandBody::List { .. }) =>
        {
            Some(command.into_static())
        }
        _ => None,
    }
}

/// The end of the string or atom that starts at `at`: a quoted string
/// (with its escapes), a literal (`{n}` or `{n+}`, CRLF, n bytes), or a run
/// of characters up to a space or parenthesis. `None` if it is unfinished.
fn skip_string(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at)? {
        b'"' => {
            let mut i = at + 1;
            loop {
                match bytes.get(i)? {
                    b'\\' => i += 2,
                    b'"' => return Some(i + 1),
                    _ => i += 1,
                }
            }
        }
        b'{' => {
            let close = at + bytes[at..].iter().position(|&b| b == b'}')?;
            let digits = std::str::from_utf8(&bytes[at + 1..close]).ok()?;
            let length: usize = digits.strip_suffix('+').unwrap_or(digits).parse().ok()?;
            let data = close + 3;
            (bytes.get(close + 1..data)? == b"\r\n").then_some(())?;
            let end = data.checked_add(length)?;
            (end <= bytes.len()).then_some(end)
        }
        _ => {
            let len = bytes[at..]
                .iter()
                .position(|&b| matches!(b, b' ' | b'(' | b')' | b'\r' | b'\n'))
                .unwrap_or(bytes.len() - at);
            (len > 0).then_some(at + len)
        }
    }
}

/// The byte ranges of the patterns in `list`, which starts after the
/// opening parenthesis and must end with the closing one: at least one
/// pattern, separated by single spaces (RFC 5258 `patterns`).
fn pattern_items(list: &[u8]) -> Option<Vec<(usize, usize)>> {
    let mut items = Vec::new();
    let mut at = 0;
    loop {
        let end = skip_string(list, at)?;
        items.push((at, end));
        match list.get(end)? {
            b' ' => at = end + 1,
            b')' if end + 1 == list.len() => return Some(items),
            _ => return None,
        }
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
                    if tokens[i] == "MAILBOXID" {
                        options.return_mailbox_id = true;
                        i += 1;
                        continue;
                    }
                    items.push(match tokens[i].as_str() {
                        "MESSAGES" => StatusDataItemName::Messages,
                        "RECENT" => StatusDataItemName::Recent,
                        "UIDNEXT" => StatusDataItemName::UidNext,
                        "UIDVALIDITY" => StatusDataItemName::UidValidity,
                        "UNSEEN" => StatusDataItemName::Unseen,
                        "HIGHESTMODSEQ" => StatusDataItemName::HighestModSeq,
                        "SIZE" => StatusDataItemName::Size,
                        "DELETED" => StatusDataItemName::Deleted,
                        other => {
                            return Err(ListOptionsError::UnknownStatusItem(other.to_string()));
                        }
                    });
                    i += 1;
                }
                options.return_status = Some(items);
            }
            other => return Err(ListOptionsError::UnknownReturn(other.to_string())),
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
        // The final line starts after the last literal's data.
        let last_line = line.rfind("}\r\n").map_or(0, |i| {
            let open = line[..i].rfind('{').unwrap();
            let length: usize = line[open + 1..i].trim_end_matches('+').parse().unwrap();
            i + 3 + length
        });
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
        assert!(!o.return_mailbox_id);

        let (_, o) = parsed("a LIST \"\" % RETURN (STATUS (MAILBOXID UIDNEXT))\r\n")
            .unwrap()
            .unwrap();
        assert!(o.return_mailbox_id);
        assert_eq!(o.return_status, Some(vec![StatusDataItemName::UidNext]));

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
            parsed("a LIST \"\" * RETURN (STATUS (SIZES))\r\n")
                .unwrap()
                .unwrap_err()
                .to_string(),
            "unknown STATUS item SIZES"
        );
        assert_eq!(
            parsed("a LIST \"\" * RETURN (FOO)\r\n")
                .unwrap()
                .unwrap_err()
                .to_string(),
            "unknown LIST return option FOO"
        );
        for line in [
            "a LIST (RECURSIVEMATCH) \"\" *\r\n",
            "a LIST (RECURSIVEMATCH REMOTE) \"\" *\r\n",
        ] {
            assert_eq!(
                parsed(line).unwrap().unwrap_err(),
                ListOptionsError::RecursiveMatchAlone,
                "{line}"
            );
        }
        assert!(parsed("a LSUB \"\" *\r\n").is_none());
    }

    #[test]
    fn several_patterns_are_decoded_one_by_one() {
        let (r, o) = parsed("a LIST \"\" (INBOX \"Sent Items\" {3}\r\nA/%)\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(args(&r), (String::new(), "INBOX".into()));
        let more: Vec<String> = o
            .more_patterns
            .iter()
            .map(|p| match p {
                ListMailbox::Token(t) => String::from_utf8_lossy(t.as_ref()).into_owned(),
                ListMailbox::String(s) => String::from_utf8_lossy(s.as_ref()).into_owned(),
            })
            .collect();
        assert_eq!(more, ["Sent Items", "A/%"]);

        let (r, o) = parsed("a LIST (SUBSCRIBED RECURSIVEMATCH) x (%) RETURN (CHILDREN)\r\n")
            .unwrap()
            .unwrap();
        assert!(o.subscribed && o.recursive_match && o.more_patterns.is_empty());
        assert_eq!(args(&r), ("x".into(), "%".into()));

        // An empty list, an unfinished one, garbage after it.
        for line in [
            "a LIST \"\" ()\r\n",
            "a LIST \"\" (a\r\n",
            "a LIST \"\" (a b)c\r\n",
            "a LIST \"\" (a  b)\r\n",
            "a LIST \"\" (\"a)\r\n",
        ] {
            assert!(parsed(line).is_none(), "{line}");
        }
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
