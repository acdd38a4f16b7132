//! To Do paths below a mailbox: `todo/lists` (and its delta), one list,
//! its `tasks` (and their delta), one task and its `checklistItems`,
//! turned into a [`TodoOp`] with the endpoint template the stats report.

use axum::http::Method;

use super::error::GraphError;
use super::route::{Segments, is, method_not_allowed};

/// A To Do operation on a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TodoOp {
    ListLists,
    CreateList,
    ListDelta,
    GetList(String),
    PatchList(String),
    DeleteList(String),
    ListTasks(String),
    CreateTask(String),
    TaskDelta(String),
    GetTask(String, String),
    PatchTask(String, String),
    DeleteTask(String, String),
    ListChecklist(String, String),
    CreateChecklist(String, String),
    GetChecklist(String, String, String),
    PatchChecklist(String, String, String),
    DeleteChecklist(String, String, String),
}

impl TodoOp {
    /// Does this operation change the mailbox?
    pub(crate) fn writes(&self) -> bool {
        matches!(
            self,
            TodoOp::CreateList
                | TodoOp::PatchList(_)
                | TodoOp::DeleteList(_)
                | TodoOp::CreateTask(_)
                | TodoOp::PatchTask(..)
                | TodoOp::DeleteTask(..)
                | TodoOp::CreateChecklist(..)
                | TodoOp::PatchChecklist(..)
                | TodoOp::DeleteChecklist(..)
        )
    }
}

fn is_delta(seg: &str) -> bool {
    is(seg, "delta") || is(seg, "delta()")
}

/// One id: from the OData key of the segment just read, or the next segment.
fn id_after(segs: &mut Segments, key: Option<String>) -> Option<String> {
    key.or_else(|| segs.next().map(|(s, _)| s))
}

/// What a collection path means for each method: (GET, POST).
fn collection(method: &Method, get: TodoOp, post: TodoOp) -> Result<TodoOp, GraphError> {
    match *method {
        Method::GET => Ok(get),
        Method::POST => Ok(post),
        _ => Err(method_not_allowed()),
    }
}

/// What an item path means for each method: (GET, PATCH, DELETE).
fn item(method: &Method, get: TodoOp, patch: TodoOp, delete: TodoOp) -> Result<TodoOp, GraphError> {
    match *method {
        Method::GET => Ok(get),
        Method::PATCH => Ok(patch),
        Method::DELETE => Ok(delete),
        _ => Err(method_not_allowed()),
    }
}

fn delta(method: &Method, segs: &Segments, seg: &str, op: TodoOp) -> Result<TodoOp, GraphError> {
    if !segs.rest_empty() {
        return Err(GraphError::segment(seg));
    }
    if *method == Method::GET {
        Ok(op)
    } else {
        Err(method_not_allowed())
    }
}

/// Parse the rest of a path whose segment just read was `todo`.
pub(crate) fn parse(
    method: &Method,
    segs: &mut Segments,
    t: &mut String,
) -> Result<TodoOp, GraphError> {
    t.push_str("/todo");
    let Some((seg, key)) = segs.next() else {
        return Err(GraphError::segment("todo"));
    };
    if !is(&seg, "lists") {
        return Err(GraphError::segment(&seg));
    }
    t.push_str("/lists");
    let list = match key {
        Some(k) => k,
        None => match segs.next() {
            None => return collection(method, TodoOp::ListLists, TodoOp::CreateList),
            Some((s, _)) if is_delta(&s) => {
                t.push_str("/delta()");
                return delta(method, segs, &s, TodoOp::ListDelta);
            }
            Some((s, _)) => s,
        },
    };
    t.push_str("/{todoTaskList-id}");
    let Some((seg, key)) = segs.next() else {
        let l = || list.clone();
        return item(
            method,
            TodoOp::GetList(l()),
            TodoOp::PatchList(l()),
            TodoOp::DeleteList(l()),
        );
    };
    if !is(&seg, "tasks") {
        return Err(GraphError::segment(&seg));
    }
    t.push_str("/tasks");
    let task = match key {
        Some(k) => k,
        None => match segs.next() {
            None => {
                return collection(
                    method,
                    TodoOp::ListTasks(list.clone()),
                    TodoOp::CreateTask(list),
                );
            }
            Some((s, _)) if is_delta(&s) => {
                t.push_str("/delta()");
                return delta(method, segs, &s, TodoOp::TaskDelta(list));
            }
            Some((s, _)) => s,
        },
    };
    t.push_str("/{todoTask-id}");
    let Some((seg, key)) = segs.next() else {
        let (l, k) = (list.clone(), task.clone());
        return item(
            method,
            TodoOp::GetTask(l.clone(), k.clone()),
            TodoOp::PatchTask(l, k),
            TodoOp::DeleteTask(list, task),
        );
    };
    if !is(&seg, "checklistItems") {
        return Err(GraphError::segment(&seg));
    }
    t.push_str("/checklistItems");
    let Some(step) = id_after(segs, key) else {
        return collection(
            method,
            TodoOp::ListChecklist(list.clone(), task.clone()),
            TodoOp::CreateChecklist(list, task),
        );
    };
    t.push_str("/{checklistItem-id}");
    if let Some((s, _)) = segs.next() {
        return Err(GraphError::segment(&s));
    }
    let ids = || (list.clone(), task.clone(), step.clone());
    let (a, b, c) = ids();
    let (d, e, f) = ids();
    item(
        method,
        TodoOp::GetChecklist(a, b, c),
        TodoOp::PatchChecklist(d, e, f),
        TodoOp::DeleteChecklist(list, task, step),
    )
}
