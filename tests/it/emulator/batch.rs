use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

async fn batch(t: &Tenant, tok: &str, body: Value) -> (StatusCode, Value) {
    let (s, _, v) = t
        .call(
            tok,
            "POST",
            &format!("{}/v1.0/$batch", t.base),
            Some(body),
            &[],
        )
        .await;
    (s, v)
}

fn by_id(v: &Value, id: &str) -> Value {
    v["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .expect("member response")
}

#[tokio::test]
async fn batch_runs_members_and_reports_each_status() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = t
        .deliver(ALICE, &simple_mime("x@example.net", ALICE, "batched", "x"))
        .await;
    let body = json!({"requests": [
        {"id": "1", "method": "PATCH", "url": format!("/me/messages/{id}"),
         "headers": {"Content-Type": "application/json", "Prefer": "IdType=\"ImmutableId\""}, "body": {"isRead": true}},
        {"id": "2", "method": "GET", "url": "/me/mailFolders/inbox?$select=displayName"},
        {"id": "3", "method": "GET", "url": "/me/messages/doesnotexist"},
        {"id": "4", "method": "GET", "url": format!("/me/messages/{id}/$value"), "headers": {"Prefer": "IdType=\"ImmutableId\""}},
    ]});
    let (s, v) = batch(&t, &tok, body).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(by_id(&v, "1")["status"], 200);
    assert_eq!(by_id(&v, "1")["body"]["isRead"], true);
    assert_eq!(by_id(&v, "2")["body"]["displayName"], "Inbox");
    assert_eq!(
        by_id(&v, "3")["status"],
        400,
        "a malformed id fails alone inside a 200 envelope"
    );
    let raw = by_id(&v, "4")["body"]
        .as_str()
        .expect("binary bodies come back base64")
        .to_string();
    assert!(
        String::from_utf8(base64_decode(&raw))
            .unwrap()
            .contains("Subject: batched")
    );
    let stats = t.stats().await;
    assert_eq!(stats["batches"], 1);
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[tokio::test]
async fn batch_limits_and_duplicate_ids_are_refused() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let (s, _) = batch(&t, &tok, json!({"requests": many})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let dup = json!({"requests": [
        {"id": "a", "method": "GET", "url": "/me"},
        {"id": "A", "method": "GET", "url": "/me"},
    ]});
    let (s, _) = batch(&t, &tok, dup).await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "ids are unique case-insensitively"
    );
}

#[tokio::test]
async fn failed_dependency_gives_424() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let body = json!({"requests": [
        {"id": "1", "method": "GET", "url": "/me/mailFolders/nosuchfolder"},
        {"id": "2", "dependsOn": ["1"], "method": "GET", "url": "/me/mailFolders/inbox"},
        {"id": "3", "dependsOn": ["2"], "method": "GET", "url": "/me"},
    ]});
    let (s, v) = batch(&t, &tok, body).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(by_id(&v, "1")["status"], 404);
    assert_eq!(by_id(&v, "2")["status"], 424);
    assert_eq!(by_id(&v, "3")["status"], 424);
}

#[tokio::test]
async fn members_count_as_requests_and_can_be_throttled() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    t.set(json!({"concurrency_per_mailbox": 2, "latency_ms": 200}))
        .await;
    t.control_post("/_emulator/stats/reset", json!({})).await;
    // Two slow requests hold both slots; a batch of four members arriving meanwhile is throttled.
    let slow = |t: &Tenant, tok: String| {
        let http = t.http.clone();
        let url = t.url("/me/mailFolders/inbox");
        async move {
            http.get(url)
                .bearer_auth(tok)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let a = tokio::spawn(slow(&t, tok.clone()));
    let b = tokio::spawn(slow(&t, tok.clone()));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let members: Vec<Value> = (0..4)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": "/me"}))
        .collect();
    let (s, v) = batch(&t, &tok, json!({"requests": members})).await;
    assert_eq!(s, StatusCode::OK);
    let throttled: Vec<&Value> = v["responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == 429)
        .collect();
    assert!(!throttled.is_empty(), "{v}");
    assert!(throttled[0]["headers"]["Retry-After"].is_string());
    assert_eq!(
        throttled[0]["body"]["error"]["code"],
        "ApplicationThrottled"
    );
    assert_eq!(a.await.unwrap(), StatusCode::OK);
    assert_eq!(b.await.unwrap(), StatusCode::OK);
    let stats = t.stats().await;
    assert_eq!(stats["requests"], 6, "each member counts: {stats}");
    assert_eq!(stats["http_requests"], 3);
    assert!(stats["throttled"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn request_budget_gives_429_with_retry_after() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    t.set(json!({"rate_limit_requests": 3, "rate_limit_window_s": 60}))
        .await;
    for _ in 0..3 {
        let (s, _) = t.get(&tok, "/me").await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, h, v) = t.call(&tok, "GET", "/me", None, &[]).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(v["error"]["code"], "ApplicationThrottled");
    let wait: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another mailbox is not affected.
    let (s, _) = t
        .get(&tok, &format!("/users/{SALES}/mailFolders/inbox"))
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn injected_faults_follow_the_switches() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    t.set(json!({"fault_rate": 1.0, "fault_statuses": [503], "fault_match": "sendMail"}))
        .await;
    let (s, _) = t.get(&tok, "/me/mailFolders/inbox").await;
    assert_eq!(s, StatusCode::OK, "only matching endpoints fault");
    let m = json!({"message": {"subject": "faulty", "toRecipients": [{"emailAddress": {"address": BOB}}]}});
    let (s, h, _) = t
        .call(&tok, "POST", "/me/sendMail", Some(m.clone()), &[])
        .await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    assert!(h.contains_key("retry-after"));
    assert!(
        !t.mailbox(BOB, "inbox")
            .await
            .iter()
            .any(|x| x["subject"] == "faulty"),
        "a fault before: nothing sent"
    );
    t.set(json!({"fault_statuses": [504], "fault_after_ratio": 1.0}))
        .await;
    let (s, _, _) = t.call(&tok, "POST", "/me/sendMail", Some(m), &[]).await;
    assert_eq!(s, StatusCode::GATEWAY_TIMEOUT);
    assert!(
        t.mailbox(BOB, "inbox")
            .await
            .iter()
            .any(|x| x["subject"] == "faulty"),
        "a fault after: it was sent"
    );
    assert_eq!(t.stats().await["faults"], 2);
}
