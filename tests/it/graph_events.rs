//! The CalDAV event layer against the emulated tenant: the seeded series
//! read and rendered with its exception and cancelled date, a series with
//! an exception and an EXDATE written and read back the same, changed and
//! deleted, a meeting's invitation and the attendee's answer, a
//! calendarView delta round with a change and a removal, and free/busy
//! for three users.

use std::time::Duration;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use graphgate::auth::Identity;
use graphgate::graph::{Error, GraphClient, GraphSettings, Mailbox};
use graphgate::pim::ical::{
    self, CalendarObject, Context, Moment, Series, WriteRequest, read_series, render, write_series,
};
use graphgate::pim::zones::Zones;
use serde_json::Value;

use crate::common::*;

fn client(tenant: &Tenant) -> GraphClient {
    let mut settings = GraphSettings::new(tenant.url("").parse().unwrap());
    settings.max_retries = 3;
    settings.request_timeout = Duration::from_secs(20);
    GraphClient::new(settings).unwrap()
}

fn mailbox(tenant: &Tenant, graph: &GraphClient, upn: &str) -> Mailbox {
    let tokens =
        ControlTokens::delegated(tenant, upn).provider(Identity::Delegated { login: upn.into() });
    graph.mailbox(tokens, upn, true)
}

fn berlin() -> Tz {
    "Europe/Berlin".parse().unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn ctx<'a>(owner: &'a str, zones: &'a Zones) -> Context<'a> {
    Context {
        owner,
        mailbox_zone: berlin(),
        zones,
    }
}

/// Unfolded lines.
fn lines(text: &str) -> Vec<String> {
    text.replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_string)
        .collect()
}

fn has(text: &str, line: &str) -> bool {
    lines(text).iter().any(|l| l == line)
}

/// A stored event of `upn` by subject, through the control API.
async fn stored(t: &Tenant, upn: &str, subject: &str) -> Value {
    let v = t
        .control_get(&format!("/_emulator/mailboxes/{upn}/events"))
        .await;
    v["value"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["subject"] == subject).cloned())
        .unwrap_or_else(|| panic!("{upn} has no event '{subject}': {v}"))
}

async fn calendar_id(mb: &Mailbox, name: &str) -> String {
    mb.calendars()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == name)
        .map(|c| c.id)
        .unwrap_or_else(|| panic!("no calendar {name}"))
}

const HORIZON: &str = "2025-12-31T00:00:00Z";

/// Tuesdays 14:00 Berlin from 4 March 2025, eight times (across the DST
/// change of 30 March): 11 March moved to 16:00 and renamed, 18 March
/// cancelled.
fn planning(summary: &str, count: u32, extra_exdate: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:planning-1@example\r\nDTSTAMP:20250101T000000Z\r\n\
DTSTART;TZID=Europe/Berlin:20250304T140000\r\nDTEND;TZID=Europe/Berlin:20250304T150000\r\n\
RRULE:FREQ=WEEKLY;COUNT={count};BYDAY=TU\r\n\
EXDATE;TZID=Europe/Berlin:20250318T140000\r\n{extra_exdate}\
SUMMARY:{summary}\r\nLOCATION:Room 2\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:planning-1@example\r\nDTSTAMP:20250101T000000Z\r\n\
RECURRENCE-ID;TZID=Europe/Berlin:20250311T140000\r\n\
DTSTART;TZID=Europe/Berlin:20250311T160000\r\nDTEND;TZID=Europe/Berlin:20250311T170000\r\n\
SUMMARY:Planning (late)\r\nLOCATION:Room 2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// The same meaning: pattern, range, times, overrides and EXDATEs.
fn same_meaning(a: &CalendarObject, b: &CalendarObject) {
    assert_eq!(a.master.event.recurrence, b.master.event.recurrence);
    assert_eq!(a.master.event.start, b.master.event.start);
    assert_eq!(a.master.event.end, b.master.event.end);
    assert_eq!(a.master.event.subject, b.master.event.subject);
    assert_eq!(a.exdates, b.exdates);
    assert_eq!(a.overrides.len(), b.overrides.len());
    for (x, y) in a.overrides.iter().zip(&b.overrides) {
        assert_eq!(x.recurrence_id, y.recurrence_id);
        assert_eq!(x.event.event.start, y.event.event.start);
        assert_eq!(x.event.event.end, y.event.event.end);
        assert_eq!(x.event.event.subject, y.event.event.subject);
    }
}

#[tokio::test]
async fn graph_events_seeded_series_renders_its_exception_and_cancelled_date() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant);
    let mb = mailbox(&tenant, &graph, ALICE);
    let seeded = stored(&tenant, ALICE, "Weekly team sync").await;
    let id = seeded["id"].as_str().unwrap();
    let series = read_series(&mb, id, utc("2025-03-01T00:00:00Z"), berlin())
        .await
        .unwrap();
    assert_eq!(series.exceptions.len(), 1);
    assert_eq!(
        series.cancelled,
        vec![Moment::At(utc("2025-01-20T08:00:00Z"))]
    );
    let text = render(&series, None, ALICE).unwrap();
    for want in [
        "DTSTART;TZID=Europe/Berlin:20250106T090000",
        "RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=MO",
        "EXDATE;TZID=Europe/Berlin:20250120T090000",
        "RECURRENCE-ID;TZID=Europe/Berlin:20250113T090000",
        "DTSTART;TZID=Europe/Berlin:20250113T100000",
        "LOCATION:Room 1.21",
    ] {
        assert!(has(&text, want), "missing {want} in\n{text}");
    }
    // Reading through an occurrence's id finds the same series.
    let again = read_series(
        &mb,
        &series.exceptions[0].id,
        utc("2025-03-01T00:00:00Z"),
        berlin(),
    )
    .await
    .unwrap();
    assert_eq!(render(&again, None, ALICE).unwrap(), text);
    tenant.stop().await;
}

#[tokio::test]
async fn graph_events_a_new_series_is_written_changed_and_deleted() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant);
    let mb = mailbox(&tenant, &graph, ALICE);
    let zones = Zones::new();
    let context = ctx(ALICE, &zones);
    let projects = calendar_id(&mb, "Projects").await;
    let wanted = ical::parse(&planning("Planning", 8, ""), &context).unwrap();
    let request = WriteRequest {
        calendar_id: &projects,
        existing: None,
        object: &wanted,
        transaction_id: Some("graphgate-test-planning-1"),
        horizon: utc(HORIZON),
        context,
    };
    let outcome = write_series(&mb, request).await.unwrap();
    assert!(outcome.created);
    assert_eq!(outcome.done.len(), 3, "{:?}", outcome.done);
    let held = stored(&tenant, ALICE, "Planning").await;
    assert_eq!(held["exceptions"].as_array().unwrap().len(), 1, "{held}");
    assert_eq!(
        held["cancelledOccurrences"],
        serde_json::json!(["2025-03-18T13:00:00Z"])
    );

    let series = read_series(&mb, &outcome.id, utc(HORIZON), berlin())
        .await
        .unwrap();
    let text = render(&series, Some(&wanted.uid), ALICE).unwrap();
    let back = ical::parse(&text, &context).unwrap();
    same_meaning(&wanted, &back);
    // After the DST change the series is still at 14:00 in Berlin.
    assert!(
        has(&text, "RRULE:FREQ=WEEKLY;COUNT=8;BYDAY=TU;WKST=MO"),
        "{text}"
    );

    // A new title and one more cancelled date: one PATCH, one DELETE.
    let before = graph.requests_sent();
    let changed = ical::parse(
        &planning(
            "Planning v2",
            8,
            "EXDATE;TZID=Europe/Berlin:20250408T140000\r\n",
        ),
        &context,
    )
    .unwrap();
    let outcome = write_series(
        &mb,
        WriteRequest {
            existing: Some(&series),
            object: &changed,
            transaction_id: None,
            ..request
        },
    )
    .await
    .unwrap();
    assert!(!outcome.created);
    assert_eq!(
        graph.requests_sent() - before,
        3,
        "PATCH series, list instances, DELETE one: {:?}",
        outcome.done
    );
    let series = read_series(&mb, &outcome.id, utc(HORIZON), berlin())
        .await
        .unwrap();
    let text = render(&series, Some(&changed.uid), ALICE).unwrap();
    same_meaning(&changed, &ical::parse(&text, &context).unwrap());
    assert!(
        has(&text, "EXDATE;TZID=Europe/Berlin:20250408T140000"),
        "{text}"
    );

    // A new pattern drops the exceptions at Microsoft; they come back.
    let reshaped = ical::parse(
        &planning(
            "Planning v2",
            6,
            "EXDATE;TZID=Europe/Berlin:20250408T140000\r\n",
        ),
        &context,
    )
    .unwrap();
    let outcome = write_series(
        &mb,
        WriteRequest {
            existing: Some(&series),
            object: &reshaped,
            transaction_id: None,
            ..request
        },
    )
    .await
    .unwrap();
    let series = read_series(&mb, &outcome.id, utc(HORIZON), berlin())
        .await
        .unwrap();
    let text = render(&series, Some(&reshaped.uid), ALICE).unwrap();
    same_meaning(&reshaped, &ical::parse(&text, &context).unwrap());
    assert_eq!(series.exceptions.len(), 1, "{text}");
    assert_eq!(series.cancelled.len(), 2, "{text}");

    // A cancelled occurrence cannot come back: refused, nothing sent.
    let before = graph.requests_sent();
    let restored = ical::parse(&planning("Planning v2", 6, ""), &context).unwrap();
    let err = write_series(
        &mb,
        WriteRequest {
            existing: Some(&series),
            object: &restored,
            transaction_id: None,
            ..request
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ical::WriteError::Refused(_)), "{err}");
    assert_eq!(graph.requests_sent(), before);

    ical::delete_series(&mb, &series).await.unwrap();
    let gone = mb.event(&outcome.id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone:?}");
    tenant.stop().await;
}

#[tokio::test]
async fn graph_events_a_meeting_invites_and_the_attendees_answer_reaches_the_organizer() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant);
    let alice = mailbox(&tenant, &graph, ALICE);
    let bob = mailbox(&tenant, &graph, BOB);
    let zones = Zones::new();
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n\
UID:review-1@example\r\nDTSTAMP:20250101T000000Z\r\n\
DTSTART;TZID=Europe/Berlin:20250603T100000\r\nDTEND;TZID=Europe/Berlin:20250603T110000\r\n\
SUMMARY:Design review\r\nORGANIZER;CN=Alice:mailto:alice@contoso.test\r\n\
ATTENDEE;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:alice@contoso.test\r\n\
ATTENDEE;CN=Bob;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@contoso.test\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";
    let meeting = ical::parse(text, &ctx(ALICE, &zones)).unwrap();
    assert!(meeting.has_attendees);
    let calendar = alice.default_calendar().await.unwrap().id;
    let outcome = write_series(
        &alice,
        WriteRequest {
            calendar_id: &calendar,
            existing: None,
            object: &meeting,
            transaction_id: Some("graphgate-test-review-1"),
            horizon: utc(HORIZON),
            context: ctx(ALICE, &zones),
        },
    )
    .await
    .unwrap();
    let organizer_id = outcome.id;
    eventually(10, "the invitation reaches bob", || async {
        tenant
            .mailbox(BOB, "inbox")
            .await
            .iter()
            .any(|m| m["subject"] == "Design review")
    })
    .await;
    let copy = stored(&tenant, BOB, "Design review").await;
    assert_eq!(copy["isOrganizer"], false);

    // Bob accepts in his CalDAV client: an answer, not a change.
    let series = read_series(&bob, copy["id"].as_str().unwrap(), utc(HORIZON), berlin())
        .await
        .unwrap();
    // Unfolded, so a whole PARTSTAT can be replaced.
    let his = render(&series, Some("review-1@example"), BOB)
        .unwrap()
        .replace("\r\n ", "");
    assert!(
        lines(&his).iter().any(|l| l.starts_with("ATTENDEE")
            && l.contains("PARTSTAT=NEEDS-ACTION")
            && l.ends_with("mailto:bob@contoso.test")),
        "{his}"
    );
    let accepted = ical::parse(
        &his.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED"),
        &ctx(BOB, &zones),
    )
    .unwrap();
    let done = write_series(
        &bob,
        WriteRequest {
            calendar_id: "",
            existing: Some(&series),
            object: &accepted,
            transaction_id: None,
            horizon: utc(HORIZON),
            context: ctx(BOB, &zones),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        done.done.last().map(String::as_str),
        Some("answered the meeting (accept)")
    );
    let theirs = read_series(&alice, &organizer_id, utc(HORIZON), berlin())
        .await
        .unwrap();
    let text = render(&theirs, None, ALICE).unwrap();
    assert!(
        lines(&text).iter().any(|l| l.starts_with("ATTENDEE")
            && l.contains("PARTSTAT=ACCEPTED")
            && l.ends_with("mailto:bob@contoso.test")),
        "{text}"
    );
    tenant.stop().await;
}

#[tokio::test]
async fn graph_events_calendar_view_delta_reports_a_change_and_a_removal() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant);
    let mb = mailbox(&tenant, &graph, ALICE);
    let zones = Zones::new();
    let calendar = calendar_id(&mb, "Projects").await;
    let (from, to) = (utc("2025-01-01T00:00:00Z"), utc("2025-12-31T00:00:00Z"));
    let first = mb
        .calendar_view_delta(&calendar, None, from, to)
        .await
        .unwrap();
    assert!(!first.delta_link.is_empty());
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n\
UID:delta-1@example\r\nDTSTAMP:20250101T000000Z\r\nDTSTART;VALUE=DATE:20250704\r\n\
SUMMARY:Holiday\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let object = ical::parse(text, &ctx(ALICE, &zones)).unwrap();
    let made = write_series(
        &mb,
        WriteRequest {
            calendar_id: &calendar,
            existing: None,
            object: &object,
            transaction_id: Some("graphgate-test-delta-1"),
            horizon: utc(HORIZON),
            context: ctx(ALICE, &zones),
        },
    )
    .await
    .unwrap();
    let second = mb
        .calendar_view_delta(&calendar, Some(&first.delta_link), from, to)
        .await
        .unwrap();
    let new = second
        .changed
        .iter()
        .find(|e| e.id == made.id)
        .expect("the new event is in the next round");
    assert!(new.is_all_day);
    assert_eq!(new.subject.as_deref(), Some("Holiday"));
    let series = Series::single(mb.event(&made.id).await.unwrap(), berlin());
    assert!(has(
        &render(&series, None, ALICE).unwrap(),
        "DTSTART;VALUE=DATE:20250704"
    ));
    ical::delete_series(&mb, &series).await.unwrap();
    let third = mb
        .calendar_view_delta(&calendar, Some(&second.delta_link), from, to)
        .await
        .unwrap();
    assert!(third.removed.contains(&made.id), "{third:?}");
    tenant
        .control_post(
            &format!("/_emulator/mailboxes/{ALICE}/expire-delta-tokens"),
            serde_json::json!({}),
        )
        .await;
    let err = mb
        .calendar_view_delta(&calendar, Some(&third.delta_link), from, to)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SyncReset), "{err:?}");
    tenant.stop().await;
}

#[tokio::test]
async fn graph_events_free_busy_for_three_users_in_as_many_calls_as_the_limits_need() {
    let tenant = Tenant::start().await;
    let graph = client(&tenant);
    let mb = mailbox(&tenant, &graph, ALICE);
    // The seeded single events fall in the current week (Monday in Berlin).
    let today = Utc::now().with_timezone(&berlin()).date_naive();
    let monday = today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let from = monday.and_hms_opt(0, 0, 0).unwrap().and_utc() - chrono::Duration::hours(2);
    let to = from + chrono::Duration::days(7);
    let who = vec![ALICE.to_string(), BOB.to_string(), SALES.to_string()];
    let before = graph.requests_sent();
    let week = mb.get_schedule(&who, from, to, 60).await.unwrap();
    assert_eq!(graph.requests_sent() - before, 1);
    assert_eq!(week.len(), 3);
    for s in &week {
        assert_eq!(s.availability_view.len(), 7 * 24, "{s:?}");
        assert!(s.error.is_none(), "{s:?}");
    }
    assert_eq!(week[1].address, BOB);
    assert!(
        week[1].availability_view.contains('2'),
        "bob's focus time: {:?}",
        week[1]
    );
    assert!(
        week[1].availability_view.contains('3'),
        "bob's day out: {:?}",
        week[1]
    );
    assert!(
        week[2].availability_view.contains('2'),
        "the sales review: {:?}",
        week[2]
    );
    assert!(!week[1].items.is_empty());

    // Fifty days are two calls; an unknown address is answered with an error.
    let mut more = who.clone();
    more.push("nobody@contoso.test".into());
    let before = graph.requests_sent();
    let long = mb
        .get_schedule(&more, from, from + chrono::Duration::days(50), 30)
        .await
        .unwrap();
    assert_eq!(graph.requests_sent() - before, 2);
    assert_eq!(long[0].availability_view.len(), 50 * 48);
    assert!(long[3].error.is_some(), "{:?}", long[3]);
    assert_eq!(
        long[1].availability_view[..7 * 48],
        week[1]
            .availability_view
            .chars()
            .flat_map(|c| [c, c])
            .collect::<String>()
    );
    tenant.stop().await;
}
