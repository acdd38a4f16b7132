//! A Graph contact as a vCard: the properties in a fixed order (so equal
//! input gives equal bytes), each built by `slot_entry` (which `parse`
//! also uses to know what graphgate would write for a value), then the
//! photo, REV and the kept extras.

use base64::Engine as _;
use calcard::vcard::{
    VCard, VCardEntry, VCardParameter, VCardParameterName, VCardParameterValue, VCardProperty,
    VCardValue,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};

use super::extras::Extras;
use super::lines::{name_of, push_folded, unfolded};
use super::render4;
use super::{Photo, Version};
use crate::graph::{Contact, PhysicalAddress};

/// The PRODID of every card graphgate writes.
pub(super) const PRODID: &str = "-//graphgate//CardDAV//EN";

/// Where a property's value lives in Graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Fn,
    N,
    Nickname,
    PhoneticGiven,
    PhoneticSurname,
    Org,
    Title,
    Role,
    Email(usize),
    BusinessPhone(usize),
    HomePhone(usize),
    MobilePhone,
    HomeAddress,
    BusinessAddress,
    OtherAddress,
    Url,
    Impp(usize),
    Bday,
    Note,
    Categories,
    Spouse,
    Manager,
    Assistant,
    Child(usize),
}

/// Render `contact` (with its photo, if any) as a vCard of `version` whose
/// UID is `uid`, re-emitting what `extras` kept.
pub fn render(
    contact: &Contact,
    photo: Option<&Photo>,
    uid: &str,
    version: Version,
    extras: Option<&Extras>,
) -> String {
    let mut out = String::new();
    push_folded(&mut out, "BEGIN:VCARD");
    push_folded(&mut out, &format!("VERSION:{}", version.as_str()));
    push_folded(&mut out, &format!("PRODID:{PRODID}"));
    push_folded(
        &mut out,
        &line_of(&text_entry(VCardProperty::Uid, uid), version),
    );
    if version.is_v4() && !render4::kind_kept(extras) {
        push_folded(&mut out, render4::KIND_INDIVIDUAL);
    }

    let empty = Extras::default();
    let extras = extras.unwrap_or(&empty);
    let mut used = vec![false; extras.dressed.len()];
    let mut groups: Vec<String> = Vec::new();
    for slot in slots(contact) {
        let Some(entry) = slot_entry(contact, slot, version) else {
            continue;
        };
        let line = line_of(&entry, version);
        // What graphgate would have written in the extras' version.
        let key = if extras.version == version {
            Some(line.clone())
        } else {
            slot_entry(contact, slot, extras.version).map(|e| line_of(&e, extras.version))
        };
        let found = extras
            .dressed
            .iter()
            .enumerate()
            .find(|(i, d)| !used[*i] && Some(&d.generated) == key.as_ref());
        if let Some((i, dressed)) = found
            && let Some(original) = convert(&dressed.original, extras.version, version)
        {
            used[i] = true;
            if let (Some(group), _) = name_of(&original) {
                groups.push(group.to_ascii_lowercase());
            }
            push_folded(&mut out, &original);
            continue;
        }
        push_folded(&mut out, &line);
    }
    if let Some(photo) = photo {
        push_folded(&mut out, &photo_line(photo, version));
    }
    if let Some(modified) = contact.last_modified_date_time {
        let rev = match version {
            Version::V3 => modified.format("%Y-%m-%dT%H:%M:%SZ"),
            Version::V4 => modified.format("%Y%m%dT%H%M%SZ"),
        };
        push_folded(&mut out, &format!("REV:{rev}"));
    }
    // A group's labels (Apple's X-ABLabel, X-ABADR) stay only while a
    // property of the group is still in the card.
    for line in &extras.kept {
        if let (Some(group), name) = name_of(line)
            && !name.starts_with("X-")
        {
            groups.push(group.to_ascii_lowercase());
        }
    }
    for line in &extras.kept {
        let (group, name) = name_of(line);
        if name == "PHOTO" && photo.is_some() {
            continue;
        }
        if let Some(group) = group
            && !groups.contains(&group.to_ascii_lowercase())
        {
            continue;
        }
        if let Some(line) = convert(line, extras.version, version) {
            push_folded(&mut out, &line);
        }
    }
    push_folded(&mut out, "END:VCARD");
    out
}

/// The slots `contact` fills, in output order.
pub(super) fn slots(c: &Contact) -> Vec<Slot> {
    let some = |field: &Option<String>, slot: Slot| field.as_ref().map(|_| slot);
    let mut s = vec![Slot::Fn, Slot::N];
    s.extend(some(&c.nick_name, Slot::Nickname));
    s.extend(some(&c.yomi_given_name, Slot::PhoneticGiven));
    s.extend(some(&c.yomi_surname, Slot::PhoneticSurname));
    s.extend(some(
        &c.company_name.clone().or(c.department.clone()),
        Slot::Org,
    ));
    s.extend(some(&c.job_title, Slot::Title));
    s.extend(some(&c.profession, Slot::Role));
    s.extend((0..c.email_addresses.len()).map(Slot::Email));
    s.extend((0..c.business_phones.len()).map(Slot::BusinessPhone));
    s.extend((0..c.home_phones.len()).map(Slot::HomePhone));
    s.extend(some(&c.mobile_phone, Slot::MobilePhone));
    s.extend(c.home_address.as_ref().map(|_| Slot::HomeAddress));
    s.extend(c.business_address.as_ref().map(|_| Slot::BusinessAddress));
    s.extend(c.other_address.as_ref().map(|_| Slot::OtherAddress));
    s.extend(some(&c.business_home_page, Slot::Url));
    s.extend((0..c.im_addresses.len()).map(Slot::Impp));
    s.extend(c.birthday.map(|_| Slot::Bday));
    s.extend(some(&c.personal_notes, Slot::Note));
    if !c.categories.is_empty() {
        s.push(Slot::Categories);
    }
    s.extend(some(&c.spouse_name, Slot::Spouse));
    s.extend(some(&c.manager, Slot::Manager));
    s.extend(some(&c.assistant_name, Slot::Assistant));
    s.extend((0..c.children.len()).map(Slot::Child));
    s
}

/// The property graphgate writes for `slot` of `c`; `None` when the slot
/// is empty.
pub(super) fn slot_entry(c: &Contact, slot: Slot, v: Version) -> Option<VCardEntry> {
    let t = |s: &Option<String>| s.as_deref().map(clean);
    Some(match slot {
        Slot::Fn => text_entry(VCardProperty::Fn, &display_name(c)),
        Slot::N => entry(
            VCardProperty::N,
            vec![],
            [
                &c.surname,
                &c.given_name,
                &c.middle_name,
                &c.title,
                &c.generation,
            ]
            .into_iter()
            .map(|p| VCardValue::Text(t(p).unwrap_or_default()))
            .collect(),
        ),
        Slot::Nickname => text_entry(VCardProperty::Nickname, &t(&c.nick_name)?),
        Slot::PhoneticGiven => x_entry("X-PHONETIC-FIRST-NAME", &t(&c.yomi_given_name)?),
        Slot::PhoneticSurname => x_entry("X-PHONETIC-LAST-NAME", &t(&c.yomi_surname)?),
        Slot::Org => {
            let mut values = vec![VCardValue::Text(t(&c.company_name).unwrap_or_default())];
            if let Some(department) = t(&c.department) {
                values.push(VCardValue::Text(department));
            }
            entry(VCardProperty::Org, vec![], values)
        }
        Slot::Title => text_entry(VCardProperty::Title, &t(&c.job_title)?),
        Slot::Role => text_entry(VCardProperty::Role, &t(&c.profession)?),
        Slot::Email(i) => {
            let address = clean(&c.email_addresses.get(i)?.address);
            let types = if v.is_v4() {
                &[][..]
            } else {
                &["internet"][..]
            };
            entry(
                VCardProperty::Email,
                types_of(types, v),
                vec![VCardValue::Text(address)],
            )
        }
        Slot::BusinessPhone(i) => tel(c.business_phones.get(i)?, &["work", "voice"], v),
        Slot::HomePhone(i) => tel(c.home_phones.get(i)?, &["home", "voice"], v),
        Slot::MobilePhone => tel(c.mobile_phone.as_ref()?, &["cell"], v),
        Slot::HomeAddress => adr(c.home_address.as_ref()?, &["home"], v),
        Slot::BusinessAddress => adr(c.business_address.as_ref()?, &["work"], v),
        Slot::OtherAddress => adr(c.other_address.as_ref()?, &[], v),
        Slot::Url => entry(
            VCardProperty::Url,
            types_of(&["work"], v),
            vec![VCardValue::Text(t(&c.business_home_page)?)],
        ),
        Slot::Impp(i) => text_entry(VCardProperty::Impp, &clean(c.im_addresses.get(i)?)),
        Slot::Bday => {
            let day = graph_date(c.birthday?);
            let text = match v {
                Version::V3 => day.format("%Y-%m-%d"),
                Version::V4 => day.format("%Y%m%d"),
            };
            text_entry(VCardProperty::Bday, &text.to_string())
        }
        Slot::Note => text_entry(VCardProperty::Note, &t(&c.personal_notes)?),
        Slot::Categories => entry(
            VCardProperty::Categories,
            vec![],
            c.categories
                .iter()
                .map(|s| VCardValue::Text(clean(s)))
                .collect(),
        ),
        Slot::Spouse => x_entry("X-MS-SPOUSE", &t(&c.spouse_name)?),
        Slot::Manager => x_entry("X-MS-MANAGER", &t(&c.manager)?),
        Slot::Assistant => x_entry("X-MS-ASSISTANT", &t(&c.assistant_name)?),
        Slot::Child(i) => x_entry("X-MS-CHILD", &clean(c.children.get(i)?)),
    })
}

/// FN: the display name, or what Outlook would show without one.
pub(super) fn display_name(c: &Contact) -> String {
    if let Some(name) = &c.display_name {
        return clean(name);
    }
    let parts: Vec<&str> = [&c.given_name, &c.middle_name, &c.surname]
        .into_iter()
        .filter_map(|p| p.as_deref())
        .collect();
    if !parts.is_empty() {
        return clean(&parts.join(" "));
    }
    c.company_name
        .as_deref()
        .or(c.email_addresses.first().map(|e| e.address.as_str()))
        .map(clean)
        .unwrap_or_default()
}

fn tel(number: &str, types: &[&str], v: Version) -> VCardEntry {
    let number = clean(number);
    if v.is_v4()
        && let Some(uri) = render4::tel_uri(&number)
    {
        let mut params = vec![render4::value_uri()];
        params.extend(types_of(types, v));
        return entry(VCardProperty::Tel, params, vec![VCardValue::Text(uri)]);
    }
    entry(
        VCardProperty::Tel,
        types_of(types, v),
        vec![VCardValue::Text(number)],
    )
}

fn adr(a: &PhysicalAddress, types: &[&str], v: Version) -> VCardEntry {
    let values = [
        "",
        "",
        &a.street,
        &a.city,
        &a.state,
        &a.postal_code,
        &a.country_or_region,
    ]
    .into_iter()
    .map(|s| VCardValue::Text(clean(s)))
    .collect();
    entry(VCardProperty::Adr, types_of(types, v), values)
}

fn photo_line(photo: &Photo, v: Version) -> String {
    let data = base64::engine::general_purpose::STANDARD.encode(&photo.data);
    let media = photo.content_type.to_ascii_lowercase();
    let plain = media.starts_with("image/")
        && media
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/.+-".contains(&b));
    let media = if plain {
        media
    } else {
        "image/jpeg".to_string()
    };
    match v {
        Version::V3 => {
            let token = media
                .strip_prefix("image/")
                .unwrap_or("jpeg")
                .to_ascii_uppercase();
            format!("PHOTO;ENCODING=b;TYPE={token}:{data}")
        }
        Version::V4 => format!("PHOTO:data:{media};base64,{data}"),
    }
}

/// TYPE parameters, upper case in 3.0 (as RFC 2426 writes them), lower
/// case in 4.0 (as RFC 6350 does).
fn types_of(types: &[&str], v: Version) -> Vec<VCardParameter> {
    types
        .iter()
        .map(|t| VCardParameter {
            name: VCardParameterName::Type,
            value: VCardParameterValue::Text(if v.is_v4() {
                t.to_ascii_lowercase()
            } else {
                t.to_ascii_uppercase()
            }),
        })
        .collect()
}

fn entry(name: VCardProperty, params: Vec<VCardParameter>, values: Vec<VCardValue>) -> VCardEntry {
    VCardEntry {
        group: None,
        name,
        params,
        values,
    }
}

fn text_entry(name: VCardProperty, value: &str) -> VCardEntry {
    entry(name, vec![], vec![VCardValue::Text(clean(value))])
}

fn x_entry(name: &str, value: &str) -> VCardEntry {
    text_entry(VCardProperty::Other(name.to_string()), value)
}

/// Line ends as vCard escapes them (`\n`): Outlook keeps CRLF.
fn clean(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// `entry` as one logical (unfolded) line of `v`.
pub(super) fn line_of(entry: &VCardEntry, v: Version) -> String {
    let mut written = String::new();
    // Writing to a String cannot fail.
    let _ = entry.write_to(&mut written, v.is_v4());
    unfolded(&written)
}

/// One content line read with calcard as a property of a `version` card.
pub(super) fn entry_of_line(line: &str, version: Version) -> Option<VCardEntry> {
    let card = format!(
        "BEGIN:VCARD\r\nVERSION:{}\r\n{line}\r\nEND:VCARD\r\n",
        version.as_str()
    );
    let parsed = VCard::parse(card).ok()?;
    parsed.entries.into_iter().find(|e| {
        !matches!(
            e.name,
            VCardProperty::Begin | VCardProperty::End | VCardProperty::Version
        )
    })
}

/// A kept line in the version asked for: verbatim in its own version,
/// rewritten by calcard in the other.
fn convert(line: &str, from: Version, to: Version) -> Option<String> {
    if from == to {
        return Some(line.to_string());
    }
    Some(line_of(&entry_of_line(line, from)?, to))
}

/// The day a Graph date-as-instant means (contact birthdays, To Do due
/// and start dates). Outlook and To Do store a date as local midnight in
/// UTC, which lands between 12:00 the day before (UTC+12) and 11:00 the
/// same day (UTC−11); graphgate writes noon UTC. So a time up to 12:00 is
/// that day, a later one the next day.
pub(crate) fn graph_date(instant: DateTime<Utc>) -> NaiveDate {
    let noon = NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default();
    let day = instant.date_naive();
    if instant.time() <= noon {
        day
    } else {
        day + Duration::days(1)
    }
}

/// How graphgate writes a date Graph keeps as an instant: noon UTC, the
/// same calendar day in every zone from UTC−11 to UTC+11.
pub(crate) fn graph_instant_of_date(day: NaiveDate) -> DateTime<Utc> {
    let noon = NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default();
    day.and_time(noon).and_utc()
}
