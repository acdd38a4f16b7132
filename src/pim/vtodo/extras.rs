//! What a client's VTODO says that To Do cannot hold, kept by the caller
//! and handed back to `render` (the same idea as `pim::vcard::Extras`):
//! whole properties and alarms To Do has no field for, verbatim; the
//! time-zone definitions they refer to; and "dressed" lines, the client's
//! own form of a value To Do keeps more plainly (STATUS:CANCELLED for a
//! deferred task, PRIORITY:2 for high importance, its VALARM for the
//! reminder), written instead of graphgate's while To Do's value is
//! unchanged.

use serde::{Deserialize, Serialize};

/// Properties of one task that To Do cannot hold; opaque to the caller,
/// stored with `to_json` and read back with `from_json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskExtras {
    /// VTODO property lines (unfolded) and VALARM blocks (lines joined by
    /// CRLF), as the client sent them, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) kept: Vec<String>,
    /// VTIMEZONE blocks, kept when a kept line has a TZID.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) timezones: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) dressed: Vec<Dressed>,
}

/// The client's form of something To Do holds in a plainer one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Dressed {
    pub generated: String,
    pub original: String,
}

/// Stored extras that cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum TaskExtrasError {
    #[error("stored task extras are larger than {0} bytes")]
    TooLarge(usize),
    #[error("stored task extras are not readable: {0}")]
    Json(#[from] serde_json::Error),
}

impl TaskExtras {
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty() && self.timezones.is_empty() && self.dressed.is_empty()
    }

    /// The properties and alarms kept whole, as the client sent them.
    pub fn kept(&self) -> &[String] {
        &self.kept
    }

    /// Bytes of client text held.
    pub fn size(&self) -> usize {
        self.kept
            .iter()
            .chain(&self.timezones)
            .map(String::len)
            .sum::<usize>()
            + self
                .dressed
                .iter()
                .map(|d| d.generated.len() + d.original.len())
                .sum::<usize>()
    }

    /// The form the caller stores.
    pub fn to_json(&self) -> String {
        // Strings always serialize.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// Read what `to_json` wrote.
    pub fn from_json(json: &str) -> Result<TaskExtras, TaskExtrasError> {
        let max = super::MAX_TASK_EXTRAS_BYTES * 3;
        if json.len() > max {
            return Err(TaskExtrasError::TooLarge(max));
        }
        Ok(serde_json::from_str(json)?)
    }
}
