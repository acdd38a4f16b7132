//! Contact endpoints: list (paged at 10) and create in the default folder
//! or a folder by id, get, update and delete one contact (`If-Match` with a
//! stale change key gets 412), and contact delta per folder. Every write
//! gives the contact a new change key. Also the dispatch of every contact
//! operation, after the body-size check they share.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::contact_folders::{self, resolve};
use super::contact_input::apply;
use super::contact_json::{contact_id, contact_json, contact_select, select};
use super::contact_photo;
use super::contact_route::ContactOp;
use super::ctx::Ctx;
use super::error::GraphError;
use super::events::check_if_match;
use super::item_delta::{self, Change, Collection};
use super::lookup::well_formed_id;
use super::params::{next_link, paging};
use super::response::GraphResponse;
use crate::contactstore::{ContactFields, StoredContact};
use crate::mailstore::Mailbox;

/// Run one contact operation.
pub(crate) fn dispatch(ctx: &Ctx<'_>, op: ContactOp) -> Result<GraphResponse, GraphError> {
    let photo_put = matches!(op, ContactOp::PutPhotoValue { .. });
    if !photo_put && ctx.req.body.len() > ctx.settings.max_request_bytes {
        return Err(GraphError::too_large());
    }
    match op {
        ContactOp::ListFolders { parent } => contact_folders::list(ctx, parent.as_deref()),
        ContactOp::CreateFolder { parent } => contact_folders::create(ctx, parent.as_deref()),
        ContactOp::GetFolder(f) => contact_folders::get(ctx, &f),
        ContactOp::PatchFolder(f) => contact_folders::patch(ctx, &f),
        ContactOp::DeleteFolder(f) => contact_folders::delete(ctx, &f),
        ContactOp::FolderDelta => contact_folders::delta(ctx),
        ContactOp::List { folder } => list(ctx, folder.as_deref()),
        ContactOp::Create { folder } => create(ctx, folder.as_deref()),
        ContactOp::Delta { folder } => delta(ctx, folder.as_deref()),
        ContactOp::Get { folder, id } => get(ctx, folder.as_deref(), &id),
        ContactOp::Patch { folder, id } => patch(ctx, folder.as_deref(), &id),
        ContactOp::Delete { folder, id } => delete(ctx, folder.as_deref(), &id),
        ContactOp::GetPhoto { folder, id } => contact_photo::metadata(ctx, folder.as_deref(), &id),
        ContactOp::GetPhotoValue { folder, id } => {
            contact_photo::value(ctx, folder.as_deref(), &id)
        }
        ContactOp::PutPhotoValue { folder, id } => contact_photo::put(ctx, folder.as_deref(), &id),
        ContactOp::DeletePhoto { folder, id } => contact_photo::delete(ctx, folder.as_deref(), &id),
    }
}

/// The contact a path names: by default or immutable id, inside `folder`
/// when the path went through one.
pub(crate) fn find<'m>(
    mb: &'m Mailbox,
    folder: Option<&str>,
    id: &str,
) -> Result<&'m StoredContact, GraphError> {
    let c = mb.contacts.contact(id).ok_or_else(|| {
        if well_formed_id(id) {
            GraphError::item_not_found()
        } else {
            GraphError::malformed_id()
        }
    })?;
    if let Some(f) = folder
        && resolve(mb, Some(f))? != c.folder_id
    {
        return Err(GraphError::item_not_found());
    }
    Ok(c)
}

fn selection(ctx: &Ctx<'_>) -> Result<Option<Vec<String>>, GraphError> {
    ctx.req.query("$select").map(contact_select).transpose()
}

fn refuse_unevaluated(ctx: &Ctx<'_>) -> Result<(), GraphError> {
    for q in ["$filter", "$search"] {
        if ctx.req.query(q).is_some() {
            return Err(GraphError::invalid_request(format!(
                "The emulated tenant does not evaluate {q} on contacts."
            )));
        }
    }
    Ok(())
}

/// Properties `$orderby` may sort contacts by here.
const ORDERABLE: [&str; 7] = [
    "displayName",
    "givenName",
    "surname",
    "companyName",
    "fileAs",
    "createdDateTime",
    "lastModifiedDateTime",
];

/// Sort by a simple `$orderby` (one property, `asc` or `desc`).
fn order(ctx: &Ctx<'_>, list: &mut [&StoredContact]) -> Result<(), GraphError> {
    let Some(raw) = ctx.req.query("$orderby") else {
        return Ok(());
    };
    let mut words = raw.split_whitespace();
    let prop = words.next().unwrap_or_default();
    let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(bad_order(raw)),
    };
    let Some(prop) = ORDERABLE.iter().find(|p| p.eq_ignore_ascii_case(prop)) else {
        return Err(bad_order(raw));
    };
    if words.next().is_some() {
        return Err(bad_order(raw));
    }
    let key = |c: &StoredContact| -> String {
        match *prop {
            "createdDateTime" => c.created.to_rfc3339(),
            "lastModifiedDateTime" => c.modified.to_rfc3339(),
            p => c.fields.string(p).unwrap_or_default().to_lowercase(),
        }
    };
    list.sort_by_cached_key(|c| key(c));
    if desc {
        list.reverse();
    }
    Ok(())
}

fn bad_order(raw: &str) -> GraphError {
    GraphError::invalid_request(format!(
        "The emulated tenant sorts contacts by one of {} (asc or desc), not '{raw}'.",
        ORDERABLE.join(", ")
    ))
}

fn respond(
    ctx: &Ctx<'_>,
    c: &StoredContact,
    status: StatusCode,
) -> Result<GraphResponse, GraphError> {
    let sel = selection(ctx)?;
    let mut v = select(contact_json(ctx, c), sel.as_deref());
    v["@odata.context"] = json!(format!(
        "{}/$metadata#{}/contacts/$entity",
        ctx.service_root(),
        ctx.context_user()
    ));
    Ok(GraphResponse::json(status, &v))
}

pub(crate) fn list(ctx: &Ctx<'_>, folder: Option<&str>) -> Result<GraphResponse, GraphError> {
    refuse_unevaluated(ctx)?;
    let sel = selection(ctx)?;
    let (mut top, skip) = paging(ctx, 10, 1000)?;
    if ctx.req.query("$top").is_none()
        && let Some(n) = ctx.prefer.max_page_size
    {
        top = n.clamp(1, 1000);
    }
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let fid = resolve(&mb, folder)?;
    let mut all = mb.contacts.contacts_in(&fid);
    order(ctx, &mut all)?;
    let page: Vec<Value> = all
        .iter()
        .skip(skip)
        .take(top)
        .map(|c| select(contact_json(ctx, c), sel.as_deref()))
        .collect();
    let tail = match folder {
        None => "contacts".to_string(),
        Some(f) => format!("contactFolders('{f}')/contacts"),
    };
    let mut body = json!({
        "@odata.context": format!("{}/$metadata#{}/{tail}", ctx.service_root(), ctx.context_user()),
        "value": page,
    });
    if skip.saturating_add(top) < all.len() {
        body["@odata.nextLink"] = json!(next_link(ctx, skip + top, top));
    }
    Ok(GraphResponse::json(StatusCode::OK, &body))
}

pub(crate) fn get(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let c = find(&mb, folder, id)?;
    respond(ctx, c, StatusCode::OK)
}

pub(crate) fn create(ctx: &Ctx<'_>, folder: Option<&str>) -> Result<GraphResponse, GraphError> {
    // Query options are checked before anything is written.
    selection(ctx)?;
    let body = ctx.body_json()?;
    let mut fields = ContactFields::default();
    apply(&body, &mut fields)?;
    if fields.display_name.is_empty() {
        fields.display_name = fields.composed_name();
    }
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let fid = resolve(&mb, folder)?;
    let key = mb.contacts.insert(&fid, fields, ctx.now);
    let c = mb
        .contacts
        .contact(&key)
        .ok_or_else(GraphError::item_not_found)?;
    respond(ctx, c, StatusCode::CREATED)
}

pub(crate) fn patch(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    selection(ctx)?;
    let body = ctx.body_json()?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let c = find(&mb, folder, id)?;
    check_if_match(ctx, &c.change_key)?;
    let key = c.immutable_id.clone();
    let mut fields = c.fields.clone();
    apply(&body, &mut fields)?;
    if let Some(c) = mb.contacts.contacts.get_mut(&key) {
        c.fields = fields;
    }
    mb.contacts.touch(&key, ctx.now);
    let c = mb
        .contacts
        .contact(&key)
        .ok_or_else(GraphError::item_not_found)?;
    respond(ctx, c, StatusCode::OK)
}

pub(crate) fn delete(
    ctx: &Ctx<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let c = find(&mb, folder, id)?;
    check_if_match(ctx, &c.change_key)?;
    let key = c.immutable_id.clone();
    mb.contacts.remove(&key, cap);
    Ok(GraphResponse::empty(StatusCode::NO_CONTENT))
}

/// `GET …/contacts/delta`: a folder's contacts, then what changed and
/// `@removed` for contacts deleted or moved out of it.
pub(crate) fn delta(ctx: &Ctx<'_>, folder: Option<&str>) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let fid = resolve(&mb, folder)?;
    let f = mb
        .contacts
        .folder(&fid)
        .ok_or_else(GraphError::item_not_found)?;
    let round = item_delta::begin(
        ctx,
        &Collection {
            kind: "contact",
            typed: true,
            id: &fid,
            floor: f.delta_floor,
            epoch: mb.delta_epoch,
            seq: mb.contacts.seq,
        },
        |s| contact_select(s).map(|_| ()),
    )?;
    let sel = round.select().map(contact_select).transpose()?;
    let mut changes: Vec<Change> = mb
        .contacts
        .contacts_in(&fid)
        .into_iter()
        .filter(|c| round.pending(c.changed_seq))
        .map(|c| {
            Change::Present(
                c.changed_seq,
                contact_id(ctx, c),
                select(contact_json(ctx, c), sel.as_deref()),
            )
        })
        .collect();
    if !round.initial() {
        changes.extend(
            f.tombstones
                .iter()
                .filter(|t| round.pending(t.seq))
                .map(|t| {
                    let id = if ctx.prefer.immutable_ids {
                        t.id.clone()
                    } else {
                        t.rest.clone()
                    };
                    Change::Removed(t.seq, id)
                }),
        );
    }
    Ok(item_delta::answer(ctx, round, changes))
}
