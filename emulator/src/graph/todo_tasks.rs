//! To Do task endpoints: list a list's tasks (paged at 10), create (201),
//! get, update (`If-Match` with a stale change key gets 412) and delete a
//! task, and task delta per list. A task id asked for below a list it is
//! not in gets To Do's 400 "Parent folder specified does not contain a Task
//! with given Id". Also the dispatch of every To Do operation.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::error::GraphError;
use super::event_json::OutZone;
use super::events::check_if_match;
use super::item_delta::{self, Change, Collection};
use super::lookup::well_formed_id;
use super::params::{next_link, paging};
use super::response::GraphResponse;
use super::todo_checklist;
use super::todo_input::apply;
use super::todo_json::{selected, task_json, task_select};
use super::todo_lists::{self, resolve, todo_not_found};
use super::todo_route::TodoOp;
use crate::mailstore::Mailbox;
use crate::todostore::{StoredTask, TaskFields};

/// Run one To Do operation.
pub(crate) fn dispatch(ctx: &Ctx<'_>, op: TodoOp) -> Result<GraphResponse, GraphError> {
    if ctx.req.body.len() > ctx.settings.max_request_bytes {
        return Err(GraphError::too_large());
    }
    match op {
        TodoOp::ListLists => todo_lists::list(ctx),
        TodoOp::CreateList => todo_lists::create(ctx),
        TodoOp::ListDelta => todo_lists::delta(ctx),
        TodoOp::GetList(l) => todo_lists::get(ctx, &l),
        TodoOp::PatchList(l) => todo_lists::patch(ctx, &l),
        TodoOp::DeleteList(l) => todo_lists::delete(ctx, &l),
        TodoOp::ListTasks(l) => list(ctx, &l),
        TodoOp::CreateTask(l) => create(ctx, &l),
        TodoOp::TaskDelta(l) => delta(ctx, &l),
        TodoOp::GetTask(l, t) => get(ctx, &l, &t),
        TodoOp::PatchTask(l, t) => patch(ctx, &l, &t),
        TodoOp::DeleteTask(l, t) => delete(ctx, &l, &t),
        TodoOp::ListChecklist(l, t) => todo_checklist::list(ctx, &l, &t),
        TodoOp::CreateChecklist(l, t) => todo_checklist::create(ctx, &l, &t),
        TodoOp::GetChecklist(l, t, c) => todo_checklist::get(ctx, &l, &t, &c),
        TodoOp::PatchChecklist(l, t, c) => todo_checklist::patch(ctx, &l, &t, &c),
        TodoOp::DeleteChecklist(l, t, c) => todo_checklist::delete(ctx, &l, &t, &c),
    }
}

/// The task a path names, inside the list the path names.
pub(crate) fn find<'m>(
    mb: &'m Mailbox,
    list: &str,
    id: &str,
) -> Result<&'m StoredTask, GraphError> {
    let list_id = resolve(mb, list)?;
    let t = mb.todo.tasks.get(id).ok_or_else(|| {
        if well_formed_id(id) {
            todo_not_found()
        } else {
            GraphError::malformed_id()
        }
    })?;
    if t.list_id != list_id {
        return Err(GraphError::todo_invalid(
            "Parent folder specified does not contain a Task with given Id",
        ));
    }
    Ok(t)
}

fn selection(ctx: &Ctx<'_>) -> Result<Option<Vec<String>>, GraphError> {
    ctx.req.query("$select").map(task_select).transpose()
}

fn respond(ctx: &Ctx<'_>, t: &StoredTask, status: StatusCode) -> Result<GraphResponse, GraphError> {
    let zone = OutZone::of(ctx)?;
    let sel = selection(ctx)?;
    let mut v = selected(task_json(t, &zone), sel.as_deref());
    v["@odata.context"] = json!(format!(
        "{}/$metadata#{}/todo/lists('{}')/tasks/$entity",
        ctx.service_root(),
        ctx.context_user(),
        t.list_id
    ));
    Ok(GraphResponse::json(status, &v))
}

pub(crate) fn list(ctx: &Ctx<'_>, list: &str) -> Result<GraphResponse, GraphError> {
    let zone = OutZone::of(ctx)?;
    let sel = selection(ctx)?;
    let (mut top, skip) = paging(ctx, 10, 1000)?;
    if ctx.req.query("$top").is_none()
        && let Some(n) = ctx.prefer.max_page_size
    {
        top = n.clamp(1, 1000);
    }
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let list_id = resolve(&mb, list)?;
    let all = mb.todo.tasks_in(&list_id);
    let page: Vec<Value> = all
        .iter()
        .skip(skip)
        .take(top)
        .map(|t| selected(task_json(t, &zone), sel.as_deref()))
        .collect();
    let mut body = json!({
        "@odata.context": format!("{}/$metadata#{}/todo/lists('{list_id}')/tasks",
            ctx.service_root(), ctx.context_user()),
        "value": page,
    });
    if skip.saturating_add(top) < all.len() {
        body["@odata.nextLink"] = json!(next_link(ctx, skip + top, top));
    }
    Ok(GraphResponse::json(StatusCode::OK, &body))
}

pub(crate) fn get(ctx: &Ctx<'_>, list: &str, id: &str) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let t = find(&mb, list, id)?;
    respond(ctx, t, StatusCode::OK)
}

/// The answer's zone and `$select`, checked before anything is written.
fn check_query(ctx: &Ctx<'_>) -> Result<(), GraphError> {
    OutZone::of(ctx)?;
    selection(ctx)?;
    Ok(())
}

pub(crate) fn create(ctx: &Ctx<'_>, list: &str) -> Result<GraphResponse, GraphError> {
    check_query(ctx)?;
    let body = ctx.body_json()?;
    let mut fields = TaskFields::new();
    let applied = apply(&body, &mut fields, true, ctx.now)?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let list_id = resolve(&mb, list)?;
    let id = mb
        .todo
        .insert_task(&list_id, fields, applied.checklist, ctx.now);
    let t = mb.todo.tasks.get(&id).ok_or_else(todo_not_found)?;
    respond(ctx, t, StatusCode::CREATED)
}

pub(crate) fn patch(ctx: &Ctx<'_>, list: &str, id: &str) -> Result<GraphResponse, GraphError> {
    check_query(ctx)?;
    let body = ctx.body_json()?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let t = find(&mb, list, id)?;
    check_if_match(ctx, &t.change_key)?;
    let mut fields = t.fields.clone();
    let applied = apply(&body, &mut fields, false, ctx.now)?;
    let id = t.id.clone();
    if let Some(t) = mb.todo.tasks.get_mut(&id) {
        t.fields = fields;
    }
    mb.todo.touch_task(&id, ctx.now, applied.body_changed);
    let t = mb.todo.tasks.get(&id).ok_or_else(todo_not_found)?;
    respond(ctx, t, StatusCode::OK)
}

pub(crate) fn delete(ctx: &Ctx<'_>, list: &str, id: &str) -> Result<GraphResponse, GraphError> {
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let t = find(&mb, list, id)?;
    check_if_match(ctx, &t.change_key)?;
    let id = t.id.clone();
    mb.todo.remove_task(&id, cap);
    Ok(GraphResponse::empty(StatusCode::NO_CONTENT))
}

/// `GET …/tasks/delta`: a list's tasks, then changes and deletions.
pub(crate) fn delta(ctx: &Ctx<'_>, list: &str) -> Result<GraphResponse, GraphError> {
    let zone = OutZone::of(ctx)?;
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let list_id = resolve(&mb, list)?;
    let l = mb.todo.list(&list_id).ok_or_else(todo_not_found)?;
    let round = item_delta::begin(
        ctx,
        &Collection {
            kind: "todoTask",
            typed: false,
            id: &list_id,
            floor: l.delta_floor,
            epoch: mb.delta_epoch,
            seq: mb.todo.seq,
        },
        |s| task_select(s).map(|_| ()),
    )?;
    let sel = round.select().map(task_select).transpose()?;
    let mut changes: Vec<Change> = mb
        .todo
        .tasks_in(&list_id)
        .into_iter()
        .filter(|t| round.pending(t.changed_seq))
        .map(|t| {
            Change::Present(
                t.changed_seq,
                t.id.clone(),
                selected(task_json(t, &zone), sel.as_deref()),
            )
        })
        .collect();
    if !round.initial() {
        changes.extend(
            l.tombstones
                .iter()
                .filter(|x| round.pending(x.seq))
                .map(|x| Change::Removed(x.seq, x.id.clone())),
        );
    }
    Ok(item_delta::answer(ctx, round, changes))
}
