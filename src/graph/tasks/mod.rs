//! Microsoft To Do: the mailbox's task lists, tasks read and written one
//! at a time, and a list's delta (the round rules are the contacts'
//! `follow_delta`). The VTODO side is `pim::vtodo`.

mod model;

use reqwest::Method;

use super::call::{Body, Call, Target, encode};
use super::contacts::Delta;
use super::error::Error;
use super::mailbox::Mailbox;

pub use model::{
    DateTimeTimeZone, Importance, ItemBody, PatternedRecurrence, RecurrencePattern,
    RecurrenceRange, Task, TaskList, TaskStatus, TaskWrite,
};

const LIST_FIELDS: &str = "id,displayName,wellknownListName,isOwner,isShared";

impl Mailbox {
    /// Every To Do list of the mailbox (`/todo/lists`, every page).
    pub async fn task_lists(&self) -> Result<Vec<TaskList>, Error> {
        let call = Call::get("list task lists", "/todo/lists").query("$select", LIST_FIELDS);
        self.list_all(call).await
    }

    /// One To Do list by id.
    pub async fn task_list(&self, id: &str) -> Result<TaskList, Error> {
        let call = Call::get("get task list", format!("/todo/lists/{}", encode(id)))
            .query("$select", LIST_FIELDS);
        self.execute(&call).await?.parse()
    }

    /// One task of a list.
    pub async fn task(&self, list_id: &str, id: &str) -> Result<Task, Error> {
        let call = Call::get("get task", task_path(list_id, id));
        self.execute(&call).await?.parse()
    }

    /// Create a task in a list; Graph answers with the new task. Not
    /// repeated when the answer is lost (`Error::OutcomeUnknown`).
    pub async fn create_task(&self, list_id: &str, task: &TaskWrite) -> Result<Task, Error> {
        let path = format!("/todo/lists/{}/tasks", encode(list_id));
        let call = Call::with("create task", Method::POST, path, Body::json(task)?, false);
        self.execute(&call).await?.parse()
    }

    /// Change a task (PATCH: only the fields the write sets or clears).
    pub async fn update_task(
        &self,
        list_id: &str,
        id: &str,
        changes: &TaskWrite,
    ) -> Result<Task, Error> {
        let call = Call::with(
            "update task",
            Method::PATCH,
            task_path(list_id, id),
            Body::json(changes)?,
            true,
        );
        self.execute(&call).await?.parse()
    }

    /// Delete a task.
    pub async fn delete_task(&self, list_id: &str, id: &str) -> Result<(), Error> {
        let call = Call::with(
            "delete task",
            Method::DELETE,
            task_path(list_id, id),
            Body::None,
            true,
        );
        self.execute(&call).await.map(|_| ())
    }

    /// One delta round of a list: from `link` (the last round's
    /// deltaLink) or, without one, every task the list holds now.
    /// `Err(Error::SyncReset)` when Graph forgot the sync state.
    pub async fn tasks_delta(
        &self,
        list_id: &str,
        link: Option<&str>,
    ) -> Result<Delta<Task>, Error> {
        let call = match link {
            Some(link) => Call {
                target: Target::Link(link.to_string()),
                ..Call::get("task delta", "")
            },
            None => Call::get(
                "task delta",
                format!("/todo/lists/{}/tasks/delta", encode(list_id)),
            ),
        };
        self.follow_delta(call).await
    }
}

fn task_path(list_id: &str, id: &str) -> String {
    format!("/todo/lists/{}/tasks/{}", encode(list_id), encode(id))
}

#[cfg(test)]
mod tests;
