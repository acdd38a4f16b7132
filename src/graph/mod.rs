//! The typed Microsoft Graph client: one shared HTTP client, one `Mailbox`
//! handle per (identity, Microsoft 365 mailbox). Every request asks for
//! immutable ids, keeps within the mailbox's limits (Graph allows 4
//! concurrent requests and 10,000 per 10 minutes per app and mailbox, shared
//! by every session, the sync engine and SMTP: permits handed out fairly, a
//! `$batch` holding one per member Graph runs at once, and a paced budget),
//! honours Retry-After on 429/503, refreshes the token once on 401, and
//! never repeats a change whose outcome is unknown. Graph's JSON, both
//! ways, stays inside this module.

mod batch;
mod budget;
mod calendars;
mod call;
mod client;
pub mod contacts;
mod containers;
mod error;
mod event_models;
mod events;
mod execute;
mod folders;
mod mailbox;
mod messages;
mod models;
mod permits;
mod requests;
mod schedule;
mod settings;
pub mod tasks;
#[cfg(test)]
mod tests_fuzz;
mod usage;

pub use calendars::{Calendar, Owner as CalendarOwner};
pub use client::GraphClient;
pub use containers::CalendarChange;
// Contacts and To Do have a few models of their own with the names the
// event models use (their JSON differs in detail); those are reached as
// `graph::contacts::…` and `graph::tasks::…`.
pub use contacts::{
    CONTACT_FIELDS, Change, Contact, ContactFolder, ContactWrite, Delta, MAX_PHOTO_BYTES, Photo,
    PhysicalAddress,
};
pub(crate) use error::BadAnswer;
pub use error::Error;
#[cfg(test)]
pub(crate) use error::Failure;
pub use event_models::{
    Attendee, AttendeeType, BodyType, DateTimeTimeZone, DayOfWeek, EmailAddress, Event, EventKind,
    EventWrite, FreeBusyStatus, Importance, ItemBody, Location, MeetingAnswer, OnlineMeeting,
    PatternKind, PatternedRecurrence, RangeKind, Recipient, RecurrencePattern, RecurrenceRange,
    ResponseStatus, ResponseType, Sensitivity, WeekIndex,
};
pub use events::EventDelta;
pub use mailbox::Mailbox;
pub(crate) use messages::FoundCopy;
pub use models::tags;
pub(crate) use models::{ExtProp, HeaderValue, MessageItem};
pub(crate) use requests::{FlagStatus, FollowUpFlag, MessageChange, NewAttachment, NewMessage};
pub use schedule::{MAX_SCHEDULE_ADDRESSES, Schedule, ScheduleItem};
pub use settings::GraphSettings;
pub use tasks::{Task, TaskList, TaskStatus, TaskWrite};
pub use usage::MailboxUsage;
