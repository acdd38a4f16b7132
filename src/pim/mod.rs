//! Calendars, contacts and tasks for the DAV front: the formats (iCalendar
//! and vCard, mapped to and from Graph's typed models), time-zone names,
//! and the collections a user sees. Like `mailbox/` for mail, it knows
//! nothing of HTTP; the DAV front (`dav/`) calls it, and it calls `graph/`.

pub mod ical;
pub mod vcard;
pub mod vtodo;
pub mod zones;
