//! The top-level header block of a message, read as raw bytes: where each
//! field starts and ends (continuation lines included), where the body
//! starts, and which line ending the message uses. Header surgery works on
//! these byte ranges so everything else in the message stays byte-identical.

/// One header field: `name: value` plus its continuation lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RawField {
    /// First byte of the name.
    pub start: usize,
    /// One past the name (whitespace before the colon excluded).
    pub name_end: usize,
    /// One past the colon.
    pub value_start: usize,
    /// One past the line ending of the last continuation line (or the end of
    /// the input when the field has no line ending).
    pub end: usize,
}

impl RawField {
    pub(super) fn name<'a>(&self, mime: &'a [u8]) -> &'a [u8] {
        mime.get(self.start..self.name_end).unwrap_or_default()
    }

    pub(super) fn is_named(&self, mime: &[u8], name: &str) -> bool {
        self.name(mime).eq_ignore_ascii_case(name.trim().as_bytes())
    }

    /// The value unfolded (a line break and the whitespace after it become one
    /// space), leading whitespace trimmed, not decoded.
    pub(super) fn value(&self, mime: &[u8]) -> String {
        let raw = mime.get(self.value_start..self.end).unwrap_or_default();
        String::from_utf8_lossy(&unfold(raw))
            .trim_start()
            .to_string()
    }
}

/// The header block of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HeaderBlock {
    pub fields: Vec<RawField>,
    /// Where the blank line that ends the block starts (the input length when
    /// there is none).
    pub blank_line: usize,
    /// First byte of the body (after the blank line).
    pub body_start: usize,
    /// Whether the message uses CRLF (the first line ending decides).
    pub crlf: bool,
}

impl HeaderBlock {
    pub(super) fn eol(&self) -> &'static [u8] {
        if self.crlf { b"\r\n" } else { b"\n" }
    }

    /// The first value of the field `name` (case-insensitive).
    pub(super) fn value_of(&self, mime: &[u8], name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|f| f.is_named(mime, name))
            .map(|f| f.value(mime))
    }
}

/// Scan the header block at the start of `mime`. Lines that are neither a
/// field nor a continuation are skipped, as mail parsers do; the block ends at
/// the first empty line.
pub(super) fn scan(mime: &[u8]) -> HeaderBlock {
    let mut fields: Vec<RawField> = Vec::new();
    let mut crlf = None;
    let mut pos = 0;
    // Whether a continuation line may extend the last field.
    let mut open = false;
    while pos < mime.len() {
        let (content_end, next) = line_at(mime, pos);
        if crlf.is_none() && next > content_end {
            crlf = Some(mime.get(content_end) == Some(&b'\r'));
        }
        let line = mime.get(pos..content_end).unwrap_or_default();
        if line.is_empty() {
            return HeaderBlock {
                fields,
                blank_line: pos,
                body_start: next,
                crlf: crlf.unwrap_or(true),
            };
        }
        if line[0] == b' ' || line[0] == b'\t' {
            if open && let Some(last) = fields.last_mut() {
                last.end = next;
            }
        } else if let Some((name_len, colon)) = field_name(line) {
            fields.push(RawField {
                start: pos,
                name_end: pos + name_len,
                value_start: pos + colon + 1,
                end: next,
            });
            open = true;
        } else {
            open = false;
        }
        pos = next;
    }
    HeaderBlock {
        fields,
        blank_line: mime.len(),
        body_start: mime.len(),
        crlf: crlf.unwrap_or(true),
    }
}

/// The line starting at `pos`: (end of its content, start of the next line).
/// A CR directly before the LF is not content.
pub(super) fn line_at(buf: &[u8], pos: usize) -> (usize, usize) {
    let rest = buf.get(pos..).unwrap_or_default();
    match rest.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let nl = pos + i;
            let content_end = if i > 0 && buf.get(nl - 1) == Some(&b'\r') {
                nl - 1
            } else {
                nl
            };
            (content_end, nl + 1)
        }
        None => (buf.len(), buf.len()),
    }
}

/// `Name:` at the start of a line: (name length, colon index). A name is
/// printable ASCII without a colon; whitespace before the colon is tolerated.
fn field_name(line: &[u8]) -> Option<(usize, usize)> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = line.get(..colon)?;
    let name_len = name.iter().rposition(|b| !matches!(b, b' ' | b'\t'))? + 1;
    name.get(..name_len)?
        .iter()
        .all(|b| (33..=126).contains(b))
        .then_some((name_len, colon))
}

/// Remove line breaks: CRLF (or LF) followed by whitespace becomes one space,
/// any other CR or LF is dropped.
fn unfold(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == b'\r' || b == b'\n' {
            let mut j = i;
            while j < raw.len() && (raw[j] == b'\r' || raw[j] == b'\n') {
                j += 1;
            }
            if j < raw.len() && (raw[j] == b' ' || raw[j] == b'\t') {
                while j < raw.len() && (raw[j] == b' ' || raw[j] == b'\t') {
                    j += 1;
                }
                out.push(b' ');
            }
            i = j;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// Every top-level header in order: (name as written, unfolded value).
pub(super) fn header_list(mime: &[u8], block: &HeaderBlock) -> Vec<(String, String)> {
    block
        .fields
        .iter()
        .map(|f| {
            (
                String::from_utf8_lossy(f.name(mime)).into_owned(),
                f.value(mime),
            )
        })
        .collect()
}

/// Return the MIME with every header named `name` (case-insensitive) removed
/// from the top-level header block (e.g. `Bcc` on delivered copies).
pub(crate) fn remove_header(mime: &[u8], name: &str) -> Vec<u8> {
    let block = scan(mime);
    let mut out = Vec::with_capacity(mime.len());
    let mut copied = 0;
    for f in block.fields.iter().filter(|f| f.is_named(mime, name)) {
        out.extend_from_slice(mime.get(copied..f.start).unwrap_or_default());
        copied = f.end;
    }
    out.extend_from_slice(mime.get(copied..).unwrap_or_default());
    out
}

/// Return the MIME with the top-level header `name` set to `value` (replacing
/// existing ones, or added at the top). `value` is already encoded (ASCII).
/// The first existing field is replaced in place; line breaks in `name` or
/// `value` are dropped so the header cannot inject others.
pub(crate) fn set_header(mime: &[u8], name: &str, value: &str) -> Vec<u8> {
    let block = scan(mime);
    let clean = |s: &str| {
        s.chars()
            .filter(|c| *c != '\r' && *c != '\n')
            .collect::<String>()
    };
    let mut line = format!("{}: {}", clean(name.trim()), clean(value.trim())).into_bytes();
    line.extend_from_slice(block.eol());
    let mut out = Vec::with_capacity(mime.len() + line.len());
    let mut copied = 0;
    let mut placed = false;
    for f in block.fields.iter().filter(|f| f.is_named(mime, name)) {
        out.extend_from_slice(mime.get(copied..f.start).unwrap_or_default());
        if !placed {
            out.extend_from_slice(&line);
            placed = true;
        }
        copied = f.end;
    }
    if !placed {
        out.extend_from_slice(&line);
    }
    out.extend_from_slice(mime.get(copied..).unwrap_or_default());
    out
}
