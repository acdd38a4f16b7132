use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn wall(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The seeded week: from the Monday before alice's Tuesday dentist
/// appointment (14:00 Berlin), five days.
async fn seeded_week(t: &Tenant) -> (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>) {
    let dentist = utc(stored(t, ALICE, "Dentist").await["start"].as_str().unwrap());
    let monday = dentist - Duration::hours(24 + 14);
    (monday, monday + Duration::days(5), dentist)
}

fn request(schedules: &[&str], from: DateTime<Utc>, to: DateTime<Utc>, interval: i64) -> Value {
    json!({
        "schedules": schedules,
        "startTime": {"dateTime": wall(from), "timeZone": "UTC"},
        "endTime": {"dateTime": wall(to), "timeZone": "UTC"},
        "availabilityViewInterval": interval,
    })
}

fn items(v: &Value) -> Vec<Value> {
    v["scheduleItems"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn get_schedule_reports_three_users_and_an_unknown_address() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let (from, to, dentist) = seeded_week(&t).await;
    let (s, h, v) = t
        .call(
            &tok,
            "POST",
            "/me/calendar/getSchedule",
            Some(request(
                &[ALICE, BOB, SALES, "nobody@contoso.test"],
                from,
                to,
                60,
            )),
            &[("Prefer", "outlook.timezone=\"W. Europe Standard Time\"")],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(
        h["preference-applied"]
            .to_str()
            .unwrap()
            .contains("W. Europe Standard Time")
    );
    let list = v["value"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    let (a, b, sales, unknown) = (&list[0], &list[1], &list[2], &list[3]);
    assert_eq!(a["scheduleId"], ALICE);
    let view = a["availabilityView"].as_str().unwrap();
    assert_eq!(view.len(), 5 * 24);
    let slot = usize::try_from((dentist - from).num_hours()).unwrap();
    assert_eq!(&view[slot..slot + 1], "2", "busy at the dentist: {view}");
    assert!(view.contains('3'), "the offsite is out of office: {view}");
    let alice_items = items(a);
    let private = alice_items
        .iter()
        .find(|i| i["isPrivate"] == true)
        .expect("the private appointment");
    assert!(
        private.get("subject").is_none(),
        "private items hide their subject"
    );
    let lunch = alice_items
        .iter()
        .find(|i| i["subject"] == "Lunch with Bob")
        .expect("own details");
    assert_eq!(lunch["location"], "Canteen");
    assert_eq!(lunch["status"], "busy");
    assert_eq!(lunch["start"]["timeZone"], "W. Europe Standard Time");
    assert_eq!(
        lunch["start"]["dateTime"].as_str().unwrap()[11..],
        *"12:00:00.0000000"
    );
    assert_eq!(a["workingHours"]["startTime"], "08:00:00.0000000");

    let bob_items = items(b);
    assert!(!bob_items.is_empty());
    assert!(
        bob_items.iter().all(|i| i.get("subject").is_none()),
        "free/busy only for bob's calendar: {bob_items:?}"
    );
    assert!(b["availabilityView"].as_str().unwrap().contains('3'));
    assert!(
        items(sales)
            .iter()
            .any(|i| i["subject"] == "Quarterly sales review"),
        "alice has FullAccess on sales@"
    );

    assert_eq!(unknown["scheduleId"], "nobody@contoso.test");
    assert_eq!(
        unknown["error"]["responseCode"],
        "ErrorMailRecipientNotFound"
    );
    assert!(unknown["error"]["message"].is_string());
}

#[tokio::test]
async fn get_schedule_limits_and_app_only_access() {
    let t = Tenant::start().await;
    let tok = cal_token(&t, ALICE).await;
    let from = utc("2025-06-02T00:00:00Z");
    let many: Vec<String> = (0..21).map(|i| format!("u{i}@contoso.test")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    for (body, why) in [
        (
            request(&many, from, from + Duration::days(1), 30),
            "21 schedules",
        ),
        (
            request(&[ALICE], from, from + Duration::days(62), 30),
            "62 days",
        ),
        (
            request(&[ALICE], from, from + Duration::days(1), 4),
            "a 4-minute interval",
        ),
        (
            request(&[ALICE], from + Duration::days(1), from, 30),
            "end before start",
        ),
    ] {
        let (s, v) = send(&t, &tok, "POST", "/me/calendar/getSchedule", Some(body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{why}: {v}");
    }
    let (s, v) = send(
        &t,
        &tok,
        "POST",
        "/me/calendar/getSchedule",
        Some(request(&[ALICE], from, from + Duration::days(1), 30)),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["value"][0]["availabilityView"].as_str().unwrap().len(),
        48
    );
    let app = t.app_token(&["Calendars.Read"]).await;
    let (s, v) = send(
        &t,
        &app,
        "POST",
        &format!("/users/{BOB}/calendar/getSchedule"),
        Some(request(&[ALICE, BOB], from, from + Duration::days(1), 30)),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mail_only = t.app_token(&["Mail.ReadWrite"]).await;
    let (s, _) = send(
        &t,
        &mail_only,
        "POST",
        &format!("/users/{BOB}/calendar/getSchedule"),
        Some(request(&[ALICE], from, from + Duration::days(1), 30)),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}
