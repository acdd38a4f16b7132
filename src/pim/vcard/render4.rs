//! What a vCard 4.0 (RFC 6350) holds that 3.0 does not: `KIND:individual`,
//! and TEL as a `tel:` URI where the number is one (RFC 3966's digits and
//! visual separators). The photo as a `data:` URI, lower-case TYPE values
//! and 4.0 dates are written by `render` itself.

use calcard::vcard::{
    VCardEntry, VCardKind, VCardParameter, VCardParameterName, VCardParameterValue, VCardValue,
};

use super::extras::Extras;
use super::lines::name_of;

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
}
