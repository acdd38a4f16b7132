//! Conversion of header bytes into IMAP strings. Quoted strings cannot carry
//! 8-bit bytes, CR or LF, so such values become literals; NUL, which no IMAP
//! string may hold, is dropped.

use imap_types::core::{IString, NString, Quoted};

/// An IMAP string holding `bytes` (quoted when possible, else a literal).
pub(crate) fn istring(bytes: &[u8]) -> IString<'static> {
    let clean: Vec<u8> = bytes.iter().copied().filter(|b| *b != 0).collect();
    match IString::try_from(clean) {
        Ok(s) => s,
        // Unreachable once NULs are gone; an empty string keeps it total.
        Err(_) => IString::from(Quoted::unvalidated("")),
    }
}

/// A non-NIL nstring holding `bytes`.
pub(crate) fn nstring(bytes: &[u8]) -> NString<'static> {
    NString(Some(istring(bytes)))
}

/// `NIL` for `None`, else the string.
pub(crate) fn nstring_opt(bytes: Option<&[u8]>) -> NString<'static> {
    bytes.map_or(NString(None), nstring)
}

/// An ASCII string constant as an IMAP string.
pub(crate) fn ascii(s: &'static str) -> IString<'static> {
    istring(s.as_bytes())
}
