//! A Microsoft To Do task as an iCalendar VTODO (RFC 5545 §3.6.2) and
//! back, for CalDAV task lists. Rendering is deterministic (same task,
//! UID and extras → same bytes). Parsing turns a client's VTODO into a
//! full replacement write, the client's UID and the `TaskExtras`: the
//! properties and alarms To Do cannot hold, re-emitted on the next render.
//! What To Do cannot represent at all (events, exceptions to a repeating
//! task, rules To Do has no pattern for) is refused with the CalDAV
//! precondition and a sentence to act on. docs/carddav.md §5 has the
//! mapping.

mod extras;
mod parse;
mod recurrence;
mod render;
mod terms;
#[cfg(test)]
mod tests;
mod time;

pub use extras::{TaskExtras, TaskExtrasError};
pub use parse::{ParsedTask, parse};
pub use render::render;
pub use terms::{MAX_ICS_BYTES, MAX_ICS_LINES, MAX_TASK_EXTRAS_BYTES, Precondition, Refusal};
