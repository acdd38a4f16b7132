//! Reading a contact from a POST or PATCH body as Graph reads it: property
//! names in any case, each value checked against its type and size,
//! read-only properties ignored, unknown ones refused. Outlook keeps e-mail
//! addresses, business and home phones and IM addresses in fixed slots
//! (Email1–3, Business/Business2, Home/Home2, IM1–3): extra values are
//! dropped silently, as Exchange drops them (docs/microsoft-graph.md §31.2).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::error::GraphError;
use crate::calstore::EmailAddr;
use crate::contactstore::{ContactFields, PhysicalAddress, address_field_mut};

/// Outlook's slots: e-mail addresses.
pub(crate) const EMAIL_SLOTS: usize = 3;
/// Business and home phone numbers.
pub(crate) const PHONE_SLOTS: usize = 2;
/// Instant messaging addresses.
pub(crate) const IM_SLOTS: usize = 3;
/// The most values any list property may carry in a request.
pub(crate) const MAX_LIST: usize = 100;
/// The longest one-line property, in characters.
pub(crate) const MAX_TEXT: usize = 1024;
/// The longest `personalNotes`, in characters.
pub(crate) const MAX_NOTES: usize = 65_536;
/// The longest e-mail address (RFC 5321's path limit).
const MAX_ADDRESS: usize = 320;

/// Properties Graph computes; clients echo them and they are ignored.
const READ_ONLY: [&str; 5] = [
    "id",
    "changekey",
    "createddatetime",
    "lastmodifieddatetime",
    "parentfolderid",
];

/// Real contact properties the emulated tenant does not store.
const NOT_EMULATED: [&str; 4] = [
    "photo",
    "extensions",
    "singlevalueextendedproperties",
    "multivalueextendedproperties",
];

fn invalid(msg: impl Into<String>) -> GraphError {
    GraphError::invalid_request(msg)
}

fn bad_value(field: &str) -> GraphError {
    invalid(format!("Invalid value for property '{field}'."))
}

/// A string no longer than `max` characters (null reads as empty).
fn text(v: &Value, field: &str, max: usize) -> Result<String, GraphError> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) if s.chars().count() <= max => Ok(s.clone()),
        Value::String(_) => Err(invalid(format!(
            "The value of '{field}' is longer than {max} characters."
        ))),
        _ => Err(bad_value(field)),
    }
}

/// A list: at most [`MAX_LIST`] values, of which the first `keep` are kept.
fn list<'v>(v: &'v Value, field: &str, keep: usize) -> Result<Vec<&'v Value>, GraphError> {
    let items = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(a) => a,
        _ => return Err(bad_value(field)),
    };
    if items.len() > MAX_LIST {
        return Err(invalid(format!(
            "'{field}' can have at most {MAX_LIST} values."
        )));
    }
    Ok(items.iter().take(keep).collect())
}

fn strings(v: &Value, field: &str, keep: usize) -> Result<Vec<String>, GraphError> {
    let mut out = Vec::new();
    for s in list(v, field, MAX_LIST)? {
        let s = text(s, field, MAX_TEXT)?;
        if !s.is_empty() && out.len() < keep {
            out.push(s);
        }
    }
    Ok(out)
}

fn emails(v: &Value) -> Result<Vec<EmailAddr>, GraphError> {
    let mut out = Vec::new();
    for e in list(v, "emailAddresses", EMAIL_SLOTS)? {
        let Value::Object(m) = e else {
            return Err(bad_value("emailAddresses"));
        };
        let mut address = String::new();
        let mut name = String::new();
        for (k, v) in m {
            match k.to_ascii_lowercase().as_str() {
                "address" => address = text(v, "emailAddresses.address", MAX_ADDRESS)?,
                "name" => name = text(v, "emailAddresses.name", MAX_TEXT)?,
                k if k.starts_with("@odata") => {}
                _ => {
                    return Err(GraphError::bad_request(format!(
                        "Could not find a property named '{k}' on type 'microsoft.graph.emailAddress'."
                    )));
                }
            }
        }
        let address = address.trim().to_string();
        if address.is_empty() && name.is_empty() {
            continue;
        }
        out.push(EmailAddr { name, address });
    }
    Ok(out)
}

fn address(v: &Value, field: &str) -> Result<PhysicalAddress, GraphError> {
    let mut out = PhysicalAddress::default();
    let m = match v {
        Value::Null => return Ok(out),
        Value::Object(m) => m,
        _ => return Err(bad_value(field)),
    };
    for (k, v) in m {
        if k.starts_with("@odata") {
            continue;
        }
        let Some(slot) = out.part_mut(k) else {
            return Err(GraphError::bad_request(format!(
                "Could not find a property named '{k}' on type 'microsoft.graph.physicalAddress'."
            )));
        };
        *slot = text(v, &format!("{field}.{k}"), MAX_TEXT)?;
    }
    Ok(out)
}

/// `birthday`: a DateTimeOffset (or a bare date), kept in UTC.
fn birthday(v: &Value) -> Result<Option<DateTime<Utc>>, GraphError> {
    let s = match v {
        Value::Null => return Ok(None),
        Value::String(s) => s.trim(),
        _ => return Err(bad_value("birthday")),
    };
    let at = DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
        .filter(|d| (1..=9999).contains(&d.year()))
        .ok_or_else(|| invalid(format!("'{s}' is not a valid value for birthday.")))?;
    Ok(Some(at))
}

/// The property's name as the client spelled it.
fn spelled(body: &Map<String, Value>, lower: &str) -> String {
    body.keys()
        .find(|k| k.eq_ignore_ascii_case(lower))
        .cloned()
        .unwrap_or_else(|| lower.to_string())
}

/// Apply a POST or PATCH body to `f`.
pub(crate) fn apply(body: &Value, f: &mut ContactFields) -> Result<(), GraphError> {
    let Value::Object(m) = body else {
        return Err(GraphError::bad_request(
            "The request body must be a JSON object.",
        ));
    };
    for (k, v) in m {
        let lower = k.to_ascii_lowercase();
        if lower.starts_with("@odata") || READ_ONLY.contains(&lower.as_str()) {
            continue;
        }
        if NOT_EMULATED.contains(&lower.as_str()) {
            return Err(invalid(format!(
                "The emulated tenant does not store '{k}' on contacts (the photo is set with PUT …/photo/$value)."
            )));
        }
        let max = if lower == "personalnotes" {
            MAX_NOTES
        } else {
            MAX_TEXT
        };
        if let Some(slot) = f.string_mut(&lower) {
            *slot = text(v, k, max)?;
            continue;
        }
        if let Some(slot) = address_field_mut(f, &lower) {
            *slot = address(v, k)?;
            continue;
        }
        match lower.as_str() {
            "emailaddresses" => f.emails = emails(v)?,
            "businessphones" => f.business_phones = strings(v, k, PHONE_SLOTS)?,
            "homephones" => f.home_phones = strings(v, k, PHONE_SLOTS)?,
            "imaddresses" => f.im_addresses = strings(v, k, IM_SLOTS)?,
            "categories" => f.categories = strings(v, k, MAX_LIST)?,
            "children" => f.children = strings(v, k, MAX_LIST)?,
            "birthday" => f.birthday = birthday(v)?,
            _ => {
                return Err(GraphError::bad_request(format!(
                    "Could not find a property named '{}' on type 'microsoft.graph.contact'.",
                    spelled(m, &lower)
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(body: Value) -> Result<ContactFields, GraphError> {
        let mut f = ContactFields::default();
        apply(&body, &mut f).map(|()| f)
    }

    #[test]
    fn outlook_keeps_three_addresses_two_phones_of_a_kind_and_three_im() {
        let f = read(json!({
            "EmailAddresses": [
                {"address": "a@x.test", "name": "A"},
                {"address": "b@x.test"},
                {"address": "c@x.test"},
                {"address": "d@x.test"},
            ],
            "businessPhones": ["1", "2", "3"],
            "homePhones": ["4", "5", "6"],
            "imAddresses": ["i1", "i2", "i3", "i4"],
            "givenName": "Ann",
        }))
        .unwrap();
        let addresses: Vec<&str> = f.emails.iter().map(|e| e.address.as_str()).collect();
        assert_eq!(addresses, ["a@x.test", "b@x.test", "c@x.test"]);
        assert_eq!(f.business_phones, ["1", "2"]);
        assert_eq!(f.home_phones, ["4", "5"]);
        assert_eq!(f.im_addresses.len(), 3);
        assert_eq!(f.given_name, "Ann");
    }

    #[test]
    fn unknown_and_mistyped_properties_are_refused_read_only_ones_ignored() {
        let e = read(json!({"nickname": "x", "colour": "red"})).unwrap_err();
        assert_eq!(e.code, "BadRequest");
        assert!(e.message.contains("'colour'") && e.message.contains("microsoft.graph.contact"));
        let e = read(json!({"homeAddress": {"street": "1", "planet": "Mars"}})).unwrap_err();
        assert!(e.message.contains("physicalAddress"), "{}", e.message);
        assert_eq!(
            read(json!({"surname": 3})).unwrap_err().code,
            "ErrorInvalidRequest"
        );
        assert_eq!(
            read(json!({"emailAddresses": "a@x"})).unwrap_err().code,
            "ErrorInvalidRequest"
        );
        assert_eq!(
            read(json!({"photo": {}})).unwrap_err().code,
            "ErrorInvalidRequest"
        );
        assert_eq!(read(json!([1])).unwrap_err().code, "BadRequest");
        let f =
            read(json!({"id": "x", "changeKey": "y", "parentFolderId": "z", "@odata.etag": "w"}))
                .unwrap();
        assert_eq!(f, ContactFields::default());
    }

    #[test]
    fn sizes_are_bounded() {
        let long = "x".repeat(MAX_TEXT + 1);
        assert!(read(json!({"jobTitle": long})).is_err());
        assert!(read(json!({"personalNotes": long})).is_ok());
        let many: Vec<String> = (0..=MAX_LIST).map(|i| i.to_string()).collect();
        assert!(read(json!({"categories": many})).is_err());
        assert!(read(json!({"emailAddresses": [{"address": "x".repeat(321)}]})).is_err());
    }

    #[test]
    fn birthdays_are_instants_in_utc() {
        let f = read(json!({"birthday": "1985-04-12T00:00:00+02:00"})).unwrap();
        assert_eq!(
            f.birthday.unwrap().to_rfc3339(),
            "1985-04-11T22:00:00+00:00"
        );
        let f = read(json!({"birthday": "1985-04-12"})).unwrap();
        assert_eq!(
            f.birthday.unwrap().to_rfc3339(),
            "1985-04-12T00:00:00+00:00"
        );
        assert!(read(json!({"birthday": "April"})).is_err());
        assert_eq!(read(json!({"birthday": null})).unwrap().birthday, None);
    }
}
