//! One client card being read, property by property: what goes to
//! Graph's contact (and which slot it fills), the photo, and what is kept
//! as extras; then the full replacement write Graph is sent.

use bytes::Bytes;
use calcard::vcard::{VCardEntry, VCardKind, VCardValue};

use super::extras::{Dressed, Extras};
use super::render::{Slot, display_name, graph_instant_of_date, line_of, slot_entry};
use super::render4::is_individual;
use super::values::{component, first_text, full_date, strip_tel_uri, texts, types};
use super::{MAX_EXTRAS_BYTES, Photo, Precondition, Refusal, Version};
use crate::graph::contacts::EmailAddress;
use crate::graph::{Change, Contact, ContactWrite, MAX_PHOTO_BYTES, PhysicalAddress};

/// Graph (Outlook's Email1–3) keeps three addresses.
const MAX_EMAILS: usize = 3;
/// Outlook's Business/Business 2 and Home/Home 2 phones.
const MAX_PHONES_PER_KIND: usize = 2;
/// Outlook's IM addresses 1–3.
const MAX_IM: usize = 3;
const MAX_CHILDREN: usize = 50;

/// A client's vCard as Graph will hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCard {
    /// The version the client wrote (render in it to answer a GET the way
    /// the client wrote the card).
    pub version: Version,
    /// The client's UID (the caller keeps href ↔ id ↔ UID).
    pub uid: Option<String>,
    /// Every field the mapping owns, set or cleared: PATCH it as is to
    /// replace a contact, or `for_create()` to POST a new one.
    pub write: ContactWrite,
    /// The photo for Graph (JPEG). `None`: the card has no photo Graph can
    /// hold, so a photo Graph has should be deleted.
    pub photo: Option<Photo>,
    /// What Graph cannot hold; store it and pass it to `render`.
    pub extras: Extras,
}

pub(super) fn invalid(reason: impl Into<String>) -> Refusal {
    Refusal::new(Precondition::ValidAddressData, reason)
}

/// The card being read: the contact it describes and what Graph cannot
/// hold.
pub(super) struct Card {
    version: Version,
    contact: Contact,
    uid: Option<String>,
    photo: Option<Photo>,
    /// (slot, the client's line) of every property that went to Graph.
    mapped: Vec<(Slot, String)>,
    kept: Vec<String>,
    kept_photo_bytes: usize,
    seen_fn: bool,
    seen_n: bool,
}

impl Card {
    pub(super) fn new(version: Version) -> Card {
        Card {
            version,
            contact: Contact::default(),
            uid: None,
            photo: None,
            mapped: Vec::new(),
            kept: Vec::new(),
            kept_photo_bytes: 0,
            seen_fn: false,
            seen_n: false,
        }
    }

    fn map(&mut self, slot: Slot, line: &str) {
        self.mapped.push((slot, line.to_string()));
    }

    fn keep(&mut self, line: &str) {
        self.kept.push(line.to_string());
    }

    /// One property: into the contact, the photo, or the extras.
    pub(super) fn take(
        &mut self,
        line: &str,
        name: &str,
        entry: &VCardEntry,
    ) -> Result<(), Refusal> {
        let c = &mut self.contact;
        let first = first_text(entry);
        match name {
            "UID" => self.uid = first.filter(|u| !u.is_empty()),
            "FN" if !self.seen_fn => {
                self.seen_fn = true;
                c.display_name = first.filter(|s| !s.is_empty());
                self.map(Slot::Fn, line);
            }
            "N" if !self.seen_n => {
                self.seen_n = true;
                let part = |i: usize| component(entry, i, " ");
                c.surname = part(0);
                c.given_name = part(1);
                c.middle_name = part(2);
                c.title = part(3);
                c.generation = part(4);
                self.map(Slot::N, line);
            }
            "NICKNAME" if c.nick_name.is_none() && first.is_some() => {
                c.nick_name = first;
                self.map(Slot::Nickname, line);
            }
            "X-PHONETIC-FIRST-NAME" if c.yomi_given_name.is_none() => {
                c.yomi_given_name = first;
                self.map(Slot::PhoneticGiven, line);
            }
            "X-PHONETIC-LAST-NAME" if c.yomi_surname.is_none() => {
                c.yomi_surname = first;
                self.map(Slot::PhoneticSurname, line);
            }
            "ORG" if c.company_name.is_none() && c.department.is_none() => {
                c.company_name = component(entry, 0, ",");
                c.department = component(entry, 1, ",");
                self.map(Slot::Org, line);
            }
            "TITLE" if c.job_title.is_none() => {
                c.job_title = first;
                self.map(Slot::Title, line);
            }
            "ROLE" if c.profession.is_none() => {
                c.profession = first;
                self.map(Slot::Role, line);
            }
            "EMAIL" if c.email_addresses.len() < MAX_EMAILS && first.is_some() => {
                let index = c.email_addresses.len();
                c.email_addresses.push(EmailAddress {
                    name: None,
                    address: first.unwrap_or_default(),
                });
                self.map(Slot::Email(index), line);
            }
            "TEL" => self.take_tel(line, entry, first),
            "ADR" => self.take_adr(line, entry),
            "URL"
                if c.business_home_page.is_none() && !types(entry).iter().any(|t| t == "home") =>
            {
                c.business_home_page = first;
                self.map(Slot::Url, line);
            }
            "IMPP" if c.im_addresses.len() < MAX_IM && first.is_some() => {
                let index = c.im_addresses.len();
                c.im_addresses.push(first.unwrap_or_default());
                self.map(Slot::Impp(index), line);
            }
            "BDAY" => match full_date(entry) {
                Some(day) if c.birthday.is_none() => {
                    c.birthday = Some(graph_instant_of_date(day));
                    self.map(Slot::Bday, line);
                }
                _ => self.keep(line),
            },
            "NOTE" if c.personal_notes.is_none() => {
                c.personal_notes = first;
                self.map(Slot::Note, line);
            }
            "CATEGORIES" => {
                // Several CATEGORIES lines become one: nothing to dress.
                for category in texts(entry) {
                    let category = category.trim().to_string();
                    if !category.is_empty() && !c.categories.contains(&category) {
                        c.categories.push(category);
                    }
                }
            }
            "X-MS-SPOUSE" if c.spouse_name.is_none() => {
                c.spouse_name = first;
                self.map(Slot::Spouse, line);
            }
            "X-MS-MANAGER" if c.manager.is_none() => {
                c.manager = first;
                self.map(Slot::Manager, line);
            }
            "X-MS-ASSISTANT" if c.assistant_name.is_none() => {
                c.assistant_name = first;
                self.map(Slot::Assistant, line);
            }
            "X-MS-CHILD" if c.children.len() < MAX_CHILDREN && first.is_some() => {
                let index = c.children.len();
                c.children.push(first.unwrap_or_default());
                self.map(Slot::Child(index), line);
            }
            "PHOTO" => self.take_photo(line, entry)?,
            "KIND" | "X-ADDRESSBOOKSERVER-KIND" => {
                let group = match entry.values.first() {
                    Some(VCardValue::Kind(kind)) => *kind == VCardKind::Group,
                    other => other
                        .and_then(VCardValue::as_text)
                        .is_some_and(|k| k.eq_ignore_ascii_case("group")),
                };
                if group {
                    return Err(group_refusal());
                }
                // `individual` is what graphgate writes in every 4.0 card;
                // another kind (org, location) is the client's to keep.
                if !is_individual(entry) {
                    self.keep(line);
                }
            }
            "MEMBER" | "X-ADDRESSBOOKSERVER-MEMBER" => return Err(group_refusal()),
            _ => self.keep(line),
        }
        Ok(())
    }

    /// TEL by TYPE: cell → mobilePhone, work → businessPhones, home →
    /// homePhones; fax, pager and the rest have no v1.0 field.
    fn take_tel(&mut self, line: &str, entry: &VCardEntry, first: Option<String>) {
        let Some(number) = first.map(|n| strip_tel_uri(&n)).filter(|n| !n.is_empty()) else {
            return self.keep(line);
        };
        let types = types(entry);
        let has = |t: &str| types.iter().any(|x| x == t);
        let c = &mut self.contact;
        let no_field = [
            "fax",
            "pager",
            "video",
            "textphone",
            "modem",
            "car",
            "isdn",
            "bbs",
            "msg",
        ];
        if no_field.iter().any(|t| has(t)) {
            self.keep(line);
        } else if (has("cell") || has("mobile") || has("iphone")) && c.mobile_phone.is_none() {
            c.mobile_phone = Some(number);
            self.map(Slot::MobilePhone, line);
        } else if has("cell") || has("mobile") || has("iphone") {
            self.keep(line);
        } else if has("work") && c.business_phones.len() < MAX_PHONES_PER_KIND {
            let index = c.business_phones.len();
            c.business_phones.push(number);
            self.map(Slot::BusinessPhone(index), line);
        } else if has("home") && !has("work") && c.home_phones.len() < MAX_PHONES_PER_KIND {
            let index = c.home_phones.len();
            c.home_phones.push(number);
            self.map(Slot::HomePhone(index), line);
        } else {
            self.keep(line);
        }
    }

    /// ADR by TYPE: one home, one work, one other (no TYPE or `other`).
    fn take_adr(&mut self, line: &str, entry: &VCardEntry) {
        let part = |i: usize| component(entry, i, ", ").unwrap_or_default();
        let address = PhysicalAddress {
            street: part(2),
            city: part(3),
            state: part(4),
            postal_code: part(5),
            country_or_region: part(6),
        };
        let types = types(entry);
        let has = |t: &str| types.iter().any(|x| x == t);
        let c = &mut self.contact;
        if address.is_empty() {
            // Only a PO box or extended address: nowhere to put it.
            return self.keep(line);
        }
        let slot = if has("home") {
            (c.home_address.is_none()).then_some((Slot::HomeAddress, &mut c.home_address))
        } else if has("work") {
            (c.business_address.is_none())
                .then_some((Slot::BusinessAddress, &mut c.business_address))
        } else {
            (c.other_address.is_none()).then_some((Slot::OtherAddress, &mut c.other_address))
        };
        match slot {
            Some((slot, field)) => {
                *field = Some(address);
                self.map(slot, line);
            }
            None => self.keep(line),
        }
    }

    /// A JPEG goes to Graph; another picture (or a link to one) is kept.
    fn take_photo(&mut self, line: &str, entry: &VCardEntry) -> Result<(), Refusal> {
        let data = match entry.values.first() {
            Some(VCardValue::Binary(data)) => &data.data,
            _ => {
                self.keep(line);
                return Ok(());
            }
        };
        if data.len() > MAX_PHOTO_BYTES {
            return Err(photo_too_large(data.len()));
        }
        if self.photo.is_none() && data.starts_with(&[0xFF, 0xD8, 0xFF]) {
            self.photo = Some(Photo {
                content_type: "image/jpeg".to_string(),
                data: Bytes::from(data.clone()),
            });
            return Ok(());
        }
        self.kept_photo_bytes += line.len();
        if self.kept_photo_bytes > MAX_PHOTO_BYTES * 4 / 3 + 1024 {
            return Err(photo_too_large(self.kept_photo_bytes * 3 / 4));
        }
        self.keep(line);
        Ok(())
    }

    pub(super) fn finish(mut self) -> Result<(ParsedCard, Contact), Refusal> {
        let version = self.version;
        // No FN (or an empty one): the name graphgate writes as FN, as
        // Outlook would make one, so what is stored reads back the same.
        if self.contact.display_name.is_none() {
            let derived = display_name(&self.contact);
            self.contact.display_name = (!derived.is_empty()).then_some(derived);
        }
        let mut dressed = Vec::new();
        for (slot, original) in self.mapped {
            let Some(entry) = slot_entry(&self.contact, slot, version) else {
                continue;
            };
            let generated = line_of(&entry, version);
            if generated != original {
                dressed.push(Dressed {
                    generated,
                    original,
                });
            }
        }
        let extras = Extras {
            version,
            kept: self.kept,
            dressed,
        };
        let held = extras.size().saturating_sub(self.kept_photo_bytes);
        if held > MAX_EXTRAS_BYTES {
            return Err(Refusal::new(
                Precondition::MaxResourceSize,
                format!(
                    "the vCard has {} KB of properties Microsoft 365 cannot hold (graphgate keeps up to {} KB per contact): remove large LOGO, SOUND or KEY properties",
                    held / 1024,
                    MAX_EXTRAS_BYTES / 1024
                ),
            ));
        }
        let parsed = ParsedCard {
            version,
            uid: self.uid,
            write: replacement(&self.contact),
            photo: self.photo,
            extras,
        };
        Ok((parsed, self.contact))
    }
}

fn group_refusal() -> Refusal {
    invalid(
        "this is a contact group (KIND:group); Microsoft 365 contact lists cannot be reached through Microsoft Graph, so graphgate cannot store it: keep groups in a local address book",
    )
}

fn photo_too_large(bytes: usize) -> Refusal {
    Refusal::new(
        Precondition::MaxResourceSize,
        format!(
            "the contact's photo is {} KB; Microsoft 365 takes contact photos under {} KB: use a smaller picture",
            bytes / 1024,
            MAX_PHOTO_BYTES / 1024
        ),
    )
}

/// The write that makes Graph's contact equal `c` in every owned field.
fn replacement(c: &Contact) -> ContactWrite {
    let s = |v: &Option<String>| Change::from_option(v.clone());
    let label = c.display_name.clone();
    ContactWrite {
        display_name: s(&c.display_name),
        given_name: s(&c.given_name),
        middle_name: s(&c.middle_name),
        surname: s(&c.surname),
        title: s(&c.title),
        generation: s(&c.generation),
        nick_name: s(&c.nick_name),
        yomi_given_name: s(&c.yomi_given_name),
        yomi_surname: s(&c.yomi_surname),
        email_addresses: Change::To(
            c.email_addresses
                .iter()
                .map(|e| EmailAddress {
                    name: Some(label.clone().unwrap_or_else(|| e.address.clone())),
                    address: e.address.clone(),
                })
                .collect(),
        ),
        business_phones: Change::To(c.business_phones.clone()),
        home_phones: Change::To(c.home_phones.clone()),
        mobile_phone: s(&c.mobile_phone),
        im_addresses: Change::To(c.im_addresses.clone()),
        home_address: Change::from_option(c.home_address.clone()),
        business_address: Change::from_option(c.business_address.clone()),
        other_address: Change::from_option(c.other_address.clone()),
        company_name: s(&c.company_name),
        department: s(&c.department),
        job_title: s(&c.job_title),
        profession: s(&c.profession),
        manager: s(&c.manager),
        assistant_name: s(&c.assistant_name),
        business_home_page: s(&c.business_home_page),
        birthday: Change::from_option(c.birthday),
        personal_notes: s(&c.personal_notes),
        categories: Change::To(c.categories.clone()),
        spouse_name: s(&c.spouse_name),
        children: Change::To(c.children.clone()),
    }
}
