use reqwest::StatusCode;
use serde_json::json;

use super::*;

#[tokio::test]
async fn a_shared_mailbox_calendar_needs_full_access_and_the_shared_scope() {
    let t = Tenant::start().await;
    let alice = cal_token(&t, ALICE).await;
    let path = format!("/users/{SALES}/calendar/events");
    let events = all(&t, &alice, &path).await;
    assert_eq!(subjects(&events), ["Quarterly sales review"]);
    let (s, cal) = t.get(&alice, &format!("/users/{SALES}/calendar")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(cal["owner"]["address"], SALES);
    assert_eq!(cal["canShare"], false, "only the owner shares");
    let e = create(
        &t,
        &alice,
        &path,
        event(
            "Pipeline review",
            "2025-06-04T09:00:00",
            "2025-06-04T10:00:00",
            "UTC",
        ),
    )
    .await;
    assert_eq!(e["organizer"]["emailAddress"]["address"], SALES);

    let carol = cal_token(&t, CAROL).await;
    let (s, v) = t.get(&carol, &path).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["code"], "ErrorAccessDenied");

    let read_only = t.token(ALICE, &["Calendars.Read.Shared"]).await;
    let (s, _) = t.get(&read_only, &path).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = send(
        &t,
        &read_only,
        "POST",
        &path,
        Some(event(
            "x",
            "2025-06-04T09:00:00",
            "2025-06-04T10:00:00",
            "UTC",
        )),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("ErrorAccessDenied"))
    );
    let own_only = t.token(ALICE, &["Calendars.ReadWrite"]).await;
    let (s, _) = t.get(&own_only, &path).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "another mailbox needs the .Shared scope"
    );
    let (s, _) = t.get(&own_only, "/me/events").await;
    assert_eq!(s, StatusCode::OK);
    let mail_only = t.token(ALICE, &["Mail.ReadWrite", "Mail.Send"]).await;
    let (s, _) = t.get(&mail_only, "/me/calendar").await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "mail scopes do not reach calendars"
    );
}

#[tokio::test]
async fn app_only_tokens_need_calendar_roles_and_stay_in_the_mailbox_scope() {
    let t = Tenant::start().await;
    let reader = t.app_token(&["Calendars.Read"]).await;
    let (s, _) = t
        .get(&reader, &format!("/users/{BOB}/calendar/events"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = send(
        &t,
        &reader,
        "POST",
        &format!("/users/{BOB}/events"),
        Some(event(
            "x",
            "2025-06-04T09:00:00",
            "2025-06-04T10:00:00",
            "UTC",
        )),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let writer = t.app_token(&["Calendars.ReadWrite"]).await;
    create(
        &t,
        &writer,
        &format!("/users/{BOB}/events"),
        event(
            "Booked by the app",
            "2025-06-04T09:00:00",
            "2025-06-04T10:00:00",
            "UTC",
        ),
    )
    .await;
    let (s, v) = t.get(&writer, "/me/events").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "no /me for apps: {v}");
    let r = t
        .http
        .put(format!(
            "{}/_emulator/apps/{}",
            t.base,
            graphgate_emulator::seed::DEMO_CLIENT_ID
        ))
        .json(&json!({"mailbox_scope": [ALICE]}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let (s, v) = t.get(&writer, &format!("/users/{BOB}/calendars")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["message"], "Access to OData is disabled.");
    let (s, _) = t.get(&writer, &format!("/users/{ALICE}/calendars")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn calendar_requests_are_counted_throttled_and_take_queued_faults() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    t.control_post("/_emulator/stats/reset", json!({})).await;
    t.get(&tok, "/me/calendar/events").await;
    t.get(&tok, "/me/calendar/events").await;
    t.get(&tok, &format!("/users/{SALES}/calendars")).await;
    let stats = t.stats().await;
    assert_eq!(
        stats["by_endpoint"]["GET /users/{user-id}/calendar/events"],
        2
    );
    assert_eq!(stats["by_endpoint"]["GET /users/{user-id}/calendars"], 1);
    assert_eq!(stats["by_mailbox"][SALES], 1);

    // A queued 412 strikes the next matching request only.
    let e = create(
        &t,
        &tok,
        "/me/events",
        event(
            "Faulty",
            "2025-06-04T09:00:00",
            "2025-06-04T10:00:00",
            "UTC",
        ),
    )
    .await;
    let path = format!("/me/events/{}", e["id"].as_str().unwrap());
    t.control_post(
        "/_emulator/faults",
        json!({"status": 412, "match": "PATCH /users/{user-id}/events"}),
    )
    .await;
    let (s, v) = send(&t, &tok, "PATCH", &path, Some(json!({"subject": "Again"}))).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::PRECONDITION_FAILED,
            Some("ErrorIrresolvableConflict")
        )
    );
    let (s, _) = send(&t, &tok, "PATCH", &path, Some(json!({"subject": "Again"}))).await;
    assert_eq!(s, StatusCode::OK);

    t.set(json!({"rate_limit_requests": 2, "rate_limit_window_s": 600}))
        .await;
    t.get(&tok, "/me/calendars").await;
    t.get(&tok, "/me/calendars").await;
    let (s, h, v) = t.call(&tok, "GET", "/me/calendars", None, &[]).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert!(h.contains_key("retry-after"));
}

#[tokio::test]
async fn the_control_api_shows_calendars_and_series_without_a_token() {
    let t = Tenant::start().await;
    let cals = t
        .control_get(&format!("/_emulator/mailboxes/{ALICE}/calendars"))
        .await;
    let names: Vec<&str> = cals["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, ["Calendar", "Projects"]);
    let sync = stored(&t, ALICE, "Weekly team sync").await;
    assert_eq!(sync["type"], "seriesMaster");
    assert_eq!(sync["start"], "2025-01-06T08:00:00Z");
    assert_eq!(sync["originalStartTimeZone"], "W. Europe Standard Time");
    assert_eq!(
        sync["exceptions"][0]["originalStart"],
        "2025-01-13T08:00:00Z"
    );
    assert_eq!(sync["exceptions"][0]["start"], "2025-01-13T09:00:00Z");
    assert_eq!(
        sync["cancelledOccurrences"],
        json!(["2025-01-20T08:00:00Z"])
    );
    let window = t
        .control_get(&format!(
            "/_emulator/mailboxes/{ALICE}/events?calendar=Calendar&startDateTime=2025-01-01T00:00:00Z&endDateTime=2025-01-15T00:00:00Z"
        ))
        .await;
    let kinds: Vec<&str> = window["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(kinds, ["occurrence", "exception"]);
    let offsite = stored(&t, ALICE, "Company offsite").await;
    assert_eq!(offsite["isAllDay"], true);
    assert!(
        t.control_get(&format!("/_emulator/mailboxes/{BOB}/events"))
            .await["value"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
}

#[tokio::test]
async fn calendar_operations_work_as_batch_members() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let (s, _, v) = t
        .call(
            &tok,
            "POST",
            "/$batch",
            Some(json!({"requests": [
                {"id": "1", "method": "GET", "url": "/me/calendars"},
                {"id": "2", "method": "POST", "url": "/me/events", "headers": {"Content-Type": "application/json"},
                 "body": event("Batched", "2025-06-04T09:00:00", "2025-06-04T10:00:00", "UTC")},
                {"id": "3", "method": "GET", "url": "/me/calendarView", "dependsOn": ["2"]}
            ]})),
            &[],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let by_id = |id: &str| {
        v["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_id("1")["status"], 200);
    assert_eq!(by_id("2")["status"], 201);
    assert_eq!(by_id("2")["body"]["subject"], "Batched");
    assert_eq!(by_id("3")["status"], 400, "calendarView needs its window");
}
