//! Lexical pieces shared by the header parsers: unfolding, whitespace and
//! comments, quoted strings and MIME tokens (RFC 5322 §3.2, RFC 2045 §5.1).
//! Every function is total: malformed input ends a token early or runs to the
//! end of the value, it never fails or panics.

/// Removes folding (CR and LF), NUL bytes and surrounding whitespace from a
/// raw header value, as RFC 3501 wants for ENVELOPE and BODYSTRUCTURE strings.
pub(crate) fn unfold(value: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = value
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\r' | b'\n' | 0))
        .collect();
    let end = out.len() - out.iter().rev().take_while(|b| is_wsp(**b)).count();
    out.truncate(end);
    let start = out.iter().take_while(|b| is_wsp(**b)).count();
    out.drain(..start);
    out
}

pub(crate) fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// RFC 2045 `tspecials`, plus space and controls: bytes that end a token.
fn is_token_byte(b: u8) -> bool {
    !(b <= b' '
        || b == 0x7f
        || matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b'@'
                | b','
                | b';'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'='
        ))
}

/// Skips whitespace and (nested) comments from `i`; returns the new index.
pub(crate) fn skip_cfws(s: &[u8], mut i: usize) -> usize {
    loop {
        while i < s.len() && (is_wsp(s[i]) || s[i] == b'\r' || s[i] == b'\n') {
            i += 1;
        }
        if i < s.len() && s[i] == b'(' {
            i = comment(s, i).0;
        } else {
            return i;
        }
    }
}

/// Reads the comment starting at `s[i] == '('`; returns the index after it
/// and its text (escapes removed, nested parentheses kept). An unterminated
/// comment runs to the end.
pub(crate) fn comment(s: &[u8], i: usize) -> (usize, Vec<u8>) {
    let mut depth = 0usize;
    let mut text = Vec::new();
    let mut j = i;
    while j < s.len() {
        let b = s[j];
        j += 1;
        match b {
            b'\\' if j < s.len() => {
                text.push(s[j]);
                j += 1;
            }
            b'(' => {
                if depth > 0 {
                    text.push(b);
                }
                depth += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return (j, text);
                }
                text.push(b);
            }
            _ => text.push(b),
        }
    }
    (j, text)
}

/// Reads the quoted string starting at `s[i] == '"'`; returns the index after
/// it and its content with the quoting removed. Unterminated runs to the end.
pub(crate) fn quoted(s: &[u8], i: usize) -> (usize, Vec<u8>) {
    let mut text = Vec::new();
    let mut j = i + 1;
    while j < s.len() {
        let b = s[j];
        j += 1;
        match b {
            b'"' => return (j, text),
            b'\\' if j < s.len() => {
                text.push(s[j]);
                j += 1;
            }
            b'\r' | b'\n' => {}
            _ => text.push(b),
        }
    }
    (j, text)
}

/// Reads a MIME token at `i` (8-bit bytes are accepted, leniently).
/// Returns `None` without moving when there is no token there.
pub(crate) fn token(s: &[u8], i: &mut usize) -> Option<Vec<u8>> {
    let start = *i;
    let len = s[start.min(s.len())..]
        .iter()
        .take_while(|b| is_token_byte(**b))
        .count();
    if len == 0 {
        return None;
    }
    *i = start + len;
    Some(s[start..start + len].to_vec())
}

/// Whether two header names are equal, ignoring ASCII case.
pub(crate) fn name_eq(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}
