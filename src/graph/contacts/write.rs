//! What the gateway sends to create or change a contact. Every field is a
//! `Change`: left out of the JSON, cleared (`null`), or set. A vCard PUT
//! replaces the whole card, so `pim::vcard` fills every field the vCard
//! mapping owns: a property the new card no longer has becomes an explicit
//! `null` (or `[]` for collections) rather than staying behind in Outlook.
//! Fields the mapping does not own (`initials`, `fileAs`, …) stay
//! `Unchanged` and are never touched by a PUT.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use super::model::{EmailAddress, PhysicalAddress};

/// One field of a write: leave it, clear it, or set it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Change<T> {
    /// Not sent: Graph keeps what it has.
    #[default]
    Unchanged,
    /// Sent as `null`.
    Clear,
    /// Sent as the value.
    To(T),
}

impl<T> Change<T> {
    pub fn is_unchanged(&self) -> bool {
        matches!(self, Change::Unchanged)
    }

    /// `Some(v)` → set, `None` → clear.
    pub fn from_option(value: Option<T>) -> Change<T> {
        match value {
            Some(v) => Change::To(v),
            None => Change::Clear,
        }
    }

    /// The value it sets, if it sets one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Change::To(v) => Some(v),
            _ => None,
        }
    }

    /// For a create: a cleared field is simply not sent.
    fn without_clear(self) -> Change<T> {
        match self {
            Change::Clear => Change::Unchanged,
            other => other,
        }
    }
}

impl<T: Serialize> Serialize for Change<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Change::To(v) => v.serialize(s),
            // `Unchanged` is skipped by `skip_serializing_if`; if it ever
            // reaches here it is as harmless as a clear of an unset field.
            Change::Clear | Change::Unchanged => s.serialize_none(),
        }
    }
}

/// A contact to create or the changes to one (only fields that are not
/// `Unchanged` go on the wire).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactWrite {
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub display_name: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub given_name: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub middle_name: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub surname: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub title: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub generation: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub nick_name: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub yomi_given_name: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub yomi_surname: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub email_addresses: Change<Vec<EmailAddress>>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub business_phones: Change<Vec<String>>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub home_phones: Change<Vec<String>>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub mobile_phone: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub im_addresses: Change<Vec<String>>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub home_address: Change<PhysicalAddress>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub business_address: Change<PhysicalAddress>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub other_address: Change<PhysicalAddress>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub company_name: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub department: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub job_title: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub profession: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub manager: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub assistant_name: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub business_home_page: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub birthday: Change<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub personal_notes: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub categories: Change<Vec<String>>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub spouse_name: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub children: Change<Vec<String>>,
}

impl ContactWrite {
    /// The same write for a create (POST): cleared fields and empty
    /// collections are left out, since a new contact has nothing to clear.
    pub fn for_create(self) -> ContactWrite {
        fn list<T>(c: Change<Vec<T>>) -> Change<Vec<T>> {
            match c {
                Change::To(v) if v.is_empty() => Change::Unchanged,
                other => other.without_clear(),
            }
        }
        ContactWrite {
            display_name: self.display_name.without_clear(),
            given_name: self.given_name.without_clear(),
            middle_name: self.middle_name.without_clear(),
            surname: self.surname.without_clear(),
            title: self.title.without_clear(),
            generation: self.generation.without_clear(),
            nick_name: self.nick_name.without_clear(),
            yomi_given_name: self.yomi_given_name.without_clear(),
            yomi_surname: self.yomi_surname.without_clear(),
            email_addresses: list(self.email_addresses),
            business_phones: list(self.business_phones),
            home_phones: list(self.home_phones),
            mobile_phone: self.mobile_phone.without_clear(),
            im_addresses: list(self.im_addresses),
            home_address: self.home_address.without_clear(),
            business_address: self.business_address.without_clear(),
            other_address: self.other_address.without_clear(),
            company_name: self.company_name.without_clear(),
            department: self.department.without_clear(),
            job_title: self.job_title.without_clear(),
            profession: self.profession.without_clear(),
            manager: self.manager.without_clear(),
            assistant_name: self.assistant_name.without_clear(),
            business_home_page: self.business_home_page.without_clear(),
            birthday: self.birthday.without_clear(),
            personal_notes: self.personal_notes.without_clear(),
            categories: list(self.categories),
            spouse_name: self.spouse_name.without_clear(),
            children: list(self.children),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_sent_and_clears_are_null() {
        let write = ContactWrite {
            given_name: Change::To("Pavel".into()),
            surname: Change::Clear,
            email_addresses: Change::To(vec![]),
            home_address: Change::Clear,
            ..ContactWrite::default()
        };
        let json = serde_json::to_value(&write).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"givenName":"Pavel","surname":null,"emailAddresses":[],"homeAddress":null})
        );
        let created = serde_json::to_value(write.for_create()).unwrap();
        assert_eq!(created, serde_json::json!({"givenName":"Pavel"}));
    }
}
