//! End-to-end tests of the emulated tenant's calendars over real HTTP on
//! 127.0.0.1: calendars and events, series and their views, calendarView
//! delta, meetings, getSchedule, permissions and the control API
//! (docs/microsoft-graph.md §30). One behaviour per test.

mod access;
mod crud;
mod delta;
mod meetings;
mod schedule;
mod views;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// Every calendar scope, and mail for the Inbox checks.
pub(super) const CAL: [&str; 6] = [
    "User.Read",
    "Mail.ReadWrite",
    "Calendars.Read",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
    "Calendars.ReadWrite.Shared",
];

pub(super) async fn cal_token(t: &Tenant, upn: &str) -> String {
    t.token(upn, &CAL).await
}

/// A JSON request; status and body.
pub(super) async fn send(
    t: &Tenant,
    tok: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let (s, _, v) = t.call(tok, method, path, body, &[]).await;
    (s, v)
}

/// A new event's body: `start` and `end` are wall-clock times in `zone`.
pub(super) fn event(subject: &str, start: &str, end: &str, zone: &str) -> Value {
    json!({
        "subject": subject,
        "body": {"contentType": "text", "content": format!("About {subject}.")},
        "start": {"dateTime": start, "timeZone": zone},
        "end": {"dateTime": end, "timeZone": zone},
    })
}

/// Create an event in `path` (201 expected); the answer.
pub(super) async fn create(t: &Tenant, tok: &str, path: &str, body: Value) -> Value {
    let (s, v) = send(t, tok, "POST", path, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

/// Every item of a list, following nextLinks.
pub(super) async fn all(t: &Tenant, tok: &str, path: &str) -> Vec<Value> {
    collect_all(t, tok, path, &[]).await.0
}

/// A stored event of a mailbox, found by subject through the control API.
pub(super) async fn stored(t: &Tenant, upn: &str, subject: &str) -> Value {
    let v = t
        .control_get(&format!("/_emulator/mailboxes/{upn}/events"))
        .await;
    v["value"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["subject"] == subject).cloned())
        .unwrap_or_else(|| panic!("{upn} has no event '{subject}': {v}"))
}

/// Subjects of a list of events.
pub(super) fn subjects(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|e| e["subject"].as_str().unwrap_or_default().to_string())
        .collect()
}
