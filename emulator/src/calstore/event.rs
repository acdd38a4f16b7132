//! An event as the store keeps it: its editable fields, its identity
//! (`id`, `iCalUId`, `transactionId`, change key), its series data
//! (recurrence, exceptions by original start, cancelled original starts)
//! and, for meetings, its organizer and attendees. [`Instance`] is what a
//! calendar view shows: a single event, or one occurrence or exception of a
//! series, computed on demand.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::ids::{occurrence_ical_uid, occurrence_id};
use super::recurrence::Recurrence;
use super::tz::{resolve, to_local, to_utc};

/// `emailAddress`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EmailAddr {
    pub(crate) name: String,
    pub(crate) address: String,
}

/// `responseStatus`: `response` is one of none, organizer,
/// tentativelyAccepted, accepted, declined, notResponded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ResponseStatus {
    pub(crate) response: String,
    /// None renders as Graph's `0001-01-01T00:00:00Z`.
    pub(crate) time: Option<DateTime<Utc>>,
}

impl ResponseStatus {
    pub(crate) fn none() -> ResponseStatus {
        ResponseStatus {
            response: "none".into(),
            time: None,
        }
    }
}

/// `attendee`: `kind` is required, optional or resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Attendee {
    pub(crate) email: EmailAddr,
    pub(crate) kind: String,
    pub(crate) status: ResponseStatus,
}

/// The fields a client sets on an event (or that an exception overrides).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EventFields {
    pub(crate) subject: String,
    /// `body.contentType` is html (else text).
    pub(crate) body_html: bool,
    pub(crate) body: String,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    /// `originalStartTimeZone`: the zone name the client gave.
    pub(crate) start_zone: String,
    pub(crate) end_zone: String,
    pub(crate) is_all_day: bool,
    pub(crate) location: String,
    pub(crate) categories: Vec<String>,
    /// normal, personal, private, confidential.
    pub(crate) sensitivity: String,
    /// free, tentative, busy, oof, workingElsewhere, unknown.
    pub(crate) show_as: String,
    /// low, normal, high.
    pub(crate) importance: String,
    pub(crate) is_reminder_on: bool,
    pub(crate) reminder_minutes: i64,
    pub(crate) attendees: Vec<Attendee>,
    pub(crate) response_requested: bool,
    pub(crate) allow_new_time_proposals: bool,
    pub(crate) is_cancelled: bool,
    /// The mailbox owner's own response (`responseStatus`).
    pub(crate) response: ResponseStatus,
}

/// An occurrence a client changed: its own fields, change key and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Exception {
    pub(crate) fields: EventFields,
    pub(crate) change_key: String,
    pub(crate) changed_seq: u64,
    pub(crate) created: DateTime<Utc>,
    pub(crate) modified: DateTime<Utc>,
}

/// For an attendee's copy of a meeting: where the organizer's event is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MeetingLink {
    pub(crate) organizer_upn: String,
    pub(crate) event_id: String,
}

/// A single event or a series master.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredEvent {
    pub(crate) id: String,
    pub(crate) calendar_id: String,
    pub(crate) ical_uid: String,
    pub(crate) transaction_id: Option<String>,
    pub(crate) created: DateTime<Utc>,
    pub(crate) modified: DateTime<Utc>,
    pub(crate) change_key: String,
    /// Store sequence of the last change to the event's own fields.
    pub(crate) changed_seq: u64,
    pub(crate) organizer: EmailAddr,
    pub(crate) is_organizer: bool,
    pub(crate) fields: EventFields,
    pub(crate) recurrence: Option<Recurrence>,
    /// Changed occurrences, by original start (Unix seconds).
    #[serde(default)]
    pub(crate) exceptions: BTreeMap<i64, Exception>,
    /// Deleted occurrences, by original start (Unix seconds).
    #[serde(default)]
    pub(crate) cancelled: BTreeSet<i64>,
    #[serde(default)]
    pub(crate) meeting_of: Option<MeetingLink>,
    /// iCalendar SEQUENCE of the meeting messages sent for it.
    #[serde(default)]
    pub(crate) sequence: u32,
}

/// `event.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    SingleInstance,
    Occurrence,
    Exception,
    SeriesMaster,
}

impl EventKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EventKind::SingleInstance => "singleInstance",
            EventKind::Occurrence => "occurrence",
            EventKind::Exception => "exception",
            EventKind::SeriesMaster => "seriesMaster",
        }
    }
}

/// One event as a view shows it.
#[derive(Debug, Clone)]
pub(crate) struct Instance<'a> {
    /// The single event, or the series master.
    pub(crate) event: &'a StoredEvent,
    pub(crate) kind: EventKind,
    pub(crate) id: String,
    pub(crate) fields: &'a EventFields,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) original_start: Option<DateTime<Utc>>,
    pub(crate) change_key: &'a str,
    pub(crate) changed_seq: u64,
    pub(crate) created: DateTime<Utc>,
    pub(crate) modified: DateTime<Utc>,
    pub(crate) ical_uid: String,
}

/// Does [start, end) meet the window [from, to)? (A zero-length event
/// counts when it starts inside.)
pub(crate) fn overlaps(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> bool {
    if start == end {
        return start >= from && start < to;
    }
    start < to && end > from
}

impl StoredEvent {
    /// The zone a series is expanded in: the range's zone, else the start's.
    pub(crate) fn series_zone(&self) -> Tz {
        self.recurrence
            .as_ref()
            .and_then(|r| resolve(&r.range.recurrence_time_zone))
            .or_else(|| resolve(&self.fields.start_zone))
            .unwrap_or(Tz::UTC)
    }

    /// The event as a list shows it (`/events`): a single or a master.
    pub(crate) fn as_instance(&self) -> Instance<'_> {
        Instance {
            event: self,
            kind: if self.recurrence.is_some() {
                EventKind::SeriesMaster
            } else {
                EventKind::SingleInstance
            },
            id: self.id.clone(),
            fields: &self.fields,
            start: self.fields.start,
            end: self.fields.end,
            original_start: None,
            change_key: &self.change_key,
            changed_seq: self.changed_seq,
            created: self.created,
            modified: self.modified,
            ical_uid: self.ical_uid.clone(),
        }
    }

    /// The original starts of the series' occurrences whose dates fall in
    /// [from_date, until_date] (in the series zone), cancelled ones included.
    pub(crate) fn original_starts(
        &self,
        from_date: NaiveDate,
        until_date: NaiveDate,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let Some(rec) = &self.recurrence else {
            return Vec::new();
        };
        let tz = self.series_zone();
        let time = to_local(self.fields.start, tz).time();
        rec.dates(from_date, until_date, limit)
            .into_iter()
            .map(|d| to_utc(d.and_time(time), tz))
            .collect()
    }

    /// The occurrence (or exception) of this series that originally starts
    /// at `original`, if the series has one there and it is not cancelled.
    pub(crate) fn occurrence(&self, original: i64) -> Option<Instance<'_>> {
        let rec = self.recurrence.as_ref()?;
        if self.cancelled.contains(&original) {
            return None;
        }
        let at = DateTime::<Utc>::from_timestamp(original, 0)?;
        let tz = self.series_zone();
        let local = to_local(at, tz);
        if !rec.occurs_on(local.date())
            || self.original_starts(local.date(), local.date(), 1) != vec![at]
        {
            return None;
        }
        Some(self.instance_at(at))
    }

    /// The instance whose original start is `at` (no checks).
    fn instance_at(&self, at: DateTime<Utc>) -> Instance<'_> {
        let key = at.timestamp();
        let date = to_local(at, self.series_zone()).date();
        let ical_uid = occurrence_ical_uid(&self.ical_uid, date);
        match self.exceptions.get(&key) {
            Some(x) => Instance {
                event: self,
                kind: EventKind::Exception,
                id: occurrence_id(&self.id, key),
                fields: &x.fields,
                start: x.fields.start,
                end: x.fields.end,
                original_start: Some(at),
                change_key: &x.change_key,
                changed_seq: x.changed_seq,
                created: x.created,
                modified: x.modified,
                ical_uid,
            },
            None => Instance {
                event: self,
                kind: EventKind::Occurrence,
                id: occurrence_id(&self.id, key),
                fields: &self.fields,
                start: at,
                end: at + (self.fields.end - self.fields.start),
                original_start: Some(at),
                change_key: &self.change_key,
                changed_seq: self.changed_seq,
                created: self.created,
                modified: self.modified,
                ical_uid,
            },
        }
    }

    /// What a calendar view shows of this event in [from, to): the single
    /// event, or the series' occurrences and exceptions (not cancelled
    /// ones), at most `limit`, in order of start.
    pub(crate) fn instances(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Vec<Instance<'_>> {
        if self.recurrence.is_none() {
            return if overlaps(self.fields.start, self.fields.end, from, to) {
                vec![self.as_instance()]
            } else {
                Vec::new()
            };
        }
        let tz = self.series_zone();
        let span = (self.fields.end - self.fields.start).max(Duration::zero());
        let from_date = to_local(from - span, tz).date() - Duration::days(1);
        let until_date = to_local(to, tz).date() + Duration::days(1);
        let mut out: Vec<Instance<'_>> = self
            .original_starts(from_date, until_date, limit.saturating_add(2))
            .into_iter()
            .filter(|at| {
                let k = at.timestamp();
                !self.cancelled.contains(&k) && !self.exceptions.contains_key(&k)
            })
            .map(|at| self.instance_at(at))
            .filter(|i| overlaps(i.start, i.end, from, to))
            .collect();
        // Exceptions may have moved into the window from anywhere.
        for (k, x) in &self.exceptions {
            if self.cancelled.contains(k) || !overlaps(x.fields.start, x.fields.end, from, to) {
                continue;
            }
            if let Some(at) = DateTime::<Utc>::from_timestamp(*k, 0) {
                out.push(self.instance_at(at));
            }
        }
        out.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
        out.truncate(limit);
        out
    }
}
