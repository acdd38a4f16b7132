//! Mail folders: the whole tree (v1.0 lists one level at a time, so the
//! walk follows `childFolderCount`), the well-known folders in one `$batch`,
//! and create, rename, delete.

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::batch::BatchItem;
use super::call::{Body, Call, Target, encode};
use super::error::{BadAnswer, Error};
use super::mailbox::Mailbox;
use super::models::Folder;
use super::requests::{Destination, DisplayName};

const FOLDER_FIELDS: &str =
    "id,displayName,parentFolderId,childFolderCount,totalItemCount,unreadItemCount";

#[derive(Deserialize)]
pub(super) struct Page<T> {
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

impl Mailbox {
    /// Every folder below the root ("Top of Information Store"), parents
    /// before children.
    pub async fn folders(&self) -> Result<Vec<Folder>, Error> {
        let mut all = self.folder_level("/mailFolders").await?;
        let mut at = 0;
        while at < all.len() {
            if all[at].child_folder_count > 0 {
                let path = format!("/mailFolders/{}/childFolders", encode(&all[at].id));
                let children = self.folder_level(&path).await?;
                all.extend(children);
            }
            at += 1;
        }
        Ok(all)
    }

    async fn folder_level(&self, path: &str) -> Result<Vec<Folder>, Error> {
        let top = self.client.settings().page_size.min(1000).to_string();
        let mut call = Call::get("list folders", path)
            .query("$select", FOLDER_FIELDS)
            .query("$top", top);
        let mut out = Vec::new();
        for _ in 0..10_000 {
            let page: Page<Folder> = self.execute(&call).await?.parse()?;
            out.extend(page.value);
            match page.next_link {
                Some(link) => call.target = Target::Link(link),
                None => return Ok(out),
            }
        }
        Err(BadAnswer::Shape("folder listing does not end").into())
    }

    /// One folder by id or well-known name.
    pub async fn folder(&self, id: &str) -> Result<Folder, Error> {
        let call = Call::get("get folder", format!("/mailFolders/{}", encode(id)))
            .query("$select", FOLDER_FIELDS);
        self.execute(&call).await?.parse()
    }

    /// Ids of well-known folders (`inbox`, `sentitems`, …) in one round trip;
    /// `None` for those the mailbox does not have.
    pub async fn well_known(&self, names: &[&str]) -> Result<Vec<Option<String>>, Error> {
        let items = names
            .iter()
            .map(|n| BatchItem {
                method: Method::GET,
                path: format!("/mailFolders/{}?$select=id", encode(n)),
                body: None,
                repeatable: true,
            })
            .collect();
        let answers = self.batch("well-known folders", items).await;
        let mut out = Vec::with_capacity(names.len());
        for answer in answers {
            match answer {
                Ok(v) => out.push(v.get("id").and_then(Value::as_str).map(str::to_string)),
                Err(e) if e.is_not_found() => out.push(None),
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Create `name` below `parent` (`None`: at the top).
    pub async fn create_folder(&self, parent: Option<&str>, name: &str) -> Result<Folder, Error> {
        let path = match parent {
            Some(p) => format!("/mailFolders/{}/childFolders", encode(p)),
            None => "/mailFolders".to_string(),
        };
        // Creating twice gives ErrorFolderExists, which the caller handles,
        // so a lost answer may be repeated.
        let call = Call::with(
            "create folder",
            Method::POST,
            path,
            Body::json(&DisplayName { display_name: name })?,
            true,
        );
        self.execute(&call).await?.parse()
    }

    pub async fn rename_folder(&self, id: &str, name: &str) -> Result<Folder, Error> {
        let call = Call::with(
            "rename folder",
            Method::PATCH,
            format!("/mailFolders/{}", encode(id)),
            Body::json(&DisplayName { display_name: name })?,
            true,
        );
        self.execute(&call).await?.parse()
    }

    /// Move a folder under `parent` (a folder id or `msgfolderroot`).
    pub async fn move_folder(&self, id: &str, parent: &str) -> Result<Folder, Error> {
        let call = Call::with(
            "move folder",
            Method::POST,
            format!("/mailFolders/{}/move", encode(id)),
            Body::json(&Destination {
                destination_id: parent,
            })?,
            true,
        );
        self.execute(&call).await?.parse()
    }

    pub async fn delete_folder(&self, id: &str) -> Result<(), Error> {
        let call = Call::with(
            "delete folder",
            Method::DELETE,
            format!("/mailFolders/{}", encode(id)),
            Body::None,
            true,
        );
        match self.execute(&call).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }
}
