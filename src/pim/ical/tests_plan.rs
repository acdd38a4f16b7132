//! Write plans: only what changed is sent, exceptions come back after a
//! pattern change, cancelled occurrences cannot come back, and an
//! attendee's answer is a meeting action, not a PATCH.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::plan::{MasterStep, Step, plan};
use super::tests_support::*;
use super::{CalendarObject, Moment, Precondition, Series, parse, render};
use crate::graph::MeetingAnswer;
use crate::pim::zones::Zones;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The series, what it renders to, and that text parsed.
fn now(series: &Series, zones: &Zones) -> (String, CalendarObject) {
    // Unfolded, so the tests can edit whole lines.
    let text = render(series, Some("u1"), OWNER)
        .unwrap()
        .replace("\r\n ", "");
    let obj = parse(&text, &context(zones)).unwrap();
    (text, obj)
}

fn patched(p: &super::plan::Plan) -> &crate::graph::EventWrite {
    match &p.master {
        MasterStep::Patch(w) => w,
        MasterStep::Create(_) => panic!("a create"),
    }
}

#[test]
fn an_unchanged_object_needs_no_request() {
    let zones = Zones::new();
    let series = team_sync();
    let (_, obj) = now(&series, &zones);
    let p = plan(&obj, Some((&series, &obj)), OWNER, None).unwrap();
    assert!(patched(&p).is_empty(), "{p:?}");
    assert!(p.steps.is_empty(), "{p:?}");
    assert!(!p.reshape);
}

#[test]
fn a_new_series_is_created_then_its_exception_and_exdate_applied() {
    let zones = Zones::new();
    let series = team_sync();
    let (_, obj) = now(&series, &zones);
    let p = plan(&obj, None, OWNER, Some("tx-1")).unwrap();
    let MasterStep::Create(event) = &p.master else {
        panic!("not a create")
    };
    assert_eq!(event.transaction_id.as_deref(), Some("tx-1"));
    assert_eq!(p.steps.len(), 2, "{:?}", p.steps);
    let Step::Patch(rid, change) = &p.steps[0] else {
        panic!("{:?}", p.steps)
    };
    assert_eq!(*rid, Moment::At(utc("2025-01-13T08:00:00Z")));
    assert_eq!(
        change.start.as_ref().unwrap().date_time,
        "2025-01-13T10:00:00"
    );
    assert_eq!(change.subject.as_deref(), Some("Weekly team sync (moved)"));
    assert!(
        change.location.is_none() && change.attendees.is_none(),
        "only what differs: {change:?}"
    );
    assert_eq!(
        p.steps[1],
        Step::Delete(Moment::At(utc("2025-01-20T08:00:00Z")))
    );
}

#[test]
fn moving_the_exception_and_cancelling_a_date_patch_and_delete_only_those() {
    let zones = Zones::new();
    let series = team_sync();
    let (text, now_obj) = now(&series, &zones);
    let edited = text
        .replace("DTSTART;TZID=Europe/Berlin:20250113T100000", "DTSTART;TZID=Europe/Berlin:20250113T110000")
        .replace("DTEND;TZID=Europe/Berlin:20250113T103000", "DTEND;TZID=Europe/Berlin:20250113T113000")
        .replace(
            "EXDATE;TZID=Europe/Berlin:20250120T090000",
            "EXDATE;TZID=Europe/Berlin:20250120T090000\r\nEXDATE;TZID=Europe/Berlin:20250203T090000",
        );
    let obj = parse(&edited, &context(&zones)).unwrap();
    let p = plan(&obj, Some((&series, &now_obj)), OWNER, None).unwrap();
    assert!(patched(&p).is_empty());
    assert_eq!(p.steps.len(), 2, "{:?}", p.steps);
    let Step::Patch(_, change) = &p.steps[0] else {
        panic!("{:?}", p.steps)
    };
    assert_eq!(
        change.start.as_ref().unwrap().date_time,
        "2025-01-13T11:00:00"
    );
    assert!(change.subject.is_none());
    assert_eq!(
        p.steps[1],
        Step::Delete(Moment::At(utc("2025-02-03T08:00:00Z")))
    );
}

#[test]
fn a_cancelled_occurrence_cannot_come_back_but_a_new_pattern_reapplies_everything() {
    let zones = Zones::new();
    let series = team_sync();
    let (text, now_obj) = now(&series, &zones);
    let restored = text.replace("EXDATE;TZID=Europe/Berlin:20250120T090000\r\n", "");
    let obj = parse(&restored, &context(&zones)).unwrap();
    let r = plan(&obj, Some((&series, &now_obj)), OWNER, None).unwrap_err();
    assert_eq!(r.precondition, Precondition::ValidCalendarObjectResource);
    assert!(
        r.sentence
            .contains("cannot bring a cancelled occurrence back"),
        "{r}"
    );

    let counted = text.replace(
        "RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=MO",
        "RRULE:FREQ=WEEKLY;COUNT=20;BYDAY=MO;WKST=MO",
    );
    let obj = parse(&counted, &context(&zones)).unwrap();
    let p = plan(&obj, Some((&series, &now_obj)), OWNER, None).unwrap();
    assert!(p.reshape);
    assert!(patched(&p).recurrence.is_some());
    assert!(patched(&p).subject.is_none());
    assert_eq!(
        p.steps.len(),
        2,
        "the exception and the EXDATE again: {:?}",
        p.steps
    );
    assert!(matches!(p.steps[0], Step::Patch(..)));
    assert!(matches!(p.steps[1], Step::Delete(_)));
}

#[test]
fn dropping_an_override_puts_the_occurrence_back_in_line() {
    let zones = Zones::new();
    let series = team_sync();
    let (text, now_obj) = now(&series, &zones);
    let rid_at = text.find("RECURRENCE-ID").unwrap();
    let cut = text[..rid_at].rfind("BEGIN:VEVENT").unwrap();
    let end = text[cut..].find("END:VEVENT\r\n").unwrap() + cut + "END:VEVENT\r\n".len();
    let without = format!("{}{}", &text[..cut], &text[end..]);
    let obj = parse(&without, &context(&zones)).unwrap();
    assert!(obj.overrides.is_empty());
    let p = plan(&obj, Some((&series, &now_obj)), OWNER, None).unwrap();
    let [Step::Patch(rid, change)] = p.steps.as_slice() else {
        panic!("{:?}", p.steps)
    };
    assert_eq!(*rid, Moment::At(utc("2025-01-13T08:00:00Z")));
    assert_eq!(
        change.start.as_ref().unwrap().date_time,
        "2025-01-13T09:00:00"
    );
    assert_eq!(change.subject.as_deref(), Some("Weekly team sync"));
}

fn invitation() -> Series {
    let m = graph_event(
        "INV",
        "2025-06-03T08:00:00.0000000",
        "2025-06-03T09:00:00.0000000",
        json!({"isOrganizer": false, "responseStatus": {"response": "notResponded"},
               "organizer": {"emailAddress": {"name": "Bob", "address": "bob@contoso.test"}},
               "attendees": [{"type": "required", "status": {"response": "none"},
                              "emailAddress": {"name": "Alice", "address": OWNER}}]}),
    );
    Series::single(m, berlin())
}

#[test]
fn an_attendees_answer_is_a_meeting_action_and_they_cannot_move_it() {
    let zones = Zones::new();
    let series = invitation();
    let (text, now_obj) = now(&series, &zones);
    assert!(text.contains("PARTSTAT=NEEDS-ACTION"), "{text}");
    let accepted = text.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED");
    let obj = parse(&accepted, &context(&zones)).unwrap();
    let p = plan(&obj, Some((&series, &now_obj)), OWNER, None).unwrap();
    assert!(patched(&p).is_empty(), "no PATCH for an answer: {p:?}");
    assert_eq!(p.steps, vec![Step::Answer(None, MeetingAnswer::Accept)]);

    let moved = text.replace(
        "DTSTART;TZID=Europe/Berlin:20250603T100000",
        "DTSTART;TZID=Europe/Berlin:20250603T110000",
    );
    let obj = parse(&moved, &context(&zones)).unwrap();
    let r = plan(&obj, Some((&series, &now_obj)), OWNER, None).unwrap_err();
    assert_eq!(
        r.precondition,
        Precondition::AllowedAttendeeSchedulingObjectChange
    );

    let undecided = text.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=DELEGATED");
    let obj = parse(&undecided, &context(&zones)).unwrap();
    assert!(plan(&obj, Some((&series, &now_obj)), OWNER, None).is_err());
}

#[test]
fn creating_someone_elses_meeting_is_refused() {
    let zones = Zones::new();
    let series = invitation();
    let (_, obj) = now(&series, &zones);
    let r = plan(&obj, None, OWNER, None).unwrap_err();
    assert_eq!(r.precondition, Precondition::ValidOrganizer);
}
