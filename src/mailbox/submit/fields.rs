//! The header block of a submitted message, split into fields the way a
//! strict reader would, so that graphgate and Exchange cannot disagree on
//! which headers a message has. Anything two readers could take for two
//! different things is refused rather than guessed: mixed or bare line
//! ends, NUL bytes, lines that are neither a field nor a fold, blank-looking
//! lines of whitespace, field names outside RFC 5322 `ftext`, and fields
//! that RFC 5322 §3.6 allows once but that occur twice.

use std::ops::Range;

/// Largest header block accepted (Exchange Online refuses headers above
/// 256 KB; graphgate says so before Graph does).
pub(super) const MAX_HEADER_BYTES: usize = 256 * 1024;

/// Fields RFC 5322 §3.6 allows at most once (the table in §3.6, "Max"
/// column = 1). `Date` is the field the RFC calls `orig-date`.
pub(super) const AT_MOST_ONCE: [&str; 11] = [
    "Date",
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Bcc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Subject",
];

/// One header field: its name as written (without trailing blanks) and
/// where the whole field, folds included, lies in the message.
#[derive(Debug, Clone)]
pub(super) struct Field {
    pub name: String,
    /// The field's lines, from its name to its last line end.
    pub span: Range<usize>,
    /// The value: after the colon up to the last line end.
    pub value: Range<usize>,
}

/// The header block: its fields in order, where the body starts, and the
/// line end the message uses.
#[derive(Debug)]
pub(super) struct Header {
    pub fields: Vec<Field>,
    /// Index of the first byte after the blank line (or the message's end).
    pub end: usize,
    /// `"\r\n"` or `"\n"`.
    pub eol: &'static str,
}

impl Header {
    /// Every field named `name` (ASCII case-insensitive).
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
    }

    pub fn count(&self, name: &str) -> usize {
        self.all(name).count()
    }

    pub fn has(&self, name: &str) -> bool {
        self.all(name).next().is_some()
    }
}

/// The field's value with its folds removed (RFC 5322 §2.2.3).
pub(super) fn unfolded(raw: &[u8], field: &Field) -> Vec<u8> {
    raw[field.value.clone()]
        .iter()
        .copied()
        .filter(|b| *b != b'\r' && *b != b'\n')
        .collect()
}

/// A byte RFC 5322 allows in a field name (`ftext`: printable US-ASCII
/// except the colon).
fn is_ftext(b: u8) -> bool {
    (33..=126).contains(&b) && b != b':'
}

/// A field name without the blanks the obsolete syntax allows before the
/// colon (RFC 5322 §4.5).
fn trim_name(name: &[u8]) -> &[u8] {
    let blanks = name
        .iter()
        .rev()
        .take_while(|b| **b == b' ' || **b == b'\t')
        .count();
    &name[..name.len() - blanks]
}

fn is_field_name(name: &[u8]) -> bool {
    let name = trim_name(name);
    !name.is_empty() && name.iter().all(|b| is_ftext(*b))
}

/// Split the header block of `raw`; the error is a sentence for the client.
pub(super) fn split(raw: &[u8]) -> Result<Header, String> {
    let first_lf = memchr::memchr(b'\n', raw);
    let eol = match first_lf {
        Some(i) if i > 0 && raw[i - 1] == b'\r' => "\r\n",
        Some(_) => "\n",
        None => "\r\n",
    };
    let mut fields: Vec<Field> = Vec::new();
    let mut at = 0usize;
    let mut end = raw.len();
    let mut number = 0usize;
    while at < raw.len() {
        number += 1;
        let (line_end, next) = match memchr::memchr(b'\n', &raw[at..]) {
            Some(i) => (at + i, at + i + 1),
            None => (raw.len(), raw.len()),
        };
        let has_lf = line_end < raw.len();
        let has_cr = has_lf && line_end > at && raw[line_end - 1] == b'\r';
        let content_end = if has_cr { line_end - 1 } else { line_end };
        let line = &raw[at..content_end];
        if next > MAX_HEADER_BYTES {
            return Err(format!(
                "the header block is larger than {} KB",
                MAX_HEADER_BYTES / 1024
            ));
        }
        if has_lf && (has_cr != (eol == "\r\n")) {
            return Err(format!(
                "line {number} of the header ends differently from the others (a bare LF or CR LF mixed); use CRLF throughout"
            ));
        }
        if line.contains(&b'\r') {
            return Err(format!(
                "line {number} of the header holds a bare CR; line ends must be CRLF"
            ));
        }
        if line.contains(&0) {
            return Err(format!("line {number} of the header holds a NUL byte"));
        }
        if line.is_empty() {
            end = next;
            break;
        }
        if line.iter().all(|b| *b == b' ' || *b == b'\t') {
            return Err(format!(
                "line {number} of the header holds only blanks; readers disagree on whether it ends the header"
            ));
        }
        if line[0] == b' ' || line[0] == b'\t' {
            let Some(last) = fields.last_mut() else {
                return Err("the message starts with a folded line, not a header field".into());
            };
            last.span.end = next;
            last.value.end = next;
        } else {
            let colon = memchr::memchr(b':', line);
            if number == 1 && !colon.is_some_and(|c| is_field_name(&line[..c])) {
                // No header at all: the message is all body (a script's
                // plain text); the From, Date and Message-ID added make
                // its header.
                return Ok(Header {
                    fields: Vec::new(),
                    end: 0,
                    eol,
                });
            }
            let Some(colon) = colon else {
                return Err(format!(
                    "line {number} of the header is not a header field (no colon); a blank line must separate header and body"
                ));
            };
            let name = trim_name(&line[..colon]);
            if !is_field_name(name) {
                return Err(format!(
                    "line {number} of the header has a field name with characters RFC 5322 does not allow"
                ));
            }
            fields.push(Field {
                name: String::from_utf8_lossy(name).into_owned(),
                span: at..next,
                value: at + colon + 1..next,
            });
        }
        at = next;
    }
    let header = Header { fields, end, eol };
    for name in AT_MOST_ONCE {
        let n = header.count(name);
        if n > 1 {
            return Err(format!(
                "the message has {n} {name} headers; RFC 5322 section 3.6 allows one"
            ));
        }
    }
    Ok(header)
}

/// The header block without the fields for which `drop` says yes.
pub(super) fn without(raw: &[u8], header: &Header, drop: impl Fn(&Field) -> bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(header.end);
    for f in &header.fields {
        if !drop(f) {
            out.extend_from_slice(&raw[f.span.clone()]);
        }
    }
    // The blank line (or nothing, when the message had no body).
    let last = header.fields.last().map_or(0, |f| f.span.end);
    out.extend_from_slice(&raw[last..header.end]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(raw: &str) -> Result<Vec<String>, String> {
        split(raw.as_bytes()).map(|h| h.fields.into_iter().map(|f| f.name).collect())
    }

    #[test]
    fn fields_folds_and_the_blank_line() {
        let raw = "From: a@x\r\nSubject: one\r\n two\r\nto : b@x\r\n\r\nTo: body@x\r\n";
        let h = split(raw.as_bytes()).unwrap();
        assert_eq!(
            h.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["From", "Subject", "to"]
        );
        assert_eq!(&raw[h.end..], "To: body@x\r\n");
        assert_eq!(unfolded(raw.as_bytes(), &h.fields[1]), b" one two");
        let lf = "From: a@x\nTo: b@x\n\nbody\n";
        assert_eq!(split(lf.as_bytes()).unwrap().eol, "\n");
        assert_eq!(names("From: a@x").unwrap(), ["From"], "no body at all");
        let body_only = split(b"Hello Bob,\r\nFrom: x\r\n").unwrap();
        assert!(body_only.fields.is_empty() && body_only.end == 0);
    }

    #[test]
    fn ambiguous_header_blocks_are_refused() {
        for (raw, what) in [
            ("From: a@x\r\nTo: b@x\nFrom: c@x\r\n\r\n", "bare LF"),
            ("From: a@x\nTo: b@x\r\n\r\n", "CRLF after LF"),
            ("From: a@x\r\n\nFrom: c@x\r\n\r\nb", "LF blank line"),
            ("From: a@x\rFrom: c@x\r\n\r\n", "bare CR"),
            ("From: a@x\r\nX: a\0b\r\n\r\n", "NUL"),
            ("From: a@x\r\n \r\nFrom: c@x\r\n\r\n", "blank-looking line"),
            (" From: a@x\r\n\r\n", "fold first"),
            ("From: a@x\r\nFrom b@x\r\n\r\n", "no colon"),
            ("From: a@x\r\nFr om: b@x\r\n\r\n", "space in name"),
            ("From: a@x\r\nFröm: b@x\r\n\r\n", "8-bit name"),
            ("From: a@x\r\nfrom: c@x\r\n\r\n", "two From"),
            ("Subject: a\r\nSUBJECT: b\r\n\r\n", "two Subject"),
            ("To: a@x\r\nTo: b@x\r\n\r\n", "two To"),
        ] {
            assert!(split(raw.as_bytes()).is_err(), "{what}");
        }
        let many = format!("From: a@x\r\n{}\r\n", "X-A: b\r\n".repeat(40_000));
        assert!(split(many.as_bytes()).is_err(), "too big");
    }

    #[test]
    fn without_keeps_everything_else_byte_for_byte() {
        let raw = b"From: a@x\r\nBcc: s@x,\r\n t@x\r\nX: y\r\n\r\nbody";
        let h = split(raw).unwrap();
        let out = without(raw, &h, |f| f.name.eq_ignore_ascii_case("bcc"));
        assert_eq!(out, b"From: a@x\r\nX: y\r\n\r\n");
    }
}
