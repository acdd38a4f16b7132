//! Microsoft Graph v1.0 mail, calendar, contact and To Do endpoints of the
//! emulated tenant. Every operation, whether it arrives as its own HTTP
//! request or as a `$batch` member, takes the one path in `execute.rs`
//! (token, route, throttling, faults, permissions) before its handler, so
//! counting, throttling and fault injection behave the same everywhere.

mod access;
mod attachments;
mod batch;
mod cal_access;
mod cal_delta;
mod cal_route;
mod calendars;
mod compose;
mod contact_folders;
mod contact_input;
mod contact_json;
mod contact_photo;
mod contact_route;
mod contacts;
mod ctx;
mod delta;
mod error;
mod event_input;
mod event_json;
mod event_views;
mod events;
mod execute;
mod fault;
mod folders;
mod item_delta;
mod lookup;
mod meeting_mail;
mod meetings;
mod messages;
mod params;
mod pim_access;
mod render;
mod request;
mod response;
mod route;
mod routes;
mod schedule;
mod send;
mod settings_route;
#[cfg(test)]
mod tests_pim_route;
mod todo_checklist;
mod todo_input;
mod todo_json;
mod todo_lists;
mod todo_route;
mod todo_tasks;
mod upload_sessions;
mod uploads;

pub(crate) use routes::routes;
pub(crate) use upload_sessions::UploadSessions;
