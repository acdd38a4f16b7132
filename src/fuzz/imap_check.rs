//! What a client may rely on in everything an IMAP session said: a
//! greeting, then responses that imap-codec's response parser reads one
//! after the other to the last byte; nothing after BYE; status texts of
//! bounded length whatever the client sent; and in each FETCH response
//! RFC822.SIZE = len(BODY[]) and BODY[HEADER] + BODY[TEXT] = BODY[].
//! ESEARCH, which imap-codec cannot read, is checked against RFC 4731's
//! grammar here.

use imap_codec::decode::{Decoder, ResponseDecodeError};
use imap_codec::{GreetingCodec, ResponseCodec};
use imap_types::core::{IString, NString};
use imap_types::fetch::{MessageDataItem, Section};
use imap_types::response::{Data, Response, Status, StatusBody};

use super::{Verdict, excerpt};

/// The longest status text (after tag and code) graphgate may send: a
/// sentence, never an echo of a long command.
const MAX_STATUS_TEXT: usize = 1024;

fn bytes_of(data: &NString<'_>) -> Option<Vec<u8>> {
    match &data.0 {
        None => None,
        Some(IString::Literal(l)) => Some(l.as_ref().to_vec()),
        Some(IString::Quoted(q)) => Some(q.inner().as_bytes().to_vec()),
        Some(IString::QuotedUtf8(q)) => Some(q.inner().as_bytes().to_vec()),
    }
}

fn status_text(body: &StatusBody<'_>) -> Verdict {
    let text = body.text.inner();
    if text.len() > MAX_STATUS_TEXT {
        return Err(format!(
            "a status text of {} bytes: {}",
            text.len(),
            excerpt(text.as_bytes())
        ));
    }
    Ok(())
}

fn fetch(items: &[MessageDataItem<'_>]) -> Verdict {
    let mut size = None;
    let (mut full, mut header, mut text) = (None, None, None);
    let (mut rfc822, mut rfc822_header, mut rfc822_text) = (None, None, None);
    for item in items {
        match item {
            MessageDataItem::Rfc822Size(n) => size = Some(*n as usize),
            MessageDataItem::BodyExt {
                section,
                origin: None,
                data,
            } => match section {
                None => full = bytes_of(data),
                Some(Section::Header(None)) => header = bytes_of(data),
                Some(Section::Text(None)) => text = bytes_of(data),
                _ => {}
            },
            MessageDataItem::Rfc822(data) => rfc822 = bytes_of(data),
            MessageDataItem::Rfc822Header(data) => rfc822_header = bytes_of(data),
            MessageDataItem::Rfc822Text(data) => rfc822_text = bytes_of(data),
            _ => {}
        }
    }
    for body in [&full, &rfc822].into_iter().flatten() {
        if let Some(size) = size
            && size != body.len()
        {
            return Err(format!(
                "RFC822.SIZE {size} but BODY[] has {} bytes",
                body.len()
            ));
        }
    }
    for (whole, h, t, what) in [
        (&full, &header, &text, "BODY[HEADER] + BODY[TEXT] != BODY[]"),
        (
            &rfc822,
            &rfc822_header,
            &rfc822_text,
            "RFC822.HEADER + RFC822.TEXT != RFC822",
        ),
    ] {
        if let (Some(w), Some(h), Some(t)) = (whole, h, t)
            && [h.as_slice(), t.as_slice()].concat() != *w
        {
            return Err(what.into());
        }
    }
    Ok(())
}

/// `* ESEARCH (TAG "t") [UID] *(SP item)` without CRLF, by RFC 4731 §4
/// and RFC 4466 `esearch-response`: MIN, MAX and MODSEQ a non-zero
/// number, COUNT a number, ALL a sequence set of non-zero numbers; each
/// item at most once.
fn esearch(line: &[u8]) -> Verdict {
    let bad = |why: &str| Err(format!("ESEARCH {why}: {}", excerpt(line)));
    let Ok(text) = std::str::from_utf8(line) else {
        return bad("is not ASCII");
    };
    let Some(rest) = text.strip_prefix("* ESEARCH (TAG \"") else {
        return bad("without (TAG");
    };
    let Some(close) = rest.find("\")") else {
        return bad("with an unclosed tag");
    };
    let tag = &rest[..close];
    if tag.is_empty()
        || tag
            .bytes()
            .any(|b| b <= b' ' || b >= 0x7f || b == b'"' || b == b'\\')
    {
        return bad("with a tag that is not one");
    }
    let mut words = rest[close + 2..].split(' ').peekable();
    if words.next() != Some("") && !rest[close + 2..].is_empty() {
        return bad("without a space after the tag");
    }
    if words.peek() == Some(&"UID") {
        words.next();
    }
    let number = |w: Option<&str>, nonzero: bool| {
        w.filter(|w| !w.is_empty() && w.len() <= 20 && w.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|w| w.parse::<u64>().ok())
            .is_some_and(|n| !nonzero || n > 0)
    };
    let mut seen = Vec::new();
    while let Some(item) = words.next() {
        if seen.contains(&item) {
            return bad("with an item twice");
        }
        seen.push(item);
        let ok = match item {
            "MIN" | "MAX" | "MODSEQ" => number(words.next(), true),
            "COUNT" => number(words.next(), false),
            "ALL" => words.next().is_some_and(|set| {
                set.split(',').all(|part| {
                    let mut ends = part.splitn(2, ':');
                    number(ends.next(), true) && ends.next().is_none_or(|e| number(Some(e), true))
                })
            }),
            _ => false,
        };
        if !ok {
            return bad("with an item that is not RFC 4731's");
        }
    }
    Ok(())
}

/// Check a whole session's output.
pub(crate) fn check_output(out: &[u8]) -> Verdict {
    let mut rest = match GreetingCodec::default().decode(out) {
        Ok((rest, _)) => rest,
        Err(e) => return Err(format!("no valid greeting ({e:?}): {}", excerpt(out))),
    };
    let mut said_bye = false;
    let mut logout_done = false;
    while !rest.is_empty() {
        // After BYE only LOGOUT's tagged OK may follow (RFC 3501 §6.1.3).
        if said_bye && !rest.starts_with(b"* ") && !rest.starts_with(b"+ ") && !logout_done {
            logout_done = true;
        } else if said_bye {
            return Err(format!("more after BYE: {}", excerpt(rest)));
        }
        // imap-codec has no ESEARCH response (RFC 4731): its grammar is
        // checked here, by a reader of its own.
        if rest.starts_with(b"* ESEARCH ") {
            let end = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or_else(|| format!("the session ended inside ESEARCH: {}", excerpt(rest)))?;
            esearch(&rest[..end])?;
            rest = &rest[end + 2..];
            continue;
        }
        // RFC 5258's CHILDINFO extended item, which imap-codec's LIST lacks:
        // the line must read as a LIST without it.
        const CHILDINFO: &[u8] = b" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n";
        if rest.starts_with(b"* LIST ")
            && let Some(end) = rest.windows(2).position(|w| w == b"\r\n")
            && rest[..end + 2].ends_with(CHILDINFO)
        {
            let mut plain = rest[..end + 2 - CHILDINFO.len()].to_vec();
            plain.extend_from_slice(b"\r\n");
            match ResponseCodec::default().decode(&plain) {
                Ok((b"", Response::Data(Data::List { .. }))) => {}
                _ => return Err(format!("not a LIST with CHILDINFO: {}", excerpt(rest))),
            }
            rest = &rest[end + 2..];
            continue;
        }
        // Extensions imap-codec has no syntax for: ACL's responses are
        // checked by graphgate's grammar, OBJECTID's items and BINARY
        // origins are checked and cut out before imap-codec reads the rest.
        if let Some(len) = crate::imap::acl_response_len(rest) {
            rest = &rest[len?..];
            continue;
        }
        let stripped = without_extension_items(rest)?;
        if let Some((plain, len)) = stripped {
            match ResponseCodec::default().decode(&plain) {
                Ok((b"", Response::Data(Data::Fetch { items, .. }))) => fetch(items.as_ref())?,
                Ok((b"", _)) => {}
                _ => {
                    return Err(format!(
                        "imap-codec cannot parse this response: {}",
                        excerpt(rest)
                    ));
                }
            }
            rest = &rest[len..];
            continue;
        }
        let (after, response) = match ResponseCodec::default().decode(rest) {
            Ok(ok) => ok,
            Err(ResponseDecodeError::Incomplete | ResponseDecodeError::LiteralFound { .. }) => {
                return Err(format!(
                    "the session ended inside a response: {}",
                    excerpt(rest)
                ));
            }
            Err(ResponseDecodeError::Failed) => {
                return Err(format!(
                    "imap-codec cannot parse this response: {}",
                    excerpt(rest)
                ));
            }
        };
        match &response {
            Response::Status(Status::Untagged(body)) => status_text(body)?,
            Response::Status(Status::Tagged(tagged)) => status_text(&tagged.body)?,
            Response::Status(Status::Bye(bye)) => {
                said_bye = true;
                if bye.text.inner().len() > MAX_STATUS_TEXT {
                    return Err("a BYE text longer than the bound".into());
                }
            }
            Response::Data(Data::Fetch { items, .. }) => fetch(items.as_ref())?,
            _ => {}
        }
        rest = after;
    }
    Ok(())
}

/// RFC 8474's items: `EMAILID (id)`, `THREADID (id)` or `THREADID NIL`
/// (FETCH), `MAILBOXID (id)` (STATUS, and the SELECT and CREATE code,
/// which imap-codec reads as a code of its own).
const OBJECT_ID_ITEMS: [&[u8]; 5] = [
    b" EMAILID (",
    b" THREADID (",
    b" THREADID NIL",
    b" MAILBOXID (",
    b"MAILBOXID (",
];

/// The first response of `rest` with its OBJECTID items and BINARY
/// origins cut out, and its length in `rest`; `Ok(None)` if it has none;
/// an error if one is not RFC 8474's `objectid` or not a number. Literals
/// are copied as they are.
fn without_extension_items(rest: &[u8]) -> Result<Option<(Vec<u8>, usize)>, String> {
    if !rest.starts_with(b"* ") {
        return Ok(None);
    }
    let mut out = Vec::new();
    let (mut i, mut found) = (0, false);
    // Inside a quoted string nothing is an item. FETCH items sit one
    // parenthesis deep; deeper (a section's header-field names, which may
    // be any astring, `BINARY[2]<0.10>` or `X]` included) no BINARY item
    // starts.
    let (mut quoted, mut parens) = (false, 0usize);
    while i < rest.len() {
        if rest[i..].starts_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
            i += 2;
            match literal_len(&out[..out.len() - 2]) {
                Some(n) if i + n <= rest.len() => {
                    out.extend_from_slice(&rest[i..i + n]);
                    i += n;
                    continue;
                }
                Some(_) => return Ok(None),
                None => return Ok(found.then_some((out, i))),
            }
        }
        let b = rest[i];
        if quoted {
            out.push(b);
            i += 1;
            match b {
                b'\\' if i < rest.len() => {
                    out.push(rest[i]);
                    i += 1;
                }
                b'"' => quoted = false,
                _ => {}
            }
            continue;
        }
        // A partial BINARY item's origin (RFC 3516 §4.2, RFC 9051 erratum
        // 8217), which imap-codec's grammar lacks: `BINARY[2]<256>`.
        if parens == 1
            && rest[i..].starts_with(b"BINARY[")
            && matches!(out.last(), Some(b'(' | b' '))
            && let Some(close) = rest[i..].iter().position(|&b| b == b']')
            && rest.get(i + close + 1) == Some(&b'<')
        {
            let from = i + close + 2;
            let digits = rest[from..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits == 0 || rest.get(from + digits) != Some(&b'>') {
                return Err(format!("not a BINARY origin: {}", excerpt(&rest[i..])));
            }
            out.extend_from_slice(&rest[i..=i + close]);
            found = true;
            i = from + digits + 1;
            continue;
        }
        // In a STATUS list or a code, MAILBOXID may come first.
        let item = OBJECT_ID_ITEMS.iter().find(|p| rest[i..].starts_with(p));
        if let Some(item) = item
            && (item[0] == b' ' || matches!(out.last(), Some(b'(' | b'[')))
        {
            let mut end = i + item.len();
            if item.ends_with(b"(") {
                let close = rest[end..]
                    .iter()
                    .position(|&b| b == b')')
                    .ok_or("an objectid without its parenthesis")?;
                let id = &rest[end..end + close];
                if id.is_empty()
                    || id.len() > 255
                    || !id
                        .iter()
                        .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                {
                    return Err(format!("not an objectid: {}", excerpt(id)));
                }
                end += close + 1;
            }
            // `(MAILBOXID (x) MESSAGES 1)`: the space after it goes too.
            if item[0] != b' ' && rest.get(end) == Some(&b' ') {
                end += 1;
            }
            found = true;
            i = end;
            continue;
        }
        match b {
            b'"' => quoted = true,
            b'(' => parens += 1,
            b')' => parens = parens.saturating_sub(1),
            _ => {}
        }
        out.push(b);
        i += 1;
    }
    Ok(None)
}

/// `n` of a line that ends with a literal's `{n}` (or `~{n}`).
fn literal_len(line: &[u8]) -> Option<usize> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    std::str::from_utf8(&inner[open + 1..]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::check_output;

    #[test]
    fn the_checker_catches_what_it_is_for() {
        let greeting = "* OK ready\r\n";
        let good = format!(
            "{greeting}* 1 FETCH (RFC822.SIZE 5 BODY[] {{5}}\r\nab\r\nc BODY[HEADER] {{4}}\r\nab\r\n BODY[TEXT] {{1}}\r\nc)\r\na OK done\r\n"
        );
        assert_eq!(check_output(good.as_bytes()), Ok(()));
        let wrong_size = good.replace("RFC822.SIZE 5", "RFC822.SIZE 6");
        assert!(check_output(wrong_size.as_bytes()).is_err());
        let wrong_split = good.replace("{1}\r\nc", "{1}\r\nd");
        assert!(check_output(wrong_split.as_bytes()).is_err());
        assert!(
            check_output(format!("{greeting}a OK done\r\n* BYE x\r\n* OK y\r\n").as_bytes())
                .is_err()
        );
        assert_eq!(
            check_output(format!("{greeting}* BYE x\r\na OK LOGOUT\r\n").as_bytes()),
            Ok(())
        );
        assert!(
            check_output(format!("{greeting}* BYE x\r\na OK LOGOUT\r\nb OK\r\n").as_bytes())
                .is_err()
        );
        assert!(
            check_output(format!("{greeting}a OK {}\r\n", "x".repeat(2000)).as_bytes()).is_err()
        );
        assert!(
            check_output(format!("{greeting}* 1 FETCH (BODY[] {{5}}\r\nab").as_bytes()).is_err()
        );
        assert!(check_output(format!("{greeting}a WHAT\r\n").as_bytes()).is_err());
        assert!(check_output(b"hello\r\n").is_err());
        let origin = format!("{greeting}* 1 FETCH (UID 4 BINARY[2]<256> {{3}}\r\na]c)\r\n");
        assert_eq!(check_output(origin.as_bytes()), Ok(()));
        assert!(check_output(origin.replace("<256>", "<x>").as_bytes()).is_err());
        for good in [
            "* ESEARCH (TAG \"a.1\")",
            "* ESEARCH (TAG \"a\") UID",
            "* ESEARCH (TAG \"a\") UID MIN 1 MAX 5 COUNT 3 ALL 1:3,5 MODSEQ 9",
            "* ESEARCH (TAG \"a\") COUNT 0",
        ] {
            let out = format!("{greeting}{good}\r\na OK done\r\n");
            assert_eq!(check_output(out.as_bytes()), Ok(()), "{good}");
        }
        for bad in [
            "* ESEARCH (TAG a)",
            "* ESEARCH (TAG \"a\") MIN 0",
            "* ESEARCH (TAG \"a\") ALL 1,,2",
            "* ESEARCH (TAG \"a\") ALL 0:3",
            "* ESEARCH (TAG \"a\") COUNT",
            "* ESEARCH (TAG \"a\") COUNT 1 COUNT 1",
            "* ESEARCH (TAG \"a\") UID UID",
            "* ESEARCH (TAG \"a\")  MIN 1",
        ] {
            let out = format!("{greeting}{bad}\r\na OK done\r\n");
            assert!(check_output(out.as_bytes()).is_err(), "{bad}");
        }
        let ids = format!(
            "{greeting}* 1 FETCH (UID 3 EMAILID (M1-_a) THREADID NIL)\r\n* STATUS INBOX (MAILBOXID (F2))\r\n* MYRIGHTS \"Sent Items\" lr\r\n* ACL INBOX alice lr\r\na OK done\r\n"
        );
        assert_eq!(check_output(ids.as_bytes()), Ok(()));
        assert!(check_output(ids.replace("(M1-_a)", "(M=)").as_bytes()).is_err());
        assert!(check_output(ids.replace("lr\r\n* ACL", "\r\n* ACL").as_bytes()).is_err());
    }
}
