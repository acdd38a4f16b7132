use mail_parser::MimeHeaders;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;

const JUNE: &str = "startDateTime=2025-06-01T00:00:00Z&endDateTime=2025-07-01T00:00:00Z";

fn meeting(subject: &str, who: &[&str]) -> Value {
    let mut body = event(
        subject,
        "2025-06-03T10:00:00",
        "2025-06-03T11:00:00",
        "W. Europe Standard Time",
    );
    body["attendees"] = Value::Array(
        who.iter()
            .map(|a| json!({"emailAddress": {"address": a}, "type": "required"}))
            .collect(),
    );
    body
}

/// The newest message in `upn`'s Inbox with this subject, and its MIME.
async fn mail(t: &Tenant, upn: &str, subject: &str) -> Option<(Value, String)> {
    let m = t
        .mailbox(upn, "inbox")
        .await
        .into_iter()
        .find(|m| m["subject"] == subject)?;
    let mime = t
        .control_get_text(&format!(
            "/_emulator/mailboxes/{upn}/messages/{}/mime",
            m["id"].as_str().unwrap()
        ))
        .await;
    Some((m, mime))
}

/// The attendee's copy of a meeting, through Graph.
async fn copy(t: &Tenant, tok: &str, subject: &str) -> Option<Value> {
    all(t, tok, &format!("/me/calendarView?{JUNE}"))
        .await
        .into_iter()
        .find(|e| e["subject"] == subject)
}

fn status_of(e: &Value, who: &str) -> String {
    e["attendees"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["emailAddress"]["address"] == who))
        .map(|x| {
            x["status"]["response"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_invitation_lands_in_the_attendees_inbox_and_calendar() {
    let t = Tenant::start().await;
    let alice = cal_token(&t, ALICE).await;
    let bob = cal_token(&t, BOB).await;
    let e = create(
        &t,
        &alice,
        "/me/events",
        meeting("Project sync", &[BOB, "dana@fabrikam.example"]),
    )
    .await;
    assert_eq!(status_of(&e, BOB), "none");
    let (m, mime) = mail(&t, BOB, "Project sync").await.expect("the invitation");
    assert_eq!(m["from"], ALICE);
    assert!(mime.contains("text/calendar"), "{mime}");
    assert!(
        mime.contains("method=REQUEST") || mime.contains("method=\"REQUEST\""),
        "{mime}"
    );
    let ics = decoded(&mime);
    assert!(ics.contains("METHOD:REQUEST"), "{ics}");
    assert!(
        ics.contains(&format!("UID:{}", e["iCalUId"].as_str().unwrap())),
        "{ics}"
    );
    assert!(ics.contains("DTSTART:20250603T080000Z"), "{ics}");
    let outbound = t.control_get("/_emulator/outbound").await;
    assert!(
        outbound["value"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["recipients"][0] == "dana@fabrikam.example")
    );
    assert!(
        t.mailbox(ALICE, "sentitems")
            .await
            .iter()
            .any(|m| m["subject"] == "Project sync")
    );
    let c = copy(&t, &bob, "Project sync").await.expect("bob's copy");
    assert_eq!(c["isOrganizer"], false);
    assert_eq!(c["organizer"]["emailAddress"]["address"], ALICE);
    assert_eq!(c["responseStatus"]["response"], "notResponded");
    assert_eq!(c["showAs"], "tentative");
    assert_eq!(c["iCalUId"], e["iCalUId"]);
    assert_ne!(c["id"], e["id"]);
}

/// The iCalendar text of a MIME message (the part may be base64 or
/// quoted-printable).
fn decoded(mime: &str) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(mime.as_bytes())
        .expect("MIME");
    parsed
        .parts
        .iter()
        .filter(|p| {
            p.content_type().is_some_and(|c| {
                c.subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("calendar"))
            })
        })
        .filter_map(|p| p.text_contents().map(str::to_string))
        .collect::<String>()
        // Unfold long lines (RFC 5545 §3.1).
        .replace("\r\n ", "")
}

#[tokio::test]
async fn answers_update_the_attendee_and_reach_the_organizer() {
    let t = Tenant::start().await;
    let alice = cal_token(&t, ALICE).await;
    let bob = cal_token(&t, BOB).await;
    let carol = cal_token(&t, CAROL).await;
    let e = create(&t, &alice, "/me/events", meeting("Planning", &[BOB, CAROL])).await;
    let id = e["id"].as_str().unwrap();
    let (s, v) = send(
        &t,
        &alice,
        "POST",
        &format!("/me/events/{id}/accept"),
        Some(json!({})),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "the organizer cannot answer: {v}"
    );

    let bobs = copy(&t, &bob, "Planning").await.unwrap();
    let (s, _) = send(
        &t,
        &bob,
        "POST",
        &format!("/me/events/{}/accept", bobs["id"].as_str().unwrap()),
        Some(json!({"comment": "See you there", "sendResponse": true})),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let bobs = copy(&t, &bob, "Planning").await.unwrap();
    assert_eq!(bobs["responseStatus"]["response"], "accepted");
    assert_eq!(bobs["showAs"], "busy");
    let (_, mime) = mail(&t, ALICE, "Accepted: Planning")
        .await
        .expect("bob's answer");
    assert!(decoded(&mime).contains("METHOD:REPLY"));
    let (_, mine) = t.get(&alice, &format!("/me/events/{id}")).await;
    assert_eq!(status_of(&mine, BOB), "accepted");

    let carols = copy(&t, &carol, "Planning").await.unwrap();
    let cid = carols["id"].as_str().unwrap();
    let (s, _) = send(
        &t,
        &carol,
        "POST",
        &format!("/me/events/{cid}/decline"),
        Some(json!({"comment": "On leave"})),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (s, _) = t.get(&carol, &format!("/me/events/{cid}")).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a declined meeting leaves the calendar"
    );
    assert!(mail(&t, ALICE, "Declined: Planning").await.is_some());
    let (_, mine) = t.get(&alice, &format!("/me/events/{id}")).await;
    assert_eq!(status_of(&mine, CAROL), "declined");

    // Without sendResponse the organizer hears nothing.
    let before = t.mailbox(ALICE, "inbox").await.len();
    let (s, _) = send(
        &t,
        &bob,
        "POST",
        &format!(
            "/me/events/{}/tentativelyAccept",
            bobs["id"].as_str().unwrap()
        ),
        Some(json!({"sendResponse": false})),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    assert_eq!(
        copy(&t, &bob, "Planning").await.unwrap()["responseStatus"]["response"],
        "tentativelyAccepted"
    );
    assert_eq!(t.mailbox(ALICE, "inbox").await.len(), before);
    let (_, mine) = t.get(&alice, &format!("/me/events/{id}")).await;
    assert_eq!(status_of(&mine, BOB), "accepted");
}

#[tokio::test]
async fn updates_and_cancellations_reach_attendees_and_only_organizers_cancel() {
    let t = Tenant::start().await;
    let alice = cal_token(&t, ALICE).await;
    let bob = cal_token(&t, BOB).await;
    let e = create(&t, &alice, "/me/events", meeting("Offsite prep", &[BOB])).await;
    let id = e["id"].as_str().unwrap();
    let (s, _) = send(
        &t,
        &alice,
        "PATCH",
        &format!("/me/events/{id}"),
        Some(json!({"subject": "Offsite prep (moved)", "location": {"displayName": "Lab"}})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, mime) = mail(&t, BOB, "Offsite prep (moved)")
        .await
        .expect("the update");
    assert!(decoded(&mime).contains("SEQUENCE:1"));
    let bobs = copy(&t, &bob, "Offsite prep (moved)")
        .await
        .expect("bob's copy follows");
    assert_eq!(bobs["location"]["displayName"], "Lab");

    let (s, v) = send(
        &t,
        &bob,
        "POST",
        &format!("/me/events/{}/cancel", bobs["id"].as_str().unwrap()),
        Some(json!({"comment": "no"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        v["error"]["message"],
        "You need to be an organizer to cancel a meeting."
    );

    let (s, _) = send(
        &t,
        &alice,
        "POST",
        &format!("/me/events/{id}/cancel"),
        Some(json!({"comment": "Venue fell through."})),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (s, _) = t.get(&alice, &format!("/me/events/{id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, mime) = mail(&t, BOB, "Canceled: Offsite prep (moved)")
        .await
        .expect("the cancellation");
    assert!(decoded(&mime).contains("METHOD:CANCEL"));
    assert!(mime.contains("Venue fell through."));
    let bobs = copy(&t, &bob, "Canceled: Offsite prep (moved)")
        .await
        .expect("bob's copy, cancelled");
    assert_eq!(bobs["isCancelled"], true);
}

#[tokio::test]
async fn attendee_changes_mail_only_those_added_or_removed() {
    let t = Tenant::start().await;
    let alice = cal_token(&t, ALICE).await;
    let carol = cal_token(&t, CAROL).await;
    let e = create(&t, &alice, "/me/events", meeting("Standup", &[BOB])).await;
    let id = e["id"].as_str().unwrap();
    let bob_before = t.mailbox(BOB, "inbox").await.len();
    let (s, v) = send(
        &t,
        &alice,
        "PATCH",
        &format!("/me/events/{id}"),
        Some(json!({"attendees": [{"emailAddress": {"address": CAROL}, "type": "optional"}]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["attendees"][0]["emailAddress"]["name"], "Carol Example");
    let bob_mail = t.mailbox(BOB, "inbox").await;
    assert_eq!(
        bob_mail.len(),
        bob_before + 1,
        "bob gets only his cancellation"
    );
    assert!(bob_mail.iter().any(|m| m["subject"] == "Canceled: Standup"));
    assert!(
        mail(&t, CAROL, "Standup").await.is_some(),
        "carol is invited"
    );
    assert!(copy(&t, &carol, "Standup").await.is_some());
}

#[tokio::test]
async fn cancelling_one_occurrence_of_a_meeting_reaches_the_attendees_copy() {
    let t = Tenant::start().await;
    let alice = cal_token(&t, ALICE).await;
    let bob = cal_token(&t, BOB).await;
    let mut body = meeting("Daily check-in", &[BOB]);
    body["recurrence"] = json!({"pattern": {"type": "daily", "interval": 1},
                                "range": {"type": "numbered", "startDate": "2025-06-03", "numberOfOccurrences": 3}});
    let e = create(&t, &alice, "/me/events", body).await;
    let (_, ics) = mail(&t, BOB, "Daily check-in")
        .await
        .expect("the invitation");
    assert!(decoded(&ics).contains("RRULE:FREQ=DAILY;INTERVAL=1;COUNT=3"));
    let bobs: Vec<Value> = all(&t, &bob, &format!("/me/calendarView?{JUNE}"))
        .await
        .into_iter()
        .filter(|o| o["subject"] == "Daily check-in")
        .collect();
    assert_eq!(bobs.len(), 3);
    let occurrences = all(
        &t,
        &alice,
        &format!("/me/events/{}/instances?{JUNE}", e["id"].as_str().unwrap()),
    )
    .await;
    let (s, _) = send(
        &t,
        &alice,
        "DELETE",
        &format!("/me/events/{}", occurrences[1]["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, mime) = mail(&t, BOB, "Canceled: Daily check-in")
        .await
        .expect("the occurrence's cancellation");
    let ics = decoded(&mime);
    assert!(
        ics.contains("METHOD:CANCEL") && ics.contains("RECURRENCE-ID:20250604T080000Z"),
        "{ics}"
    );
    let left: Vec<Value> = all(&t, &bob, &format!("/me/calendarView?{JUNE}"))
        .await
        .into_iter()
        .filter(|o| o["subject"] == "Daily check-in")
        .collect();
    assert_eq!(left.len(), 2, "bob's copy lost the same date");
    assert_eq!(left[1]["start"]["dateTime"], "2025-06-05T08:00:00.0000000");
}
