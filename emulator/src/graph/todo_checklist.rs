//! A task's checklist items (its steps): list, create (201), get, update
//! and delete. A change to a step is a change to its task: the task gets a
//! new change key and shows up in task delta.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::error::GraphError;
use super::response::GraphResponse;
use super::todo_input::{MAX_LIST, apply_checklist};
use super::todo_json::{checklist_json, checklist_select, selected};
use super::todo_lists::todo_not_found;
use super::todo_tasks::find;
use crate::todostore::{ChecklistItem, TodoStore};

fn selection(ctx: &Ctx<'_>) -> Result<Option<Vec<String>>, GraphError> {
    ctx.req.query("$select").map(checklist_select).transpose()
}

fn context(ctx: &Ctx<'_>, list: &str, task: &str, tail: &str) -> String {
    format!(
        "{}/$metadata#{}/todo/lists('{list}')/tasks('{task}')/checklistItems{tail}",
        ctx.service_root(),
        ctx.context_user()
    )
}

fn entity(
    ctx: &Ctx<'_>,
    list: &str,
    task: &str,
    c: &ChecklistItem,
    status: StatusCode,
) -> Result<GraphResponse, GraphError> {
    let sel = selection(ctx)?;
    let mut v = selected(checklist_json(c), sel.as_deref());
    v["@odata.context"] = json!(context(ctx, list, task, "/$entity"));
    Ok(GraphResponse::json(status, &v))
}

pub(crate) fn list(ctx: &Ctx<'_>, list: &str, task: &str) -> Result<GraphResponse, GraphError> {
    let sel = selection(ctx)?;
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let t = find(&mb, list, task)?;
    let items: Vec<Value> = t
        .checklist
        .iter()
        .map(|c| selected(checklist_json(c), sel.as_deref()))
        .collect();
    let body = json!({"@odata.context": context(ctx, list, task, ""), "value": items});
    Ok(GraphResponse::json(StatusCode::OK, &body))
}

pub(crate) fn get(
    ctx: &Ctx<'_>,
    list: &str,
    task: &str,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let t = find(&mb, list, task)?;
    let c = t
        .checklist
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(todo_not_found)?;
    entity(ctx, list, task, c, StatusCode::OK)
}

pub(crate) fn create(ctx: &Ctx<'_>, list: &str, task: &str) -> Result<GraphResponse, GraphError> {
    selection(ctx)?;
    let body = ctx.body_json()?;
    let mut c = ChecklistItem {
        id: TodoStore::new_checklist_id(),
        display_name: String::new(),
        is_checked: false,
        checked: None,
        created: ctx.now,
    };
    apply_checklist(&body, &mut c, true, ctx.now)?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let key = find(&mb, list, task)?.id.clone();
    if let Some(t) = mb.todo.tasks.get_mut(&key) {
        if t.checklist.len() >= MAX_LIST {
            return Err(GraphError::invalid_request(format!(
                "A task can have at most {MAX_LIST} checklist items."
            )));
        }
        t.checklist.push(c.clone());
    }
    mb.todo.touch_task(&key, ctx.now, false);
    entity(ctx, list, task, &c, StatusCode::CREATED)
}

pub(crate) fn patch(
    ctx: &Ctx<'_>,
    list: &str,
    task: &str,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    selection(ctx)?;
    let body = ctx.body_json()?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let key = find(&mb, list, task)?.id.clone();
    let mut changed = None;
    if let Some(t) = mb.todo.tasks.get_mut(&key)
        && let Some(c) = t.checklist.iter_mut().find(|c| c.id == id)
    {
        let mut next = c.clone();
        apply_checklist(&body, &mut next, false, ctx.now)?;
        *c = next.clone();
        changed = Some(next);
    }
    let c = changed.ok_or_else(todo_not_found)?;
    mb.todo.touch_task(&key, ctx.now, false);
    entity(ctx, list, task, &c, StatusCode::OK)
}

pub(crate) fn delete(
    ctx: &Ctx<'_>,
    list: &str,
    task: &str,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let key = find(&mb, list, task)?.id.clone();
    let mut found = false;
    if let Some(t) = mb.todo.tasks.get_mut(&key) {
        let before = t.checklist.len();
        t.checklist.retain(|c| c.id != id);
        found = t.checklist.len() != before;
    }
    if !found {
        return Err(todo_not_found());
    }
    mb.todo.touch_task(&key, ctx.now, false);
    Ok(GraphResponse::empty(StatusCode::NO_CONTENT))
}
