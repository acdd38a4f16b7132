//! Parsing: what a client's object becomes in Graph's model, and every
//! refusal with the precondition it names.

use chrono::{DateTime, Utc};

use super::tests_support::*;
use super::{Moment, PartStat, Precondition, parse};
use crate::graph::{
    AttendeeType, DayOfWeek, FreeBusyStatus, PatternKind, RangeKind, Sensitivity, WeekIndex,
};
use crate::pim::zones::Zones;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

const BERLIN_TZ: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\n\
DTSTART:19701025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";

#[test]
fn a_series_with_an_override_and_exdates_becomes_graphs_model() {
    let zones = Zones::new();
    let text = vcalendar(&format!(
        "{BERLIN_TZ}BEGIN:VEVENT\r\nUID:s1\r\nDTSTAMP:20250101T000000Z\r\n\
DTSTART;TZID=Europe/Berlin:20250106T090000\r\nDTEND;TZID=Europe/Berlin:20250106T093000\r\n\
RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10\r\nEXDATE;TZID=Europe/Berlin:20250120T090000\r\n\
EXDATE;TZID=Europe/Berlin:20250121T090000\r\nSUMMARY:Sync\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:s1\r\nDTSTAMP:20250101T000000Z\r\n\
RECURRENCE-ID;TZID=Europe/Berlin:20250113T090000\r\n\
DTSTART;TZID=Europe/Berlin:20250113T100000\r\nDTEND;TZID=Europe/Berlin:20250113T103000\r\n\
SUMMARY:Sync (moved)\r\nEND:VEVENT\r\n"
    ));
    let obj = parse(&text, &context(&zones)).unwrap();
    assert_eq!(obj.uid, "s1");
    let m = &obj.master.event;
    let rec = m.recurrence.clone().flatten().unwrap();
    assert_eq!(rec.pattern.kind, PatternKind::Weekly);
    assert_eq!(rec.pattern.days_of_week, vec![DayOfWeek::Monday]);
    assert_eq!(rec.range.kind, RangeKind::Numbered);
    assert_eq!(rec.range.number_of_occurrences, 10);
    assert_eq!(rec.range.start_date, Some("2025-01-06".parse().unwrap()));
    assert_eq!(m.start.as_ref().unwrap().date_time, "2025-01-06T09:00:00");
    assert_eq!(
        m.start.as_ref().unwrap().time_zone.as_deref(),
        Some("W. Europe Standard Time")
    );
    assert_eq!(m.is_reminder_on, Some(true));
    assert_eq!(m.reminder_minutes_before_start, Some(10));
    // 21 January (a Tuesday) is no occurrence: its EXDATE changes nothing.
    assert_eq!(obj.exdates, vec![Moment::At(utc("2025-01-20T08:00:00Z"))]);
    assert_eq!(obj.overrides.len(), 1);
    let o = &obj.overrides[0];
    assert_eq!(o.recurrence_id, Moment::At(utc("2025-01-13T08:00:00Z")));
    assert_eq!(o.event.event.subject.as_deref(), Some("Sync (moved)"));
    assert_eq!(
        o.event.event.start.as_ref().unwrap().date_time,
        "2025-01-13T10:00:00"
    );
    assert!(o.event.event.recurrence.is_none());
}

#[test]
fn floating_and_all_day_times_are_in_the_mailbox_zone_and_other_zones_map_exactly() {
    let zones = Zones::new();
    let ctx = context(&zones);
    let obj = parse(
        &vevent("DTSTART;VALUE=DATE:20250330\r\nSUMMARY:Day\r\n"),
        &ctx,
    )
    .unwrap();
    let e = &obj.master.event;
    assert_eq!(e.is_all_day, Some(true));
    assert_eq!(e.start.as_ref().unwrap().date_time, "2025-03-30T00:00:00");
    assert_eq!(e.end.as_ref().unwrap().date_time, "2025-03-31T00:00:00");
    assert_eq!(
        e.start.as_ref().unwrap().time_zone.as_deref(),
        Some("W. Europe Standard Time")
    );
    let obj = parse(
        &vevent("DTSTART:20250601T120000\r\nDURATION:PT45M\r\n"),
        &ctx,
    )
    .unwrap();
    let e = &obj.master.event;
    assert_eq!(
        e.start.as_ref().unwrap().time_zone.as_deref(),
        Some("W. Europe Standard Time")
    );
    assert_eq!(e.end.as_ref().unwrap().date_time, "2025-06-01T12:45:00");
    let obj = parse(
        &vevent("DTSTART;TZID=Europe/Amsterdam:20250601T120000\r\nDTEND:20250601T110000Z\r\n"),
        &ctx,
    )
    .unwrap();
    let e = &obj.master.event;
    assert_eq!(
        e.start.as_ref().unwrap().time_zone.as_deref(),
        Some("W. Europe Standard Time")
    );
    assert_eq!(e.end.as_ref().unwrap().time_zone.as_deref(), Some("UTC"));
    assert_eq!(e.end.as_ref().unwrap().date_time, "2025-06-01T11:00:00");
    let obj = parse(
        &vevent("DTSTART;TZID=W. Europe Standard Time:20250601T120000\r\nDTEND;TZID=W. Europe Standard Time:20250601T130000\r\n"),
        &ctx,
    )
    .unwrap();
    assert_eq!(
        obj.master
            .event
            .start
            .as_ref()
            .unwrap()
            .time_zone
            .as_deref(),
        Some("W. Europe Standard Time")
    );
}

#[test]
fn until_before_the_start_time_ends_the_day_before() {
    let zones = Zones::new();
    // Daily at 18:00 Berlin until 31 January 10:00 Berlin (09:00 UTC): the
    // last occurrence is on 30 January.
    let obj = parse(
        &vevent(
            "DTSTART;TZID=Europe/Berlin:20250101T180000\r\nRRULE:FREQ=DAILY;UNTIL=20250131T090000Z\r\n",
        ),
        &context(&zones),
    )
    .unwrap();
    let rec = obj.master.event.recurrence.clone().flatten().unwrap();
    assert_eq!(rec.range.kind, RangeKind::EndDate);
    assert_eq!(rec.range.end_date, Some("2025-01-30".parse().unwrap()));
}

#[test]
fn supported_rules_become_patterns() {
    let zones = Zones::new();
    let ctx = context(&zones);
    let pattern = |start: &str, rule: &str| {
        let text = vevent(&format!(
            "DTSTART;TZID=Europe/Berlin:{start}\r\nRRULE:{rule}\r\n"
        ));
        parse(&text, &ctx)
            .unwrap_or_else(|r| panic!("{rule}: {r}"))
            .master
            .event
            .recurrence
            .flatten()
            .unwrap()
            .pattern
    };
    let p = pattern("20250131T160000", "FREQ=MONTHLY;BYDAY=-1FR");
    assert_eq!(
        (p.kind, p.index, p.days_of_week.clone()),
        (
            PatternKind::RelativeMonthly,
            Some(WeekIndex::Last),
            vec![DayOfWeek::Friday]
        )
    );
    let p = pattern(
        "20250102T090000",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=2",
    );
    assert_eq!(
        (p.kind, p.index, p.days_of_week.len()),
        (PatternKind::RelativeMonthly, Some(WeekIndex::Second), 5)
    );
    let p = pattern("20250131T090000", "FREQ=MONTHLY;BYMONTHDAY=-1");
    assert_eq!((p.kind, p.day_of_month), (PatternKind::AbsoluteMonthly, 31));
    let p = pattern(
        "20250130T090000",
        "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1",
    );
    assert_eq!((p.kind, p.day_of_month), (PatternKind::AbsoluteMonthly, 30));
    let p = pattern("20251127T090000", "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH");
    assert_eq!(
        (p.kind, p.month, p.index),
        (PatternKind::RelativeYearly, 11, Some(WeekIndex::Fourth))
    );
    let p = pattern("20250315T090000", "FREQ=YEARLY");
    assert_eq!(
        (p.kind, p.month, p.day_of_month),
        (PatternKind::AbsoluteYearly, 3, 15)
    );
    let p = pattern("20250106T090000", "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR");
    assert_eq!((p.kind, p.days_of_week.len()), (PatternKind::Weekly, 5));
    let p = pattern(
        "20250106T090000",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU",
    );
    assert_eq!(
        (p.kind, p.interval, p.first_day_of_week),
        (PatternKind::Weekly, 2, Some(DayOfWeek::Sunday))
    );
}

#[test]
fn attendees_organizer_and_the_owners_answer_are_read() {
    let zones = Zones::new();
    let obj = parse(
        &vevent(
            "DTSTART:20250603T080000Z\r\nDTEND:20250603T090000Z\r\n\
ORGANIZER;CN=Bob:mailto:bob@contoso.test\r\n\
ATTENDEE;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:bob@contoso.test\r\n\
ATTENDEE;CN=Alice;PARTSTAT=TENTATIVE;RSVP=TRUE:mailto:ALICE@contoso.test\r\n\
ATTENDEE;CUTYPE=ROOM:mailto:room1@contoso.test\r\n\
ATTENDEE;ROLE=OPT-PARTICIPANT:mailto:dana@fabrikam.example\r\n\
CLASS:CONFIDENTIAL\r\nTRANSP:TRANSPARENT\r\n",
        ),
        &context(&zones),
    )
    .unwrap();
    assert!(obj.has_attendees);
    assert_eq!(obj.organizer.as_deref(), Some("bob@contoso.test"));
    assert_eq!(obj.owner_partstat(), Some(PartStat::Tentative));
    let a = obj.master.event.attendees.clone().unwrap();
    let kinds: Vec<_> = a
        .iter()
        .map(|x| (x.email_address.address.clone().unwrap(), x.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("ALICE@contoso.test".to_string(), AttendeeType::Required),
            ("room1@contoso.test".to_string(), AttendeeType::Resource),
            ("dana@fabrikam.example".to_string(), AttendeeType::Optional),
        ],
        "the organizer's own line is not an attendee"
    );
    assert_eq!(
        obj.master.event.sensitivity,
        Some(Sensitivity::Confidential)
    );
    assert_eq!(obj.master.event.show_as, Some(FreeBusyStatus::Free));
    assert_eq!(obj.master.event.response_requested, Some(true));
}

#[test]
fn each_unsupported_thing_is_refused_with_its_precondition() {
    let zones = Zones::new();
    let ctx = context(&zones);
    let start = "DTSTART;TZID=Europe/Berlin:20250106T090000\r\n";
    let cases: Vec<(String, Precondition, &str)> = vec![
        (
            "not ical".into(),
            Precondition::ValidCalendarData,
            "not an iCalendar",
        ),
        (
            vevent("SUMMARY:x\r\n"),
            Precondition::ValidCalendarData,
            "no DTSTART",
        ),
        (
            vcalendar("BEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\n"),
            Precondition::SupportedCalendarComponent,
            "VTODO",
        ),
        (
            vcalendar("BEGIN:VJOURNAL\r\nUID:t\r\nEND:VJOURNAL\r\n"),
            Precondition::SupportedCalendarComponent,
            "VJOURNAL",
        ),
        (
            vcalendar(
                "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20250101T090000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:20250102T090000Z\r\nEND:VEVENT\r\n",
            ),
            Precondition::ValidCalendarObjectResource,
            "different UIDs",
        ),
        (
            vcalendar("BEGIN:VEVENT\r\nDTSTART:20250101T090000Z\r\nEND:VEVENT\r\n"),
            Precondition::ValidCalendarObjectResource,
            "no UID",
        ),
        (
            vevent(&format!("{start}RRULE:FREQ=HOURLY\r\n")),
            Precondition::ValidCalendarObjectResource,
            "hourly",
        ),
        (
            vevent(&format!("{start}RRULE:FREQ=MINUTELY\r\n")),
            Precondition::ValidCalendarObjectResource,
            "hourly",
        ),
        (
            vevent(&format!("{start}RRULE:FREQ=YEARLY;BYWEEKNO=2\r\n")),
            Precondition::ValidCalendarObjectResource,
            "BYWEEKNO",
        ),
        (
            vevent(&format!("{start}RRULE:FREQ=YEARLY;BYYEARDAY=6\r\n")),
            Precondition::ValidCalendarObjectResource,
            "BYYEARDAY",
        ),
        (
            vevent(&format!("{start}RRULE:FREQ=DAILY;BYHOUR=9,15\r\n")),
            Precondition::ValidCalendarObjectResource,
            "within a day",
        ),
        (
            vevent(&format!("{start}RRULE:FREQ=MONTHLY;BYMONTHDAY=6,20\r\n")),
            Precondition::ValidCalendarObjectResource,
            "several days",
        ),
        (
            vevent(&format!(
                "{start}RRULE:FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=6\r\n"
            )),
            Precondition::ValidCalendarObjectResource,
            "several months",
        ),
        (
            vevent(&format!(
                "{start}RRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=5\r\n"
            )),
            Precondition::ValidCalendarObjectResource,
            "BYSETPOS=5",
        ),
        (
            vevent(&format!(
                "{start}RRULE:FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1,3\r\n"
            )),
            Precondition::ValidCalendarObjectResource,
            "several BYSETPOS",
        ),
        (
            vevent(&format!("{start}RRULE:FREQ=MONTHLY;BYDAY=-2MO\r\n")),
            Precondition::ValidCalendarObjectResource,
            "number -2",
        ),
        (
            vevent(&format!("{start}RRULE:FREQ=MONTHLY;BYDAY=1MO,3MO\r\n")),
            Precondition::ValidCalendarObjectResource,
            "several weekdays",
        ),
        (
            vevent(&format!("{start}RRULE:FREQ=MONTHLY;BYDAY=MO\r\n")),
            Precondition::ValidCalendarObjectResource,
            "every such weekday",
        ),
        (
            vevent("DTSTART;TZID=Europe/Berlin:20250131T090000\r\nRRULE:FREQ=MONTHLY\r\n"),
            Precondition::ValidCalendarObjectResource,
            "last day of months",
        ),
        (
            vevent("DTSTART;TZID=Europe/Berlin:20240229T090000\r\nRRULE:FREQ=YEARLY\r\n"),
            Precondition::ValidCalendarObjectResource,
            "29 February",
        ),
        (
            vevent(&format!(
                "{start}RRULE:FREQ=WEEKLY;BYDAY=MO\r\nRDATE;TZID=Europe/Berlin:20250108T090000\r\n"
            )),
            Precondition::ValidCalendarObjectResource,
            "RDATE",
        ),
        (
            vevent(&format!(
                "{start}RRULE:FREQ=WEEKLY;BYDAY=MO\r\nEXRULE:FREQ=MONTHLY\r\n"
            )),
            Precondition::ValidCalendarObjectResource,
            "EXRULE",
        ),
        (
            vevent(&format!(
                "{start}RRULE:FREQ=WEEKLY;BYDAY=MO\r\nRRULE:FREQ=WEEKLY;BYDAY=TU\r\n"
            )),
            Precondition::ValidCalendarObjectResource,
            "several RRULEs",
        ),
        (
            vevent("DTSTART;TZID=Europe/Berlin:20250107T090000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\n"),
            Precondition::ValidCalendarObjectResource,
            "not an occurrence",
        ),
        (
            vevent(&format!(
                "{start}RRULE:FREQ=WEEKLY;UNTIL=20241231T000000Z\r\n"
            )),
            Precondition::ValidCalendarObjectResource,
            "before DTSTART",
        ),
        (
            vevent("DTSTART;TZID=Mars/Olympus_Mons:20250106T090000\r\n"),
            Precondition::ValidCalendarObjectResource,
            "cannot be identified",
        ),
        (
            vevent("DTSTART;TZID=Antarctica/Casey:20250106T090000\r\n"),
            Precondition::ValidCalendarObjectResource,
            "no Windows time zone",
        ),
        (
            vevent("DTSTART;VALUE=DATE:20250106\r\nDTEND:20250107T090000Z\r\n"),
            Precondition::ValidCalendarData,
            "DTEND has a time",
        ),
        (
            vevent("DTSTART:20250106T090000Z\r\nDTEND:20250106T080000Z\r\n"),
            Precondition::ValidCalendarData,
            "before DTSTART",
        ),
        (
            vevent(&format!("{start}RRULE:FREQ=WEEKLY;UNTIL=20250301\r\n")),
            Precondition::ValidCalendarData,
            "UNTIL is a date but DTSTART has a time",
        ),
        (
            vevent("DTSTART:20250106T090000Z\r\nDURATION:P99999999W\r\n"),
            Precondition::ValidCalendarData,
            "longer than ten years",
        ),
        (
            vevent(&format!(
                "{start}RRULE:FREQ=WEEKLY;COUNT=3;UNTIL=20250301T000000Z\r\n"
            )),
            Precondition::ValidCalendarData,
            "both COUNT and UNTIL",
        ),
        (
            vcalendar(&format!(
                "BEGIN:VEVENT\r\nUID:u1\r\n{start}END:VEVENT\r\nBEGIN:VEVENT\r\nUID:u1\r\nRECURRENCE-ID;TZID=Europe/Berlin:20250113T090000\r\n{start}END:VEVENT\r\n"
            )),
            Precondition::ValidCalendarObjectResource,
            "no RRULE",
        ),
        (
            vcalendar(&format!(
                "BEGIN:VEVENT\r\nUID:u1\r\n{start}RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:u1\r\nRECURRENCE-ID;TZID=Europe/Berlin:20250114T090000\r\nDTSTART;TZID=Europe/Berlin:20250114T100000\r\nEND:VEVENT\r\n"
            )),
            Precondition::ValidCalendarObjectResource,
            "not an occurrence of the series",
        ),
        (
            vcalendar(&format!(
                "BEGIN:VEVENT\r\nUID:u1\r\n{start}RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:u1\r\nRECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Berlin:20250113T090000\r\nDTSTART;TZID=Europe/Berlin:20250113T100000\r\nEND:VEVENT\r\n"
            )),
            Precondition::ValidCalendarObjectResource,
            "THISANDFUTURE",
        ),
        (
            vcalendar(
                "BEGIN:VEVENT\r\nUID:u1\r\nRECURRENCE-ID:20250113T090000Z\r\nDTSTART:20250113T090000Z\r\nEND:VEVENT\r\n",
            ),
            Precondition::ValidCalendarObjectResource,
            "no series",
        ),
        (
            vevent(&format!("{start}ATTENDEE:urn:uuid:1234\r\n")),
            Precondition::ValidCalendarObjectResource,
            "no e-mail address",
        ),
        (
            "BEGIN:VCALENDAR\r\n".to_string() + &"X:y\r\n".repeat(600_000),
            Precondition::MaxResourceSize,
            "larger than",
        ),
    ];
    for (text, want, words) in cases {
        match parse(&text, &ctx) {
            Ok(o) => panic!("accepted ({words}): {o:?}"),
            Err(r) => {
                assert_eq!(r.precondition, want, "{words}: {}", r.sentence);
                assert!(
                    r.sentence.contains(words),
                    "'{words}' not in: {}",
                    r.sentence
                );
            }
        }
    }
    let many: String = (0..501)
        .map(|i| format!("ATTENDEE:mailto:p{i}@contoso.test\r\n"))
        .collect();
    let r = parse(&vevent(&format!("{start}{many}")), &ctx).unwrap_err();
    assert_eq!(r.precondition, Precondition::MaxAttendeesPerInstance);
}

#[test]
fn a_series_across_dst_names_its_occurrences_by_their_instants() {
    let zones = Zones::new();
    // Mondays 09:00 in New York from 3 March 2025 (DST from 9 March).
    let text = vcalendar(
        "BEGIN:VEVENT\r\nUID:ny\r\nDTSTART;TZID=America/New_York:20250303T090000\r\n\
DTEND;TZID=America/New_York:20250303T100000\r\nRRULE:FREQ=WEEKLY;UNTIL=20250331T130000Z\r\n\
EXDATE;TZID=America/New_York:20250317T090000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:ny\r\nRECURRENCE-ID:20250310T130000Z\r\n\
DTSTART;TZID=America/New_York:20250310T110000\r\nDTEND;TZID=America/New_York:20250310T120000\r\n\
END:VEVENT\r\n",
    );
    let obj = parse(&text, &context(&zones)).unwrap();
    let rec = obj.master.event.recurrence.clone().flatten().unwrap();
    assert_eq!(rec.range.end_date, Some("2025-03-31".parse().unwrap()));
    assert_eq!(
        rec.range.recurrence_time_zone.as_deref(),
        Some("Eastern Standard Time")
    );
    assert_eq!(obj.exdates, vec![Moment::At(utc("2025-03-17T13:00:00Z"))]);
    assert_eq!(
        obj.overrides[0].recurrence_id,
        Moment::At(utc("2025-03-10T13:00:00Z"))
    );
    // An all-day series in Berlin across the October change.
    let text = vevent(
        "DTSTART;VALUE=DATE:20251020\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEXDATE;VALUE=DATE:20251027\r\n",
    );
    let obj = parse(&text, &context(&zones)).unwrap();
    assert_eq!(obj.master.event.is_all_day, Some(true));
    assert_eq!(
        obj.exdates,
        vec![Moment::Date("2025-10-27".parse().unwrap())]
    );
    let timed_exdate =
        vevent("DTSTART;VALUE=DATE:20251020\r\nRRULE:FREQ=WEEKLY\r\nEXDATE:20251027T000000Z\r\n");
    let r = parse(&timed_exdate, &context(&zones)).unwrap_err();
    assert_eq!(r.precondition, Precondition::ValidCalendarData);
}
