//! Making, changing and removing the containers CalDAV and CardDAV clients
//! manage: calendars (`/calendars`), To Do lists (`/todo/lists`) and
//! contact folders (`/contactFolders`). Graph answers a create or a change
//! with the whole container, which the caller keeps instead of listing
//! again. A create is never repeated when its answer is lost.

use reqwest::Method;
use serde::Serialize;

use super::calendars::Calendar;
use super::call::{Body, Call, encode};
use super::contacts::ContactFolder;
use super::error::Error;
use super::mailbox::Mailbox;
use super::tasks::TaskList;

/// The changes to a calendar: a name, a colour from Graph's
/// `calendarColor` names (`lightBlue`, …; `hexColor` is read-only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CalendarChange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// A To Do list's or contact folder's new name.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DisplayName<'a> {
    display_name: &'a str,
}

impl Mailbox {
    /// Make a calendar in the default calendar group.
    pub async fn create_calendar(&self, change: &CalendarChange) -> Result<Calendar, Error> {
        let call = Call::with(
            "create calendar",
            Method::POST,
            "/calendars",
            Body::json(change)?,
            false,
        );
        self.execute(&call).await?.parse()
    }

    /// Rename or recolour a calendar.
    pub async fn update_calendar(
        &self,
        id: &str,
        change: &CalendarChange,
    ) -> Result<Calendar, Error> {
        let call = Call::with(
            "update calendar",
            Method::PATCH,
            format!("/calendars/{}", encode(id)),
            Body::json(change)?,
            true,
        );
        self.execute(&call).await?.parse()
    }

    /// Delete a calendar (Graph refuses the default one).
    pub async fn delete_calendar(&self, id: &str) -> Result<(), Error> {
        let call = Call::with(
            "delete calendar",
            Method::DELETE,
            format!("/calendars/{}", encode(id)),
            Body::None,
            true,
        );
        self.execute(&call).await.map(|_| ())
    }

    /// Make a To Do list.
    pub async fn create_task_list(&self, name: &str) -> Result<TaskList, Error> {
        let body = Body::json(&DisplayName { display_name: name })?;
        let call = Call::with("create task list", Method::POST, "/todo/lists", body, false);
        self.execute(&call).await?.parse()
    }

    /// Rename a To Do list (To Do refuses the built-in ones).
    pub async fn rename_task_list(&self, id: &str, name: &str) -> Result<TaskList, Error> {
        let body = Body::json(&DisplayName { display_name: name })?;
        let path = format!("/todo/lists/{}", encode(id));
        let call = Call::with("rename task list", Method::PATCH, path, body, true);
        self.execute(&call).await?.parse()
    }

    /// Delete a To Do list and its tasks (To Do refuses the built-in ones).
    pub async fn delete_task_list(&self, id: &str) -> Result<(), Error> {
        let path = format!("/todo/lists/{}", encode(id));
        let call = Call::with("delete task list", Method::DELETE, path, Body::None, true);
        self.execute(&call).await.map(|_| ())
    }

    /// Make a contact folder below the default one.
    pub async fn create_contact_folder(&self, name: &str) -> Result<ContactFolder, Error> {
        let body = Body::json(&DisplayName { display_name: name })?;
        let call = Call::with(
            "create contact folder",
            Method::POST,
            "/contactFolders",
            body,
            false,
        );
        self.execute(&call).await?.parse()
    }

    /// Rename a contact folder.
    pub async fn rename_contact_folder(
        &self,
        id: &str,
        name: &str,
    ) -> Result<ContactFolder, Error> {
        let body = Body::json(&DisplayName { display_name: name })?;
        let path = format!("/contactFolders/{}", encode(id));
        let call = Call::with("rename contact folder", Method::PATCH, path, body, true);
        self.execute(&call).await?.parse()
    }

    /// Delete a contact folder and its contacts (Graph refuses the default
    /// one).
    pub async fn delete_contact_folder(&self, id: &str) -> Result<(), Error> {
        let path = format!("/contactFolders/{}", encode(id));
        let call = Call::with(
            "delete contact folder",
            Method::DELETE,
            path,
            Body::None,
            true,
        );
        self.execute(&call).await.map(|_| ())
    }
}
