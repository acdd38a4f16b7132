//! The event layer's shared terms: who reads and writes (`Context`), and
//! the CalDAV precondition a refused PUT fails, with its sentence.

use crate::pim::zones::Zones;
use chrono_tz::Tz;

/// Who reads and writes: the mailbox's owner and zone, and the zone-name
/// cache. One per request is cheap; `zones` lives as long as the process.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The owner's address: their ATTENDEE line carries their answer, and
    /// only they can organise what Graph creates.
    pub owner: &'a str,
    /// The mailbox's zone (from its settings): floating times and all-day
    /// dates are read in it.
    pub mailbox_zone: Tz,
    pub zones: &'a Zones,
}

/// The CalDAV precondition a refused PUT fails (RFC 4791 §5.3.2.1,
/// RFC 6638 §3.2.2), all in the `urn:ietf:params:xml:ns:caldav` namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Not iCalendar, or iCalendar that breaks RFC 5545.
    ValidCalendarData,
    /// Valid iCalendar that is not one calendar object resource graphgate
    /// can store (several UIDs, a rule Microsoft 365 cannot hold, ...).
    ValidCalendarObjectResource,
    /// A component this collection does not hold (VTODO, VJOURNAL).
    SupportedCalendarComponent,
    /// Larger than graphgate reads.
    MaxResourceSize,
    /// More attendees than Microsoft 365 allows (500).
    MaxAttendeesPerInstance,
    /// An organizer Microsoft 365 would replace by the calendar's owner.
    ValidOrganizer,
    /// An attendee changing what only the organizer may change.
    AllowedAttendeeSchedulingObjectChange,
}

impl Precondition {
    /// The element name inside `DAV:error`.
    pub fn name(self) -> &'static str {
        match self {
            Precondition::ValidCalendarData => "valid-calendar-data",
            Precondition::ValidCalendarObjectResource => "valid-calendar-object-resource",
            Precondition::SupportedCalendarComponent => "supported-calendar-component",
            Precondition::MaxResourceSize => "max-resource-size",
            Precondition::MaxAttendeesPerInstance => "max-attendees-per-instance",
            Precondition::ValidOrganizer => "valid-organizer",
            Precondition::AllowedAttendeeSchedulingObjectChange => {
                "allowed-attendee-scheduling-object-change"
            }
        }
    }
}

/// Why graphgate will not store a calendar object: nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{sentence}")]
pub struct Refusal {
    pub precondition: Precondition,
    /// What is wrong and what the person can do, in one or two sentences.
    pub sentence: String,
}

impl Refusal {
    pub(crate) fn new(precondition: Precondition, sentence: impl Into<String>) -> Refusal {
        Refusal {
            precondition,
            sentence: sentence.into(),
        }
    }

    pub(crate) fn data(sentence: impl Into<String>) -> Refusal {
        Refusal::new(Precondition::ValidCalendarData, sentence)
    }

    pub(crate) fn object(sentence: impl Into<String>) -> Refusal {
        Refusal::new(Precondition::ValidCalendarObjectResource, sentence)
    }
}

/// The PRODID of every iCalendar object graphgate writes (events, tasks,
/// free/busy).
pub const PRODID: &str = "-//graphgate//CalDAV//EN";
