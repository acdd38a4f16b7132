//! The contact as Graph describes it (v1.0 `contact`), read side: every
//! field the vCard mapping uses, plus what identifies a version (`id`,
//! `changeKey`, `@odata.etag`, `lastModifiedDateTime`) and where it lives
//! (`parentFolderId`). Graph sends `null`, `[]` or `{}` for empty fields;
//! all of them read as "empty" here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// A contact folder. Graph's folder list leaves out the default one (see
/// `Mailbox::default_contact_folder`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactFolder {
    /// Stable: container ids do not change.
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub display_name: String,
    #[serde(default, deserialize_with = "opt_text")]
    pub parent_folder_id: Option<String>,
}

/// `emailAddress`: Outlook shows `name`, mail goes to `address`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAddress {
    #[serde(default, deserialize_with = "opt_text")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub address: String,
}

/// `physicalAddress`: one per kind (home, business, other) on a contact.
/// No PO box and no extended address: vCard's first two ADR parts have
/// nowhere to go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalAddress {
    #[serde(default, deserialize_with = "text")]
    pub street: String,
    #[serde(default, deserialize_with = "text")]
    pub city: String,
    #[serde(default, deserialize_with = "text")]
    pub state: String,
    #[serde(default, deserialize_with = "text")]
    pub postal_code: String,
    #[serde(default, deserialize_with = "text")]
    pub country_or_region: String,
}

impl PhysicalAddress {
    pub fn is_empty(&self) -> bool {
        self.street.is_empty()
            && self.city.is_empty()
            && self.state.is_empty()
            && self.postal_code.is_empty()
            && self.country_or_region.is_empty()
    }
}

/// A contact as Graph returns it (`$select` of `CONTACT_FIELDS`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// Empty only in shortened documentation samples; Graph always sends it.
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    #[serde(default, deserialize_with = "opt_text")]
    pub change_key: Option<String>,
    #[serde(rename = "@odata.etag", default, deserialize_with = "opt_text")]
    pub etag: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub parent_folder_id: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_modified_date_time: Option<DateTime<Utc>>,

    #[serde(default, deserialize_with = "opt_text")]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub given_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub middle_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub surname: Option<String>,
    /// The honorific ("Dr."), vCard N's prefix; not the job title.
    #[serde(default, deserialize_with = "opt_text")]
    pub title: Option<String>,
    /// "Jr.", "III": vCard N's suffix.
    #[serde(default, deserialize_with = "opt_text")]
    pub generation: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub nick_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub initials: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub file_as: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub yomi_given_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub yomi_surname: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub yomi_company_name: Option<String>,

    #[serde(default, deserialize_with = "list")]
    pub email_addresses: Vec<EmailAddress>,
    #[serde(default, deserialize_with = "list")]
    pub business_phones: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub home_phones: Vec<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub mobile_phone: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub im_addresses: Vec<String>,

    #[serde(default, deserialize_with = "address")]
    pub home_address: Option<PhysicalAddress>,
    #[serde(default, deserialize_with = "address")]
    pub business_address: Option<PhysicalAddress>,
    #[serde(default, deserialize_with = "address")]
    pub other_address: Option<PhysicalAddress>,

    #[serde(default, deserialize_with = "opt_text")]
    pub company_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub department: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub job_title: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub profession: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub office_location: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub manager: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub assistant_name: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub business_home_page: Option<String>,

    /// A date kept as a UTC timestamp (see `pim::vcard` for the day it means).
    #[serde(default)]
    pub birthday: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_text")]
    pub personal_notes: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub categories: Vec<String>,
    #[serde(default, deserialize_with = "opt_text")]
    pub spouse_name: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub children: Vec<String>,
}

/// What the gateway `$select`s of a contact: every field of `Contact`.
pub const CONTACT_FIELDS: &str = "id,changeKey,parentFolderId,createdDateTime,lastModifiedDateTime,\
displayName,givenName,middleName,surname,title,generation,nickName,initials,fileAs,\
yomiGivenName,yomiSurname,yomiCompanyName,emailAddresses,businessPhones,homePhones,mobilePhone,\
imAddresses,homeAddress,businessAddress,otherAddress,companyName,department,jobTitle,profession,\
officeLocation,manager,assistantName,businessHomePage,birthday,personalNotes,categories,\
spouseName,children";

/// A string; `null` reads as empty.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// An optional string; `null` and `""` read as `None`.
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// A collection; `null` reads as empty.
pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A physical address; `null` and `{}` (Graph's "no address") read as `None`.
fn address<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PhysicalAddress>, D::Error> {
    Ok(Option::<PhysicalAddress>::deserialize(d)?.filter(|a| !a.is_empty()))
}
