//! Microsoft Graph v1.0 mail endpoints of the emulated tenant. Every
//! operation, whether it arrives as its own HTTP request or as a `$batch`
//! member, takes the one path in `execute.rs` (token, route, throttling,
//! faults, permissions) before its handler, so counting, throttling and fault
//! injection behave the same everywhere.

mod access;
mod attachments;
mod batch;
mod compose;
mod ctx;
mod delta;
mod error;
mod execute;
mod fault;
mod folders;
mod lookup;
mod messages;
mod params;
mod render;
mod request;
mod response;
mod route;
mod routes;
mod send;
mod upload_sessions;
mod uploads;

pub(crate) use routes::routes;
pub(crate) use upload_sessions::UploadSessions;
