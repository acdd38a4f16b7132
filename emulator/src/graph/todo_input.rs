//! Reading a To Do task (and a checklist item) from a POST or PATCH body:
//! property names in any case, values checked against their types, sets
//! and sizes, `dateTimeTimeZone` in Windows or IANA zones, a recurrence
//! checked as an event's is. To Do keeps dates as it shows them: a due date
//! is a day (midnight of that day in the zone it was given in), a
//! completion is midnight UTC of the day it happened; setting `status` to
//! completed stamps today when no completion date is given, any other
//! status clears it (docs/microsoft-graph.md §32.2).

use chrono::{DateTime, NaiveTime, Utc};
use serde_json::{Map, Value};

use super::error::GraphError;
use super::event_input::parse_moment;
use super::event_json::cal_error;
use crate::calstore::{Recurrence, resolve_zone, to_utc};
use crate::todostore::{ChecklistItem, TaskFields, TodoStore};

/// The longest task title or checklist item, in characters.
pub(crate) const MAX_TITLE: usize = 255;
/// The longest task body, in characters.
pub(crate) const MAX_BODY: usize = 65_536;
/// The most categories, and the most checklist items, a task may have.
pub(crate) const MAX_LIST: usize = 100;

const STATUSES: [&str; 5] = [
    "notStarted",
    "inProgress",
    "completed",
    "waitingOnOthers",
    "deferred",
];

const READ_ONLY: [&str; 5] = [
    "id",
    "createddatetime",
    "lastmodifieddatetime",
    "bodylastmodifieddatetime",
    "hasattachments",
];

/// Real todoTask relationships the emulated tenant does not store.
const NOT_EMULATED: [&str; 3] = ["linkedresources", "attachments", "extensions"];

fn invalid(msg: impl Into<String>) -> GraphError {
    GraphError::invalid_request(msg)
}

fn bad_value(field: &str) -> GraphError {
    invalid(format!("Invalid value for property '{field}'."))
}

fn text(v: &Value, field: &str, max: usize) -> Result<String, GraphError> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) if s.chars().count() <= max => Ok(s.clone()),
        Value::String(_) => Err(invalid(format!(
            "The value of '{field}' is longer than {max} characters."
        ))),
        _ => Err(bad_value(field)),
    }
}

fn one_of(v: &Value, field: &str, set: &[&'static str]) -> Result<String, GraphError> {
    let s = v.as_str().unwrap_or_default();
    set.iter()
        .find(|x| x.eq_ignore_ascii_case(s))
        .map(|x| (*x).to_string())
        .ok_or_else(|| invalid(format!("'{s}' is not a valid value for {field}.")))
}

fn boolean(v: &Value, field: &str) -> Result<bool, GraphError> {
    v.as_bool().ok_or_else(|| bad_value(field))
}

/// Midnight UTC of the day `at` falls on (in UTC).
pub(crate) fn utc_day(at: DateTime<Utc>) -> DateTime<Utc> {
    at.date_naive().and_time(NaiveTime::MIN).and_utc()
}

/// A `dateTimeTimeZone` as an instant (None for null).
fn moment(v: &Value, field: &str) -> Result<Option<(DateTime<Utc>, String)>, GraphError> {
    if v.is_null() {
        return Ok(None);
    }
    let (at, zone, _) = parse_moment(v, field).map_err(cal_error)?;
    Ok(Some((at, zone)))
}

/// A due date: the day the client named, at midnight in its zone.
fn due(v: &Value) -> Result<Option<(DateTime<Utc>, String)>, GraphError> {
    if v.is_null() {
        return Ok(None);
    }
    let (_, zone, local) = parse_moment(v, "dueDateTime").map_err(cal_error)?;
    let tz = resolve_zone(&zone).ok_or_else(|| bad_value("dueDateTime"))?;
    Ok(Some((
        to_utc(local.date().and_time(NaiveTime::MIN), tz),
        zone,
    )))
}

/// What a body did besides setting fields.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub(crate) body_changed: bool,
    /// `checklistItems` given inline when the task is created.
    pub(crate) checklist: Vec<ChecklistItem>,
}

/// The body as a map of its properties.
fn object(body: &Value) -> Result<&Map<String, Value>, GraphError> {
    match body {
        Value::Object(m) => Ok(m),
        _ => Err(GraphError::bad_request(
            "The request body must be a JSON object.",
        )),
    }
}

/// Apply a POST (`new`) or PATCH body to `f`.
pub(crate) fn apply(
    body: &Value,
    f: &mut TaskFields,
    new: bool,
    now: DateTime<Utc>,
) -> Result<Applied, GraphError> {
    let m = object(body)?;
    let before_body = (f.body.clone(), f.body_html);
    let mut out = Applied::default();
    let mut recurrence: Option<&Value> = None;
    let mut due_zone = None;
    for (k, v) in m {
        let lower = k.to_ascii_lowercase();
        if lower.starts_with("@odata") || READ_ONLY.contains(&lower.as_str()) {
            continue;
        }
        if NOT_EMULATED.contains(&lower.as_str()) {
            return Err(invalid(format!(
                "The emulated tenant does not store '{k}' on tasks."
            )));
        }
        match lower.as_str() {
            "title" => f.title = text(v, "title", MAX_TITLE)?,
            "body" => {
                if !v.is_null() {
                    let ty = v
                        .get("contentType")
                        .map(|t| one_of(t, "body.contentType", &["text", "html"]))
                        .transpose()?;
                    f.body_html = ty.as_deref() == Some("html");
                    let content = v.get("content").unwrap_or(&Value::Null);
                    f.body = text(content, "body.content", MAX_BODY)?;
                } else {
                    f.body.clear();
                }
            }
            "categories" => {
                let list = v.as_array().ok_or_else(|| bad_value("categories"))?;
                if list.len() > MAX_LIST {
                    return Err(invalid(format!(
                        "A task can have at most {MAX_LIST} categories."
                    )));
                }
                f.categories = list
                    .iter()
                    .map(|c| text(c, "categories", MAX_TITLE))
                    .collect::<Result<_, _>>()?;
            }
            "importance" => f.importance = one_of(v, "importance", &["low", "normal", "high"])?,
            "status" => f.status = one_of(v, "status", &STATUSES)?,
            "isreminderon" => f.is_reminder_on = boolean(v, "isReminderOn")?,
            "reminderdatetime" => f.reminder = moment(v, "reminderDateTime")?.map(|m| m.0),
            "startdatetime" => f.start = moment(v, "startDateTime")?.map(|m| m.0),
            "duedatetime" => {
                let d = due(v)?;
                due_zone = d.as_ref().map(|d| d.1.clone());
                f.due = d.map(|d| d.0);
            }
            "completeddatetime" => {
                f.completed = moment(v, "completedDateTime")?.map(|m| utc_day(m.0));
            }
            "recurrence" => recurrence = Some(v),
            "checklistitems" if new => out.checklist = checklist_items(v, now)?,
            "checklistitems" => {
                return Err(invalid(
                    "Checklist items are changed through …/tasks/{id}/checklistItems.",
                ));
            }
            _ => {
                return Err(GraphError::bad_request(format!(
                    "Could not find a property named '{k}' on type 'microsoft.graph.todoTask'."
                )));
            }
        }
    }
    if let Some(v) = recurrence {
        f.recurrence = match v {
            Value::Null => None,
            v => {
                let zone = due_zone.unwrap_or_else(|| "UTC".to_string());
                Some(
                    Recurrence::from_json(v, &zone, |z| resolve_zone(z).is_some())
                        .map_err(cal_error)?,
                )
            }
        };
    }
    if f.status != "completed" {
        f.completed = None;
    } else if f.completed.is_none() {
        f.completed = Some(utc_day(now));
    }
    out.body_changed = (f.body.clone(), f.body_html) != before_body;
    Ok(out)
}

/// Checklist items given inline at creation.
fn checklist_items(v: &Value, now: DateTime<Utc>) -> Result<Vec<ChecklistItem>, GraphError> {
    let list = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(a) => a,
        _ => return Err(bad_value("checklistItems")),
    };
    if list.len() > MAX_LIST {
        return Err(invalid(format!(
            "A task can have at most {MAX_LIST} checklist items."
        )));
    }
    list.iter()
        .map(|item| {
            let mut c = ChecklistItem {
                id: TodoStore::new_checklist_id(),
                display_name: String::new(),
                is_checked: false,
                checked: None,
                created: now,
            };
            apply_checklist(item, &mut c, true, now)?;
            Ok(c)
        })
        .collect()
}

/// Apply a body to a checklist item (`displayName` required when new).
pub(crate) fn apply_checklist(
    body: &Value,
    c: &mut ChecklistItem,
    new: bool,
    now: DateTime<Utc>,
) -> Result<(), GraphError> {
    let m = object(body)?;
    let mut named = false;
    for (k, v) in m {
        match k.to_ascii_lowercase().as_str() {
            "displayname" => {
                c.display_name = text(v, "displayName", MAX_TITLE)?;
                named = true;
            }
            "ischecked" => {
                let checked = boolean(v, "isChecked")?;
                if checked && !c.is_checked {
                    c.checked = Some(now);
                }
                if !checked {
                    c.checked = None;
                }
                c.is_checked = checked;
            }
            k if k.starts_with("@odata")
                || ["id", "createddatetime", "checkeddatetime"].contains(&k) => {}
            _ => {
                return Err(GraphError::bad_request(format!(
                    "Could not find a property named '{k}' on type 'microsoft.graph.checklistItem'."
                )));
            }
        }
    }
    if new && (!named || c.display_name.trim().is_empty()) {
        return Err(invalid("A checklist item needs a displayName."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-06-04T15:30:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn new_task(body: Value) -> Result<TaskFields, GraphError> {
        let mut f = TaskFields::new();
        apply(&body, &mut f, true, now()).map(|_| f)
    }

    #[test]
    fn due_dates_are_days_in_the_zone_they_were_given_in() {
        let f = new_task(json!({"title": "x", "dueDateTime":
            {"dateTime": "2025-06-10T17:45:00", "timeZone": "Pacific Standard Time"}}))
        .unwrap();
        // Midnight in Los Angeles (PDT, UTC-7).
        assert_eq!(f.due.unwrap().to_rfc3339(), "2025-06-10T07:00:00+00:00");
        let f = new_task(
            json!({"dueDateTime": {"dateTime": "2025-06-10T23:00:00", "timeZone": "UTC"}}),
        )
        .unwrap();
        assert_eq!(f.due.unwrap().to_rfc3339(), "2025-06-10T00:00:00+00:00");
    }

    #[test]
    fn completing_stamps_today_and_reopening_clears_it() {
        let mut f = new_task(json!({"title": "x", "status": "Completed"})).unwrap();
        assert_eq!(f.status, "completed");
        assert_eq!(
            f.completed.unwrap().to_rfc3339(),
            "2025-06-04T00:00:00+00:00"
        );
        apply(&json!({"status": "inProgress"}), &mut f, false, now()).unwrap();
        assert_eq!(f.completed, None);
        let f = new_task(json!({"status": "completed", "completedDateTime":
            {"dateTime": "2025-05-01T22:30:00", "timeZone": "W. Europe Standard Time"}}))
        .unwrap();
        assert_eq!(
            f.completed.unwrap().to_rfc3339(),
            "2025-05-01T00:00:00+00:00"
        );
    }

    #[test]
    fn enums_zones_and_unknown_properties_are_checked() {
        let e = new_task(json!({"status": "done"})).unwrap_err();
        assert_eq!(e.code, "ErrorInvalidRequest");
        let e = new_task(json!({"importance": "urgent"})).unwrap_err();
        assert!(e.message.contains("importance"));
        let e = new_task(
            json!({"dueDateTime": {"dateTime": "2025-06-10T00:00:00", "timeZone": "Mars/Olympus"}}),
        )
        .unwrap_err();
        assert_eq!(e.code, "TimeZoneNotSupportedException");
        let e = new_task(json!({"priority": 1})).unwrap_err();
        assert!(e.message.contains("microsoft.graph.todoTask"));
        assert!(new_task(json!({"title": "x".repeat(MAX_TITLE + 1)})).is_err());
        assert!(new_task(json!({"linkedResources": []})).is_err());
        let f = new_task(json!({"id": "x", "hasAttachments": true, "@odata.etag": "y"})).unwrap();
        assert_eq!(f, TaskFields::new());
    }

    #[test]
    fn recurrences_are_checked_as_events_are() {
        let rec = json!({"pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"]},
                         "range": {"type": "noEnd", "startDate": "2025-06-02"}});
        let f = new_task(json!({"recurrence": rec, "dueDateTime":
            {"dateTime": "2025-06-02T00:00:00", "timeZone": "UTC"}}))
        .unwrap();
        assert!(f.recurrence.is_some());
        let bad = json!({"pattern": {"type": "weekly", "interval": 1},
                         "range": {"type": "noEnd", "startDate": "2025-06-02"}});
        assert!(new_task(json!({"recurrence": bad})).is_err());
    }

    #[test]
    fn checklist_items_need_a_name_and_record_when_they_were_checked() {
        let mut f = TaskFields::new();
        let a = apply(
            &json!({"checklistItems": [{"displayName": "one"}, {"displayName": "two", "isChecked": true}]}),
            &mut f,
            true,
            now(),
        )
        .unwrap();
        assert_eq!(a.checklist.len(), 2);
        assert_eq!(a.checklist[1].checked, Some(now()));
        assert!(
            apply(
                &json!({"checklistItems": [{"isChecked": true}]}),
                &mut f,
                true,
                now()
            )
            .is_err()
        );
        assert!(apply(&json!({"checklistItems": []}), &mut f, false, now()).is_err());
    }
}
