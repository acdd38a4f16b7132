use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

const WINDOW: &str = "startDateTime=2025-01-01T00:00:00Z&endDateTime=2025-03-01T00:00:00Z";
const PAGE_OF_3: (&str, &str) = ("Prefer", "odata.maxpagesize=3");

/// Run a delta round to its deltaLink: (items, deltaLink, pages).
async fn round(t: &Tenant, tok: &str, url: &str) -> (Vec<Value>, String, usize) {
    let mut url = url.to_string();
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        let (s, _, v) = t.call(tok, "GET", &url, None, &[PAGE_OF_3]).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        pages += 1;
        items.extend(v["value"].as_array().cloned().unwrap_or_default());
        match (
            v["@odata.nextLink"].as_str(),
            v["@odata.deltaLink"].as_str(),
        ) {
            (Some(n), None) => {
                assert!(n.contains("$skiptoken="), "{n}");
                url = n.to_string();
            }
            (None, Some(d)) => {
                assert!(d.contains("$deltatoken="), "{d}");
                return (items, d.to_string(), pages);
            }
            other => panic!("a page has a nextLink or a deltaLink: {other:?}"),
        }
    }
}

fn removed(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter(|i| i["@removed"]["reason"] == "deleted")
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

fn present<'a>(items: &'a [Value], subject: &str) -> Option<&'a Value> {
    items
        .iter()
        .find(|i| i.get("@removed").is_none() && i["subject"] == subject)
}

#[tokio::test]
async fn view_delta_pages_the_window_then_reports_changes_and_removals() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let inside = create(
        &t,
        &tok,
        "/me/events",
        event(
            "Inside",
            "2025-02-10T12:00:00",
            "2025-02-10T13:00:00",
            "UTC",
        ),
    )
    .await;
    let outside = create(
        &t,
        &tok,
        "/me/events",
        event(
            "Outside",
            "2025-06-10T12:00:00",
            "2025-06-10T13:00:00",
            "UTC",
        ),
    )
    .await;
    let movable = create(
        &t,
        &tok,
        "/me/events",
        event(
            "Movable",
            "2025-02-11T12:00:00",
            "2025-02-11T13:00:00",
            "UTC",
        ),
    )
    .await;
    let (first, link, pages) = round(&t, &tok, &format!("/me/calendarView/delta?{WINDOW}")).await;
    // Eight Mondays in the window (20 January cancelled, 13 January moved)
    // plus the three singles... less the one outside.
    let sync: Vec<&Value> = first
        .iter()
        .filter(|i| i["subject"] == "Weekly team sync")
        .collect();
    assert_eq!(sync.len(), 7, "{first:?}");
    assert!(present(&first, "Inside").is_some() && present(&first, "Movable").is_some());
    assert!(present(&first, "Outside").is_none());
    assert!(
        first
            .iter()
            .all(|i| i["@odata.type"] == "#microsoft.graph.event" && i["type"] != "seriesMaster")
    );
    assert!(pages >= 3, "odata.maxpagesize=3 pages the round");
    assert!(removed(&first).is_empty());

    let (nothing, link, _) = round(&t, &tok, &link).await;
    assert!(
        nothing.is_empty(),
        "no change, nothing reported: {nothing:?}"
    );

    // Add, change, move out, delete inside and outside, change and cancel
    // occurrences.
    create(
        &t,
        &tok,
        "/me/events",
        event("Added", "2025-02-12T12:00:00", "2025-02-12T13:00:00", "UTC"),
    )
    .await;
    send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/events/{}", inside["id"].as_str().unwrap()),
        Some(json!({"subject": "Inside, renamed"})),
    )
    .await;
    send(&t, &tok, "PATCH", &format!("/me/events/{}", movable["id"].as_str().unwrap()), Some(json!({"start": {"dateTime": "2025-07-01T12:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2025-07-01T13:00:00", "timeZone": "UTC"}}))).await;
    let (s, _) = send(
        &t,
        &tok,
        "DELETE",
        &format!("/me/events/{}", outside["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let changed_occ = sync[2]["id"].as_str().unwrap().to_string();
    let cancelled_occ = sync[3]["id"].as_str().unwrap().to_string();
    send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/events/{changed_occ}"),
        Some(json!({"location": {"displayName": "Room 2.04"}})),
    )
    .await;
    send(
        &t,
        &tok,
        "DELETE",
        &format!("/me/events/{cancelled_occ}"),
        None,
    )
    .await;

    let (items, link, _) = round(&t, &tok, &link).await;
    assert!(present(&items, "Added").is_some(), "{items:?}");
    assert!(present(&items, "Inside, renamed").is_some());
    let exc = items
        .iter()
        .find(|i| i["id"] == changed_occ.as_str())
        .expect("the changed occurrence");
    assert_eq!(exc["type"], "exception");
    assert_eq!(exc["location"]["displayName"], "Room 2.04");
    let gone = removed(&items);
    assert!(
        gone.contains(&cancelled_occ),
        "cancelled occurrence: {gone:?}"
    );
    assert!(
        gone.contains(&movable["id"].as_str().unwrap().to_string()),
        "moved out of the window: {gone:?}"
    );
    assert!(
        gone.contains(&outside["id"].as_str().unwrap().to_string()),
        "deleted outside the window is reported too: {gone:?}"
    );
    let others = items
        .iter()
        .filter(|i| i["subject"] == "Weekly team sync" && i["id"] != changed_occ.as_str())
        .count();
    assert_eq!(others, 0, "untouched occurrences are not reported again");

    // A new pattern removes the old occurrences and brings the new ones.
    let master = stored(&t, ALICE, "Weekly team sync").await;
    send(
        &t,
        &tok,
        "PATCH",
        &format!("/me/events/{}", master["id"].as_str().unwrap()),
        Some(json!({"recurrence": {
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["tuesday"]},
        "range": {"type": "noEnd", "startDate": "2025-01-07"}}})),
    )
    .await;
    let (items, _, _) = round(&t, &tok, &link).await;
    let gone = removed(&items);
    for old in sync.iter().filter(|o| o["id"] != cancelled_occ.as_str()) {
        assert!(
            gone.contains(&old["id"].as_str().unwrap().to_string()),
            "{old}"
        );
    }
    let tuesdays = items
        .iter()
        .filter(|i| i["subject"] == "Weekly team sync")
        .count();
    assert_eq!(tuesdays, 8, "Tuesdays in January and February 2025");
}

#[tokio::test]
async fn view_delta_on_another_calendar_keeps_its_window_in_the_token() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let cals = all(&t, &tok, "/me/calendars").await;
    let projects = cals[1]["id"].as_str().unwrap();
    let base = format!("/me/calendars/{projects}/calendarView/delta");
    let (first, link, _) = round(
        &t,
        &tok,
        &format!("{base}?startDateTime=2025-01-01T00:00:00Z&endDateTime=2025-12-31T00:00:00Z"),
    )
    .await;
    assert!(first.is_empty(), "{first:?}");
    create(
        &t,
        &tok,
        &format!("/me/calendars/{projects}/events"),
        event("Retro", "2025-04-01T12:00:00", "2025-04-01T13:00:00", "UTC"),
    )
    .await;
    create(
        &t,
        &tok,
        "/me/events",
        event(
            "Elsewhere",
            "2025-04-01T12:00:00",
            "2025-04-01T13:00:00",
            "UTC",
        ),
    )
    .await;
    assert!(
        !link.contains("startDateTime"),
        "the window lives in the token: {link}"
    );
    let (items, _, _) = round(&t, &tok, &link).await;
    assert_eq!(subjects(&items), ["Retro"]);
}

#[tokio::test]
async fn expired_view_delta_tokens_get_410_gone() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let (_, link, _) = round(&t, &tok, &format!("/me/calendarView/delta?{WINDOW}")).await;
    t.control_post(
        &format!("/_emulator/mailboxes/{ALICE}/expire-delta-tokens"),
        json!({}),
    )
    .await;
    let (s, h, v) = t.call(&tok, "GET", &link, None, &[]).await;
    assert_eq!(s, StatusCode::GONE, "{v}");
    assert_eq!(v["error"]["code"], "syncStateNotFound");
    // The Location starts a new round over the same window.
    let location = h["location"].to_str().unwrap().to_string();
    assert!(
        location.contains(
            "/me/calendarView/delta?startDateTime=2025-01-01T00:00:00Z&endDateTime=2025-03-01T00:00:00Z"
        ),
        "{location}"
    );
    let (again, link, _) = round(&t, &tok, &location).await;
    assert_eq!(again.len(), 7, "the whole window again");
    // A queued 410 strikes once.
    t.control_post(
        "/_emulator/faults",
        json!({"status": 410, "match": "calendarView/delta"}),
    )
    .await;
    let (s, h, _) = t.call(&tok, "GET", &link, None, &[]).await;
    assert_eq!(s, StatusCode::GONE);
    assert!(h.contains_key("location"));
    let (s, _, _) = t.call(&tok, "GET", &link, None, &[]).await;
    assert_eq!(s, StatusCode::OK);
}
