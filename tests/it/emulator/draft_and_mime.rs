//! What graphgate's `\Draft` mark and its two APPEND routes rely on: a
//! custom named extended property stored by POST and PATCH, echoed under a
//! filtered `$expand` in Graph's normalised form and reported by delta;
//! `PUT $value` refused on non-drafts when the tenant is switched to do
//! so; MIME created in a folder; the delivery time written by PATCH.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

const MARK: &str = "String {C51BCFD6-C358-4156-ABEB-5A4C8CA2DA1E} Name graphgate-draft";
const ECHOED: &str = "String {c51bcfd6-c358-4156-abeb-5a4c8ca2da1e} Name graphgate-draft";
const PREFER: (&str, &str) = ("Prefer", "IdType=\"ImmutableId\"");

fn expand(id: &str) -> String {
    format!("$expand=singleValueExtendedProperties($filter=id eq '{id}')")
}

/// The properties an answer expanded (empty when none).
fn props(v: &Value) -> Vec<Value> {
    v["singleValueExtendedProperties"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn patch(t: &Tenant, tok: &str, id: &str, body: Value) -> (StatusCode, Value) {
    let (s, _, v) = t
        .call(
            tok,
            "PATCH",
            &format!("/me/messages/{id}"),
            Some(body),
            &[PREFER],
        )
        .await;
    (s, v)
}

async fn put_value(t: &Tenant, tok: &str, id: &str, mime: &str) -> (StatusCode, Value) {
    let r = t
        .http
        .put(t.url(&format!("/me/messages/{id}/$value")))
        .bearer_auth(tok)
        .header("content-type", "text/plain")
        .body(b64(mime.as_bytes()))
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_named_property_is_stored_echoed_normalised_and_reported_by_delta() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = t
        .deliver(ALICE, &simple_mime("x@example.net", ALICE, "marked", "x"))
        .await;
    let url = format!(
        "/me/mailFolders/inbox/messages/delta?$select=isDraft&{}",
        expand(MARK)
    );
    let (mut link, mut round) = (url, Vec::new());
    loop {
        let (s, v) = t.get_immutable(&tok, &link).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        round.extend(v["value"].as_array().cloned().unwrap_or_default());
        match (
            v["@odata.nextLink"].as_str(),
            v["@odata.deltaLink"].as_str(),
        ) {
            (Some(next), _) => link = next.to_string(),
            (None, Some(delta)) => {
                link = delta.to_string();
                break;
            }
            _ => panic!("a page without links: {v}"),
        }
    }
    let first = round
        .iter()
        .find(|m| m["id"] == id)
        .expect("in the first round");
    assert!(props(first).is_empty(), "no mark yet: {first}");

    let (s, v) = patch(
        &t,
        &tok,
        &id,
        json!({"singleValueExtendedProperties": [{"id": MARK, "value": "1"}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Any spelling of the GUID finds it; Graph echoes its own.
    let (_, v) = t
        .get_immutable(
            &tok,
            &format!("/me/messages/{id}?$select=id&{}", expand(ECHOED)),
        )
        .await;
    assert_eq!(props(&v), vec![json!({"id": ECHOED, "value": "1"})]);
    // The name is case-sensitive: another name is another property.
    let other = MARK.replace("graphgate-draft", "Graphgate-Draft");
    let (_, v) = t
        .get_immutable(
            &tok,
            &format!("/me/messages/{id}?$select=id&{}", expand(&other)),
        )
        .await;
    assert!(props(&v).is_empty(), "{v}");

    let (s, v) = t.get_immutable(&tok, &link).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let changes = v["value"].as_array().unwrap();
    let changed = changes
        .iter()
        .find(|m| m["id"] == id)
        .expect("delta reports the change");
    assert_eq!(props(changed), vec![json!({"id": ECHOED, "value": "1"})]);
    assert_eq!(changed["isDraft"], false, "isDraft itself never changes");
}

#[tokio::test]
async fn a_named_property_can_be_given_at_creation() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let body = json!({
        "subject": "created marked",
        "body": {"contentType": "text", "content": "x"},
        "singleValueExtendedProperties": [{"id": MARK, "value": "0"}],
    });
    let (s, _, v) = t
        .call(
            &tok,
            "POST",
            &format!(
                "/me/mailFolders/drafts/messages?$select=isDraft&{}",
                expand(MARK)
            ),
            Some(body),
            &[PREFER],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["isDraft"], true);
    assert_eq!(props(&v), vec![json!({"id": ECHOED, "value": "0"})]);
}

#[tokio::test]
async fn put_value_is_refused_on_non_drafts_when_switched_and_mime_lands_in_its_folder() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let mime = simple_mime(ALICE, BOB, "put here", "new bytes\r\n");
    let received = t
        .deliver(ALICE, &simple_mime("x@example.net", ALICE, "received", "x"))
        .await;
    let (s, _) = put_value(&t, &tok, &received, &mime).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "switched off: any item");

    t.set(json!({"put_value_drafts_only": true})).await;
    let before = t
        .control_get_text(&format!(
            "/_emulator/mailboxes/{ALICE}/messages/{received}/mime"
        ))
        .await;
    let (s, v) = put_value(&t, &tok, &received, "Subject: other\r\n\r\nx\r\n").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "ErrorInvalidPropertyUpdateSentMessage");
    let after = t
        .control_get_text(&format!(
            "/_emulator/mailboxes/{ALICE}/messages/{received}/mime"
        ))
        .await;
    assert_eq!(before, after, "nothing changed");

    // MIME created in a folder is a draft there, and a draft takes PUT $value.
    let (s, _, draft) = t
        .post_raw(
            &tok,
            "/me/mailFolders/archive/messages",
            "text/plain",
            b64(mime.as_bytes()).into_bytes(),
            &[PREFER],
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["isDraft"], true);
    let archive = t.mailbox(ALICE, "archive").await;
    assert!(
        archive.iter().any(|m| m["id"] == draft["id"]),
        "{archive:?}"
    );
    let id = draft["id"].as_str().unwrap();
    let (s, v) = put_value(&t, &tok, id, &mime.replace("new bytes", "newer bytes")).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
}

#[tokio::test]
async fn patching_the_delivery_time_moves_received_date_time() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = t
        .deliver(ALICE, &simple_mime("x@example.net", ALICE, "dated", "x"))
        .await;
    let body = json!({"singleValueExtendedProperties": [{"id": "SystemTime 0x0E06", "value": "2020-01-02T03:04:05Z"}]});
    let (s, v) = patch(&t, &tok, &id, body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["receivedDateTime"], "2020-01-02T03:04:05Z");
    let bad = json!({"singleValueExtendedProperties": [{"id": "SystemTime 0x0E06", "value": "yesterday"}]});
    let (s, v) = patch(&t, &tok, &id, bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "ErrorInvalidExtendedProperty");
}
