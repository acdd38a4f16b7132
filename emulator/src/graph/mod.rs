//! Microsoft Graph v1.0 mail and calendar endpoints of the emulated tenant. Every
//! operation, whether it arrives as its own HTTP request or as a `$batch`
//! member, takes the one path in `execute.rs` (token, route, throttling,
//! faults, permissions) before its handler, so counting, throttling and fault
//! injection behave the same everywhere.

mod access;
mod attachments;
mod batch;
mod cal_access;
mod cal_delta;
mod cal_route;
mod calendars;
mod compose;
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
mod lookup;
mod meeting_mail;
mod meetings;
mod messages;
mod params;
mod render;
mod request;
mod response;
mod route;
mod routes;
mod schedule;
mod send;
mod upload_sessions;
mod uploads;

pub(crate) use routes::routes;
pub(crate) use upload_sessions::UploadSessions;
