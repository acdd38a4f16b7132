//! Mail folder endpoints: list (one level, paged at 10), get, create, rename,
//! delete (to Deleted Items first, then for good), move, copy, permanentDelete.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::error::GraphError;
use super::lookup::resolve;
use super::params::{destination, next_link, paging};
use super::render::{folder_json, folder_select};
use super::response::GraphResponse;
use crate::mailstore::Mailbox;
use crate::odata::{self, EntityType, Filter};

fn not_found() -> GraphError {
    GraphError::item_not_found()
}

fn folder_selection(ctx: &Ctx<'_>) -> Result<Option<Vec<String>>, GraphError> {
    match ctx.req.query("$select") {
        None => Ok(None),
        Some(s) => Ok(Some(odata::parse_select(s, EntityType::MailFolder)?)),
    }
}

pub(crate) fn list(ctx: &Ctx<'_>, parent: Option<&str>) -> Result<GraphResponse, GraphError> {
    let select = folder_selection(ctx)?;
    let filter = ctx
        .req
        .query("$filter")
        .map(|f| Filter::parse(f, EntityType::MailFolder))
        .transpose()?;
    let (top, skip) = paging(ctx, 10, 1000)?;
    let include_hidden = ctx
        .req
        .query("includeHiddenFolders")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let parent_id = match parent {
        Some(p) => resolve(&mb, p)?,
        None => mb.root_id().to_string(),
    };
    let mut all: Vec<Value> = mb
        .children(&parent_id)
        .filter(|f| include_hidden || !f.is_hidden)
        .map(|f| folder_json(&mb, f))
        .filter(|v| filter.as_ref().is_none_or(|flt| flt.matches(v)))
        .collect();
    all.sort_by(|a, b| {
        let n = |v: &Value| v["displayName"].as_str().unwrap_or_default().to_lowercase();
        n(a).cmp(&n(b))
    });
    let page: Vec<Value> = all
        .iter()
        .skip(skip)
        .take(top)
        .cloned()
        .map(|v| folder_select(v, select.as_deref()))
        .collect();
    let context = match parent {
        Some(p) => format!(
            "{}/$metadata#{}/mailFolders('{}')/childFolders",
            ctx.service_root(),
            ctx.context_user(),
            p
        ),
        None => format!(
            "{}/$metadata#{}/mailFolders",
            ctx.service_root(),
            ctx.context_user()
        ),
    };
    let mut body = json!({"@odata.context": context, "value": page});
    if ctx
        .req
        .query("$count")
        .is_some_and(|c| c.eq_ignore_ascii_case("true"))
    {
        body["@odata.count"] = json!(all.len());
    }
    if skip + top < all.len() {
        body["@odata.nextLink"] = json!(next_link(ctx, skip + top, top));
    }
    Ok(GraphResponse::json(StatusCode::OK, &body))
}

fn folder_response(
    ctx: &Ctx<'_>,
    mb: &Mailbox,
    id: &str,
    status: StatusCode,
) -> Result<GraphResponse, GraphError> {
    let f = mb.folder(id).ok_or_else(not_found)?;
    let mut v = folder_select(folder_json(mb, f), folder_selection(ctx)?.as_deref());
    if let Value::Object(o) = &mut v {
        let mut with_ctx = serde_json::Map::new();
        with_ctx.insert(
            "@odata.context".into(),
            json!(format!(
                "{}/$metadata#{}/mailFolders/$entity",
                ctx.service_root(),
                ctx.context_user()
            )),
        );
        with_ctx.append(o);
        v = Value::Object(with_ctx);
    }
    Ok(GraphResponse::json(status, &v))
}

pub(crate) fn get(ctx: &Ctx<'_>, key: &str) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let id = resolve(&mb, key)?;
    folder_response(ctx, &mb, &id, StatusCode::OK)
}

fn folder_exists() -> GraphError {
    GraphError::new(
        StatusCode::CONFLICT,
        "ErrorFolderExists",
        "A folder with the specified name already exists.",
    )
}

fn name_taken(mb: &Mailbox, parent: &str, name: &str, except: Option<&str>) -> bool {
    mb.children(parent)
        .any(|f| Some(f.id.as_str()) != except && f.display_name.eq_ignore_ascii_case(name))
}

fn display_name(body: &Value) -> Result<Option<String>, GraphError> {
    match body.get("displayName").or_else(|| body.get("DisplayName")) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(GraphError::invalid_request(
            "The folder name must be a non-empty string.",
        )),
    }
}

pub(crate) fn create(ctx: &Ctx<'_>, parent: Option<&str>) -> Result<GraphResponse, GraphError> {
    let body = ctx.body_json()?;
    let name = display_name(&body)?.ok_or_else(|| {
        GraphError::invalid_request("The request is missing the required property 'displayName'.")
    })?;
    let hidden = body
        .get("isHidden")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let parent_id = match parent {
        Some(p) => resolve(&mb, p)?,
        None => mb.root_id().to_string(),
    };
    if name_taken(&mb, &parent_id, &name, None) {
        return Err(folder_exists());
    }
    let id = mb.create_folder(&parent_id, &name, hidden);
    folder_response(ctx, &mb, &id, StatusCode::CREATED)
}

pub(crate) fn patch(ctx: &Ctx<'_>, key: &str) -> Result<GraphResponse, GraphError> {
    let body = ctx.body_json()?;
    if body.get("isHidden").is_some() {
        return Err(GraphError::invalid_request(
            "The property 'isHidden' can only be set when the folder is created.",
        ));
    }
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let id = resolve(&mb, key)?;
    if let Some(name) = display_name(&body)? {
        let (parent, well_known) = {
            let f = mb.folder(&id).ok_or_else(not_found)?;
            (f.parent_id.clone(), f.well_known.is_some())
        };
        if well_known {
            return Err(GraphError::invalid_request(
                "A distinguished folder cannot be renamed.",
            ));
        }
        if name_taken(&mb, &parent, &name, Some(&id)) {
            return Err(folder_exists());
        }
        let seq = mb.next_seq();
        if let Some(f) = mb.folder_mut(&id) {
            f.display_name = name;
            f.changed_seq = seq;
        }
    }
    folder_response(ctx, &mb, &id, StatusCode::OK)
}

pub(crate) fn delete(
    ctx: &Ctx<'_>,
    key: &str,
    permanent: bool,
) -> Result<GraphResponse, GraphError> {
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let id = resolve(&mb, key)?;
    if mb.folder(&id).is_some_and(|f| f.well_known.is_some()) {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorDeleteDistinguishedFolder",
            "Distinguished folders cannot be deleted.",
        ));
    }
    let trash = mb.well_known_id("deleteditems");
    if permanent || mb.is_within(&id, &trash) {
        mb.purge_folder(&id, cap);
    } else {
        // Like Outlook, deleting a folder moves it (and its mail) to Deleted Items.
        let name = mb
            .folder(&id)
            .map(|f| f.display_name.clone())
            .unwrap_or_default();
        let mut unique = name.clone();
        let mut n = 1;
        while name_taken(&mb, &trash, &unique, Some(&id)) {
            n += 1;
            unique = format!("{name} {n}");
        }
        let seq = mb.next_seq();
        if let Some(f) = mb.folder_mut(&id) {
            f.parent_id = trash.clone();
            f.display_name = unique;
            f.changed_seq = seq;
        }
    }
    Ok(GraphResponse::empty(StatusCode::NO_CONTENT))
}

pub(crate) fn move_or_copy(
    ctx: &Ctx<'_>,
    key: &str,
    copy: bool,
) -> Result<GraphResponse, GraphError> {
    let dest_key = destination(&ctx.body_json()?)?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let id = resolve(&mb, key)?;
    let dest = resolve(&mb, &dest_key)?;
    let (name, well_known) = {
        let f = mb.folder(&id).ok_or_else(not_found)?;
        (f.display_name.clone(), f.well_known.is_some())
    };
    if well_known && !copy {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorMoveDistinguishedFolder",
            "Cannot move distinguished folder.",
        ));
    }
    if mb.is_within(&dest, &id) {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorMoveCopyFailed",
            "The move or copy operation failed: the destination is inside the folder.",
        ));
    }
    if name_taken(&mb, &dest, &name, Some(&id)) {
        return Err(folder_exists());
    }
    let result = if copy {
        copy_tree(&mut mb, &id, &dest, ctx.now)
    } else {
        let seq = mb.next_seq();
        if let Some(f) = mb.folder_mut(&id) {
            f.parent_id = dest.clone();
            f.changed_seq = seq;
        }
        id
    };
    folder_response(ctx, &mb, &result, StatusCode::CREATED)
}

fn copy_tree(
    mb: &mut Mailbox,
    src: &str,
    dest_parent: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let (name, hidden) = mb
        .folder(src)
        .map(|f| (f.display_name.clone(), f.is_hidden))
        .unwrap_or_default();
    let new_id = mb.create_folder(dest_parent, &name, hidden);
    let items: Vec<String> = mb
        .messages
        .values()
        .filter(|m| m.folder_id == src)
        .map(|m| m.immutable_id.clone())
        .collect();
    for k in items {
        mb.copy_message(&k, &new_id, now);
    }
    let children: Vec<String> = mb.children(src).map(|f| f.id.clone()).collect();
    for c in children {
        copy_tree(mb, &c, &new_id, now);
    }
    new_id
}
