//! Shared pieces of the event layer's unit tests: a context for alice, and
//! Graph events written as Graph answers them.

use chrono_tz::Tz;
use serde_json::Value;

use super::Context;
use crate::graph::Event;
use crate::pim::zones::Zones;

pub(crate) const OWNER: &str = "alice@contoso.test";

pub(crate) fn berlin() -> Tz {
    "Europe/Berlin".parse().unwrap_or(Tz::UTC)
}

pub(crate) fn context(zones: &Zones) -> Context<'_> {
    Context {
        owner: OWNER,
        mailbox_zone: berlin(),
        zones,
    }
}

/// An event from Graph's JSON.
pub(crate) fn event(v: Value) -> Event {
    serde_json::from_value(v).expect("a Graph event")
}

/// A Graph event as Graph answers it (times in UTC), with `extra` merged in.
pub(crate) fn graph_event(id: &str, start_utc: &str, end_utc: &str, extra: Value) -> Event {
    let mut v = serde_json::json!({
        "id": id,
        "iCalUId": format!("uid-{id}"),
        "type": "singleInstance",
        "originalStartTimeZone": "W. Europe Standard Time",
        "originalEndTimeZone": "W. Europe Standard Time",
        "subject": "Weekly team sync",
        "body": {"contentType": "text", "content": ""},
        "start": {"dateTime": start_utc, "timeZone": "UTC"},
        "end": {"dateTime": end_utc, "timeZone": "UTC"},
        "isAllDay": false,
        "location": {"displayName": "Room 1.21"},
        "categories": [],
        "sensitivity": "normal",
        "showAs": "busy",
        "importance": "normal",
        "isReminderOn": true,
        "reminderMinutesBeforeStart": 15,
        "organizer": {"emailAddress": {"name": "Alice Example", "address": OWNER}},
        "attendees": [],
        "responseRequested": true,
        "responseStatus": {"response": "organizer"},
        "isOrganizer": true,
        "isCancelled": false,
        "changeKey": format!("ck-{id}"),
        "createdDateTime": "2025-01-01T10:00:00Z",
        "lastModifiedDateTime": "2025-01-02T10:00:00Z",
        "allowNewTimeProposals": true,
    });
    if let (Value::Object(m), Value::Object(x)) = (&mut v, extra) {
        m.extend(x);
    }
    event(v)
}

/// A weekly recurrence as Graph answers it.
pub(crate) fn weekly(start_date: &str, zone: &str, day: &str, range: Value) -> Value {
    let mut r = serde_json::json!({
        "pattern": {"type": "weekly", "interval": 1, "month": 0, "dayOfMonth": 0,
                    "daysOfWeek": [day], "firstDayOfWeek": "monday", "index": "first"},
        "range": {"type": "noEnd", "startDate": start_date, "endDate": "0001-01-01",
                  "recurrenceTimeZone": zone, "numberOfOccurrences": 0},
    });
    if let (Value::Object(m), Value::Object(x)) = (&mut r["range"], range) {
        m.extend(x);
    }
    r
}

/// An occurrence (or exception) of `master` as the instances list has it.
pub(crate) fn instance(master: &str, id: &str, kind: &str, original_utc: &str) -> Event {
    event(serde_json::json!({
        "id": id, "type": kind, "seriesMasterId": master,
        "originalStart": original_utc,
    }))
}

/// The demo tenant's weekly team sync: Mondays 09:00 W. Europe from
/// 6 January 2025, 13 January moved to 10:00, 20 January cancelled;
/// known up to 1 March 2025.
pub(crate) fn team_sync() -> super::Series {
    let master = graph_event(
        "M1",
        "2025-01-06T08:00:00.0000000",
        "2025-01-06T08:30:00.0000000",
        serde_json::json!({
            "type": "seriesMaster",
            "recurrence": weekly("2025-01-06", "W. Europe Standard Time", "monday", Value::Null),
        }),
    );
    let moved = graph_event(
        "X1",
        "2025-01-13T09:00:00.0000000",
        "2025-01-13T09:30:00.0000000",
        serde_json::json!({
            "type": "exception", "seriesMasterId": "M1",
            "originalStart": "2025-01-13T08:00:00Z",
            "subject": "Weekly team sync (moved)",
        }),
    );
    let mut instances = Vec::new();
    for (i, day) in ["06", "13", "27"].iter().enumerate() {
        let kind = if *day == "13" {
            "exception"
        } else {
            "occurrence"
        };
        instances.push(instance(
            "M1",
            &format!("O{i}"),
            kind,
            &format!("2025-01-{day}T08:00:00Z"),
        ));
    }
    for day in ["03", "10", "17", "24"] {
        instances.push(instance(
            "M1",
            &format!("F{day}"),
            "occurrence",
            &format!("2025-02-{day}T08:00:00Z"),
        ));
    }
    let horizon = chrono::DateTime::parse_from_rfc3339("2025-03-01T00:00:00Z")
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    super::Series::assemble(master, &instances, vec![moved], horizon, berlin())
        .expect("a readable series")
}

/// A VCALENDAR around `body` (VEVENT lines and components).
pub(crate) fn vcalendar(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n")
}

/// One VEVENT with UID and DTSTAMP around `lines`.
pub(crate) fn vevent(lines: &str) -> String {
    vcalendar(&format!(
        "BEGIN:VEVENT\r\nUID:u1\r\nDTSTAMP:20250101T000000Z\r\n{lines}END:VEVENT\r\n"
    ))
}
