//! OBJECTID (RFC 8474): the FETCH items EMAILID and THREADID, the STATUS
//! item MAILBOXID, and the search keys EMAILID and THREADID (in SEARCH,
//! SORT and THREAD), which imap-codec does not know. As for LIST's options (`list_ext`), they are
//! cut out of the command's final line and the rest is handed to
//! imap-codec, with what was cut remembered: a FETCH or STATUS left with
//! no item gets one it can answer cheaply (UID, MESSAGES), and a SEARCH key
//! becomes a placeholder keyword that the SEARCH replaces with the UIDs of
//! the messages that carry the id. The ids are written by this module:
//! `M`, `T` or `F` and 22 base64url characters (`mailbox::object_id`).

use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_types::IntoStatic;
use imap_types::command::{Command, CommandBody};
use imap_types::response::{Code, CodeOther};

use crate::mailbox::MessageIds;
use crate::mailbox::object_id::ObjectId;

/// The prefix of the placeholder keywords of SEARCH EMAILID and THREADID.
pub(super) const PLACEHOLDER: &str = "$graphgate-objectid-";

/// What a command asked of OBJECTID besides what imap-codec decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ObjectIdItems {
    /// FETCH EMAILID.
    pub email: bool,
    /// FETCH THREADID.
    pub thread: bool,
    /// STATUS MAILBOXID.
    pub mailbox: bool,
    /// The item imap-codec was given in place of the only ones asked
    /// (UID, MESSAGES): not to be answered.
    pub filler: bool,
}

/// One SEARCH EMAILID or THREADID key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SearchId {
    pub thread: bool,
    pub id: String,
}

/// `None` if `message` is not a FETCH or STATUS asking for OBJECTID's
/// items (or imap-codec cannot decode the rest); otherwise the command
/// without them, and what they were.
pub(super) fn parse(message: &[u8], last_line: usize) -> Option<(Command<'static>, ObjectIdItems)> {
    let line = message.get(last_line..)?;
    let command = command_word(message)?;
    let mut items = ObjectIdItems::default();
    let words: &[&str] = match command.as_str() {
        "FETCH" => &["EMAILID", "THREADID"],
        "STATUS" => &["MAILBOXID"],
        _ => return None,
    };
    let found = find_words(line, words, false);
    if found.is_empty() {
        return None;
    }
    let mut rebuilt = message[..last_line].to_vec();
    let mut at = 0;
    for (word, start, end) in &found {
        rebuilt.extend_from_slice(&line[at..*start]);
        match word.as_str() {
            "EMAILID" => items.email = true,
            "THREADID" => items.thread = true,
            _ => items.mailbox = true,
        }
        at = *end;
    }
    rebuilt.extend_from_slice(&line[at..]);
    tidy(&mut rebuilt, last_line);
    finish(rebuilt, &command, items)
}

/// `None` if `message` is not a SEARCH, SORT or THREAD (or UID form) with
/// EMAILID or THREADID search keys (RFC 8474 §6), on any of its lines but
/// never inside a quoted string or a literal; otherwise the command
/// with each key replaced by a placeholder keyword (`KEYWORD
/// $graphgate-objectid-<n>`), for imap-codec or `search_return` to decode
/// like any other, and the keys in placeholder order. A key whose id is
/// not RFC 8474's `objectid`, or a placeholder the client wrote itself,
/// leaves the command unclaimed (and then BAD).
pub(super) fn search_keys(message: &[u8]) -> Option<(Vec<u8>, Vec<SearchId>)> {
    let line = message;
    let command = command_word(message)?;
    if !matches!(command.as_str(), "SEARCH" | "SORT" | "THREAD")
        || contains_ignore_case(message, PLACEHOLDER.as_bytes())
    {
        return None;
    }
    let found = find_words(line, &["EMAILID", "THREADID"], true);
    if found.is_empty() {
        return None;
    }
    let mut keys = Vec::with_capacity(found.len());
    let mut rebuilt = Vec::with_capacity(message.len() + 32 * found.len());
    let mut at = 0;
    for (i, (kind, start, end)) in found.iter().enumerate() {
        rebuilt.extend_from_slice(&line[at..*start]);
        let id = line.get(*start + kind.len() + 1..*end)?;
        let id = std::str::from_utf8(id).ok()?;
        if !is_objectid(id) {
            return None;
        }
        keys.push(SearchId {
            thread: kind == "THREADID",
            id: id.to_string(),
        });
        rebuilt.extend_from_slice(format!("KEYWORD {PLACEHOLDER}{i}").as_bytes());
        at = *end;
    }
    rebuilt.extend_from_slice(&line[at..]);
    Some((rebuilt, keys))
}

/// Decode what is left of the command, with a filler item if nothing is.
fn finish(
    mut rebuilt: Vec<u8>,
    command: &str,
    mut items: ObjectIdItems,
) -> Option<(Command<'static>, ObjectIdItems)> {
    // imap-codec reads `FETCH 1 ()`, which would answer nothing.
    let emptied = command == "FETCH" && rebuilt.windows(2).any(|w| w == b"()");
    if !emptied && let Some(parsed) = decode(&rebuilt, command) {
        return Some((parsed, items));
    }
    // Nothing else was asked: give imap-codec an item to decode.
    let filler: &[u8] = if command == "FETCH" {
        b"UID"
    } else {
        b"MESSAGES"
    };
    let end = rebuilt.len().checked_sub(2)?;
    match rebuilt[..end].windows(2).rposition(|w| w == b"()") {
        Some(i) => drop(rebuilt.splice(i + 1..i + 1, filler.iter().copied())),
        // `FETCH 1 EMAILID`: the one item, without parentheses.
        None => drop(rebuilt.splice(end..end, [b" ", filler].concat())),
    }
    items.filler = true;
    decode(&rebuilt, command).map(|parsed| (parsed, items))
}

/// The command's name, after the tag and an optional `UID`.
fn command_word(message: &[u8]) -> Option<String> {
    let line = message.split(|&b| b == b'\r').next()?;
    let mut words = line.split(|&b| b == b' ').skip(1);
    let mut word = words.next()?;
    if word.eq_ignore_ascii_case(b"UID") {
        word = words.next()?;
    }
    Some(String::from_utf8_lossy(word).to_ascii_uppercase())
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// RFC 8474 `objectid`: 1 to 255 of ALPHA, DIGIT, `_`, `-`.
pub(super) fn is_objectid(id: &str) -> bool {
    (1..=255).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Where `words` stand in `line` as whole words outside quoted strings and
/// `[...]` sections: (word, start, end). With `argument`, each takes the
/// next word too (SEARCH's id), which ends the range.
fn find_words(line: &[u8], words: &[&str], argument: bool) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let (mut quoted, mut bracket) = (false, 0usize);
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if quoted {
            match b {
                b'\\' => i += 1,
                b'"' => quoted = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'{'
            && let Some(skip) = literal_span(&line[i..])
        {
            // (A length past the end ends the scan: never wraps around.)
            i = i.saturating_add(skip);
            continue;
        }
        match b {
            b'"' => quoted = true,
            b'[' => bracket += 1,
            b']' => bracket = bracket.saturating_sub(1),
            _ => {}
        }
        let starts_word = i > 0 && matches!(line[i - 1], b' ' | b'(');
        if bracket == 0 && starts_word {
            let word_end = line[i..]
                .iter()
                .position(|&c| matches!(c, b' ' | b')' | b'(' | b'\r'))
                .map_or(line.len(), |n| i + n);
            let word = &line[i..word_end];
            if let Some(name) = words
                .iter()
                .find(|w| word.eq_ignore_ascii_case(w.as_bytes()))
            {
                let end = match argument {
                    false => word_end,
                    true if line.get(word_end) == Some(&b' ') => line[word_end + 1..]
                        .iter()
                        .position(|&c| matches!(c, b' ' | b')' | b'\r'))
                        .map_or(line.len(), |n| word_end + 1 + n),
                    true => word_end,
                };
                out.push((name.to_string(), i, end));
                i = end;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The length of `{n}` or `{n+}` (or `~{n}`'s tail), its CRLF and the
/// `n` bytes after it, when `at` starts one: a literal's content is never
/// searched for words. Constant time, whatever follows a `{`.
fn literal_span(at: &[u8]) -> Option<usize> {
    // `{` and at most 20 digits and `+`: never a long scan per `{`.
    let close = at.iter().take(23).position(|&b| b == b'}')?;
    let digits = at[1..close].strip_suffix(b"+").unwrap_or(&at[1..close]);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
    at.get(close + 1..close + 3)
        .filter(|crlf| *crlf == b"\r\n")
        .map(|_| (close + 3).saturating_add(n))
}

/// Close the gaps the cut items left in the final line (from `from`):
/// doubled spaces, and spaces next to a parenthesis.
fn tidy(message: &mut Vec<u8>, from: usize) {
    let mut out = message[..from].to_vec();
    let line = &message[from..];
    let (mut quoted, mut prev) = (false, 0u8);
    for (i, &b) in line.iter().enumerate() {
        if quoted {
            out.push(b);
            quoted = !(b == b'"' && prev != b'\\');
            prev = b;
            continue;
        }
        let next = line[i + 1..]
            .iter()
            .find(|&&c| c != b' ')
            .copied()
            .unwrap_or(0);
        let skip = b == b' ' && (prev == b' ' || prev == b'(' || next == b')' || next == b'\r');
        if !skip {
            out.push(b);
            quoted = b == b'"';
            prev = b;
        }
    }
    *message = out;
}

fn decode(message: &[u8], command: &str) -> Option<Command<'static>> {
    let (rest, parsed) = CommandCodec::default().decode(message).ok()?;
    let fits = matches!(
        (&parsed.body, command),
        (CommandBody::Fetch { .. }, "FETCH") | (CommandBody::Status { .. }, "STATUS")
    );
    (rest.is_empty() && fits).then(|| parsed.into_static())
}

/// `MAILBOXID (F…)`, as a STATUS item or a response code's content.
pub(super) fn mailbox_id_item(id: ObjectId) -> String {
    format!("MAILBOXID ({})", id.text('F'))
}

/// `[MAILBOXID (F…)]` (SELECT, EXAMINE, CREATE).
pub(super) fn mailbox_id_code(id: ObjectId) -> Code<'static> {
    // Only atom characters, a space and parentheses: valid code text.
    Code::Other(CodeOther::unvalidated(mailbox_id_item(id).into_bytes()))
}

/// The EMAILID and THREADID items of one FETCH response, as asked.
pub(super) fn fetch_items(items: &ObjectIdItems, ids: Option<MessageIds>) -> Vec<u8> {
    let mut out = Vec::new();
    let Some(ids) = ids else {
        return out;
    };
    if items.email {
        out.extend_from_slice(format!("EMAILID ({})", ids.email.text('M')).as_bytes());
    }
    if items.thread {
        if !out.is_empty() {
            out.push(b' ');
        }
        match ids.thread {
            Some(thread) => {
                out.extend_from_slice(format!("THREADID ({})", thread.text('T')).as_bytes())
            }
            None => out.extend_from_slice(b"THREADID NIL"),
        }
    }
    out
}

/// The text of a message's EMAILID or THREADID.
pub(super) fn message_id_text(ids: &MessageIds, thread: bool) -> Option<String> {
    match thread {
        false => Some(ids.email.text('M')),
        true => ids.thread.map(|t| t.text('T')),
    }
}

#[cfg(test)]
#[path = "objectid_tests.rs"]
mod tests;
