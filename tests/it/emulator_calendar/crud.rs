use reqwest::StatusCode;
use serde_json::json;

use super::*;

#[tokio::test]
async fn calendars_list_the_default_one_and_projects() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let list = all(&t, &tok, "/me/calendars").await;
    let names: Vec<&str> = list.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(names, ["Calendar", "Projects"]);
    let (s, default) = t.get(&tok, "/me/calendar").await;
    assert_eq!(s, StatusCode::OK, "{default}");
    assert_eq!(default["isDefaultCalendar"], true);
    assert_eq!(default["id"], list[0]["id"]);
    assert_eq!(default["owner"]["address"], ALICE);
    assert_eq!(default["canEdit"], true);
    assert_eq!(default["canShare"], true);
    assert_eq!(default["hexColor"], "");
    assert!(default["changeKey"].is_string());
    assert_eq!(list[1]["color"], "lightGreen");
    let (s, same) = t
        .get(
            &tok,
            &format!(
                "/users/{ALICE}/calendars/{}",
                list[1]["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(same["name"], "Projects");
}

#[tokio::test]
async fn calendars_are_created_renamed_and_deleted_but_not_the_default() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let (s, c) = send(
        &t,
        &tok,
        "POST",
        "/me/calendars",
        Some(json!({"name": "Travel"})),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["isDefaultCalendar"], false);
    let id = c["id"].as_str().unwrap().to_string();
    let (s, v) = send(
        &t,
        &tok,
        "POST",
        "/me/calendars",
        Some(json!({"name": "travel"})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["error"]["code"], "ErrorFolderExists");
    let (s, v) = send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/calendars/{id}"),
        Some(json!({"name": "Trips", "color": "lightBlue"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Trips");
    assert_eq!(v["color"], "lightBlue");
    assert!(v["hexColor"].as_str().unwrap().starts_with('#'));
    assert_ne!(v["changeKey"], c["changeKey"]);
    let (s, v) = send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/calendars/{id}"),
        Some(json!({"color": "mauve"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, _) = send(&t, &tok, "DELETE", &format!("/me/calendars/{id}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = t.get(&tok, &format!("/me/calendars/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "ErrorItemNotFound");
    let (_, default) = t.get(&tok, "/me/calendar").await;
    let (s, v) = send(
        &t,
        &tok,
        "DELETE",
        &format!("/me/calendars/{}", default["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn events_round_trip_in_windows_and_iana_zones() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let mut body = event(
        "Design review",
        "2025-06-02T09:00:00",
        "2025-06-02T10:30:00",
        "Pacific Standard Time",
    );
    body["location"] = json!({"displayName": "Room 4"});
    body["categories"] = json!(["Blue category"]);
    let e = create(&t, &tok, "/me/events", body).await;
    // Pacific daylight time is UTC-7; answers are in UTC by default.
    assert_eq!(
        e["start"],
        json!({"dateTime": "2025-06-02T16:00:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(e["end"]["dateTime"], "2025-06-02T17:30:00.0000000");
    assert_eq!(e["originalStartTimeZone"], "Pacific Standard Time");
    assert_eq!(e["type"], "singleInstance");
    assert_eq!(e["isOrganizer"], true);
    assert_eq!(e["responseStatus"]["response"], "organizer");
    assert_eq!(e["organizer"]["emailAddress"]["address"], ALICE);
    assert_eq!(e["location"]["displayName"], "Room 4");
    assert_eq!(e["body"]["contentType"], "html");
    assert_eq!(
        e["@odata.etag"],
        format!("W/\"{}\"", e["changeKey"].as_str().unwrap())
    );
    assert!(
        e["iCalUId"]
            .as_str()
            .unwrap()
            .starts_with("040000008200E00074C5B7101A82E008")
    );
    let id = e["id"].as_str().unwrap();
    for (zone, wall) in [
        ("W. Europe Standard Time", "2025-06-02T18:00:00.0000000"),
        ("America/New_York", "2025-06-02T12:00:00.0000000"),
    ] {
        let prefer = format!("outlook.timezone=\"{zone}\", outlook.body-content-type=\"text\"");
        let (s, h, v) = t
            .call(
                &tok,
                "GET",
                &format!("/me/events/{id}"),
                None,
                &[("Prefer", prefer.as_str())],
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["start"], json!({"dateTime": wall, "timeZone": zone}));
        assert_eq!(
            v["body"],
            json!({"contentType": "text", "content": "About Design review."})
        );
        let applied = h["preference-applied"].to_str().unwrap();
        assert!(applied.contains(zone), "{applied}");
    }
    let (s, v) = send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/events/{id}"),
        Some(json!({"subject": "Design review (v2)", "showAs": "tentative"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["subject"], "Design review (v2)");
    assert_ne!(v["changeKey"], e["changeKey"]);
    assert_eq!(v["start"], e["start"], "untouched fields stay");
    let (s, _) = send(
        &t,
        &tok,
        "DELETE",
        &format!("/me/calendar/events/{id}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = t.get(&tok, &format!("/me/events/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "ErrorItemNotFound");
    let (s, v) = t.get(&tok, "/me/events/not-an-id").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ErrorInvalidIdMalformed"))
    );
}

#[tokio::test]
async fn unknown_time_zones_get_time_zone_not_supported() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let (s, v) = send(
        &t,
        &tok,
        "POST",
        "/me/events",
        Some(event(
            "x",
            "2025-06-02T09:00:00",
            "2025-06-02T10:00:00",
            "Mars Standard Time",
        )),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "TimeZoneNotSupportedException");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("A valid TimeZone value must be specified.")
    );
    let (s, _, v) = t
        .call(
            &tok,
            "GET",
            "/me/events",
            None,
            &[("Prefer", "outlook.timezone=\"GMT+6:30\"")],
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("TimeZoneNotSupportedException")
        )
    );
    let (s, v) = send(&t, &tok, "POST", "/me/events", Some(json!({"subject": "x", "start": {"dateTime": "2025-06-02T09:00:00"}, "end": {"dateTime": "2025-06-02T10:00:00", "timeZone": "UTC"}}))).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::BAD_REQUEST,
            Some("TimeZoneNotSupportedException")
        )
    );
}

#[tokio::test]
async fn all_day_events_start_and_end_at_midnight() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let mut bad = event(
        "Holiday",
        "2025-06-02T09:00:00",
        "2025-06-03T00:00:00",
        "W. Europe Standard Time",
    );
    bad["isAllDay"] = json!(true);
    let (s, v) = send(&t, &tok, "POST", "/me/events", Some(bad)).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ErrorInvalidRequest")),
        "{v}"
    );
    let mut good = event(
        "Holiday",
        "2025-06-02T00:00:00",
        "2025-06-04T00:00:00",
        "W. Europe Standard Time",
    );
    good["isAllDay"] = json!(true);
    let e = create(&t, &tok, "/me/events", good).await;
    assert_eq!(e["isAllDay"], true);
    // All-day events cover dates: midnight whatever zone the answer is in.
    assert_eq!(
        e["start"],
        json!({"dateTime": "2025-06-02T00:00:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(e["end"]["dateTime"], "2025-06-04T00:00:00.0000000");
}

#[tokio::test]
async fn a_stale_if_match_gets_412_and_a_current_one_passes() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let e = create(
        &t,
        &tok,
        "/me/events",
        event(
            "Budget",
            "2025-06-02T09:00:00",
            "2025-06-02T10:00:00",
            "UTC",
        ),
    )
    .await;
    let id = e["id"].as_str().unwrap();
    let etag = e["@odata.etag"].as_str().unwrap().to_string();
    let (s, _, v) = t
        .call(
            &tok,
            "PATCH",
            &format!("/me/events/{id}"),
            Some(json!({"subject": "Budget 2"})),
            &[("If-Match", etag.as_str())],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for method in ["PATCH", "DELETE"] {
        let (s, _, v) = t
            .call(
                &tok,
                method,
                &format!("/me/events/{id}"),
                Some(json!({"subject": "Budget 3"})),
                &[("If-Match", etag.as_str())],
            )
            .await;
        assert_eq!(s, StatusCode::PRECONDITION_FAILED, "{method}: {v}");
        assert_eq!(v["error"]["code"], "ErrorIrresolvableConflict");
    }
    let fresh = v_etag(&t, &tok, id).await;
    let (s, _, _) = t
        .call(
            &tok,
            "DELETE",
            &format!("/me/events/{id}"),
            None,
            &[("If-Match", fresh.as_str())],
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}

async fn v_etag(t: &Tenant, tok: &str, id: &str) -> String {
    let (_, v) = t.get(tok, &format!("/me/events/{id}")).await;
    v["@odata.etag"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_repeated_transaction_id_returns_the_first_event() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let mut body = event(
        "Retried",
        "2025-06-02T09:00:00",
        "2025-06-02T10:00:00",
        "UTC",
    );
    body["transactionId"] = json!("7E163156-7762-4BEB-A1C6-729EA81755A7");
    let first = create(&t, &tok, "/me/events", body.clone()).await;
    let second = create(&t, &tok, "/me/events", body).await;
    assert_eq!(first["id"], second["id"]);
    assert_eq!(
        first["transactionId"],
        "7E163156-7762-4BEB-A1C6-729EA81755A7"
    );
    let events = all(&t, &tok, "/me/events?$top=100").await;
    assert_eq!(
        subjects(&events).iter().filter(|s| *s == "Retried").count(),
        1
    );
    let (s, v) = send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/events/{}", first["id"].as_str().unwrap()),
        Some(json!({"transactionId": "other"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn bad_recurrences_and_unknown_properties_are_refused() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let mut body = event(
        "Weekly",
        "2025-06-02T09:00:00",
        "2025-06-02T10:00:00",
        "UTC",
    );
    body["recurrence"] = json!({"pattern": {"type": "weekly", "interval": 1},
                                "range": {"type": "noEnd", "startDate": "2025-06-02"}});
    let (s, v) = send(&t, &tok, "POST", "/me/events", Some(body.clone())).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ErrorInvalidRequest")),
        "{v}"
    );
    body["recurrence"]["pattern"]["daysOfWeek"] = json!(["monday"]);
    body["recurrence"]["pattern"]["index"] = json!("fifth");
    let (s, v) = send(&t, &tok, "POST", "/me/events", Some(body.clone())).await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "even ignored fields are checked: {v}"
    );
    body["recurrence"]["pattern"]["index"] = json!("first");
    body["colour"] = json!("red");
    let (s, v) = send(&t, &tok, "POST", "/me/events", Some(body)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        v["error"]["message"].as_str().unwrap().contains("'colour'"),
        "{v}"
    );
}

#[tokio::test]
async fn calendars_series_and_delta_tokens_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || graphgate_emulator::EmulatorConfig {
        data_dir: Some(dir.path().to_path_buf()),
        skip_large_seed: true,
        ..test_config()
    };
    let t = Tenant::start_with(config()).await;
    let tok = cal_token(&t, ALICE).await;
    let e = create(
        &t,
        &tok,
        "/me/events",
        event("Kept", "2025-06-02T09:00:00", "2025-06-02T10:00:00", "UTC"),
    )
    .await;
    let window = "startDateTime=2025-01-01T00:00:00Z&endDateTime=2025-02-01T00:00:00Z";
    let before = all(&t, &tok, &format!("/me/calendarView?{window}")).await;
    let (_, first) = t
        .get(&tok, &format!("/me/calendarView/delta?{window}&$top=1000"))
        .await;
    let mut link = first["@odata.deltaLink"].as_str().map(str::to_string);
    let mut page = first;
    while link.is_none() {
        let next = page["@odata.nextLink"]
            .as_str()
            .expect("a nextLink")
            .to_string();
        page = t.get(&tok, &next).await.1;
        link = page["@odata.deltaLink"].as_str().map(str::to_string);
    }
    t.stop().await;

    let t = Tenant::start_with(config()).await;
    let (s, v) = t
        .get(&tok, &format!("/me/events/{}", e["id"].as_str().unwrap()))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["changeKey"], e["changeKey"]);
    let after = all(&t, &tok, &format!("/me/calendarView?{window}")).await;
    let ids = |l: &[serde_json::Value]| l.iter().map(|e| e["id"].clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&after),
        ids(&before),
        "occurrence ids, exceptions and cancellations kept"
    );
    // The restarted tenant listens on another port: keep the link's path.
    let link = link.unwrap();
    let path = link.split_once("/v1.0").map(|(_, p)| p).unwrap();
    let (s, v) = t.get(&tok, path).await;
    assert_eq!(s, StatusCode::OK, "the delta token is still good: {v}");
    assert_eq!(v["value"].as_array().unwrap().len(), 0);
    t.stop().await;
}
