//! Rendering: a series with an exception and a cancelled date, times in
//! the series' zone across DST, all-day dates, UNTIL and COUNT, meetings,
//! and the same bytes for the same series.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::tests_support::*;
use super::{Moment, Series, parse, render};
use crate::graph::{DayOfWeek, PatternKind, RangeKind};
use crate::pim::zones::Zones;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Unfolded lines of an iCalendar text.
fn lines(text: &str) -> Vec<String> {
    text.replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_string)
        .collect()
}

fn has(text: &str, line: &str) -> bool {
    lines(text).iter().any(|l| l == line)
}

#[test]
fn the_team_sync_renders_its_exception_and_cancelled_date() {
    let series = team_sync();
    assert_eq!(
        series.cancelled,
        vec![Moment::At(utc("2025-01-20T08:00:00Z"))]
    );
    let text = render(&series, None, OWNER).unwrap();
    for want in [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "UID:uid-M1",
        "DTSTART;TZID=Europe/Berlin:20250106T090000",
        "DTEND;TZID=Europe/Berlin:20250106T093000",
        "RRULE:FREQ=WEEKLY;BYDAY=MO;WKST=MO",
        "EXDATE;TZID=Europe/Berlin:20250120T090000",
        "RECURRENCE-ID;TZID=Europe/Berlin:20250113T090000",
        "DTSTART;TZID=Europe/Berlin:20250113T100000",
        "SUMMARY:Weekly team sync (moved)",
        "LOCATION:Room 1.21",
        "TRANSP:OPAQUE",
        "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
        "TRIGGER:-PT15M",
        "DTSTAMP:20250102T100000Z",
    ] {
        assert!(has(&text, want), "missing {want} in\n{text}");
    }
    assert_eq!(
        text.matches("UID:uid-M1").count(),
        2,
        "one UID for the series"
    );
    assert!(!text.contains("ORGANIZER"), "not a meeting: {text}");
    assert_eq!(
        render(&series, None, OWNER).unwrap(),
        text,
        "same series, same bytes"
    );
    let client = render(&series, Some("client-uid@example"), OWNER).unwrap();
    assert_eq!(client.matches("UID:client-uid@example").count(), 2);
}

#[test]
fn a_weekly_series_keeps_its_wall_clock_time_across_dst_in_new_york_and_berlin() {
    // Mondays 09:00 Eastern from 3 March 2025: DST starts on 9 March.
    let ny = graph_event(
        "NY",
        "2025-03-03T14:00:00.0000000",
        "2025-03-03T15:00:00.0000000",
        json!({"type": "seriesMaster", "originalStartTimeZone": "Eastern Standard Time",
               "originalEndTimeZone": "Eastern Standard Time",
               "recurrence": weekly("2025-03-03", "Eastern Standard Time", "monday", json!({}))}),
    );
    let seen = [
        instance("NY", "a", "occurrence", "2025-03-03T14:00:00Z"),
        instance("NY", "b", "occurrence", "2025-03-10T13:00:00Z"),
        instance("NY", "c", "occurrence", "2025-03-17T13:00:00Z"),
    ];
    let s = Series::assemble(
        ny.clone(),
        &seen,
        vec![],
        utc("2025-03-20T00:00:00Z"),
        berlin(),
    )
    .unwrap();
    assert!(
        s.cancelled.is_empty(),
        "every occurrence is where Graph has it: {:?}",
        s.cancelled
    );
    let text = render(&s, None, OWNER).unwrap();
    assert!(
        has(&text, "DTSTART;TZID=America/New_York:20250303T090000"),
        "{text}"
    );
    // Without the 10 March occurrence, it is cancelled at 09:00 local.
    let s = Series::assemble(
        ny,
        &[seen[0].clone(), seen[2].clone()],
        vec![],
        utc("2025-03-20T00:00:00Z"),
        berlin(),
    )
    .unwrap();
    assert_eq!(s.cancelled, vec![Moment::At(utc("2025-03-10T13:00:00Z"))]);
    assert!(has(
        &render(&s, None, OWNER).unwrap(),
        "EXDATE;TZID=America/New_York:20250310T090000"
    ));

    // Mondays 09:00 Berlin from 20 October 2025: DST ends on 26 October.
    let be = graph_event(
        "BE",
        "2025-10-20T07:00:00.0000000",
        "2025-10-20T08:00:00.0000000",
        json!({"type": "seriesMaster",
               "recurrence": weekly("2025-10-20", "W. Europe Standard Time", "monday", json!({}))}),
    );
    let seen = [
        instance("BE", "a", "occurrence", "2025-10-20T07:00:00Z"),
        instance("BE", "b", "occurrence", "2025-10-27T08:00:00Z"),
        instance("BE", "c", "occurrence", "2025-11-03T08:00:00Z"),
    ];
    let s = Series::assemble(be, &seen, vec![], utc("2025-11-05T00:00:00Z"), berlin()).unwrap();
    assert!(s.cancelled.is_empty(), "{:?}", s.cancelled);
}

#[test]
fn all_day_events_are_dates_across_dst() {
    let day = graph_event(
        "AD",
        "2025-03-30T00:00:00.0000000",
        "2025-03-31T00:00:00.0000000",
        json!({"isAllDay": true, "showAs": "oof", "isReminderOn": false}),
    );
    let text = render(&Series::single(day, berlin()), None, OWNER).unwrap();
    assert!(has(&text, "DTSTART;VALUE=DATE:20250330"), "{text}");
    assert!(has(&text, "DTEND;VALUE=DATE:20250331"), "{text}");
    assert!(has(&text, "X-MICROSOFT-CDO-BUSYSTATUS:OOF"), "{text}");
    assert!(!text.contains("VTIMEZONE"), "dates need no zone: {text}");
    assert!(!text.contains("VALARM"), "{text}");
    // New York's November change: still one date.
    let ny = graph_event(
        "NYD",
        "2025-11-02T00:00:00.0000000",
        "2025-11-03T00:00:00.0000000",
        json!({"isAllDay": true, "originalStartTimeZone": "Eastern Standard Time",
               "originalEndTimeZone": "Eastern Standard Time"}),
    );
    let text = render(&Series::single(ny, berlin()), None, OWNER).unwrap();
    assert!(has(&text, "DTSTART;VALUE=DATE:20251102"), "{text}");
    assert!(has(&text, "DTEND;VALUE=DATE:20251103"), "{text}");
    // A yearly all-day series across the October change, cancelled once.
    let birthday = graph_event(
        "BD",
        "2025-10-26T00:00:00.0000000",
        "2025-10-27T00:00:00.0000000",
        json!({"isAllDay": true, "type": "seriesMaster", "recurrence": {
            "pattern": {"type": "absoluteYearly", "interval": 1, "month": 10, "dayOfMonth": 26},
            "range": {"type": "numbered", "startDate": "2025-10-26", "numberOfOccurrences": 3,
                      "recurrenceTimeZone": "W. Europe Standard Time"}}}),
    );
    let seen = [
        instance("BD", "a", "occurrence", "2025-10-25T22:00:00Z"),
        instance("BD", "c", "occurrence", "2027-10-25T22:00:00Z"),
    ];
    let s = Series::assemble(
        birthday,
        &seen,
        vec![],
        utc("2030-01-01T00:00:00Z"),
        berlin(),
    )
    .unwrap();
    assert_eq!(
        s.cancelled,
        vec![Moment::Date("2026-10-26".parse().unwrap())]
    );
    let text = render(&s, None, OWNER).unwrap();
    assert!(
        has(&text, "RRULE:FREQ=YEARLY;COUNT=3;BYMONTHDAY=26;BYMONTH=10"),
        "{text}"
    );
    assert!(has(&text, "EXDATE;VALUE=DATE:20261026"), "{text}");
}

#[test]
fn until_is_the_last_occurrence_in_utc_and_last_friday_is_minus_one() {
    let m = graph_event(
        "U",
        "2025-01-06T08:00:00.0000000",
        "2025-01-06T08:30:00.0000000",
        json!({"type": "seriesMaster", "recurrence": weekly("2025-01-06", "W. Europe Standard Time",
            "monday", json!({"type": "endDate", "endDate": "2025-04-28"}))}),
    );
    let text = render(&Series::single(m, berlin()), None, OWNER).unwrap();
    // 28 April 09:00 in Berlin is summer time: 07:00 UTC.
    assert!(
        has(
            &text,
            "RRULE:FREQ=WEEKLY;UNTIL=20250428T070000Z;BYDAY=MO;WKST=MO"
        ),
        "{text}"
    );
    let f = graph_event(
        "F",
        "2025-01-31T15:00:00.0000000",
        "2025-01-31T16:00:00.0000000",
        json!({"type": "seriesMaster", "recurrence": {
            "pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"],
                        "index": "last", "firstDayOfWeek": "sunday"},
            "range": {"type": "noEnd", "startDate": "2025-01-31",
                      "recurrenceTimeZone": "W. Europe Standard Time"}}}),
    );
    let text = render(&Series::single(f, berlin()), None, OWNER).unwrap();
    assert!(has(&text, "RRULE:FREQ=MONTHLY;BYDAY=-1FR"), "{text}");
}

#[test]
fn a_meeting_has_its_organizer_and_attendees_with_their_answers() {
    let m = graph_event(
        "MT",
        "2025-06-03T08:00:00.0000000",
        "2025-06-03T09:00:00.0000000",
        json!({"attendees": [
            {"type": "required", "status": {"response": "accepted"},
             "emailAddress": {"name": "Bob Example", "address": "bob@contoso.test"}},
            {"type": "optional", "status": {"response": "none"},
             "emailAddress": {"name": "dana@fabrikam.example", "address": "dana@fabrikam.example"}},
            {"type": "resource", "status": {"response": "tentativelyAccepted"},
             "emailAddress": {"name": "Room 1", "address": "room1@contoso.test"}}],
            "sensitivity": "private", "importance": "high"}),
    );
    let text = render(&Series::single(m, berlin()), None, OWNER).unwrap();
    for want in [
        "ORGANIZER;CN=\"Alice Example\":mailto:alice@contoso.test",
        "ATTENDEE;CN=\"Bob Example\";CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE:mailto:bob@contoso.test",
        "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:dana@fabrikam.example",
        "ATTENDEE;CN=\"Room 1\";CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT;PARTSTAT=TENTATIVE;RSVP=TRUE:mailto:room1@contoso.test",
        "CLASS:PRIVATE",
        "PRIORITY:1",
    ] {
        assert!(has(&text, want), "missing {want} in\n{text}");
    }
}

#[test]
fn a_rendered_series_parses_back_to_its_graph_pattern() {
    let zones = Zones::new();
    let series = team_sync();
    let text = render(&series, None, OWNER).unwrap();
    let obj = parse(&text, &context(&zones)).unwrap();
    let rec = obj.master.event.recurrence.clone().flatten().unwrap();
    assert_eq!(rec.pattern.kind, PatternKind::Weekly);
    assert_eq!(rec.pattern.days_of_week, vec![DayOfWeek::Monday]);
    assert_eq!(rec.pattern.first_day_of_week, Some(DayOfWeek::Monday));
    assert_eq!(rec.range.kind, RangeKind::NoEnd);
    assert_eq!(
        rec.range.recurrence_time_zone.as_deref(),
        Some("W. Europe Standard Time")
    );
    assert_eq!(obj.exdates, series.cancelled);
    assert_eq!(obj.overrides.len(), 1);
    assert_eq!(
        obj.overrides[0].recurrence_id,
        Moment::At(utc("2025-01-13T08:00:00Z"))
    );
    let start = obj.master.event.start.clone().unwrap();
    assert_eq!(start.date_time, "2025-01-06T09:00:00");
    assert_eq!(start.time_zone.as_deref(), Some("W. Europe Standard Time"));
    assert_eq!(obj.master.event.reminder_minutes_before_start, Some(15));
}

#[test]
fn a_single_event_in_a_zone_nobody_can_name_is_shown_in_the_mailbox_zone() {
    let custom = graph_event(
        "C",
        "2025-06-03T08:00:00.0000000",
        "2025-06-03T09:00:00.0000000",
        json!({"originalStartTimeZone": "tzone://Microsoft/Custom",
               "originalEndTimeZone": "tzone://Microsoft/Custom"}),
    );
    let text = render(&Series::single(custom.clone(), berlin()), None, OWNER).unwrap();
    assert!(
        has(&text, "DTSTART;TZID=Europe/Berlin:20250603T100000"),
        "{text}"
    );
    assert!(
        has(&text, "DTEND;TZID=Europe/Berlin:20250603T110000"),
        "{text}"
    );
    // A mailbox whose zone is not known: UTC.
    let text = render(&Series::single(custom, chrono_tz::UTC), None, OWNER).unwrap();
    assert!(has(&text, "DTSTART:20250603T080000Z"), "{text}");
    assert!(!text.contains("VTIMEZONE"), "{text}");
}

#[test]
fn a_series_starting_off_its_pattern_starts_where_graph_puts_the_first_occurrence() {
    // Microsoft's example: the first Thursday of every other month from
    // 29 August falls in September, then November.
    let m = graph_event(
        "FT",
        "2025-08-29T08:00:00.0000000",
        "2025-08-29T09:00:00.0000000",
        json!({"type": "seriesMaster", "recurrence": {
            "pattern": {"type": "relativeMonthly", "interval": 2, "daysOfWeek": ["thursday"],
                        "index": "first"},
            "range": {"type": "noEnd", "startDate": "2025-08-29",
                      "recurrenceTimeZone": "W. Europe Standard Time"}}}),
    );
    let seen = [
        instance("FT", "a", "occurrence", "2025-09-04T08:00:00Z"),
        instance("FT", "b", "occurrence", "2025-11-06T09:00:00Z"),
    ];
    let s = Series::assemble(m, &seen, vec![], utc("2025-12-01T00:00:00Z"), berlin()).unwrap();
    assert!(s.cancelled.is_empty(), "{:?}", s.cancelled);
    let text = render(&s, None, OWNER).unwrap();
    assert!(
        has(&text, "DTSTART;TZID=Europe/Berlin:20250904T100000"),
        "{text}"
    );
    assert!(
        has(&text, "RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=1TH"),
        "{text}"
    );
}

#[test]
fn an_event_without_a_zone_is_shown_in_the_mailbox_zone_and_the_zone_is_published() {
    let mut e = graph_event(
        "Z1",
        "2025-03-04T13:00:00.0000000",
        "2025-03-04T14:00:00.0000000",
        json!({}),
    );
    e.original_start_time_zone = None;
    e.original_end_time_zone = None;
    let text = render(&Series::single(e.clone(), berlin()), None, OWNER).unwrap();
    assert!(
        has(&text, "DTSTART;TZID=Europe/Berlin:20250304T140000"),
        "{text}"
    );
    let utc = render(&Series::single(e, chrono_tz::UTC), None, OWNER).unwrap();
    assert!(has(&utc, "DTSTART:20250304T130000Z"), "{utc}");
    let zone = super::zone_calendar(berlin(), utc_now_fixed());
    assert!(zone.starts_with("BEGIN:VCALENDAR\r\n"), "{zone}");
    assert!(has(&zone, "BEGIN:VTIMEZONE"), "{zone}");
    assert!(has(&zone, "TZID:Europe/Berlin"), "{zone}");
    assert!(!zone.contains("BEGIN:VEVENT"));
    let utc = super::zone_calendar(chrono_tz::UTC, utc_now_fixed());
    assert!(has(&utc, "TZID:UTC"), "{utc}");
    assert!(has(&utc, "TZOFFSETTO:+0000"), "{utc}");
}

fn utc_now_fixed() -> DateTime<Utc> {
    utc("2026-06-01T00:00:00Z")
}
