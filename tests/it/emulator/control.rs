use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn stats_count_graph_requests_by_mailbox_and_endpoint_and_reset() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    t.control_post("/_emulator/stats/reset", json!({})).await;
    t.get(&tok, "/me/mailFolders/inbox/messages").await;
    t.get(&tok, "/me/mailFolders/inbox/messages").await;
    t.get(&tok, &format!("/users/{SALES}/mailFolders")).await;
    let s = t.stats().await;
    assert_eq!(s["requests"], 3);
    assert_eq!(s["by_mailbox"][ALICE], 2);
    assert_eq!(s["by_mailbox"][SALES], 1);
    assert_eq!(
        s["by_endpoint"]["GET /users/{user-id}/mailFolders/{mailFolder-id}/messages"],
        2
    );
    assert_eq!(s["throttled"], 0);
    t.control_post("/_emulator/stats/reset", json!({})).await;
    assert_eq!(
        t.stats().await["requests"],
        0,
        "control calls are not counted"
    );
}

#[tokio::test]
async fn config_changes_apply_and_bad_values_are_refused() {
    let t = Tenant::start().await;
    let r = t
        .http
        .put(format!("{}/_emulator/config", t.base))
        .json(&json!({"latency_ms": 5, "fault_rate": 0.1, "fault_statuses": [429, 503, 504], "token_lifetime_s": 60, "concurrency_per_mailbox": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cfg = t.control_get("/_emulator/config").await;
    assert_eq!(cfg["latency_ms"], 5);
    assert_eq!(cfg["token_lifetime_s"], 60);
    for bad in [
        json!({"fault_rate": 2.0}),
        json!({"no_such_switch": 1}),
        json!({"fault_statuses": [200]}),
    ] {
        let r = t
            .http
            .put(format!("{}/_emulator/config", t.base))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn deliver_puts_mail_in_the_inbox_with_its_id() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let id = t
        .deliver(BOB, &simple_mime("x@example.net", BOB, "incoming", "hi"))
        .await;
    let bob = t.token(BOB, &ALL_SCOPES).await;
    let (s, v) = t
        .get_immutable(&bob, &format!("/me/mailFolders/inbox/messages/{id}"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["isRead"], false);
    assert_eq!(v["isDraft"], false);
    let _ = tok;
    let r = t
        .http
        .post(format!(
            "{}/_emulator/mailboxes/nobody@contoso.test/deliver",
            t.base
        ))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn control_api_refuses_clients_that_are_not_loopback() {
    use std::net::SocketAddr;
    use tower::ServiceExt;
    let t = Tenant::start().await;
    let tenant = t.running.as_ref().unwrap().tenant.clone();
    let app = graphgate_emulator::router(tenant);
    let mut req = axum::http::Request::get("/_emulator/stats")
        .body(axum::body::Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo::<SocketAddr>(
            "192.0.2.7:5000".parse().unwrap(),
        ));
    let resp = app.clone().oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let mut req = axum::http::Request::get("/_emulator/stats")
        .body(axum::body::Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo::<SocketAddr>(
            "127.0.0.1:5000".parse().unwrap(),
        ));
    assert_eq!(app.oneshot(req).await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn deliveries_are_taken_up_to_the_tenants_message_limit() {
    let t = Tenant::start().await;
    let limit = 12 * 1024 * 1024;
    t.set(json!({"max_message_bytes": limit})).await;
    let head = "From: a@example.test\r\nTo: alice@contoso.test\r\nSubject: large\r\n\r\n";
    let mut mime = String::from(head);
    let line = format!("{}\r\n", "x".repeat(998));
    while mime.len() + line.len() <= limit {
        mime.push_str(&line);
    }
    let id = t.deliver(ALICE, &mime).await;
    let stored = t
        .http
        .get(format!(
            "{}/_emulator/mailboxes/{ALICE}/messages/{id}/mime",
            t.base
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.len(), mime.len(), "the whole message is kept");
    mime.push_str(&line);
    let r = t
        .http
        .post(format!("{}/_emulator/mailboxes/{ALICE}/deliver", t.base))
        .body(mime)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let text = r.text().await.unwrap();
    assert!(text.contains("over the tenant's limit"), "{text}");
}
