//! Microsoft Graph v1.0 mail endpoints of the emulated tenant.
//!
//! Every operation, whether it arrives as its own HTTP request or as a
//! `$batch` member, goes through `execute`: bearer token, route, mailbox,
//! throttling, injected faults and latency, Exchange permissions, then the
//! operation itself. That single path is what makes counting, throttling and
//! fault injection behave the same everywhere.

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
