//! `BODY[section]` (RFC 3501 §6.4.5): which bytes a section names. Part
//! numbers are resolved as Dovecot does: a multipart's parts are numbered
//! from 1, a non-multipart entity only has part 1 (itself, so `1.1` of a
//! text part is that part, but `1.1.1` is nothing), and numbers after a
//! message/rfc822 part address the embedded message.

use std::borrow::Cow;

use imap_types::core::AString;
use imap_types::fetch::{Part, Section};

use super::lex::name_eq;
use super::scan::{Entity, Kind};

/// The bytes `section` names in `raw`, or `None` if the message has no
/// such part (or HEADER/TEXT was asked of a part that is not a message).
pub(crate) fn section<'r>(
    raw: &'r [u8],
    root: &Entity,
    section: Option<&Section<'_>>,
) -> Option<Cow<'r, [u8]>> {
    let Some(section) = section else {
        return Some(Cow::Borrowed(raw));
    };
    let bytes = match section {
        Section::Part(part) => body(raw, resolve(root, Some(part))?),
        Section::Mime(part) => header(raw, resolve(root, Some(part))?),
        Section::Header(part) => header(raw, message(root, part.as_ref())?),
        Section::Text(part) => body(raw, message(root, part.as_ref())?),
        Section::HeaderFields(part, names) => {
            let entity = message(root, part.as_ref())?;
            return Some(Cow::Owned(header_fields(
                raw,
                entity,
                names.as_ref(),
                false,
            )));
        }
        Section::HeaderFieldsNot(part, names) => {
            let entity = message(root, part.as_ref())?;
            return Some(Cow::Owned(header_fields(raw, entity, names.as_ref(), true)));
        }
    };
    Some(Cow::Borrowed(bytes))
}

pub(crate) fn header<'r>(raw: &'r [u8], e: &Entity) -> &'r [u8] {
    &raw[e.start..e.body_start]
}

pub(crate) fn body<'r>(raw: &'r [u8], e: &Entity) -> &'r [u8] {
    &raw[e.body_start..e.end]
}

/// The entity a part number names (the root for no number).
pub(super) fn resolve<'e>(root: &'e Entity, part: Option<&Part>) -> Option<&'e Entity> {
    let Some(part) = part else {
        return Some(root);
    };
    let numbers = part.0.as_ref();
    let mut current = root;
    for (i, n) in numbers.iter().enumerate() {
        let more = i + 1 < numbers.len();
        current = match &current.kind {
            Kind::Multipart(children) => children.get(usize::try_from(n.get() - 1).ok()?)?,
            Kind::Message(_) if n.get() == 1 => current,
            _ if n.get() == 1 && !more => current,
            _ => return None,
        };
        if more && let Kind::Message(inner) = &current.kind {
            current = inner;
        }
    }
    Some(current)
}

/// The message whose HEADER or TEXT is asked: the root, or the message
/// embedded in a message/rfc822 part.
fn message<'e>(root: &'e Entity, part: Option<&Part>) -> Option<&'e Entity> {
    if part.is_none() {
        return Some(root);
    }
    match &resolve(root, part)?.kind {
        Kind::Message(inner) => Some(inner),
        _ => None,
    }
}

/// HEADER.FIELDS / HEADER.FIELDS.NOT: the selected fields exactly as they
/// appear (folding kept, message order), then the header's blank line if it
/// has one (RFC 3501: none for a message with no body and no blank line).
fn header_fields(raw: &[u8], e: &Entity, names: &[AString<'_>], not: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for f in &e.fields {
        let name = &raw[f.name.clone()];
        let listed = names.iter().any(|n| name_eq(n.as_ref(), name));
        if listed != not {
            out.extend_from_slice(&raw[f.line.clone()]);
        }
    }
    out.extend_from_slice(&raw[e.fields_end..e.body_start]);
    out
}
