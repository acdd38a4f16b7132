//! A client's calendar object resource as Graph's model: the series (or
//! single event) to write, its overridden occurrences by RECURRENCE-ID,
//! its cancelled occurrences (EXDATE), and what the mailbox's owner
//! answered. Every write model is complete (each property graphgate maps
//! is set), so comparing two of them finds exactly what changed.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::time::{Moment, midnight, to_local};
use crate::graph::{DateTimeTimeZone, EventWrite, MeetingAnswer};

/// An attendee's participation (PARTSTAT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartStat {
    NeedsAction,
    Accepted,
    Declined,
    Tentative,
    Delegated,
    /// Anything else (COMPLETED, IN-PROCESS, an x-name).
    Other,
}

impl PartStat {
    /// The Graph action that gives this answer; `None` for those Graph
    /// cannot give (NEEDS-ACTION, DELEGATED).
    pub fn answer(self) -> Option<MeetingAnswer> {
        match self {
            PartStat::Accepted => Some(MeetingAnswer::Accept),
            PartStat::Tentative => Some(MeetingAnswer::TentativelyAccept),
            PartStat::Declined => Some(MeetingAnswer::Decline),
            _ => None,
        }
    }
}

/// When an event's times lie: the start and end in their zones (all-day
/// events: dates, in the mailbox's zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub start_zone: Tz,
    pub end_zone: Tz,
    pub all_day: bool,
}

/// One VEVENT turned into Graph's write model.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectEvent {
    /// Complete: every property graphgate maps is set.
    pub event: EventWrite,
    /// The owner's PARTSTAT on this component, if they are an attendee.
    pub owner_partstat: Option<PartStat>,
    /// STATUS:CANCELLED.
    pub cancelled: bool,
    pub(crate) span: Span,
}

/// An overridden occurrence (a VEVENT with RECURRENCE-ID).
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The occurrence it replaces.
    pub recurrence_id: Moment,
    pub event: ObjectEvent,
}

/// A parsed calendar object resource.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarObject {
    pub uid: String,
    /// The series or single event.
    pub master: ObjectEvent,
    /// In order of RECURRENCE-ID.
    pub overrides: Vec<Override>,
    /// Cancelled occurrences that are occurrences of the rule, in order.
    pub exdates: Vec<Moment>,
    /// ATTENDEE lines other than the organizer's own: a meeting.
    pub has_attendees: bool,
    /// ORGANIZER's address.
    pub organizer: Option<String>,
}

impl CalendarObject {
    /// The owner's PARTSTAT on the series.
    pub fn owner_partstat(&self) -> Option<PartStat> {
        self.master.owner_partstat
    }

    /// The override of occurrence `m`.
    pub fn override_at(&self, m: Moment) -> Option<&Override> {
        self.overrides.iter().find(|o| o.recurrence_id == m)
    }
}

/// `t` as Graph reads it: wall-clock time in `zone_name`.
pub(crate) fn graph_time(t: DateTime<Utc>, tz: Tz, zone_name: &str) -> DateTimeTimeZone {
    DateTimeTimeZone::new(to_local(t, tz), zone_name)
}

impl ObjectEvent {
    /// What occurrence `m` of this series is before any change: the
    /// series' properties at that occurrence's times.
    pub(crate) fn as_occurrence(&self, m: Moment) -> EventWrite {
        let s = &self.span;
        let mut e = self.event.clone();
        e.recurrence = None;
        e.transaction_id = None;
        let zone_of = |t: &Option<DateTimeTimeZone>| {
            t.as_ref()
                .and_then(|t| t.time_zone.clone())
                .unwrap_or_default()
        };
        let (start_name, end_name) = (zone_of(&e.start), zone_of(&e.end));
        match m {
            Moment::Date(d) => {
                let days =
                    to_local(s.end, s.end_zone).date() - to_local(s.start, s.start_zone).date();
                e.start = Some(DateTimeTimeZone::new(midnight(d), &start_name));
                e.end = Some(DateTimeTimeZone::new(midnight(d + days), &end_name));
            }
            Moment::At(t) => {
                let length: Duration = s.end - s.start;
                e.start = Some(graph_time(t, s.start_zone, &start_name));
                e.end = Some(graph_time(t + length, s.end_zone, &end_name));
            }
        }
        e
    }
}
