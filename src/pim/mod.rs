//! Calendars, contacts and tasks for the DAV front: the formats (iCalendar
//! and vCard, mapped to and from Graph's typed models), time-zone names,
//! and the collections a user sees. Like `mailbox/` for mail, it knows
//! nothing of HTTP; the DAV front (`dav/`) calls it, and it calls `graph/`.

mod error;
pub mod ical;
mod service;
mod sync;
pub mod vcard;
pub mod vtodo;
pub mod zones;

pub use error::PimError;
pub use service::{Collection, Kind, PimService, PimSettings, UserPim};
