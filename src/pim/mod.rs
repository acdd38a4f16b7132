//! Calendars, contacts and tasks for the DAV front: the formats (iCalendar
//! and vCard, mapped to and from Graph's typed models), time-zone names,
//! and the collections a user sees. Like `mailbox/` for mail, it knows
//! nothing of HTTP; the DAV front (`dav/`) calls it, and it calls `graph/`.

mod collections;
mod colors;
mod error;
mod freebusy;
mod freebusy_ical;
pub mod ical;
mod listings;
mod objects;
mod service;
mod sync;
mod sync_events;
mod sync_items;
pub mod vcard;
pub mod vtodo;
pub mod zones;

pub use collections::MAX_NAME_CHARS;
pub use colors::graph_color;
pub use error::{CALDAV_NS, CARDDAV_NS, DAV_NS, PimError};
pub use freebusy::{
    Busy, BusyKind, MAX_FREE_BUSY_DAYS, MAX_RECIPIENTS, RecipientFreeBusy, Unanswered, check_range,
};
pub use freebusy_ical::{
    FreeBusyRequest, NotFreeBusy, ReplyParties, mailto, parse_request, render_free_busy,
};
pub use objects::{Conditions, PutOutcome};
pub use service::{Collection, Kind, PimService, PimSettings, UserPim};
