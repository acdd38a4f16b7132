//! Modified UTF-7 (RFC 3501 §5.1.3), the encoding of non-ASCII IMAP mailbox
//! names. Decoding is strict: only the one canonical encoding of a name is
//! accepted, so two different byte strings can never name the same mailbox
//! (a policy check on the decoded name then sees what the client meant).
//! LIST patterns alone are read leniently (`decode_lenient`): they only
//! filter what the user may see anyway.

use base64::Engine;
use base64::alphabet::Alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Why a mailbox name is not valid modified UTF-7.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mutf7Error {
    #[error("mailbox names must be 7-bit; encode other characters as modified UTF-7")]
    NotAscii,
    #[error("a '&' sequence in the mailbox name is not terminated with '-'")]
    Unterminated,
    #[error("a '&' sequence in the mailbox name is not valid modified base64")]
    BadBase64,
    #[error("a '&' sequence in the mailbox name does not decode to UTF-16")]
    BadUtf16,
    #[error("the mailbox name is not in canonical modified UTF-7")]
    NotCanonical,
}

fn engine() -> GeneralPurpose {
    // Modified base64: '+' and ',' instead of '+' and '/', no padding.
    let alphabet =
        Alphabet::new("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,")
            .unwrap_or(base64::alphabet::STANDARD);
    GeneralPurpose::new(
        &alphabet,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone),
    )
}

fn printable(c: char) -> bool {
    ('\u{20}'..='\u{7e}').contains(&c)
}

/// Encode a UTF-8 name for the wire.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        out.push('&');
        out.push_str(&engine().encode(bytes));
        out.push('-');
        pending.clear();
    };
    for c in name.chars() {
        if printable(c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// The text of one `&…-` run's modified base64 (not empty).
fn decode_run(b64: &str) -> Result<String, Mutf7Error> {
    let bytes = engine().decode(b64).map_err(|_| Mutf7Error::BadBase64)?;
    if bytes.len() % 2 != 0 {
        return Err(Mutf7Error::BadUtf16);
    }
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).map_err(|_| Mutf7Error::BadUtf16)
}

/// Decode a wire name to UTF-8, refusing anything but the canonical form.
pub fn decode(wire: &str) -> Result<String, Mutf7Error> {
    if !wire.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(Mutf7Error::NotAscii);
    }
    let mut out = String::with_capacity(wire.len());
    let mut rest = wire;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let end = after.find('-').ok_or(Mutf7Error::Unterminated)?;
        let b64 = &after[..end];
        if b64.is_empty() {
            out.push('&');
        } else {
            out.push_str(&decode_run(b64)?);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    // Canonical only: printable ASCII must not hide in base64, runs must be
    // merged, and the base64 must have no stray bits. Re-encoding shows all of it.
    if encode(&out) != wire {
        return Err(Mutf7Error::NotCanonical);
    }
    Ok(out)
}

/// Decode a LIST pattern as well as it can be: every `&…-` run that is
/// valid modified UTF-7 is decoded, and any other `&` stands for itself.
/// Never fails, so LIST answers with whatever matches.
pub fn decode_lenient(wire: &str) -> String {
    let mut out = String::with_capacity(wire.len());
    let mut rest = wire;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let run = after.find('-').and_then(|end| {
            let b64 = &after[..end];
            let text = if b64.is_empty() {
                Some("&".to_string())
            } else {
                decode_run(b64).ok()
            };
            text.map(|t| (t, end))
        });
        match run {
            Some((text, end)) => {
                out.push_str(&text);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_known_names() {
        let cases = [
            ("INBOX", "INBOX"),
            ("Café Überweisungen", "Caf&AOk- &ANw-berweisungen"),
            ("Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"),
            ("Tom & Jerry", "Tom &- Jerry"),
            ("日本語", "&ZeVnLIqe-"),
            ("😀 emoji", "&2D3eAA- emoji"),
            ("", ""),
        ];
        for (utf8, wire) in cases {
            assert_eq!(encode(utf8), wire, "{utf8}");
            assert_eq!(decode(wire).as_deref(), Ok(utf8), "{wire}");
        }
    }

    #[test]
    fn refuses_everything_but_the_canonical_form() {
        let cases = [
            ("Caf\u{e9}", Mutf7Error::NotAscii),
            ("&AOk", Mutf7Error::Unterminated),
            ("&A*k-", Mutf7Error::BadBase64),
            ("&AA-", Mutf7Error::BadUtf16),
            // "a" hidden in base64: decodes, but is not how "a" is written.
            ("&AGE-", Mutf7Error::NotCanonical),
            // Two adjacent runs that must be one.
            ("&AOk-&AOk-", Mutf7Error::NotCanonical),
            // A lone high surrogate.
            ("&2D0-", Mutf7Error::BadUtf16),
            // Stray bits after the last unit.
            ("&AOl-", Mutf7Error::BadBase64),
        ];
        for (wire, err) in cases {
            assert_eq!(decode(wire), Err(err), "{wire}");
        }
    }

    #[test]
    fn patterns_decode_leniently() {
        let cases = [
            ("Caf&AOk-*", "Café*"),
            ("Tom & Jerry", "Tom & Jerry"),
            ("Tom &- Jerry", "Tom & Jerry"),
            ("a&b", "a&b"),
            ("&A*k-&AOk-", "&A*k-é"),
            (
                "!#$$&'+,-.0123456789:;<=>?@^_`|[}%*",
                "!#$$&'+,-.0123456789:;<=>?@^_`|[}%*",
            ),
            ("&", "&"),
            ("&&AOk-", "&é"),
        ];
        for (wire, utf8) in cases {
            assert_eq!(decode_lenient(wire), utf8, "{wire}");
        }
    }

    #[test]
    fn never_panics_on_garbage() {
        let mut x: u32 = 7;
        for _ in 0..5000 {
            let s: String = (0..12)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    (b"&-AOk,+/ab\x7f"[(x % 11) as usize]) as char
                })
                .collect();
            let _ = decode(&s);
            let _ = decode_lenient(&s);
        }
    }
}
