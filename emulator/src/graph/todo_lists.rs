//! To Do list endpoints: list (paged at 10), create, get, rename and delete
//! a list (with its tasks), and list delta. The built-in lists ("Tasks",
//! "Flagged email") cannot be renamed or deleted: To Do answers 400
//! `invalidRequest` with the reason in `innerError`.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::error::GraphError;
use super::item_delta::{self, Change, Collection};
use super::lookup::well_formed_id;
use super::params::{next_link, paging};
use super::response::GraphResponse;
use super::todo_input::MAX_TITLE;
use super::todo_json::{list_json, list_select, selected};
use crate::mailstore::Mailbox;
use crate::todostore::WellKnownList;

/// To Do's 404 for a list or task id it does not have (observed).
pub(crate) fn todo_not_found() -> GraphError {
    GraphError::new(StatusCode::NOT_FOUND, "ErrorItemNotFound", "Item not found")
}

/// The list a path names: 404 for an unknown id, 400 for a garbled one.
pub(crate) fn resolve(mb: &Mailbox, id: &str) -> Result<String, GraphError> {
    match mb.todo.list(id) {
        Some(l) => Ok(l.id.clone()),
        None if well_formed_id(id) => Err(todo_not_found()),
        None => Err(GraphError::malformed_id()),
    }
}

fn context(ctx: &Ctx<'_>, tail: &str) -> String {
    format!(
        "{}/$metadata#{}/todo/{tail}",
        ctx.service_root(),
        ctx.context_user()
    )
}

fn selection(ctx: &Ctx<'_>) -> Result<Option<Vec<String>>, GraphError> {
    ctx.req.query("$select").map(list_select).transpose()
}

pub(crate) fn list(ctx: &Ctx<'_>) -> Result<GraphResponse, GraphError> {
    let sel = selection(ctx)?;
    let (top, skip) = paging(ctx, 10, 1000)?;
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let all: Vec<Value> = mb
        .todo
        .lists
        .iter()
        .map(|l| selected(list_json(l), sel.as_deref()))
        .collect();
    let mut body = json!({
        "@odata.context": context(ctx, "lists"),
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
    let l = mb.todo.list(id).ok_or_else(todo_not_found)?;
    let sel = selection(ctx)?;
    let mut v = selected(list_json(l), sel.as_deref());
    v["@odata.context"] = json!(context(ctx, "lists/$entity"));
    Ok(GraphResponse::json(status, &v))
}

pub(crate) fn get(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let id = resolve(&mb, id)?;
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
                if n.is_empty() || n.chars().count() > MAX_TITLE {
                    return Err(GraphError::invalid_request(format!(
                        "The list name must be between 1 and {MAX_TITLE} characters."
                    )));
                }
                name = Some(n.to_string());
            }
            k if k.starts_with("@odata")
                || ["id", "isowner", "isshared", "wellknownlistname"].contains(&k) => {}
            "tasks" | "extensions" => {
                return Err(GraphError::invalid_request(format!(
                    "The emulated tenant does not take '{k}' with a list; create tasks in it afterwards."
                )));
            }
            _ => {
                return Err(GraphError::bad_request(format!(
                    "Could not find a property named '{k}' on type 'microsoft.graph.todoTaskList'."
                )));
            }
        }
    }
    Ok(name)
}

pub(crate) fn create(ctx: &Ctx<'_>) -> Result<GraphResponse, GraphError> {
    selection(ctx)?;
    let name = read_name(ctx)?.ok_or_else(|| {
        GraphError::invalid_request(format!(
            "The list name must be between 1 and {MAX_TITLE} characters."
        ))
    })?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let id = mb.todo.create_list(&name);
    entity(ctx, &mb, &id, StatusCode::CREATED)
}

fn built_in(mb: &Mailbox, id: &str) -> bool {
    mb.todo
        .list(id)
        .is_some_and(|l| l.well_known != WellKnownList::None)
}

pub(crate) fn patch(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    selection(ctx)?;
    let name = read_name(ctx)?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let id = resolve(&mb, id)?;
    if let Some(n) = name {
        if built_in(&mb, &id) {
            return Err(GraphError::todo_invalid(
                "Your request can't be completed. A default task folder can't be renamed.",
            ));
        }
        mb.todo.rename_list(&id, &n);
    }
    entity(ctx, &mb, &id, StatusCode::OK)
}

pub(crate) fn delete(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let id = resolve(&mb, id)?;
    if built_in(&mb, &id) {
        return Err(GraphError::todo_invalid(
            "Your request can't be completed. A default task folder can't be deleted.",
        ));
    }
    mb.todo.delete_list(&id, cap);
    Ok(GraphResponse::empty(StatusCode::NO_CONTENT))
}

/// `GET /todo/lists/delta`: every list, then renames, new lists and
/// deleted ones.
pub(crate) fn delta(ctx: &Ctx<'_>) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let store = &mb.todo;
    let round = item_delta::begin(
        ctx,
        &Collection {
            kind: "todoTaskList",
            typed: false,
            id: "",
            floor: store.list_delta_floor,
            epoch: mb.delta_epoch,
            seq: store.seq,
        },
        |s| list_select(s).map(|_| ()),
    )?;
    let sel = round.select().map(list_select).transpose()?;
    let mut changes: Vec<Change> = store
        .lists
        .iter()
        .filter(|l| round.pending(l.changed_seq))
        .map(|l| {
            Change::Present(
                l.changed_seq,
                l.id.clone(),
                selected(list_json(l), sel.as_deref()),
            )
        })
        .collect();
    if !round.initial() {
        changes.extend(
            store
                .list_tombstones
                .iter()
                .filter(|(s, _)| round.pending(*s))
                .map(|(s, id)| Change::Removed(*s, id.clone())),
        );
    }
    Ok(item_delta::answer(ctx, round, changes))
}
