//! Control requests for calendars and faults: look inside a mailbox's
//! calendars and events without a token (stored series with their
//! exceptions and cancellations, or the view of a window), and queue faults
//! (412, 410, 429, 503, ...) for the next matching Graph operations.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Em, fail, not_found};
use crate::calstore::{Instance, StoredEvent};
use crate::tenant::PlannedFault;

fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn attendees(e: &crate::calstore::EventFields) -> Value {
    Value::Array(
        e.attendees
            .iter()
            .map(|a| json!({"address": a.email.address, "name": a.email.name, "type": a.kind, "response": a.status.response}))
            .collect(),
    )
}

fn stored(e: &StoredEvent, calendar: &str) -> Value {
    let f = &e.fields;
    json!({
        "id": e.id,
        "calendar": calendar,
        "calendarId": e.calendar_id,
        "type": if e.recurrence.is_some() { "seriesMaster" } else { "singleInstance" },
        "subject": f.subject,
        "start": when(f.start),
        "end": when(f.end),
        "originalStartTimeZone": f.start_zone,
        "isAllDay": f.is_all_day,
        "location": f.location,
        "showAs": f.show_as,
        "sensitivity": f.sensitivity,
        "isCancelled": f.is_cancelled,
        "organizer": e.organizer.address,
        "isOrganizer": e.is_organizer,
        "responseStatus": f.response.response,
        "attendees": attendees(f),
        "iCalUId": e.ical_uid,
        "transactionId": e.transaction_id,
        "changeKey": e.change_key,
        "recurrence": e.recurrence.as_ref().map(|r| r.to_json()),
        "exceptions": e.exceptions.iter().map(|(k, x)| json!({
            "originalStart": DateTime::<Utc>::from_timestamp(*k, 0).map(when),
            "subject": x.fields.subject,
            "start": when(x.fields.start),
            "end": when(x.fields.end),
            "responseStatus": x.fields.response.response,
        })).collect::<Vec<_>>(),
        "cancelledOccurrences": e.cancelled.iter()
            .filter_map(|k| DateTime::<Utc>::from_timestamp(*k, 0).map(when))
            .collect::<Vec<_>>(),
        "meetingOf": e.meeting_of.as_ref().map(|l| json!({"organizer": l.organizer_upn, "eventId": l.event_id})),
    })
}

fn instance(i: &Instance<'_>, calendar: &str) -> Value {
    json!({
        "id": i.id,
        "calendar": calendar,
        "type": i.kind.as_str(),
        "seriesMasterId": (i.event.recurrence.is_some()).then(|| i.event.id.clone()),
        "originalStart": i.original_start.map(when),
        "subject": i.fields.subject,
        "start": when(i.start),
        "end": when(i.end),
        "isAllDay": i.fields.is_all_day,
        "showAs": i.fields.show_as,
        "responseStatus": i.fields.response.response,
        "changeKey": i.change_key,
    })
}

#[derive(Deserialize)]
pub(super) struct EventsQuery {
    /// A calendar name or id (default: every calendar).
    calendar: Option<String>,
    #[serde(rename = "startDateTime")]
    start: Option<String>,
    #[serde(rename = "endDateTime")]
    end: Option<String>,
}

fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .filter(|d| (1..=9999).contains(&d.year()))
}

/// `GET /_emulator/mailboxes/{upn}/calendars`.
pub(super) async fn calendars(State(em): Em, Path(upn): Path<String>) -> Response {
    let Some(oid) = em.directory.read().user(&upn).map(|u| u.oid) else {
        return not_found("mailbox");
    };
    let Some(mb) = em.mailbox(oid) else {
        return not_found("mailbox");
    };
    let mb = mb.lock();
    let out: Vec<Value> = mb
        .calendar
        .calendars
        .iter()
        .map(|c| {
            json!({"id": c.id, "name": c.name, "color": c.color, "isDefaultCalendar": c.is_default,
                   "changeKey": c.change_key, "events": mb.calendar.events_of(&c.id).len(),
                   "tombstones": c.tombstones.len()})
        })
        .collect();
    Json(json!({"value": out})).into_response()
}

/// `GET /_emulator/mailboxes/{upn}/events[?calendar=…][&startDateTime=…&endDateTime=…]`:
/// stored events (singles and series masters), or with a window (RFC 3339)
/// what the calendar view of it shows.
pub(super) async fn events(
    State(em): Em,
    Path(upn): Path<String>,
    Query(q): Query<EventsQuery>,
) -> Response {
    let Some(oid) = em.directory.read().user(&upn).map(|u| u.oid) else {
        return not_found("mailbox");
    };
    let Some(mb) = em.mailbox(oid) else {
        return not_found("mailbox");
    };
    let window = match (&q.start, &q.end) {
        (None, None) => None,
        (Some(s), Some(e)) => match (instant(s), instant(e)) {
            (Some(s), Some(e)) => Some((s, e)),
            _ => {
                return fail(
                    StatusCode::BAD_REQUEST,
                    "startDateTime and endDateTime must be RFC 3339",
                );
            }
        },
        _ => {
            return fail(
                StatusCode::BAD_REQUEST,
                "give both startDateTime and endDateTime, or neither",
            );
        }
    };
    let mb = mb.lock();
    let calendars: Vec<(String, String)> = mb
        .calendar
        .calendars
        .iter()
        .filter(|c| {
            q.calendar
                .as_deref()
                .is_none_or(|k| c.id == k || c.name.eq_ignore_ascii_case(k))
        })
        .map(|c| (c.id.clone(), c.name.clone()))
        .collect();
    if calendars.is_empty() {
        return not_found("calendar");
    }
    let mut out = Vec::new();
    for (id, name) in &calendars {
        match window {
            None => out.extend(
                mb.calendar
                    .events_of(id)
                    .into_iter()
                    .map(|e| stored(e, name)),
            ),
            Some((s, e)) => {
                out.extend(mb.calendar.view(id, s, e).iter().map(|i| instance(i, name)))
            }
        }
    }
    Json(json!({"value": out})).into_response()
}

/// `POST /_emulator/faults`: `{"status": 412, "match": "events", "count": 1}`
/// queues a fault for the next `count` Graph operations whose endpoint
/// template contains `match`. Answers with the queue.
pub(super) async fn faults_add(State(em): Em, body: Bytes) -> Response {
    let f: PlannedFault = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return fail(StatusCode::BAD_REQUEST, format!("invalid fault: {e}")),
    };
    if !(400..=599).contains(&f.status) || f.remaining == 0 || f.remaining > 10_000 {
        return fail(
            StatusCode::BAD_REQUEST,
            "status must be 400-599 and count 1-10000",
        );
    }
    let mut planned = em.planned_faults.lock();
    if planned.len() >= 1000 {
        return fail(StatusCode::BAD_REQUEST, "at most 1000 queued faults");
    }
    planned.push(f);
    Json(json!({"value": *planned})).into_response()
}

/// `GET /_emulator/faults`: the queue.
pub(super) async fn faults_list(State(em): Em) -> Response {
    Json(json!({"value": *em.planned_faults.lock()})).into_response()
}

/// `DELETE /_emulator/faults`: empty the queue.
pub(super) async fn faults_clear(State(em): Em) -> StatusCode {
    em.planned_faults.lock().clear();
    StatusCode::NO_CONTENT
}
