//! The encodings the corpus templates write: ISO-8859-1 text,
//! quoted-printable and base64 bodies, RFC 2047 Q and B words, and the small
//! PDF and PNG attachments, so every message's MIME is built from readable text.

use base64::Engine;

/// ISO-8859-1 bytes of `text` (`?` for what it cannot hold).
pub(super) fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// Quoted-printable body text (lines end in `\n`, soft breaks keep lines
/// within 76 characters).
pub(super) fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let mut width = 0;
        for (i, &b) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let piece = match b {
                b' ' | b'\t' if !last => (b as char).to_string(),
                33..=60 | 62..=126 => (b as char).to_string(),
                _ => format!("={b:02X}"),
            };
            if width + piece.len() > 75 {
                out.push_str("=\n");
                width = 0;
            }
            width += piece.len();
            out.push_str(&piece);
        }
    }
    out
}

/// RFC 2047 Q words, split so each stays within 75 characters and folded
/// onto continuation lines.
pub(super) fn q_words(charset: &str, bytes: &[u8]) -> String {
    let prefix = format!("=?{charset}?Q?");
    let mut words = Vec::new();
    let mut word = prefix.clone();
    for &b in bytes {
        let piece = match b {
            b' ' => "_".to_string(),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'!' | b'*' | b'+' | b'-' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("={b:02X}"),
        };
        // Keep multi-byte UTF-8 sequences in one word.
        let continuation = (0x80..0xC0).contains(&b) && charset == "utf-8";
        if word.len() + piece.len() + 2 > 75 && !continuation {
            words.push(format!("{word}?="));
            word = prefix.clone();
        }
        word.push_str(&piece);
    }
    words.push(format!("{word}?="));
    words.join("\n ")
}

/// RFC 2047 B words in UTF-8, at most 39 bytes of text each.
pub(super) fn b_words(text: &str) -> String {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() - start > 39 {
            words.push(&text[start..i]);
            start = i;
        }
    }
    words.push(&text[start..]);
    let b64 = base64::engine::general_purpose::STANDARD;
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", b64.encode(w)))
        .collect::<Vec<_>>()
        .join("\n ")
}

/// Base64 in 76-character lines, each followed by `eol`.
pub(super) fn base64_lines(bytes: &[u8], eol: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 76 * eol.len() + eol.len());
    let mut rest = encoded.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(76));
        out.push_str(line);
        out.push_str(eol);
        rest = tail;
    }
    out
}

/// A small, valid one-page PDF showing `title`.
pub(super) fn pdf(title: &str) -> Vec<u8> {
    let text: String = title
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .collect::<String>()
        .replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)");
    let content = format!(
        "BT /F1 20 Tf 72 760 Td ({text}) Tj 0 -28 Td /F1 11 Tf (Contoso demo document) Tj ET"
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.into_bytes()
}

/// A 16x16 PNG (a blue and amber checkerboard).
pub(super) const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAJElEQVR42mP4v5MBjhgqrsARLnGGQaiBGEUo4oNQw2g8DAoNAEsxghB4coCuAAAAAElFTkSuQmCC";
