//! Graph's JSON shapes for To Do: the task list (`isOwner`, `isShared`,
//! `wellknownListName`), the task (dates as `dateTimeTimeZone` in UTC or
//! the zone `Prefer: outlook.timezone` asks for, unset dates and
//! recurrence left out, as To Do answers), the checklist item, and
//! `$select` on each.

use serde_json::{Map, Value, json};

use super::contact_json::select;
use super::error::GraphError;
use super::event_json::{OutZone, date_time_zone, offset_time};
use crate::todostore::{ChecklistItem, StoredTask, TaskList};

const LIST_PROPERTIES: [&str; 5] = [
    "id",
    "displayName",
    "isOwner",
    "isShared",
    "wellknownListName",
];

const TASK_PROPERTIES: [&str; 16] = [
    "id",
    "title",
    "body",
    "bodyLastModifiedDateTime",
    "categories",
    "importance",
    "status",
    "isReminderOn",
    "reminderDateTime",
    "startDateTime",
    "dueDateTime",
    "completedDateTime",
    "recurrence",
    "hasAttachments",
    "createdDateTime",
    "lastModifiedDateTime",
];

const CHECKLIST_PROPERTIES: [&str; 5] = [
    "id",
    "displayName",
    "isChecked",
    "checkedDateTime",
    "createdDateTime",
];

/// The task list resource.
pub(crate) fn list_json(l: &TaskList) -> Value {
    json!({
        "@odata.etag": format!("W/\"{}\"", l.change_key),
        "displayName": l.display_name,
        "isOwner": true,
        "isShared": false,
        "wellknownListName": l.well_known.as_str(),
        "id": l.id,
    })
}

/// The task resource.
pub(crate) fn task_json(t: &StoredTask, zone: &OutZone) -> Value {
    let f = &t.fields;
    let mut m = Map::new();
    m.insert(
        "@odata.etag".into(),
        json!(format!("W/\"{}\"", t.change_key)),
    );
    m.insert("importance".into(), json!(f.importance));
    m.insert("isReminderOn".into(), json!(f.is_reminder_on));
    m.insert("status".into(), json!(f.status));
    m.insert("title".into(), json!(f.title));
    m.insert("createdDateTime".into(), json!(offset_time(t.created)));
    m.insert(
        "lastModifiedDateTime".into(),
        json!(offset_time(t.modified)),
    );
    m.insert("hasAttachments".into(), json!(false));
    m.insert("categories".into(), json!(f.categories));
    m.insert("id".into(), json!(t.id));
    m.insert(
        "body".into(),
        json!({"content": f.body, "contentType": if f.body_html { "html" } else { "text" }}),
    );
    m.insert(
        "bodyLastModifiedDateTime".into(),
        json!(offset_time(t.body_modified)),
    );
    for (name, at) in [
        ("completedDateTime", f.completed),
        ("dueDateTime", f.due),
        ("startDateTime", f.start),
        ("reminderDateTime", f.reminder),
    ] {
        if let Some(at) = at {
            m.insert(name.into(), date_time_zone(at, zone));
        }
    }
    if let Some(r) = &f.recurrence {
        m.insert("recurrence".into(), r.to_json());
    }
    Value::Object(m)
}

/// The checklist item resource.
pub(crate) fn checklist_json(c: &ChecklistItem) -> Value {
    let mut v = json!({
        "displayName": c.display_name,
        "createdDateTime": offset_time(c.created),
        "isChecked": c.is_checked,
        "id": c.id,
    });
    if let Some(at) = c.checked {
        v["checkedDateTime"] = json!(offset_time(at));
    }
    v
}

fn parse_select_in(raw: &str, known: &[&str], ty: &str) -> Result<Vec<String>, GraphError> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            known
                .iter()
                .find(|k| k.eq_ignore_ascii_case(p))
                .map(|k| (*k).to_string())
                .ok_or_else(|| {
                    GraphError::bad_request(format!(
                        "Could not find a property named '{p}' on type 'microsoft.graph.{ty}'."
                    ))
                })
        })
        .collect()
}

pub(crate) fn list_select(raw: &str) -> Result<Vec<String>, GraphError> {
    parse_select_in(raw, &LIST_PROPERTIES, "todoTaskList")
}

pub(crate) fn task_select(raw: &str) -> Result<Vec<String>, GraphError> {
    parse_select_in(raw, &TASK_PROPERTIES, "todoTask")
}

pub(crate) fn checklist_select(raw: &str) -> Result<Vec<String>, GraphError> {
    parse_select_in(raw, &CHECKLIST_PROPERTIES, "checklistItem")
}

/// `$select` applied (`id` and `@odata.etag` always stay).
pub(crate) fn selected(v: Value, sel: Option<&[String]>) -> Value {
    select(v, sel)
}
