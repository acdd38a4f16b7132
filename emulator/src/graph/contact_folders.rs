//! Contact folder endpoints: list the folders below the default one (the
//! default "Contacts" folder itself is never listed, a documented known
//! issue: clients find its id as the `parentFolderId` of `/me/contacts`),
//! list and create child folders, get, rename and delete a folder (its
//! subfolders and contacts go with it; the default one cannot go), and the
//! folder delta. Folder ids never change.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::contact_json::{folder_json, folder_select, select};
use super::ctx::Ctx;
use super::error::GraphError;
use super::item_delta::{self, Change, Collection};
use super::lookup::well_formed_id;
use super::params::{next_link, paging};
use super::response::GraphResponse;
use crate::mailstore::Mailbox;

/// The longest folder name, in characters.
const MAX_NAME: usize = 255;

/// The folder a path names (None: the default one); 404 for an unknown
/// id, 400 for a garbled one.
pub(crate) fn resolve(mb: &Mailbox, folder: Option<&str>) -> Result<String, GraphError> {
    match folder {
        None => mb
            .contacts
            .default_folder()
            .map(|f| f.id.clone())
            .ok_or_else(GraphError::item_not_found),
        Some(id) => match mb.contacts.folder(id) {
            Some(f) => Ok(f.id.clone()),
            None if well_formed_id(id) => Err(GraphError::item_not_found()),
            None => Err(GraphError::malformed_id()),
        },
    }
}

fn context(ctx: &Ctx<'_>, tail: &str) -> String {
    format!(
        "{}/$metadata#{}/{tail}",
        ctx.service_root(),
        ctx.context_user()
    )
}

fn selection(ctx: &Ctx<'_>) -> Result<Option<Vec<String>>, GraphError> {
    ctx.req.query("$select").map(folder_select).transpose()
}

pub(crate) fn list(ctx: &Ctx<'_>, parent: Option<&str>) -> Result<GraphResponse, GraphError> {
    let sel = selection(ctx)?;
    let (top, skip) = paging(ctx, 10, 1000)?;
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let parent_id = resolve(&mb, parent)?;
    let all: Vec<Value> = mb
        .contacts
        .children(&parent_id)
        .map(|f| select(folder_json(f), sel.as_deref()))
        .collect();
    let tail = match parent {
        None => "contactFolders".to_string(),
        Some(p) => format!("contactFolders('{p}')/childFolders"),
    };
    let mut body = json!({
        "@odata.context": context(ctx, &tail),
        "value": all.iter().skip(skip).take(top).cloned().collect::<Vec<_>>(),
    });
    if skip.saturating_add(top) < all.len() {
        body["@odata.nextLink"] = json!(next_link(ctx, skip + top, top));
    }
    Ok(GraphResponse::json(StatusCode::OK, &body))
}

fn entity(
    ctx: &Ctx<'_>,
    mb: &Mailbox,
    id: &str,
    status: StatusCode,
) -> Result<GraphResponse, GraphError> {
    let f = mb
        .contacts
        .folder(id)
        .ok_or_else(GraphError::item_not_found)?;
    let sel = selection(ctx)?;
    let mut v = select(folder_json(f), sel.as_deref());
    v["@odata.context"] = json!(context(ctx, "contactFolders/$entity"));
    Ok(GraphResponse::json(status, &v))
}

pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let id = resolve(&mb, Some(id))?;
    entity(ctx, &mb, &id, StatusCode::OK)
}

/// `displayName` from a body; read-only properties ignored, others refused.
fn read_name(ctx: &Ctx<'_>) -> Result<Option<String>, GraphError> {
    let Value::Object(m) = ctx.body_json()? else {
        return Err(GraphError::bad_request(
            "The request body must be a JSON object.",
        ));
    };
    let mut name = None;
    for (k, v) in &m {
        match k.to_ascii_lowercase().as_str() {
            "displayname" => {
                let n = v.as_str().map(str::trim).unwrap_or_default();
                if n.is_empty() || n.chars().count() > MAX_NAME {
                    return Err(GraphError::invalid_request(format!(
                        "The folder name must be between 1 and {MAX_NAME} characters."
                    )));
                }
                name = Some(n.to_string());
            }
            k if k.starts_with("@odata") || k == "id" || k == "parentfolderid" => {}
            _ => {
                return Err(GraphError::bad_request(format!(
                    "Could not find a property named '{k}' on type 'microsoft.graph.contactFolder'."
                )));
            }
        }
    }
    Ok(name)
}

fn exists() -> GraphError {
    GraphError::new(
        StatusCode::CONFLICT,
        "ErrorFolderExists",
        "A folder with the specified name already exists.",
    )
}

pub(crate) fn create(ctx: &Ctx<'_>, parent: Option<&str>) -> Result<GraphResponse, GraphError> {
    selection(ctx)?;
    let name = read_name(ctx)?.ok_or_else(|| {
        GraphError::invalid_request(format!(
            "The folder name must be between 1 and {MAX_NAME} characters."
        ))
    })?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let parent_id = resolve(&mb, parent)?;
    let id = mb
        .contacts
        .create_folder(&parent_id, &name)
        .map_err(|_| exists())?;
    entity(ctx, &mb, &id, StatusCode::CREATED)
}

pub(crate) fn patch(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    selection(ctx)?;
    let name = read_name(ctx)?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let id = resolve(&mb, Some(id))?;
    if let Some(n) = name {
        mb.contacts.rename_folder(&id, &n).map_err(|_| exists())?;
    }
    entity(ctx, &mb, &id, StatusCode::OK)
}

pub(crate) fn delete(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let id = resolve(&mb, Some(id))?;
    if mb.contacts.folder(&id).is_some_and(|f| f.is_default) {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorDeleteDistinguishedFolder",
            "Distinguished folders cannot be deleted.",
        ));
    }
    mb.contacts.delete_folder(&id, cap);
    Ok(GraphResponse::empty(StatusCode::NO_CONTENT))
}

/// `GET /contactFolders/delta`: every contact folder of the mailbox (the
/// default one included), then changes and deletions.
pub(crate) fn delta(ctx: &Ctx<'_>) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let store = &mb.contacts;
    let round = item_delta::begin(
        ctx,
        &Collection {
            kind: "contactFolder",
            typed: true,
            id: "",
            floor: store.folder_delta_floor,
            epoch: mb.delta_epoch,
            seq: store.seq,
        },
        |s| folder_select(s).map(|_| ()),
    )?;
    let sel = round.select().map(folder_select).transpose()?;
    let mut changes: Vec<Change> = store
        .folders
        .iter()
        .filter(|f| round.pending(f.changed_seq))
        .map(|f| {
            Change::Present(
                f.changed_seq,
                f.id.clone(),
                select(folder_json(f), sel.as_deref()),
            )
        })
        .collect();
    if !round.initial() {
        changes.extend(
            store
                .folder_tombstones
                .iter()
                .filter(|(s, _)| round.pending(*s))
                .map(|(s, id)| Change::Removed(*s, id.clone())),
        );
    }
    Ok(item_delta::answer(ctx, round, changes))
}
