//! Values read out of one calcard vCard entry: texts, structured
//! components, TYPE lists, full dates and tel: URIs.

use calcard::vcard::{VCardEntry, VCardParameterName, VCardParameterValue, VCardValue};
use chrono::NaiveDate;

/// Every text value of a property (a comma list item by item).
pub(super) fn texts(entry: &VCardEntry) -> Vec<String> {
    let mut out = Vec::new();
    for value in &entry.values {
        match value {
            VCardValue::Component(items) => out.extend(items.iter().cloned()),
            other => out.extend(other.as_text().map(str::to_string)),
        }
    }
    out
}

/// The first non-empty text value.
pub(super) fn first_text(entry: &VCardEntry) -> Option<String> {
    texts(entry)
        .into_iter()
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
}

/// Part `i` of a structured value (N, ORG, ADR), its list items joined.
pub(super) fn component(entry: &VCardEntry, i: usize, join: &str) -> Option<String> {
    let text = match entry.values.get(i)? {
        VCardValue::Component(items) => items.join(join),
        other => other.as_text()?.to_string(),
    };
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// TYPE values, lower case, lists split (`TYPE=work,voice`, `TYPE=WORK;TYPE=VOICE`,
/// and 2.1-style bare `;CELL`).
pub(super) fn types(entry: &VCardEntry) -> Vec<String> {
    let mut out = Vec::new();
    for param in &entry.params {
        match (&param.name, &param.value) {
            (VCardParameterName::Type, VCardParameterValue::Text(t)) => {
                out.extend(t.split(',').map(|t| t.trim().to_ascii_lowercase()))
            }
            (VCardParameterName::Type, VCardParameterValue::Type(t)) => {
                out.push(format!("{t:?}").to_ascii_lowercase())
            }
            (VCardParameterName::Other(name), VCardParameterValue::Null) => {
                out.push(name.to_ascii_lowercase())
            }
            _ => {}
        }
    }
    out
}

/// A BDAY with year, month and day (and no Apple "year omitted" marker).
pub(super) fn full_date(entry: &VCardEntry) -> Option<NaiveDate> {
    let omitted = entry.params.iter().any(|p| {
        matches!(&p.name, VCardParameterName::Other(n) if n.eq_ignore_ascii_case("X-APPLE-OMIT-YEAR"))
    });
    if omitted {
        return None;
    }
    match entry.values.first()? {
        VCardValue::PartialDateTime(d) => {
            NaiveDate::from_ymd_opt(i32::from(d.year?), u32::from(d.month?), u32::from(d.day?))
        }
        _ => None,
    }
}

/// `tel:+1-555-0100` → `+1-555-0100` (vCard 4's URI form).
pub(super) fn strip_tel_uri(number: &str) -> String {
    let n = number.trim();
    match n.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => n[4..].to_string(),
        _ => n.to_string(),
    }
}
