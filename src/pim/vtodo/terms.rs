//! The VTODO side's shared terms: size limits and the CalDAV
//! precondition a refused PUT fails, with its sentence.

/// Largest iCalendar object accepted for one task.
pub const MAX_ICS_BYTES: usize = 1024 * 1024;
/// Most content lines in one task.
pub const MAX_ICS_LINES: usize = 5000;
/// Most bytes of properties kept gateway-side for one task.
pub const MAX_TASK_EXTRAS_BYTES: usize = 256 * 1024;

/// The CalDAV precondition (RFC 4791 §5.3.2.1) a refused PUT fails; the
/// DAV front answers 403 with `<CALDAV:{element}/>` in the `DAV:error`
/// body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Not iCalendar at all.
    SupportedCalendarData,
    /// Not valid iCalendar.
    ValidCalendarData,
    /// A component a task list does not hold (VEVENT, VJOURNAL).
    SupportedCalendarComponent,
    /// Valid, but not something To Do can hold (exceptions, EXDATE, an
    /// RRULE without a To Do pattern).
    ValidCalendarObjectResource,
    /// Too large.
    MaxResourceSize,
}

impl Precondition {
    /// The element name in the `urn:ietf:params:xml:ns:caldav` namespace.
    pub fn element(self) -> &'static str {
        match self {
            Precondition::SupportedCalendarData => "supported-calendar-data",
            Precondition::ValidCalendarData => "valid-calendar-data",
            Precondition::SupportedCalendarComponent => "supported-calendar-component",
            Precondition::ValidCalendarObjectResource => "valid-calendar-object-resource",
            Precondition::MaxResourceSize => "max-resource-size",
        }
    }
}

/// Why a client's VTODO was refused, with a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Refusal {
    pub precondition: Precondition,
    pub reason: String,
}

impl Refusal {
    pub(crate) fn new(precondition: Precondition, reason: impl Into<String>) -> Refusal {
        Refusal {
            precondition,
            reason: reason.into(),
        }
    }
}
