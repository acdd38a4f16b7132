//! Microsoft To Do as Graph describes it (v1.0 `todoTaskList`, `todoTask`):
//! both directions. Read fields are forgiving (`null` reads as empty, an
//! unknown status or importance as the default) so one odd task does not
//! stop a list's sync; writes use `Change` like contacts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::graph::contacts::{Change, list, opt_text};

/// A To Do list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskList {
    pub id: String,
    #[serde(default, deserialize_with = "text")]
    pub display_name: String,
    /// `defaultList` ("Tasks"), `flaggedEmails`, or `none` for user lists.
    #[serde(default, deserialize_with = "opt_text")]
    pub wellknown_list_name: Option<String>,
    #[serde(default)]
    pub is_owner: bool,
    #[serde(default)]
    pub is_shared: bool,
}

impl TaskList {
    /// The built-in "Tasks" list.
    pub fn is_default(&self) -> bool {
        self.wellknown_list_name.as_deref() == Some("defaultList")
    }
}

/// `importance`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Importance {
    Low,
    #[default]
    Normal,
    High,
}

/// `status` (taskStatus).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TaskStatus {
    #[default]
    NotStarted,
    InProgress,
    Completed,
    WaitingOnOthers,
    Deferred,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "notStarted",
            TaskStatus::InProgress => "inProgress",
            TaskStatus::Completed => "completed",
            TaskStatus::WaitingOnOthers => "waitingOnOthers",
            TaskStatus::Deferred => "deferred",
        }
    }

    pub fn parse(s: &str) -> Option<TaskStatus> {
        [
            TaskStatus::NotStarted,
            TaskStatus::InProgress,
            TaskStatus::Completed,
            TaskStatus::WaitingOnOthers,
            TaskStatus::Deferred,
        ]
        .into_iter()
        .find(|v| v.as_str().eq_ignore_ascii_case(s))
    }
}

/// `itemBody`: `text` or `html`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemBody {
    #[serde(default, deserialize_with = "text")]
    pub content: String,
    #[serde(default, deserialize_with = "text")]
    pub content_type: String,
}

/// `dateTimeTimeZone`: a wall-clock time and the zone it is in (a Windows
/// or IANA name; `UTC` unless asked otherwise).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeTimeZone {
    #[serde(default, deserialize_with = "text")]
    pub date_time: String,
    #[serde(default, deserialize_with = "text")]
    pub time_zone: String,
}

/// `patternedRecurrence`.
// TODO(merge): the events side (`graph::events`) has the same type; keep one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternedRecurrence {
    #[serde(default)]
    pub pattern: RecurrencePattern,
    #[serde(default)]
    pub range: RecurrenceRange,
}

/// `recurrencePattern`: `type` is `daily`, `weekly`, `absoluteMonthly`,
/// `relativeMonthly`, `absoluteYearly` or `relativeYearly`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecurrencePattern {
    #[serde(rename = "type", default, deserialize_with = "text")]
    pub kind: String,
    #[serde(default)]
    pub interval: u32,
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub days_of_week: Vec<String>,
    #[serde(
        default,
        deserialize_with = "opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_day_of_week: Option<String>,
    /// `first` … `fourth`, `last` (relative patterns).
    #[serde(
        default,
        deserialize_with = "opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub index: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub day_of_month: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub month: u32,
}

/// `recurrenceRange`: `type` is `noEnd`, `endDate` or `numbered`; dates
/// are `YYYY-MM-DD`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecurrenceRange {
    #[serde(rename = "type", default, deserialize_with = "text")]
    pub kind: String,
    #[serde(
        default,
        deserialize_with = "opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub start_date: Option<String>,
    #[serde(
        default,
        deserialize_with = "opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_date: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub number_of_occurrences: u32,
    #[serde(
        default,
        deserialize_with = "opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub recurrence_time_zone: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A task as Graph returns it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    /// Changes when the task moves to another list.
    #[serde(default, deserialize_with = "text")]
    pub id: String,
    #[serde(rename = "@odata.etag", default, deserialize_with = "opt_text")]
    pub etag: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub title: String,
    #[serde(default)]
    pub body: Option<ItemBody>,
    #[serde(default, deserialize_with = "importance")]
    pub importance: Importance,
    #[serde(default, deserialize_with = "status")]
    pub status: TaskStatus,
    #[serde(default, deserialize_with = "flag")]
    pub is_reminder_on: bool,
    #[serde(default)]
    pub reminder_date_time: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub start_date_time: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub due_date_time: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub completed_date_time: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub recurrence: Option<PatternedRecurrence>,
    #[serde(default, deserialize_with = "list")]
    pub categories: Vec<String>,
    #[serde(default)]
    pub created_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_modified_date_time: Option<DateTime<Utc>>,
}

/// A task to create or the changes to one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskWrite {
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub title: Change<String>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub body: Change<ItemBody>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub importance: Change<Importance>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub status: Change<TaskStatus>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub is_reminder_on: Change<bool>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub reminder_date_time: Change<DateTimeTimeZone>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub start_date_time: Change<DateTimeTimeZone>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub due_date_time: Change<DateTimeTimeZone>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub completed_date_time: Change<DateTimeTimeZone>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub recurrence: Change<PatternedRecurrence>,
    #[serde(skip_serializing_if = "Change::is_unchanged")]
    pub categories: Change<Vec<String>>,
}

impl TaskWrite {
    /// The same write for a create (POST): nothing to clear on a new task.
    pub fn for_create(self) -> TaskWrite {
        fn keep<T>(c: Change<T>) -> Change<T> {
            match c {
                Change::Clear => Change::Unchanged,
                other => other,
            }
        }
        TaskWrite {
            title: keep(self.title),
            body: keep(self.body),
            importance: keep(self.importance),
            status: keep(self.status),
            is_reminder_on: keep(self.is_reminder_on),
            reminder_date_time: keep(self.reminder_date_time),
            start_date_time: keep(self.start_date_time),
            due_date_time: keep(self.due_date_time),
            completed_date_time: keep(self.completed_date_time),
            recurrence: keep(self.recurrence),
            categories: match self.categories {
                Change::To(v) if v.is_empty() => Change::Unchanged,
                other => keep(other),
            },
        }
    }
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or_default())
}

fn importance<'de, D: Deserializer<'de>>(d: D) -> Result<Importance, D::Error> {
    Ok(match Option::<String>::deserialize(d)?.as_deref() {
        Some(s) if s.eq_ignore_ascii_case("low") => Importance::Low,
        Some(s) if s.eq_ignore_ascii_case("high") => Importance::High,
        _ => Importance::Normal,
    })
}

fn status<'de, D: Deserializer<'de>>(d: D) -> Result<TaskStatus, D::Error> {
    Ok(Option::<String>::deserialize(d)?
        .as_deref()
        .and_then(TaskStatus::parse)
        .unwrap_or_default())
}
