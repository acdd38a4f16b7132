//! Fuzzing the JSON graphgate reads from Graph (the harness is
//! `crate::fuzz`): folders and their pages, messages in delta and list
//! pages, `$batch` envelopes with their members' answers, and error
//! bodies. Reading must never panic, and what an error body can push into
//! logs and client replies (code, message, request-id) stays bounded.

use reqwest::StatusCode;
use serde_json::Value;

use super::batch::member_failure;
use super::error::Failure;
use super::folders::Page;
use super::messages::{DeltaPage, ListPage};
use super::models::{Folder, MessageItem, prop_tag, tags};
use crate::fuzz::{Shape, Verdict, fuzz};

const SHAPE: Shape = Shape {
    dictionary: &[
        "\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/me/messages/delta?$skiptoken=x\"",
        "\"@odata.deltaLink\":\"https://graph.microsoft.com/v1.0/me/messages/delta?$deltatoken=y\"",
        "\"@removed\":{\"reason\":\"deleted\"}",
        "\"value\":[",
        "\"responses\":[",
        "\"status\":429",
        "\"headers\":{\"Retry-After\":\"5\"}",
        "\"body\":",
        "\"error\":{\"code\":\"ErrorItemNotFound\",\"message\":\"",
        "\"innerError\":{\"request-id\":\"",
        "\"singleValueExtendedProperties\":[{\"id\":\"Integer 0xe08\",\"value\":\"",
        "\"internetMessageHeaders\":[{\"name\":\"X\",\"value\":\"",
        "\"receivedDateTime\":\"2026-11-02T09:30:00Z\"",
        "\"childFolderCount\":4294967296",
        "\"flag\":{\"flagStatus\":\"flagged\"}",
        "\\u0000",
        "\\ud83d\\ude00",
        "\\ud800",
        "1e999",
        "-0",
        "null",
        "true",
        "[[[[[[[[[[[[[[[[",
        "{\"a\":{\"a\":{\"a\":",
        "\"",
        ",",
        ":",
        "}",
        "]",
    ],
    max_len: 256 * 1024,
    literals: false,
};

/// How much of an error body may reach a log line or a reply.
const MAX_FAILURE_TEXT: usize = 1024;

fn failure_bounded(f: &Failure) -> Verdict {
    let shown = f.to_string();
    if shown.len() > MAX_FAILURE_TEXT {
        return Err(format!(
            "a Graph error shows as {} bytes (code {} bytes, request-id {} bytes)",
            shown.len(),
            f.code.len(),
            f.request_id.len()
        ));
    }
    Ok(())
}

fn check(body: &[u8]) -> Verdict {
    // Every shape graphgate reads; errors are fine, panics are not.
    let _ = serde_json::from_slice::<Folder>(body);
    let _ = serde_json::from_slice::<Page<Folder>>(body);
    let _ = serde_json::from_slice::<ListPage>(body);
    if let Ok(page) = serde_json::from_slice::<DeltaPage>(body) {
        let _ = page;
    }
    if let Ok(item) = serde_json::from_slice::<MessageItem>(body) {
        let _ = item.ext_int(tags::MESSAGE_SIZE);
        let _ = item.flag_status();
        for p in item.single_value_extended_properties.iter().flatten() {
            let _ = prop_tag(&p.id);
        }
    }
    for status in [400u16, 403, 404, 429, 500, 503] {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        failure_bounded(&Failure::from_body(code, body, None))?;
    }
    let Ok(envelope) = serde_json::from_slice::<Value>(body) else {
        return Ok(());
    };
    // A $batch envelope: each member's failure or answer, as batch.rs reads them.
    let members = envelope
        .get("responses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for member in members.iter().chain([&envelope]) {
        let status = member.get("status").and_then(Value::as_u64).unwrap_or(0) as u16;
        let body = member.get("body").cloned().unwrap_or(Value::Null);
        failure_bounded(&member_failure(status, &body))?;
        let _ = MessageItem::from_answer(body);
    }
    Ok(())
}

#[test]
fn graph_json_is_read_without_panics_and_errors_stay_bounded() {
    fuzz("graph", &SHAPE, check);
}
