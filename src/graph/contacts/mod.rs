//! Contacts: the mailbox's contact folders (the default one included,
//! which Graph's folder list leaves out), contacts read and written one at
//! a time, their photos, and a folder's delta. The vCard side of all this
//! is `pim::vcard`; this module knows only Graph's JSON.
//!
//! Also the delta round shared with To Do (`follow_delta`): changed items
//! and removed ids until the deltaLink, `Error::SyncReset` when Graph
//! forgot the state (410 Gone).

mod model;
mod write;

use bytes::Bytes;
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::call::{Body, Call, Target, encode};
use super::error::{BadAnswer, Error};
use super::mailbox::Mailbox;

pub use model::{CONTACT_FIELDS, Contact, ContactFolder, EmailAddress, PhysicalAddress};
pub(crate) use model::{list, opt_text};
pub use write::{Change, ContactWrite};

const FOLDER_FIELDS: &str = "id,displayName,parentFolderId";

/// Graph takes contact photos under 4 MB (its limit on one REST request).
pub const MAX_PHOTO_BYTES: usize = 4_000_000;

/// A contact's photo: JPEG is what Graph documents for the upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// `image/jpeg`, `image/png`, … (sniffed from the bytes on reads).
    pub content_type: String,
    pub data: Bytes,
}

impl Photo {
    /// The media type the bytes begin like, `image/jpeg` when unknown.
    pub fn sniff(data: &[u8]) -> &'static str {
        if data.starts_with(&[0x89, b'P', b'N', b'G']) {
            "image/png"
        } else if data.starts_with(b"GIF8") {
            "image/gif"
        } else {
            "image/jpeg"
        }
    }
}

/// One delta round of a folder or list: what changed (whole items), what
/// went away (ids), and the link that starts the next round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta<T> {
    pub changed: Vec<T>,
    pub removed: Vec<String>,
    /// Save it: the next round starts from it.
    pub delta_link: String,
    pub pages: u32,
}

#[derive(Deserialize)]
pub(super) struct Page<T> {
    #[serde(default = "Vec::new")]
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    pub delta_link: Option<String>,
}

/// Longest listing or delta round we follow (pages).
const MAX_PAGES: u32 = 100_000;

impl Mailbox {
    /// Every page of a listing, following nextLink.
    pub(super) async fn list_all<T: DeserializeOwned>(
        &self,
        mut call: Call,
    ) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: Page<T> = self.execute(&call).await?.parse()?;
            out.extend(page.value);
            match page.next_link {
                Some(link) => call.target = Target::Link(link),
                None => return Ok(out),
            }
        }
        Err(BadAnswer::Shape("listing does not end").into())
    }

    /// One delta round from `first` (an initial request or a saved
    /// deltaLink as `Target::Link`) to the deltaLink. Items marked
    /// `@removed` become removed ids; 410 Gone, `syncStateNotFound` and
    /// `resyncRequired` become `Error::SyncReset`.
    pub(super) async fn follow_delta<T: DeserializeOwned>(
        &self,
        mut call: Call,
    ) -> Result<Delta<T>, Error> {
        let page_size = self.client.settings().page_size;
        call.prefer = Some(format!("odata.maxpagesize={page_size}"));
        let mut round = Delta {
            changed: Vec::new(),
            removed: Vec::new(),
            delta_link: String::new(),
            pages: 0,
        };
        loop {
            let answer = match self.execute(&call).await {
                Ok(a) => a,
                Err(Error::Graph(f))
                    if f.status == 410 || f.is("syncStateNotFound") || f.is("resyncRequired") =>
                {
                    return Err(Error::SyncReset);
                }
                Err(e) => return Err(e),
            };
            let page: Page<serde_json::Value> = answer.parse()?;
            round.pages += 1;
            read_delta_items(page.value, &mut round)?;
            if let Some(link) = page.delta_link {
                round.delta_link = link;
                return Ok(round);
            }
            match page.next_link {
                Some(next) => call.target = Target::Link(next),
                None => return Err(BadAnswer::Shape("a delta page without a next link").into()),
            }
            if round.pages >= MAX_PAGES {
                return Err(BadAnswer::Shape("delta round does not end").into());
            }
        }
    }
}

/// Sort one page's items into changed and removed.
pub(super) fn read_delta_items<T: DeserializeOwned>(
    items: Vec<serde_json::Value>,
    round: &mut Delta<T>,
) -> Result<(), Error> {
    for item in items {
        if item.get("@removed").is_some() {
            if let Some(id) = item.get("id").and_then(|v| v.as_str()) {
                round.removed.push(id.to_string());
            }
            continue;
        }
        let parsed: T = serde_json::from_value(item).map_err(BadAnswer::from)?;
        round.changed.push(parsed);
    }
    Ok(())
}

impl Mailbox {
    /// The mailbox's contact folders below the root (`/contactFolders`,
    /// every page). The default "Contacts" folder is not among them.
    pub async fn contact_folders(&self) -> Result<Vec<ContactFolder>, Error> {
        let top = self.client.settings().page_size.min(1000).to_string();
        let call = Call::get("list contact folders", "/contactFolders")
            .query("$select", FOLDER_FIELDS)
            .query("$top", top);
        self.list_all(call).await
    }

    /// One contact folder by id.
    pub async fn contact_folder(&self, id: &str) -> Result<ContactFolder, Error> {
        let call = Call::get(
            "get contact folder",
            format!("/contactFolders/{}", encode(id)),
        )
        .query("$select", FOLDER_FIELDS);
        self.execute(&call).await?.parse()
    }

    /// The default contacts folder. Graph documents finding its id as the
    /// `parentFolderId` of any contact in `/contacts`; when that folder is
    /// empty we ask for the well-known name `contactFolders/contacts`,
    /// which Exchange answers but v1.0 does not document
    /// (docs/carddav.md §1). `None` when neither works: the folder can be
    /// written through `/contacts` but not yet listed.
    pub async fn default_contact_folder(&self) -> Result<Option<ContactFolder>, Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Parent {
            #[serde(default)]
            parent_folder_id: Option<String>,
        }
        let call = Call::get("find default contact folder", "/contacts")
            .query("$select", "parentFolderId")
            .query("$top", "1");
        let page: Page<Parent> = self.execute(&call).await?.parse()?;
        if let Some(id) = page.value.into_iter().find_map(|p| p.parent_folder_id) {
            return self.contact_folder(&id).await.map(Some);
        }
        let call = Call::get("get default contact folder", "/contactFolders/contacts")
            .query("$select", FOLDER_FIELDS);
        match self.execute(&call).await {
            Ok(answer) => answer.parse().map(Some),
            Err(Error::Graph(f)) if matches!(f.status, 400 | 404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One contact of a folder.
    pub async fn contact(&self, folder_id: &str, id: &str) -> Result<Contact, Error> {
        let call =
            Call::get("get contact", contact_path(folder_id, id)).query("$select", CONTACT_FIELDS);
        self.execute(&call).await?.parse()
    }

    /// Create a contact in a folder; Graph answers with the new contact.
    /// Not repeated when the answer is lost (`Error::OutcomeUnknown`).
    pub async fn create_contact(
        &self,
        folder_id: &str,
        contact: &ContactWrite,
    ) -> Result<Contact, Error> {
        let path = format!("/contactFolders/{}/contacts", encode(folder_id));
        let call = Call::with(
            "create contact",
            Method::POST,
            path,
            Body::json(contact)?,
            false,
        );
        self.execute(&call).await?.parse()
    }

    /// Change a contact (PATCH: only the fields the write sets or clears).
    pub async fn update_contact(
        &self,
        folder_id: &str,
        id: &str,
        changes: &ContactWrite,
    ) -> Result<Contact, Error> {
        let call = Call::with(
            "update contact",
            Method::PATCH,
            contact_path(folder_id, id),
            Body::json(changes)?,
            true,
        );
        self.execute(&call).await?.parse()
    }

    /// Delete a contact (it goes to Deleted Items, as in Outlook).
    pub async fn delete_contact(&self, folder_id: &str, id: &str) -> Result<(), Error> {
        let call = Call::with(
            "delete contact",
            Method::DELETE,
            contact_path(folder_id, id),
            Body::None,
            true,
        );
        self.execute(&call).await.map(|_| ())
    }

    /// The contact's photo, `None` when it has none (404).
    pub async fn contact_photo(&self, id: &str) -> Result<Option<Photo>, Error> {
        let call = Call::get("get contact photo", photo_path(id));
        match self.execute(&call).await {
            Ok(answer) if answer.body.is_empty() => Ok(None),
            Ok(answer) => Ok(Some(Photo {
                content_type: Photo::sniff(&answer.body).to_string(),
                data: answer.body,
            })),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Set the contact's photo (PUT of the bytes; Graph documents JPEG and
    /// under 4 MB, which `pim::vcard` checks before it gets here).
    pub async fn put_contact_photo(&self, id: &str, photo: &Photo) -> Result<(), Error> {
        if photo.data.len() > MAX_PHOTO_BYTES {
            return Err(BadAnswer::Shape("contact photo over Graph's 4 MB").into());
        }
        let body = Body::Bytes {
            content_type: photo.content_type.clone(),
            data: photo.data.clone(),
        };
        let call = Call::with("put contact photo", Method::PUT, photo_path(id), body, true);
        self.execute(&call).await.map(|_| ())
    }

    /// Remove the contact's photo; no photo is not an error.
    pub async fn delete_contact_photo(&self, id: &str) -> Result<(), Error> {
        let call = Call::with(
            "delete contact photo",
            Method::DELETE,
            photo_path(id),
            Body::None,
            true,
        );
        match self.execute(&call).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// One delta round of a contact folder: from `link` (the last round's
    /// deltaLink) or, without one, every contact the folder holds now.
    /// `Err(Error::SyncReset)` when Graph forgot the sync state.
    pub async fn contacts_delta(
        &self,
        folder_id: &str,
        link: Option<&str>,
    ) -> Result<Delta<Contact>, Error> {
        let call = match link {
            Some(link) => Call {
                target: Target::Link(link.to_string()),
                ..Call::get("contact delta", "")
            },
            None => Call::get(
                "contact delta",
                format!("/contactFolders/{}/contacts/delta", encode(folder_id)),
            )
            .query("$select", CONTACT_FIELDS),
        };
        self.follow_delta(call).await
    }
}

fn contact_path(folder_id: &str, id: &str) -> String {
    format!(
        "/contactFolders/{}/contacts/{}",
        encode(folder_id),
        encode(id)
    )
}

fn photo_path(id: &str) -> String {
    format!("/contacts/{}/photo/$value", encode(id))
}

#[cfg(test)]
mod tests;
