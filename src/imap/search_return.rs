//! The syntax ESEARCH, ESORT and SEARCHRES add to commands imap-codec
//! knows: `SEARCH RETURN (MIN MAX COUNT ALL SAVE) ...` and `SORT RETURN
//! (...) ...` (RFC 4731, RFC 5267, RFC 4466's `search-return-opts`), and
//! `$`, the saved search result, wherever a sequence set may stand
//! (RFC 5182). The return options are cut out and each `$` is replaced by
//! a placeholder set (`MARKER`) imap-codec accepts; imap-codec then decodes
//! the rest, so criteria have one grammar, and the command is told that its
//! placeholder stands for `$` (`Extras::dollar`).

use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_types::IntoStatic;
use imap_types::command::{Command, CommandBody};

/// What stands for `$` in the command handed to imap-codec: a range no
/// folder reaches, written the wrong way round so that it is told apart.
pub(super) const MARKER: &str = "4294967295:4294967294";

/// At most this many `$` in one command (each grows it by the marker).
const MAX_DOLLARS: usize = 64;

/// The RFC 4731 / RFC 5182 result options of one SEARCH or SORT.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct ReturnOptions {
    pub min: bool,
    pub max: bool,
    pub all: bool,
    pub count: bool,
    /// RFC 5182: keep the result for `$`.
    pub save: bool,
}

impl ReturnOptions {
    /// Whether an ESEARCH response is sent: SAVE alone asks for none
    /// (RFC 5182 §2.2, example 1).
    pub(super) fn answers(&self) -> bool {
        self.min || self.max || self.all || self.count
    }

    /// Whether only MIN and/or MAX are asked (then they alone are saved,
    /// and MODSEQ is theirs: RFC 5182 §2.4, RFC 4731 §3.2).
    pub(super) fn only_ends(&self) -> bool {
        (self.min || self.max) && !self.all && !self.count
    }
}

/// What the extended syntax added to a command imap-codec decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Extras {
    /// `RETURN (...)` of a SEARCH or SORT.
    pub returning: Option<ReturnOptions>,
    /// A `$` was replaced by `MARKER`.
    pub dollar: bool,
}

/// What is wrong with an extended command; the text is the BAD reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum ExtendedError {
    #[error("unknown SEARCH RETURN option {0} (graphgate knows MIN MAX ALL COUNT SAVE)")]
    UnknownOption(String),
    #[error("RETURN options are a parenthesised list of atoms: RETURN (MIN COUNT)")]
    BadList,
    #[error("a command may use $ at most {MAX_DOLLARS} times")]
    TooManyDollars,
    #[error("the sequence set {MARKER} cannot be combined with $")]
    MarkerAndDollar,
}

/// The commands whose first argument is a sequence set.
const SET_FIRST: [&str; 5] = ["FETCH", "STORE", "COPY", "MOVE", "EXPUNGE"];

/// Search keys whose next argument is a string, never a sequence set
/// (HEADER's second argument is handled apart).
const STRING_KEYS: [&str; 12] = [
    "BCC",
    "BODY",
    "CC",
    "FROM",
    "KEYWORD",
    "SUBJECT",
    "TEXT",
    "TO",
    "UNKEYWORD",
    "HEADER",
    "CHARSET",
    "MODSEQ",
];

/// `None` if `message` (a complete command) uses neither RETURN options nor `$`; otherwise the command
/// imap-codec decoded from the rest, with what was cut out, or why the
/// extended syntax is wrong.
pub(super) fn parse(message: &[u8]) -> Option<Result<(Command<'static>, Extras), ExtendedError>> {
    let first_line_end = message.windows(2).position(|w| w == b"\r\n")?;
    let line = &message[..first_line_end];
    let mut words = Words { line, pos: 0 };
    let (_, _tag_end) = words.next()?;
    let (name_at, mut name_end) = words.next()?;
    let mut name = upper(&line[name_at..name_end]);
    let uid = name == "UID";
    if uid {
        let (at, end) = words.next()?;
        name = upper(&line[at..end]);
        name_end = end;
    }
    let searching = matches!(name.as_str(), "SEARCH" | "SORT" | "THREAD");
    if !searching && !SET_FIRST.contains(&name.as_str()) || (name == "EXPUNGE" && !uid) {
        return None;
    }
    let mut extras = Extras::default();
    let mut rest_at = name_end;
    if matches!(name.as_str(), "SEARCH" | "SORT") {
        match return_clause(&line[name_end..]) {
            Some(Ok((options, len))) => {
                extras.returning = Some(options);
                rest_at = name_end + len;
            }
            Some(Err(why)) => return Some(Err(why)),
            None => {}
        }
    }
    let mut rebuilt = Vec::with_capacity(message.len() + 64);
    rebuilt.extend_from_slice(&message[..name_end]);
    let dollars = match dollars(message, rest_at, searching) {
        Ok(dollars) => dollars,
        Err(why) => return Some(Err(why)),
    };
    let mut from = rest_at;
    for at in &dollars {
        rebuilt.extend_from_slice(&message[from..*at]);
        rebuilt.extend_from_slice(MARKER.as_bytes());
        from = at + 1;
    }
    rebuilt.extend_from_slice(&message[from..]);
    extras.dollar = !dollars.is_empty();
    if extras.returning.is_none() && !extras.dollar {
        return None;
    }
    if extras.dollar
        && message
            .windows(MARKER.len())
            .any(|w| w == MARKER.as_bytes())
    {
        return Some(Err(ExtendedError::MarkerAndDollar));
    }
    match CommandCodec::default().decode(&rebuilt) {
        Ok((rest, command)) if rest.is_empty() && fits(&command.body, &name) => {
            Some(Ok((command.into_static(), extras)))
        }
        _ => None,
    }
}

/// Whether imap-codec decoded the command the words named.
fn fits(body: &CommandBody<'_>, name: &str) -> bool {
    matches!(
        (body, name),
        (CommandBody::Search { .. }, "SEARCH")
            | (CommandBody::Sort { .. }, "SORT")
            | (CommandBody::Thread { .. }, "THREAD")
            | (CommandBody::Fetch { .. }, "FETCH")
            | (CommandBody::Store { .. }, "STORE")
            | (CommandBody::Copy { .. }, "COPY")
            | (CommandBody::Move { .. }, "MOVE")
            | (CommandBody::ExpungeUid { .. }, "EXPUNGE")
    )
}

fn upper(word: &[u8]) -> String {
    String::from_utf8_lossy(&word[..word.len().min(16)]).to_ascii_uppercase()
}

/// The space-separated words of a line, as (start, end).
struct Words<'a> {
    line: &'a [u8],
    pos: usize,
}

impl Iterator for Words<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        let start = self.pos;
        if start >= self.line.len() {
            return None;
        }
        let end = self.line[start..]
            .iter()
            .position(|&b| b == b' ')
            .map_or(self.line.len(), |i| start + i);
        self.pos = end + 1;
        Some((start, end))
    }
}

/// ` RETURN (...)` at the start of `after` (what follows the command
/// name): the options and how many bytes the clause takes.
fn return_clause(after: &[u8]) -> Option<Result<(ReturnOptions, usize), ExtendedError>> {
    const KEY: &[u8] = b" RETURN ";
    if after.len() < KEY.len() || !after[..KEY.len()].eq_ignore_ascii_case(KEY) {
        return None;
    }
    let list = &after[KEY.len()..];
    if list.first() != Some(&b'(') {
        return Some(Err(ExtendedError::BadList));
    }
    let Some(close) = list.iter().position(|&b| b == b')') else {
        return Some(Err(ExtendedError::BadList));
    };
    Some(return_options(&list[1..close]).map(|options| (options, KEY.len() + close + 1)))
}

/// The options between the parentheses; none means ALL (RFC 4731 §3.1).
pub(super) fn return_options(inner: &[u8]) -> Result<ReturnOptions, ExtendedError> {
    let mut options = ReturnOptions::default();
    let mut any = false;
    for word in inner.split(|&b| b == b' ') {
        if word.is_empty() {
            if inner.is_empty() {
                break;
            }
            return Err(ExtendedError::BadList);
        }
        if word.contains(&b'(') {
            return Err(ExtendedError::BadList);
        }
        match upper(word).as_str() {
            "MIN" if word.len() == 3 => options.min = true,
            "MAX" if word.len() == 3 => options.max = true,
            "ALL" if word.len() == 3 => options.all = true,
            "COUNT" if word.len() == 5 => options.count = true,
            "SAVE" if word.len() == 4 => options.save = true,
            _ => {
                let shown: String = String::from_utf8_lossy(word)
                    .chars()
                    .filter(|c| c.is_ascii_graphic())
                    .take(20)
                    .collect();
                return Err(ExtendedError::UnknownOption(shown));
            }
        }
        any = true;
    }
    if !any {
        options.all = true;
    }
    Ok(options)
}

/// Where the `$` sequence sets are in `message` from `from` on: the first
/// argument of FETCH-like commands, any sequence-set position among search
/// criteria (`searching`). Quoted strings and literals are skipped, and a
/// `$` that is a string argument (`KEYWORD $`, `HEADER x $`) is kept.
fn dollars(message: &[u8], from: usize, searching: bool) -> Result<Vec<usize>, ExtendedError> {
    let mut found = Vec::new();
    let mut i = from;
    // The two previous words, upper-cased (for `KEYWORD $`, `HEADER x $`).
    let mut previous = [String::new(), String::new()];
    let mut first = true;
    while i < message.len() {
        if !searching && !first {
            // Only the first argument of FETCH and its kin is a set.
            break;
        }
        match message[i] {
            b' ' | b'(' | b')' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'"' => {
                i = skip_quoted(message, i);
                previous = [std::mem::take(&mut previous[1]), "\"".into()];
                first = false;
                continue;
            }
            b'{' | b'~' => {
                if let Some(next) = skip_literal(message, i) {
                    i = next;
                    previous = [std::mem::take(&mut previous[1]), "{".into()];
                    first = false;
                    continue;
                }
            }
            _ => {}
        }
        let end = message[i..]
            .iter()
            .position(|&b| matches!(b, b' ' | b'(' | b')' | b'\r' | b'\n'))
            .map_or(message.len(), |n| i + n);
        let word = &message[i..end];
        if word == b"$" {
            let string_arg = STRING_KEYS.contains(&previous[1].as_str())
                || previous[0] == "HEADER"
                || previous[0] == "MODSEQ";
            if (first || searching) && !string_arg {
                if found.len() == MAX_DOLLARS {
                    return Err(ExtendedError::TooManyDollars);
                }
                found.push(i);
            }
        }
        previous = [std::mem::take(&mut previous[1]), upper(word)];
        first = false;
        i = end;
    }
    Ok(found)
}

/// The index after the quoted string that opens at `at`.
fn skip_quoted(message: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    while i < message.len() {
        match message[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    message.len()
}

/// The index after the literal (`{n}`, `{n+}`, `~{n}`) whose header opens
/// at `at`, if one does.
fn skip_literal(message: &[u8], at: usize) -> Option<usize> {
    let open = if message[at] == b'~' { at + 1 } else { at };
    if message.get(open) != Some(&b'{') {
        return None;
    }
    let close = open + message[open..].iter().position(|&b| b == b'}')?;
    let digits = message[open + 1..close]
        .strip_suffix(b"+")
        .unwrap_or(&message[open + 1..close]);
    let digits = digits.strip_suffix(b"-").unwrap_or(digits);
    if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let len: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
    if message.get(close + 1..close + 3) != Some(b"\r\n") {
        return None;
    }
    Some((close + 3).saturating_add(len).min(message.len()))
}

#[cfg(test)]
#[path = "search_return_tests.rs"]
mod tests;
