//! The calendars of one emulated mailbox: calendars, events (single
//! instances and series masters with their exceptions and cancelled
//! occurrences), the ids Graph shows for them, and the change log that
//! calendarView delta reads.
//!
//! A series is stored once, as its master; occurrences are computed from its
//! recurrence when a request asks for a time window, with ids derived from
//! the master's id and the occurrence's original start, so they are the same
//! on every request. Every change takes the next value of the store's
//! sequence; removals leave tombstones in their calendar, as mail removals
//! do in their folder.

mod event;
mod ical;
mod ids;
mod recurrence;
mod store;
mod tz;

#[cfg(test)]
mod tests_recurrence;
#[cfg(test)]
mod tests_store;

pub(crate) use event::{
    Attendee, EmailAddr, EventFields, EventKind, Instance, MeetingLink, ResponseStatus, StoredEvent,
};
pub(crate) use ical::{Method as IcalMethod, calendar as ical_calendar};
pub(crate) use ids::{new_change_key, new_event_id, new_ical_uid, occurrence_id};
pub(crate) use recurrence::Recurrence;
pub(crate) use store::{Calendar, CalendarStore, Found, MAX_INSTANCES};
pub(crate) use tz::{resolve as resolve_zone, to_local, to_utc};

/// What a calendar request got wrong, as Graph reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CalError {
    /// 400 ErrorInvalidRequest with this message.
    #[error("{0}")]
    Invalid(String),
    /// 400 TimeZoneNotSupportedException for this zone name.
    #[error(
        "A valid TimeZone value must be specified. The following TimeZone value is not supported: '{0}'."
    )]
    TimeZone(String),
    /// 400 with another error code (`BadRequest` for an unknown property).
    #[error("{1}")]
    Coded(&'static str, String),
}
