//! What a contact holds: the properties of Graph v1.0's contact resource,
//! kept as Outlook keeps them (empty strings for unset text, at most the
//! slots Outlook has for e-mail addresses and phone numbers, which the
//! input side enforces). The single-string properties are reached by their
//! Graph names through one table, so reading a body and writing the
//! resource walk the same list.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calstore::EmailAddr;

/// `physicalAddress`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct PhysicalAddress {
    pub(crate) street: String,
    pub(crate) city: String,
    pub(crate) state: String,
    pub(crate) postal_code: String,
    pub(crate) country_or_region: String,
}

impl PhysicalAddress {
    /// The parts by their Graph names, in Graph's order.
    pub(crate) fn parts(&self) -> [(&'static str, &str); 5] {
        [
            ("street", &self.street),
            ("city", &self.city),
            ("state", &self.state),
            ("postalCode", &self.postal_code),
            ("countryOrRegion", &self.country_or_region),
        ]
    }

    /// The part with this Graph name (any case).
    pub(crate) fn part_mut(&mut self, name: &str) -> Option<&mut String> {
        Some(match name.to_ascii_lowercase().as_str() {
            "street" => &mut self.street,
            "city" => &mut self.city,
            "state" => &mut self.state,
            "postalcode" => &mut self.postal_code,
            "countryorregion" => &mut self.country_or_region,
            _ => return None,
        })
    }
}

/// A contact's properties (everything but its identity and photo).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ContactFields {
    pub(crate) display_name: String,
    pub(crate) given_name: String,
    pub(crate) middle_name: String,
    pub(crate) surname: String,
    pub(crate) title: String,
    pub(crate) generation: String,
    pub(crate) nick_name: String,
    pub(crate) initials: String,
    pub(crate) file_as: String,
    pub(crate) yomi_given_name: String,
    pub(crate) yomi_surname: String,
    pub(crate) yomi_company_name: String,
    pub(crate) emails: Vec<EmailAddr>,
    pub(crate) business_phones: Vec<String>,
    pub(crate) home_phones: Vec<String>,
    pub(crate) mobile_phone: String,
    pub(crate) home_address: PhysicalAddress,
    pub(crate) business_address: PhysicalAddress,
    pub(crate) other_address: PhysicalAddress,
    pub(crate) company_name: String,
    pub(crate) department: String,
    pub(crate) job_title: String,
    pub(crate) office_location: String,
    pub(crate) profession: String,
    pub(crate) manager: String,
    pub(crate) assistant_name: String,
    pub(crate) business_home_page: String,
    pub(crate) im_addresses: Vec<String>,
    pub(crate) birthday: Option<DateTime<Utc>>,
    pub(crate) spouse_name: String,
    pub(crate) children: Vec<String>,
    pub(crate) categories: Vec<String>,
    pub(crate) personal_notes: String,
}

/// The contact properties that are one string, by their Graph names.
pub(crate) const STRING_FIELDS: [&str; 23] = [
    "displayName",
    "givenName",
    "middleName",
    "surname",
    "title",
    "generation",
    "nickName",
    "initials",
    "fileAs",
    "yomiGivenName",
    "yomiSurname",
    "yomiCompanyName",
    "mobilePhone",
    "companyName",
    "department",
    "jobTitle",
    "officeLocation",
    "profession",
    "manager",
    "assistantName",
    "businessHomePage",
    "spouseName",
    "personalNotes",
];

impl ContactFields {
    /// The single-string property with this Graph name (any case).
    pub(crate) fn string(&self, name: &str) -> Option<&str> {
        let f: &String = match name.to_ascii_lowercase().as_str() {
            "displayname" => &self.display_name,
            "givenname" => &self.given_name,
            "middlename" => &self.middle_name,
            "surname" => &self.surname,
            "title" => &self.title,
            "generation" => &self.generation,
            "nickname" => &self.nick_name,
            "initials" => &self.initials,
            "fileas" => &self.file_as,
            "yomigivenname" => &self.yomi_given_name,
            "yomisurname" => &self.yomi_surname,
            "yomicompanyname" => &self.yomi_company_name,
            "mobilephone" => &self.mobile_phone,
            "companyname" => &self.company_name,
            "department" => &self.department,
            "jobtitle" => &self.job_title,
            "officelocation" => &self.office_location,
            "profession" => &self.profession,
            "manager" => &self.manager,
            "assistantname" => &self.assistant_name,
            "businesshomepage" => &self.business_home_page,
            "spousename" => &self.spouse_name,
            "personalnotes" => &self.personal_notes,
            _ => return None,
        };
        Some(f)
    }

    /// The same property, to change it.
    pub(crate) fn string_mut(&mut self, name: &str) -> Option<&mut String> {
        Some(match name.to_ascii_lowercase().as_str() {
            "displayname" => &mut self.display_name,
            "givenname" => &mut self.given_name,
            "middlename" => &mut self.middle_name,
            "surname" => &mut self.surname,
            "title" => &mut self.title,
            "generation" => &mut self.generation,
            "nickname" => &mut self.nick_name,
            "initials" => &mut self.initials,
            "fileas" => &mut self.file_as,
            "yomigivenname" => &mut self.yomi_given_name,
            "yomisurname" => &mut self.yomi_surname,
            "yomicompanyname" => &mut self.yomi_company_name,
            "mobilephone" => &mut self.mobile_phone,
            "companyname" => &mut self.company_name,
            "department" => &mut self.department,
            "jobtitle" => &mut self.job_title,
            "officelocation" => &mut self.office_location,
            "profession" => &mut self.profession,
            "manager" => &mut self.manager,
            "assistantname" => &mut self.assistant_name,
            "businesshomepage" => &mut self.business_home_page,
            "spousename" => &mut self.spouse_name,
            "personalnotes" => &mut self.personal_notes,
            _ => return None,
        })
    }

    /// The name Exchange shows when a contact is created without one:
    /// given, middle and surname, as Outlook composes it.
    pub(crate) fn composed_name(&self) -> String {
        [&self.given_name, &self.middle_name, &self.surname]
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The same address, to change it.
pub(crate) fn address_field_mut<'a>(
    f: &'a mut ContactFields,
    name: &str,
) -> Option<&'a mut PhysicalAddress> {
    match name.to_ascii_lowercase().as_str() {
        "homeaddress" => Some(&mut f.home_address),
        "businessaddress" => Some(&mut f.business_address),
        "otheraddress" => Some(&mut f.other_address),
        _ => None,
    }
}
