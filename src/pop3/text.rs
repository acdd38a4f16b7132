//! Messages as POP3 sends them: lines ending in CRLF, a leading "." doubled
//! (RFC 1939 §3), and TOP's header plus the first lines of the body.

/// Append `message` to `out` dot-stuffed, every line ending in CRLF (a
/// bare LF becomes CRLF; a last line without one gets it), ready for the
/// end marker.
pub(super) fn dot_stuffed(message: &[u8], out: &mut Vec<u8>) {
    out.reserve(message.len() + message.len() / 64 + 2);
    for line in lines(message) {
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
}

/// The message's lines without their line ends.
fn lines(message: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = message.strip_suffix(b"\n").unwrap_or(message);
    let mut parts: Vec<&[u8]> = if message.is_empty() {
        Vec::new()
    } else {
        body.split(|&b| b == b'\n').collect()
    };
    for p in &mut parts {
        *p = p.strip_suffix(b"\r").unwrap_or(p);
    }
    parts.into_iter()
}

/// The header, the blank line, and the first `n` lines of the body (RFC
/// 1939 TOP); the whole message when it has fewer.
pub(super) fn top(message: &[u8], n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut in_body = false;
    let mut body_lines = 0;
    for line in lines(message) {
        if in_body {
            if body_lines == n {
                break;
            }
            body_lines += 1;
        } else if line.is_empty() {
            in_body = true;
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{dot_stuffed, top};

    #[test]
    fn lines_are_crlf_and_leading_dots_doubled() {
        let mut out = Vec::new();
        dot_stuffed(b"Subject: x\r\n\r\n.hidden\n..two\r\nlast", &mut out);
        assert_eq!(out, b"Subject: x\r\n\r\n..hidden\r\n...two\r\nlast\r\n");
        let mut out = Vec::new();
        dot_stuffed(b"a\r\n", &mut out);
        assert_eq!(out, b"a\r\n");
        let mut out = Vec::new();
        dot_stuffed(b"", &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn top_gives_the_header_and_n_body_lines() {
        let m = b"From: a\r\nSubject: b\r\n\r\none\r\ntwo\r\nthree\r\n";
        assert_eq!(top(m, 0), b"From: a\r\nSubject: b\r\n\r\n");
        assert_eq!(top(m, 2), b"From: a\r\nSubject: b\r\n\r\none\r\ntwo\r\n");
        assert_eq!(top(m, 10), m.to_vec());
        assert_eq!(top(b"From: a\r\n", 3), b"From: a\r\n");
    }
}
