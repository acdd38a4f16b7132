//! CalDAV scheduling as far as it maps to Microsoft 365: free/busy of
//! other people through the schedule outbox (RFC 6638, one getSchedule
//! call), a calendar's own free/busy (RFC 4791 free-busy-query, from its
//! synchronised events), and meetings that Exchange schedules itself when
//! an event with attendees is saved over CalDAV.

use serde_json::json;

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::{ALICE, BOB, CAROL, SALES, endpoint_sum};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_busy_of_three_users_over_the_outbox_and_a_calendars_own() {
    let gw = TestGateway::start().await;
    let out = gw
        .python("dav_schedule.py", &[PASSWORD, ALICE, BOB, CAROL, SALES])
        .await;
    assert!(out.contains("OK"), "{out}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn free_busy_costs_one_get_schedule_and_a_calendars_own_costs_no_more_than_a_delta_round() {
    let gw = TestGateway::start().await;
    let http = reqwest::Client::new();
    let base = format!("http://{}/dav/calendars/{ALICE}", gw.dav);
    let start = chrono::Utc::now() + chrono::Duration::days(3);
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let (from, to) = (stamp(start), stamp(start + chrono::Duration::days(30)));
    // The calendar is synchronised once first, as a client would have.
    let query = format!(
        "<c:free-busy-query xmlns:c=\"urn:ietf:params:xml:ns:caldav\">\
         <c:time-range start=\"{from}\" end=\"{to}\"/></c:free-busy-query>"
    );
    let report = || {
        http.request(
            reqwest::Method::from_bytes(b"REPORT").unwrap(),
            format!("{base}/calendar/"),
        )
        .basic_auth(ALICE, Some(PASSWORD))
        .header("Depth", "1")
        .body(query.clone())
        .send()
    };
    assert_eq!(report().await.unwrap().status(), 200);
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let r = report().await.unwrap();
    assert_eq!(r.status(), 200);
    let stats = gw.tenant.stats().await;
    assert_eq!(endpoint_sum(&stats, |e| e.contains("getSchedule")), 0);
    assert!(stats["requests"].as_u64().unwrap() <= 1, "{stats}");

    let attendees: String = [ALICE, BOB, CAROL, SALES]
        .iter()
        .map(|a| format!("ATTENDEE:mailto:{a}\r\n"))
        .collect();
    let body = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nMETHOD:REQUEST\r\n\
         BEGIN:VFREEBUSY\r\nUID:count-1\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:{from}\r\n\
         DTEND:{to}\r\nORGANIZER:mailto:{ALICE}\r\n{attendees}END:VFREEBUSY\r\nEND:VCALENDAR\r\n"
    );
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let r = http
        .post(format!("{base}/outbox/"))
        .basic_auth(ALICE, Some(PASSWORD))
        .header("Content-Type", "text/calendar")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    assert_eq!(text.matches("2.0;Success").count(), 4, "{text}");
    let stats = gw.tenant.stats().await;
    assert_eq!(
        endpoint_sum(&stats, |e| e.contains("getSchedule")),
        1,
        "{stats}"
    );
    assert_eq!(stats["requests"].as_u64(), Some(1), "{stats}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_saved_over_caldav_is_scheduled_by_exchange_and_answered_over_caldav() {
    let gw = TestGateway::start().await;
    let imap = gw.imap.port().to_string();
    let out = gw
        .python("dav_schedule_meeting.py", &[PASSWORD, ALICE, BOB, &imap])
        .await;
    assert!(out.contains("OK"), "{out}");
    gw.stop().await;
}
