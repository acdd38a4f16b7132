//! Exact MIME-to-IMAP answers for FETCH and SEARCH: ENVELOPE, BODY and
//! BODYSTRUCTURE, `BODY[section]` bytes and decoded text, all computed from the
//! raw message bytes exactly as `BODY[]` serves them. A [`ParsedMessage`] scans
//! the message once (linear, nothing decoded) and then answers any number of
//! items; any input, however malformed, gives an answer and never a panic.
//!
//! Missing sections: [`ParsedMessage::section`] returns `None` when the part
//! does not exist or HEADER/TEXT is asked of a part that is not a
//! message/rfc822. RFC 3501 leaves the reply open; the IMAP front should send
//! `NIL` for it, as Dovecot and Cyrus do.

mod address;
mod binary;
mod content;
mod envelope;
mod lex;
mod message_id;
mod ordering;
mod scan;
mod search;
mod section;
mod strings;
mod structure;
mod subject;

#[cfg(test)]
mod tests_crosscheck;
#[cfg(test)]
mod tests_envelope;
#[cfg(test)]
mod tests_robust;
#[cfg(test)]
mod tests_search;
#[cfg(test)]
mod tests_section;
#[cfg(test)]
mod tests_structure;
#[cfg(test)]
mod tests_support;

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use imap_types::body::BodyStructure;
use imap_types::envelope::Envelope;
use imap_types::fetch::Section;

pub use binary::Binary;
use scan::Entity;

pub use ordering::FirstAddress;
pub use subject::BaseSubject;
#[cfg(test)]
pub(crate) use subject::base_subject;

/// A message scanned once, ready to answer FETCH and SEARCH items.
pub struct ParsedMessage {
    raw: Bytes,
    root: Entity,
}

impl fmt::Debug for ParsedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedMessage")
            .field("size", &self.raw.len())
            .finish_non_exhaustive()
    }
}

impl ParsedMessage {
    /// Scans a copy of `raw`. Never fails: input without a usable MIME
    /// structure is a single text/plain body.
    #[cfg(test)]
    pub fn parse(raw: &[u8]) -> ParsedMessage {
        ParsedMessage::from_bytes(Bytes::copy_from_slice(raw))
    }

    /// Scans `raw` without copying it.
    pub fn from_bytes(raw: Bytes) -> ParsedMessage {
        let root = scan::scan(&raw);
        ParsedMessage { raw, root }
    }

    /// The whole message, as served for `BODY[]` and RFC822.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }

    /// ENVELOPE of the message.
    pub fn envelope(&self) -> Envelope<'static> {
        envelope::envelope(&self.raw, &self.root)
    }

    /// BODYSTRUCTURE (`extended`) or BODY (not extended).
    pub fn body_structure(&self, extended: bool) -> BodyStructure<'static> {
        structure::body_structure(&self.raw, &self.root, extended)
    }

    /// The bytes of `BODY[section]` (`None` = `BODY[]`, the whole message),
    /// before any `<partial>` is applied (see [`partial`]). `None` when the
    /// message has no such section; the front should then answer `NIL`.
    /// HEADER.FIELDS(.NOT) gives the selected fields as they appear, then
    /// the header's blank line (there is none if the message has none).
    pub fn section(&self, section: Option<&Section<'_>>) -> Option<Cow<'_, [u8]>> {
        section::section(&self.raw, &self.root, section)
    }

    /// `BINARY[part]` (RFC 3516): the part's content with its transfer
    /// encoding undone (`part` empty: the whole message as stored).
    pub fn binary(&self, part: &[std::num::NonZeroU32]) -> Binary<'_> {
        binary::binary(&self.raw, &self.root, part)
    }

    /// `BODY[HEADER]` / RFC822.HEADER: the header including its blank line.
    pub fn header_bytes(&self) -> &[u8] {
        section::header(&self.raw, &self.root)
    }

    /// `BODY[TEXT]` / RFC822.TEXT: everything after the header.
    pub fn text_bytes(&self) -> &[u8] {
        section::body(&self.raw, &self.root)
    }

    /// Every value of the top-level header field `name` (case-insensitive),
    /// unfolded and RFC 2047-decoded to UTF-8, in message order.
    pub fn header_value(&self, name: &str) -> Vec<String> {
        search::header_values(&self.raw, &self.root, name.as_bytes())
    }

    /// Every value of the top-level address field `name` (From, To, Cc,
    /// Bcc), its addresses normalised and display names decoded, as SEARCH
    /// FROM/TO/CC/BCC match them: `Name <user@example.org>, other@example.org`.
    pub fn address_value(&self, name: &str) -> Vec<String> {
        search::address_values(&self.raw, &self.root, name.as_bytes())
    }

    /// The top-level header as decoded `Name: value` lines (SEARCH TEXT).
    pub fn headers_for_search(&self) -> String {
        search::headers_text(&self.raw, &self.root)
    }

    /// The Date field in seconds since 1970 (UTC), if it parses (SORT's
    /// and THREAD's sent date, RFC 5256 §2.2).
    pub fn sent_timestamp(&self) -> Option<i64> {
        ordering::sent_timestamp(&self.raw, &self.root)
    }

    /// The first address structure of the top-level address field `name`
    /// (From, To, Cc), as ENVELOPE has it, display name decoded.
    pub fn first_address(&self, name: &str) -> Option<FirstAddress> {
        ordering::first_address(&self.raw, &self.root, name.as_bytes())
    }

    /// The base subject (RFC 5256 §2.1) of the Subject field.
    pub fn base_subject(&self) -> BaseSubject {
        ordering::subject(&self.raw, &self.root)
    }

    /// The message's own ID, normalised (THREAD=REFERENCES).
    pub fn message_id(&self) -> Option<String> {
        ordering::message_id(&self.raw, &self.root)
    }

    /// The IDs the message refers to, oldest first: its References, or
    /// the first ID of In-Reply-To (RFC 5256 §3).
    pub fn thread_references(&self) -> Vec<String> {
        ordering::references(&self.raw, &self.root)
    }

    /// The decoded UTF-8 text of all text/* parts, HTML tags stripped,
    /// including embedded messages (SEARCH BODY; TEXT adds the headers).
    pub fn text_for_search(&self) -> String {
        let mut out = String::new();
        search::body_text(&self.raw, &self.root, &mut out);
        out
    }
}

/// Applies a FETCH `<offset.length>` partial: the bytes from `offset` on, at
/// most `length` of them; empty if `offset` is past the end (RFC 3501 §6.4.5).
pub fn partial(bytes: &[u8], offset: u32, length: u32) -> &[u8] {
    let start = usize::try_from(offset).map_or(bytes.len(), |o| o.min(bytes.len()));
    let len = usize::try_from(length).unwrap_or(usize::MAX);
    &bytes[start..start.saturating_add(len).min(bytes.len())]
}
