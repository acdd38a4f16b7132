//! A To Do task as the store keeps it: the properties of Graph v1.0's
//! todoTask (dates as instants, since To Do answers them in UTC or in the
//! zone a request prefers), its identity and change key, and its checklist.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calstore::Recurrence;

/// `wellknownListName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum WellKnownList {
    None,
    DefaultList,
    FlaggedEmails,
}

impl WellKnownList {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            WellKnownList::None => "none",
            WellKnownList::DefaultList => "defaultList",
            WellKnownList::FlaggedEmails => "flaggedEmails",
        }
    }
}

/// The properties a client sets on a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TaskFields {
    pub(crate) title: String,
    pub(crate) body: String,
    /// `body.contentType` is html (else text).
    pub(crate) body_html: bool,
    pub(crate) categories: Vec<String>,
    /// low, normal, high.
    pub(crate) importance: String,
    /// notStarted, inProgress, completed, waitingOnOthers, deferred.
    pub(crate) status: String,
    pub(crate) is_reminder_on: bool,
    pub(crate) reminder: Option<DateTime<Utc>>,
    pub(crate) start: Option<DateTime<Utc>>,
    /// Midnight of the due date in the zone the client gave it in.
    pub(crate) due: Option<DateTime<Utc>>,
    /// Midnight UTC of the day the task was completed.
    pub(crate) completed: Option<DateTime<Utc>>,
    pub(crate) recurrence: Option<Recurrence>,
}

impl TaskFields {
    /// A new task's defaults, as To Do fills them in.
    pub(crate) fn new() -> TaskFields {
        TaskFields {
            title: String::new(),
            body: String::new(),
            body_html: false,
            categories: Vec::new(),
            importance: "normal".into(),
            status: "notStarted".into(),
            is_reminder_on: false,
            reminder: None,
            start: None,
            due: None,
            completed: None,
            recurrence: None,
        }
    }
}

/// `checklistItem`: a step of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChecklistItem {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) is_checked: bool,
    pub(crate) checked: Option<DateTime<Utc>>,
    pub(crate) created: DateTime<Utc>,
}

/// A task with its identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredTask {
    pub(crate) id: String,
    pub(crate) list_id: String,
    pub(crate) created: DateTime<Utc>,
    pub(crate) modified: DateTime<Utc>,
    pub(crate) body_modified: DateTime<Utc>,
    pub(crate) change_key: String,
    pub(crate) changed_seq: u64,
    pub(crate) fields: TaskFields,
    #[serde(default)]
    pub(crate) checklist: Vec<ChecklistItem>,
}
