//! Content lines, the syntax vCard (RFC 6350 §3.2, RFC 2426 §2.6) and
//! iCalendar (RFC 5545 §3.1) share: unfolding a text into logical lines,
//! the (group and) name of a line, and folding at 75 octets on the way
//! out. Used for the lines kept verbatim (`Extras`); everything typed goes
//! through calcard.

/// The logical lines of `text`: folds (a line end followed by a space or
/// tab) joined, line ends (CRLF or bare LF) removed, blank lines and a
/// leading byte-order mark dropped.
pub(crate) fn unfold(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    let mut current = String::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        // A stray CR inside a line would end it for some readers.
        let cleaned;
        let raw = if raw.contains('\r') {
            cleaned = raw.replace('\r', "");
            cleaned.as_str()
        } else {
            raw
        };
        if let Some(rest) = raw.strip_prefix([' ', '\t']) {
            current.push_str(rest);
        } else {
            if !current.trim().is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            current.clear();
            current.push_str(raw);
        }
    }
    if !current.trim().is_empty() {
        lines.push(current);
    }
    lines
}

/// A line's group (vCard `item1.`) and upper-case property name.
pub(crate) fn name_of(line: &str) -> (Option<&str>, String) {
    let end = line.find([';', ':']).unwrap_or(line.len());
    let head = &line[..end];
    match head.rsplit_once('.') {
        Some((group, name)) => (Some(group), name.to_ascii_uppercase()),
        None => (None, head.to_ascii_uppercase()),
    }
}

/// A line whose group and name are tokens (letters, digits, `-`: RFC 6350
/// §3.3, RFC 5545 §3.1) followed by `;` or `:`.
pub(crate) fn has_valid_name(line: &str) -> bool {
    let Some(end) = line.find([';', ':']) else {
        return false;
    };
    let token =
        |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    match line[..end].rsplit_once('.') {
        Some((group, name)) => token(group) && token(name),
        None => token(&line[..end]),
    }
}

/// The value of a simple line (after the first colon outside quotes),
/// without unescaping.
pub(crate) fn raw_value(line: &str) -> Option<&str> {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some(&line[i + 1..]),
            _ => {}
        }
    }
    None
}

/// Append `line` to `out`, folded at 75 octets (on character boundaries)
/// and ended with CRLF. A line end inside `line` (stored extras gone bad)
/// becomes a space: one logical line in, one out.
pub(crate) fn push_folded(out: &mut String, line: &str) {
    let cleaned;
    let line = if line.contains(['\r', '\n']) {
        cleaned = line.replace(['\r', '\n'], " ");
        cleaned.as_str()
    } else {
        line
    };
    let mut rest = line;
    let mut limit = 75;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = 74;
    }
}

/// The logical line of something calcard wrote (folded, CRLF-ended).
pub(crate) fn unfolded(written: &str) -> String {
    written
        .replace("\r\n ", "")
        .replace("\r\n\t", "")
        .trim_end_matches(['\r', '\n'])
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolds_crlf_and_lf_folds() {
        let text = "\u{feff}BEGIN:VCARD\r\nNOTE:one\r\n  two\r\n\t three\nFN:x\n\r\nEND:VCARD\r\n";
        assert_eq!(
            unfold(text),
            vec!["BEGIN:VCARD", "NOTE:one two three", "FN:x", "END:VCARD"]
        );
    }

    #[test]
    fn names_and_groups() {
        assert_eq!(
            name_of("item1.X-ABLabel:_$!<Other>!$_"),
            (Some("item1"), "X-ABLABEL".into())
        );
        assert_eq!(name_of("tel;type=CELL:1"), (None, "TEL".into()));
        assert_eq!(raw_value("X-A;P=\"a:b\":v:w"), Some("v:w"));
        assert!(has_valid_name("item1.X-ABLabel:x") && has_valid_name("TEL;TYPE=CELL:1"));
        assert!(!has_valid_name("TEL\\n;TYPE=home:1") && !has_valid_name("no colon"));
        assert!(!has_valid_name(".EMAIL:x") && !has_valid_name("TEL :1"));
    }

    #[test]
    fn folds_at_75_octets_on_char_boundaries() {
        let line = format!("NOTE:{}", "é".repeat(100));
        let mut out = String::new();
        push_folded(&mut out, &line);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        assert_eq!(unfolded(&out), line);
        let mut out = String::new();
        push_folded(&mut out, "X-A:one\r\nX-INJECTED:two");
        assert_eq!(out, "X-A:one  X-INJECTED:two\r\n");
    }
}
