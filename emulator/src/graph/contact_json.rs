//! Graph's JSON shapes for contact folders and contacts: unset text as
//! `null` (`personalNotes` as `""`), empty addresses as `{}`, `@odata.etag`
//! from the change key, the default or immutable id as the request
//! prefers, and `$select`.

use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::error::GraphError;
use crate::contactstore::{ContactFolder, PhysicalAddress, STRING_FIELDS, StoredContact};

/// Every property `$select` may name on a contact.
const CONTACT_PROPERTIES: [&str; 38] = [
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "parentFolderId",
    "birthday",
    "fileAs",
    "displayName",
    "givenName",
    "initials",
    "middleName",
    "nickName",
    "surname",
    "title",
    "yomiGivenName",
    "yomiSurname",
    "yomiCompanyName",
    "generation",
    "imAddresses",
    "jobTitle",
    "companyName",
    "department",
    "officeLocation",
    "profession",
    "businessHomePage",
    "assistantName",
    "manager",
    "homePhones",
    "mobilePhone",
    "businessPhones",
    "spouseName",
    "personalNotes",
    "children",
    "emailAddresses",
    "homeAddress",
    "businessAddress",
    "otherAddress",
];

/// `DateTimeOffset` as Outlook writes it on contacts (whole seconds, `Z`).
pub(crate) fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn address(a: &PhysicalAddress) -> Value {
    let mut m = Map::new();
    for (k, v) in a.parts() {
        if !v.is_empty() {
            m.insert(k.into(), json!(v));
        }
    }
    Value::Object(m)
}

fn text_or_null(s: &str) -> Value {
    if s.is_empty() { Value::Null } else { json!(s) }
}

/// The id to show for a contact: immutable or default, as preferred.
pub(crate) fn contact_id(ctx: &Ctx<'_>, c: &StoredContact) -> String {
    if ctx.prefer.immutable_ids {
        c.immutable_id.clone()
    } else {
        c.rest_id.clone()
    }
}

/// The contact resource.
pub(crate) fn contact_json(ctx: &Ctx<'_>, c: &StoredContact) -> Value {
    let f = &c.fields;
    let mut m = Map::new();
    m.insert(
        "@odata.etag".into(),
        json!(format!("W/\"{}\"", c.change_key)),
    );
    m.insert("id".into(), json!(contact_id(ctx, c)));
    m.insert("createdDateTime".into(), json!(timestamp(c.created)));
    m.insert("lastModifiedDateTime".into(), json!(timestamp(c.modified)));
    m.insert("changeKey".into(), json!(c.change_key));
    m.insert("categories".into(), json!(f.categories));
    m.insert("parentFolderId".into(), json!(c.folder_id));
    m.insert("birthday".into(), json!(f.birthday.map(timestamp)));
    for name in STRING_FIELDS {
        let v = f.string(name).unwrap_or_default();
        m.insert(name.into(), text_or_null(v));
    }
    // Outlook answers the notes as text even when there are none.
    m.insert("personalNotes".into(), json!(f.personal_notes));
    m.insert("imAddresses".into(), json!(f.im_addresses));
    m.insert("homePhones".into(), json!(f.home_phones));
    m.insert("businessPhones".into(), json!(f.business_phones));
    m.insert("children".into(), json!(f.children));
    m.insert(
        "emailAddresses".into(),
        Value::Array(
            f.emails
                .iter()
                .map(|e| {
                    let name = if e.name.is_empty() {
                        &e.address
                    } else {
                        &e.name
                    };
                    json!({"name": name, "address": e.address})
                })
                .collect(),
        ),
    );
    m.insert("homeAddress".into(), address(&f.home_address));
    m.insert("businessAddress".into(), address(&f.business_address));
    m.insert("otherAddress".into(), address(&f.other_address));
    Value::Object(m)
}

/// The contact folder resource.
pub(crate) fn folder_json(f: &ContactFolder) -> Value {
    json!({"id": f.id, "displayName": f.display_name, "parentFolderId": f.parent_id})
}

/// The properties a `$select` names (None: all), checked against `known`.
fn parse_select_in(raw: &str, known: &[&str], type_name: &str) -> Result<Vec<String>, GraphError> {
    let mut out = Vec::new();
    for p in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(p)) else {
            return Err(GraphError::bad_request(format!(
                "Could not find a property named '{p}' on type 'microsoft.graph.{type_name}'."
            )));
        };
        out.push((*k).to_string());
    }
    Ok(out)
}

/// `$select` on contacts.
pub(crate) fn contact_select(raw: &str) -> Result<Vec<String>, GraphError> {
    parse_select_in(raw, &CONTACT_PROPERTIES, "contact")
}

/// `$select` on contact folders.
pub(crate) fn folder_select(raw: &str) -> Result<Vec<String>, GraphError> {
    parse_select_in(
        raw,
        &["id", "displayName", "parentFolderId"],
        "contactFolder",
    )
}

/// Keep only the selected properties (and `@odata.etag` and `id`, which
/// Graph always returns).
pub(crate) fn select(v: Value, sel: Option<&[String]>) -> Value {
    let (Some(sel), Value::Object(m)) = (sel, &v) else {
        return v;
    };
    let mut out = Map::new();
    for (k, val) in m {
        if k == "@odata.etag" || k == "id" || sel.iter().any(|s| s == k) {
            out.insert(k.clone(), val.clone());
        }
    }
    Value::Object(out)
}
