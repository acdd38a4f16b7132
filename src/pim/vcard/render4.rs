//! What a vCard 4.0 (RFC 6350) holds that 3.0 does not, and a stored
//! card in the other version. graphgate stores every contact as 3.0 (what
//! every client reads); a client that asks for 4.0 (RFC 6352 §5.1.1) gets
//! the same contact rendered again: `KIND:individual`, TEL as a `tel:` URI
//! where the number is one (RFC 3966's digits and visual separators), the
//! photo as a `data:` URI, lower-case TYPE values and 4.0 dates. The
//! conversion reads the stored card with the same parser a PUT uses, and a
//! PUT is only stored when it reads back the same in both versions, so
//! the 4.0 card describes the very contact the 3.0 card does.

use calcard::vcard::{
    VCardEntry, VCardKind, VCardParameter, VCardParameterName, VCardParameterValue, VCardValue,
};
use chrono::{DateTime, NaiveDateTime, Utc};

use super::Version;
use super::extras::Extras;
use super::lines::{name_of, unfold};
use super::parse::read;
use super::render::render;

/// The kind of every contact Graph holds.
pub(super) const KIND_INDIVIDUAL: &str = "KIND:individual";

/// Whether the client's own KIND line is kept (so graphgate writes none).
pub(super) fn kind_kept(extras: Option<&Extras>) -> bool {
    extras.is_some_and(|x| x.kept.iter().any(|l| name_of(l).1 == "KIND"))
}

/// `KIND:individual` (the default kind, RFC 6350 §6.1.4).
pub(super) fn is_individual(entry: &VCardEntry) -> bool {
    match entry.values.first() {
        Some(VCardValue::Kind(kind)) => *kind == VCardKind::Individual,
        other => other
            .and_then(VCardValue::as_text)
            .is_some_and(|k| k.eq_ignore_ascii_case("individual")),
    }
}

/// `tel:` + the number when it is a global or local number of RFC 3966
/// (digits, an optional leading `+`, and `-` `.` `(` `)` as separators);
/// `None` when it is free text (spaces, letters, an extension), which
/// stays a text value, as RFC 6350 §6.4.1 allows.
pub(super) fn tel_uri(number: &str) -> Option<String> {
    let digits = number.strip_prefix('+').unwrap_or(number);
    let plain = !digits.is_empty()
        && digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || b"-.()".contains(&b));
    plain.then(|| format!("tel:{number}"))
}

/// `VALUE=uri`, written as RFC 6350 writes it (calcard's own value type
/// would be written upper case).
pub(super) fn value_uri() -> VCardParameter {
    VCardParameter {
        name: VCardParameterName::Value,
        value: VCardParameterValue::Text("uri".into()),
    }
}

/// The REV of a card graphgate wrote (3.0 or 4.0 form).
fn rev_of(text: &str) -> Option<DateTime<Utc>> {
    let line = unfold(text)
        .into_iter()
        .find(|l| name_of(l) == (None, "REV".to_string()))?;
    let value = line.split_once(':')?.1.trim();
    ["%Y-%m-%dT%H:%M:%SZ", "%Y%m%dT%H%M%SZ"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
        .map(|t| t.and_utc())
}

/// A card graphgate stored, in `to`: the same bytes when it is already in
/// that version; `None` when it cannot be read again (never for a card
/// graphgate wrote).
pub fn convert(stored: &str, to: Version) -> Option<String> {
    let (parsed, mut contact) = read(stored).ok()?;
    if parsed.version == to {
        return Some(stored.to_string());
    }
    contact.last_modified_date_time = rev_of(stored);
    let uid = parsed.uid.clone().unwrap_or_default();
    Some(render(
        &contact,
        parsed.photo.as_ref(),
        &uid,
        to,
        Some(&parsed.extras),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tel_uris_only_for_numbers() {
        assert_eq!(
            tel_uri("+1-555-555-0100").as_deref(),
            Some("tel:+1-555-555-0100")
        );
        assert_eq!(tel_uri("(0)30.1234").as_deref(), Some("tel:(0)30.1234"));
        assert_eq!(tel_uri("+1 555 0100"), None);
        assert_eq!(tel_uri("555-0100 ext 12"), None);
        assert_eq!(tel_uri("+"), None);
        assert_eq!(tel_uri("--"), None);
        assert_eq!(tel_uri(""), None);
    }

    #[test]
    fn rev_is_read_in_both_forms() {
        let want = "2024-05-01T10:00:00Z";
        for line in ["REV:2024-05-01T10:00:00Z", "REV:20240501T100000Z"] {
            let card = format!("BEGIN:VCARD\r\nVERSION:3.0\r\n{line}\r\nEND:VCARD\r\n");
            assert_eq!(
                rev_of(&card).map(|t| t.to_rfc3339()).as_deref(),
                Some("2024-05-01T10:00:00+00:00"),
                "{want}"
            );
        }
    }
}
