//! Graph's event resource as graphgate reads and writes it: the event with
//! its recurrence (`patternedRecurrence`), times (`dateTimeTimeZone`),
//! attendees and answers, and the write model for POST and PATCH, which
//! sends only the properties that are set. Values graphgate does not know
//! (a new enum member, a `null`) never fail a read: they become `Unknown`,
//! an empty list or `None`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// `null` read as the type's default (Graph writes `null` for empty lists).
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// What an event is in its series (`type`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EventKind {
    #[default]
    SingleInstance,
    Occurrence,
    Exception,
    SeriesMaster,
    #[serde(other)]
    Unknown,
}

/// `sensitivity`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Sensitivity {
    #[default]
    Normal,
    Personal,
    Private,
    Confidential,
    #[serde(other)]
    Unknown,
}

/// `showAs` (freeBusyStatus).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FreeBusyStatus {
    Free,
    Tentative,
    #[default]
    Busy,
    Oof,
    WorkingElsewhere,
    #[serde(other)]
    Unknown,
}

/// `importance`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Importance {
    Low,
    #[default]
    Normal,
    High,
    #[serde(other)]
    Unknown,
}

/// An answer to a meeting (`responseStatus.response`, attendee `status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResponseType {
    #[default]
    None,
    Organizer,
    TentativelyAccepted,
    Accepted,
    Declined,
    NotResponded,
    #[serde(other)]
    Unknown,
}

/// An attendee's `type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttendeeType {
    #[default]
    Required,
    Optional,
    Resource,
    #[serde(other)]
    Unknown,
}

/// `body.contentType`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BodyType {
    #[default]
    Text,
    Html,
    #[serde(other)]
    Unknown,
}

/// A wall-clock time and the zone it is read in (`dateTimeTimeZone`).
/// graphgate asks for UTC, so what it reads is in "UTC"; what it writes
/// is in the event's own (Windows) zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DateTimeTimeZone {
    /// `2025-01-06T09:00:00` (Graph adds `.0000000`).
    pub date_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl DateTimeTimeZone {
    /// A wall-clock time in `zone`, written as Graph reads it.
    pub fn new(at: NaiveDateTime, zone: &str) -> DateTimeTimeZone {
        DateTimeTimeZone {
            date_time: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            time_zone: Some(zone.to_string()),
        }
    }

    /// The wall-clock time (with or without Graph's seven fraction digits).
    pub fn wall_clock(&self) -> Option<NaiveDateTime> {
        let raw = self.date_time.trim();
        NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f")
            .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M"))
            .ok()
    }

    /// The instant, when the zone is UTC (as graphgate asks Graph to answer).
    pub fn utc(&self) -> Option<DateTime<Utc>> {
        let zone = self.time_zone.as_deref().unwrap_or("UTC");
        let utc = ["UTC", "Etc/UTC", "Etc/GMT", "tzone://Microsoft/Utc"]
            .iter()
            .any(|z| z.eq_ignore_ascii_case(zone.trim()));
        utc.then(|| self.wall_clock().map(|t| t.and_utc()))
            .flatten()
    }
}

/// `body`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemBody {
    #[serde(default)]
    pub content_type: BodyType,
    #[serde(default, deserialize_with = "null_default")]
    pub content: String,
}

/// `location`, as far as iCalendar has it (one display name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(default, deserialize_with = "null_default")]
    pub display_name: String,
}

/// `emailAddress`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// `organizer` (a recipient).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    #[serde(default)]
    pub email_address: EmailAddress,
}

/// `responseStatus` and an attendee's `status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseStatus {
    #[serde(default)]
    pub response: ResponseType,
    /// When the answer came (Graph writes `0001-01-01T00:00:00Z` for none).
    #[serde(default, skip_serializing)]
    pub time: Option<String>,
}

/// An attendee; `status` is Graph's to set and never written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    #[serde(default)]
    pub email_address: EmailAddress,
    #[serde(rename = "type", default)]
    pub kind: AttendeeType,
    #[serde(default, skip_serializing)]
    pub status: Option<ResponseStatus>,
}

/// `recurrencePattern.type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PatternKind {
    #[default]
    Daily,
    Weekly,
    AbsoluteMonthly,
    RelativeMonthly,
    AbsoluteYearly,
    RelativeYearly,
    #[serde(other)]
    Unknown,
}

/// `dayOfWeek`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DayOfWeek {
    Sunday,
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
}

/// `weekIndex`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum WeekIndex {
    #[default]
    First,
    Second,
    Third,
    Fourth,
    Last,
    #[serde(other)]
    Unknown,
}

/// `recurrencePattern`: how often. Unset numbers are 0, as Graph answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecurrencePattern {
    #[serde(rename = "type", default)]
    pub kind: PatternKind,
    #[serde(default)]
    pub interval: i32,
    #[serde(default, deserialize_with = "null_default")]
    pub month: i32,
    #[serde(default, deserialize_with = "null_default")]
    pub day_of_month: i32,
    #[serde(default, deserialize_with = "null_default")]
    pub days_of_week: Vec<DayOfWeek>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_day_of_week: Option<DayOfWeek>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<WeekIndex>,
}

/// `recurrenceRange.type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RangeKind {
    EndDate,
    #[default]
    NoEnd,
    Numbered,
    #[serde(other)]
    Unknown,
}

/// `recurrenceRange`: from when, until when.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecurrenceRange {
    #[serde(rename = "type", default)]
    pub kind: RangeKind,
    /// The date of the series' start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    /// The last day an occurrence may fall on (`endDate` ranges; Graph
    /// answers `0001-01-01` for the others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "null_default")]
    pub number_of_occurrences: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence_time_zone: Option<String>,
}

/// `patternedRecurrence`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternedRecurrence {
    pub pattern: RecurrencePattern,
    pub range: RecurrenceRange,
}

/// `onlineMeeting`, for its join link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineMeeting {
    #[serde(default)]
    pub join_url: Option<String>,
}

/// An event as Graph describes it: a single event, a series master, an
/// occurrence or an exception.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    /// Differs between the occurrences of one series (per the v1.0 docs).
    #[serde(rename = "iCalUId", default)]
    pub ical_uid: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: EventKind,
    #[serde(default)]
    pub series_master_id: Option<String>,
    /// Occurrences and exceptions: where the pattern put them.
    #[serde(default)]
    pub original_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub original_start_time_zone: Option<String>,
    #[serde(default)]
    pub original_end_time_zone: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: Option<ItemBody>,
    #[serde(default)]
    pub start: Option<DateTimeTimeZone>,
    #[serde(default)]
    pub end: Option<DateTimeTimeZone>,
    #[serde(default, deserialize_with = "null_default")]
    pub is_all_day: bool,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default, deserialize_with = "null_default")]
    pub categories: Vec<String>,
    #[serde(default)]
    pub sensitivity: Option<Sensitivity>,
    #[serde(default)]
    pub show_as: Option<FreeBusyStatus>,
    #[serde(default)]
    pub importance: Option<Importance>,
    #[serde(default)]
    pub is_reminder_on: Option<bool>,
    #[serde(default)]
    pub reminder_minutes_before_start: Option<i32>,
    #[serde(default)]
    pub organizer: Option<Recipient>,
    #[serde(default, deserialize_with = "null_default")]
    pub attendees: Vec<Attendee>,
    #[serde(default)]
    pub response_requested: Option<bool>,
    #[serde(default)]
    pub response_status: Option<ResponseStatus>,
    #[serde(default)]
    pub is_organizer: Option<bool>,
    #[serde(default, deserialize_with = "null_default")]
    pub is_cancelled: bool,
    #[serde(default)]
    pub recurrence: Option<PatternedRecurrence>,
    #[serde(default)]
    pub transaction_id: Option<String>,
    #[serde(default)]
    pub change_key: Option<String>,
    #[serde(default)]
    pub created_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_modified_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub allow_new_time_proposals: Option<bool>,
    #[serde(default)]
    pub online_meeting: Option<OnlineMeeting>,
}

impl Event {
    /// The organizer's address, if Graph gave one.
    pub fn organizer_address(&self) -> Option<&str> {
        self.organizer
            .as_ref()
            .and_then(|o| o.email_address.address.as_deref())
    }
}

/// The body of `POST /calendars/{id}/events` and `PATCH /events/{id}`:
/// only the properties that are set are sent. `recurrence: Some(None)`
/// writes `null` (the event stops repeating).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventWrite {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<ItemBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTimeTimeZone>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTimeTimeZone>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_all_day: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Sensitivity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_as: Option<FreeBusyStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub importance: Option<Importance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_reminder_on: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminder_minutes_before_start: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendees: Option<Vec<Attendee>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_requested: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_new_time_proposals: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<Option<PatternedRecurrence>>,
    /// Creation only: Graph answers a repeated create with the first event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
}

impl EventWrite {
    /// Nothing to send: no request is needed.
    pub fn is_empty(&self) -> bool {
        *self == EventWrite::default()
    }
}

/// A meeting answer (`accept`, `tentativelyAccept`, `decline`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingAnswer {
    Accept,
    TentativelyAccept,
    Decline,
}

impl MeetingAnswer {
    /// The action's path segment.
    pub fn action(self) -> &'static str {
        match self {
            MeetingAnswer::Accept => "accept",
            MeetingAnswer::TentativelyAccept => "tentativelyAccept",
            MeetingAnswer::Decline => "decline",
        }
    }
}

/// The body of a meeting answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AnswerBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<&'a str>,
    pub send_response: bool,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_an_occurrence_with_nulls_and_unknown_values() {
        let v = json!({
            "id": "AAMk1", "iCalUId": "040000", "type": "exception",
            "seriesMasterId": "AAMk0", "originalStart": "2025-01-13T08:00:00Z",
            "originalStartTimeZone": "W. Europe Standard Time",
            "subject": "Sync", "body": {"contentType": "text", "content": "hi"},
            "start": {"dateTime": "2025-01-13T09:00:00.0000000", "timeZone": "UTC"},
            "end": {"dateTime": "2025-01-13T09:30:00.0000000", "timeZone": "UTC"},
            "isAllDay": false, "categories": null, "showAs": "someNewStatus",
            "attendees": [{"type": "required", "status": {"response": "accepted",
                "time": "0001-01-01T00:00:00Z"},
                "emailAddress": {"name": "Bob", "address": "bob@contoso.test"}}],
            "recurrence": null, "onlineMeeting": null,
            "createdDateTime": "2025-01-01T10:00:00.1234567Z",
        });
        let e: Event = serde_json::from_value(v).unwrap();
        assert_eq!(e.kind, EventKind::Exception);
        assert!(e.categories.is_empty());
        assert_eq!(e.show_as, Some(FreeBusyStatus::Unknown));
        assert_eq!(
            e.original_start.unwrap().to_rfc3339(),
            "2025-01-13T08:00:00+00:00"
        );
        assert_eq!(
            e.start.as_ref().unwrap().utc().unwrap().to_rfc3339(),
            "2025-01-13T09:00:00+00:00"
        );
        assert_eq!(
            e.attendees[0].status.as_ref().unwrap().response,
            ResponseType::Accepted
        );
    }

    #[test]
    fn writes_only_what_is_set_and_null_for_no_recurrence() {
        let w = EventWrite {
            subject: Some("x".into()),
            recurrence: Some(None),
            attendees: Some(vec![Attendee {
                email_address: EmailAddress {
                    name: None,
                    address: Some("bob@contoso.test".into()),
                },
                kind: AttendeeType::Optional,
                status: Some(ResponseStatus::default()),
            }]),
            ..EventWrite::default()
        };
        assert_eq!(
            serde_json::to_value(&w).unwrap(),
            json!({"subject": "x", "recurrence": null, "attendees": [
                {"emailAddress": {"address": "bob@contoso.test"}, "type": "optional"}]})
        );
        assert!(EventWrite::default().is_empty());
        let r = PatternedRecurrence {
            pattern: RecurrencePattern {
                kind: PatternKind::RelativeMonthly,
                interval: 1,
                days_of_week: vec![DayOfWeek::Friday],
                index: Some(WeekIndex::Last),
                first_day_of_week: Some(DayOfWeek::Monday),
                ..RecurrencePattern::default()
            },
            range: RecurrenceRange {
                kind: RangeKind::NoEnd,
                start_date: NaiveDate::from_ymd_opt(2025, 1, 31),
                ..RecurrenceRange::default()
            },
        };
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"pattern": {"type": "relativeMonthly", "interval": 1, "month": 0,
                "dayOfMonth": 0, "daysOfWeek": ["friday"], "firstDayOfWeek": "monday",
                "index": "last"},
                "range": {"type": "noEnd", "startDate": "2025-01-31",
                "numberOfOccurrences": 0}})
        );
    }
}
