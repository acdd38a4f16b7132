//! One CalDAV calendar object resource per Graph event series: a series
//! master (or single event) with its exceptions and cancelled occurrences
//! rendered as one VCALENDAR, and a client's VCALENDAR parsed back into
//! Graph's model, or refused with the CalDAV precondition it fails and a
//! sentence a person can act on. Recurrence rules and time zones are mapped
//! only where the meaning is kept exactly; anything else is refused, never
//! approximated (docs/caldav.md). The service functions at the end read,
//! write and delete a series through Graph, one confirmed step at a time.

mod expand;
mod instances;
mod object;
mod parse;
mod parse_event;
mod pattern;
mod plan;
mod props;
mod render;
mod rrule;
mod series;
mod service;
mod time;

mod terms;
#[cfg(test)]
mod tests_fuzz;
#[cfg(test)]
mod tests_instances;
#[cfg(test)]
mod tests_parse;
#[cfg(test)]
mod tests_plan;
#[cfg(test)]
mod tests_render;
#[cfg(test)]
mod tests_rrule;
#[cfg(test)]
pub(crate) mod tests_support;

pub use instances::{MAX_INSTANCES, Recurrences, Selection, Shape, ShapeError, shape};
pub use object::{CalendarObject, ObjectEvent, Override, PartStat};
pub use parse::parse;
pub use render::{RenderError, render, zone_calendar};
pub use series::{Series, SeriesError, cancelled_occurrences};
pub use service::{
    KnownEvents, ReadError, WriteError, WriteOutcome, WriteRequest, delete_series, read_series,
    read_series_knowing, write_series,
};
pub use terms::{Context, PRODID, Precondition, Refusal};
pub use time::Moment;
