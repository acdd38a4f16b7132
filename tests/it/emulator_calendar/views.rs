use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

const JANUARY: &str = "startDateTime=2025-01-01T00:00:00Z&endDateTime=2025-02-01T00:00:00Z";

fn starts(list: &[Value]) -> Vec<(String, String)> {
    list.iter()
        .map(|e| {
            (
                e["start"]["dateTime"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                e["type"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

async fn series_id(t: &Tenant, tok: &str) -> String {
    let events = all(t, tok, "/me/events?$top=100").await;
    let master = events
        .iter()
        .find(|e| e["subject"] == "Weekly team sync")
        .expect("the seeded series");
    assert_eq!(master["type"], "seriesMaster");
    master["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn events_list_masters_and_calendar_view_lists_occurrences() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let events = all(&t, &tok, "/me/events?$top=100").await;
    assert!(
        events
            .iter()
            .all(|e| e["type"] == "singleInstance" || e["type"] == "seriesMaster")
    );
    let master = events
        .iter()
        .find(|e| e["subject"] == "Weekly team sync")
        .unwrap();
    assert_eq!(master["recurrence"]["pattern"]["type"], "weekly");
    assert_eq!(
        master["recurrence"]["pattern"]["daysOfWeek"],
        json!(["monday"])
    );
    assert_eq!(master["recurrence"]["range"]["type"], "noEnd");
    assert_eq!(
        master["recurrence"]["range"]["recurrenceTimeZone"],
        "W. Europe Standard Time"
    );
    assert!(
        !subjects(&events).contains(&"Project Phoenix kickoff".to_string()),
        "/events is the default calendar"
    );

    let view = all(&t, &tok, &format!("/me/calendarView?{JANUARY}")).await;
    let sync: Vec<Value> = view
        .iter()
        .filter(|e| e["subject"] == "Weekly team sync")
        .cloned()
        .collect();
    assert_eq!(
        starts(&sync),
        [
            ("2025-01-06T08:00:00.0000000".into(), "occurrence".into()),
            ("2025-01-13T09:00:00.0000000".into(), "exception".into()),
            ("2025-01-27T08:00:00.0000000".into(), "occurrence".into()),
        ],
        "09:00 CET, the moved one at 10:00, 20 January cancelled"
    );
    assert!(view.iter().all(|e| e["type"] != "seriesMaster"));
    for o in &sync {
        assert_eq!(o["seriesMasterId"], master["id"]);
        assert_ne!(
            o["iCalUId"], master["iCalUId"],
            "each occurrence has its own iCalUId"
        );
    }
    assert_eq!(sync[1]["originalStart"], "2025-01-13T08:00:00Z");
    // Occurrence ids are stable: the same on the next request.
    let again = all(&t, &tok, &format!("/me/calendar/calendarView?{JANUARY}")).await;
    let ids = |l: &[Value]| l.iter().map(|e| e["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&again), ids(&view));
    let (s, one) = t
        .get(
            &tok,
            &format!("/me/events/{}", sync[0]["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(one["type"], "occurrence");
}

#[tokio::test]
async fn views_need_a_window() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let id = series_id(&t, &tok).await;
    for path in [
        format!("/me/events/{id}/instances"),
        "/me/calendarView?startDateTime=2025-01-01T00:00:00Z".to_string(),
        "/me/calendarView/delta".to_string(),
    ] {
        let (s, v) = t.get(&tok, &path).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(v["error"]["code"], "ErrorInvalidParameter", "{path}");
    }
}

#[tokio::test]
async fn instances_follow_the_wall_clock_across_dst_and_skip_cancelled_dates() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let id = series_id(&t, &tok).await;
    let list = all(
        &t,
        &tok,
        &format!("/me/events/{id}/instances?startDateTime=2025-03-17T00:00:00Z&endDateTime=2025-04-01T00:00:00Z"),
    )
    .await;
    let got: Vec<String> = list
        .iter()
        .map(|e| e["start"]["dateTime"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        got,
        [
            "2025-03-17T08:00:00.0000000",
            "2025-03-24T08:00:00.0000000",
            "2025-03-31T07:00:00.0000000"
        ]
    );
    let jan = all(&t, &tok, &format!("/me/events/{id}/instances?{JANUARY}")).await;
    assert_eq!(jan.len(), 3, "20 January was cancelled");
}

#[tokio::test]
async fn an_occurrence_patched_becomes_an_exception_and_one_deleted_is_cancelled() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let id = series_id(&t, &tok).await;
    let feb = "startDateTime=2025-02-01T00:00:00Z&endDateTime=2025-03-01T00:00:00Z";
    let list = all(&t, &tok, &format!("/me/events/{id}/instances?{feb}")).await;
    assert_eq!(list.len(), 4);
    let first = list[0]["id"].as_str().unwrap().to_string();
    let second = list[1]["id"].as_str().unwrap().to_string();
    let (s, v) = send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/events/{first}"),
        Some(json!({"subject": "Sync with the CEO"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (v["type"].as_str(), v["id"].as_str()),
        (Some("exception"), Some(first.as_str()))
    );
    assert_eq!(v["seriesMasterId"], id.as_str());
    let (s, v) = send(&t, &tok, "PATCH", &format!("/me/events/{first}"), Some(json!({"recurrence": {"pattern": {"type": "daily", "interval": 1}, "range": {"type": "noEnd", "startDate": "2025-02-03"}}}))).await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "no recurrence on an occurrence: {v}"
    );
    let (s, _) = send(&t, &tok, "DELETE", &format!("/me/events/{second}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = t.get(&tok, &format!("/me/events/{second}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let view = all(&t, &tok, &format!("/me/calendarView?{feb}")).await;
    let sync: Vec<&Value> = view
        .iter()
        .filter(|e| e["seriesMasterId"] == id.as_str())
        .collect();
    assert_eq!(sync.len(), 3);
    assert_eq!(sync[0]["subject"], "Sync with the CEO");
    assert!(sync.iter().all(|e| e["id"] != second.as_str()));
}

#[tokio::test]
async fn a_new_pattern_discards_exceptions_and_cancellations() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let id = series_id(&t, &tok).await;
    let (s, v) = send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/events/{id}"),
        Some(json!({"recurrence": {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday"], "firstDayOfWeek": "monday"},
            "range": {"type": "numbered", "startDate": "2025-01-06", "numberOfOccurrences": 4}}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let list = all(&t, &tok, &format!("/me/events/{id}/instances?startDateTime=2025-01-01T00:00:00Z&endDateTime=2025-03-01T00:00:00Z")).await;
    assert_eq!(
        starts(&list),
        [
            ("2025-01-06T08:00:00.0000000".into(), "occurrence".into()),
            ("2025-01-13T08:00:00.0000000".into(), "occurrence".into()),
            ("2025-01-20T08:00:00.0000000".into(), "occurrence".into()),
            ("2025-01-27T08:00:00.0000000".into(), "occurrence".into()),
        ]
    );
}

#[tokio::test]
async fn a_series_whose_start_misses_the_pattern_starts_on_its_first_date() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    // From Tuesday 29 July 2025, the first Thursday of every other month.
    let mut body = event(
        "Board meeting",
        "2025-07-29T14:00:00",
        "2025-07-29T15:00:00",
        "Eastern Standard Time",
    );
    body["recurrence"] = json!({"pattern": {"type": "relativeMonthly", "interval": 2, "daysOfWeek": ["thursday"], "index": "first"},
                                "range": {"type": "numbered", "startDate": "2025-07-29", "numberOfOccurrences": 3}});
    let e = create(&t, &tok, "/me/events", body).await;
    assert_eq!(e["type"], "seriesMaster");
    assert_eq!(e["start"]["dateTime"], "2025-08-07T18:00:00.0000000", "{e}");
    let list = all(&t, &tok, &format!("/me/events/{}/instances?startDateTime=2025-07-01T00:00:00Z&endDateTime=2026-07-01T00:00:00Z", e["id"].as_str().unwrap())).await;
    let got: Vec<&str> = list
        .iter()
        .map(|e| e["start"]["dateTime"].as_str().unwrap())
        .collect();
    // EDT (UTC-4) in August and October, EST (UTC-5) in December.
    assert_eq!(
        got,
        [
            "2025-08-07T18:00:00.0000000",
            "2025-10-02T18:00:00.0000000",
            "2025-12-04T19:00:00.0000000"
        ]
    );
}

#[tokio::test]
async fn lists_page_select_filter_and_order() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    // In "Projects", away from the weekly series of the default calendar.
    let cals = all(&t, &tok, "/me/calendars").await;
    let p = format!("/me/calendars/{}", cals[1]["id"].as_str().unwrap());
    for i in 0..12 {
        create(
            &t,
            &tok,
            &format!("{p}/events"),
            event(
                &format!("Slot {i:02}"),
                &format!("2025-05-{:02}T09:00:00", i + 1),
                &format!("2025-05-{:02}T10:00:00", i + 1),
                "UTC",
            ),
        )
        .await;
    }
    let may = "startDateTime=2025-05-01T00:00:00Z&endDateTime=2025-06-01T00:00:00Z";
    let (s, first) = t
        .get(
            &tok,
            &format!("{p}/calendarView?{may}&$select=subject,start"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["value"].as_array().unwrap().len(), 10);
    assert!(first["value"][0].get("body").is_none());
    assert!(first["value"][0]["@odata.etag"].is_string());
    let next = first["@odata.nextLink"].as_str().expect("a second page");
    let (_, second) = t.get(&tok, next).await;
    assert_eq!(second["value"].as_array().unwrap().len(), 2);
    let (_, desc) = t
        .get(
            &tok,
            &format!("{p}/calendarView?{may}&$orderby=start/dateTime desc&$top=1"),
        )
        .await;
    assert_eq!(desc["value"][0]["subject"], "Slot 11");
    let (_, one) = t
        .get(&tok, &format!("{p}/events?$filter=subject eq 'Slot 03'"))
        .await;
    assert_eq!(subjects(one["value"].as_array().unwrap()), ["Slot 03"]);
    let (s, _) = t.get(&tok, "/me/events?$select=nonsense").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}
