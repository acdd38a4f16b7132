//! Microsoft To Do for one emulated mailbox: task lists (the two built-in
//! ones every mailbox has, "Tasks" and "Flagged email", and the user's
//! own), tasks with their dates, recurrence and checklist items, and the
//! change log task and list delta read.
//!
//! Every change takes the next value of the store's sequence; a deleted
//! task leaves a tombstone in its list, a deleted list one in the store.

mod store;
mod task;

#[cfg(test)]
mod tests;

pub(crate) use store::{TaskList, TodoStore};
pub(crate) use task::{ChecklistItem, StoredTask, TaskFields, WellKnownList};
