//! VTODO → To Do → VTODO round trips, the extras, status and recurrence
//! mapping, refusals and deterministic output.

use chrono::{TimeZone, Utc};

use super::*;
use crate::graph::tasks::Importance;
use crate::graph::{Change, Task, TaskStatus, TaskWrite};

/// What To Do holds after a write: the task the next GET returns.
fn stored(w: &TaskWrite) -> Task {
    Task {
        id: "AAMkTask1".into(),
        etag: Some("W/\"e1\"".into()),
        title: w.title.value().cloned().unwrap_or_default(),
        body: w.body.value().cloned(),
        importance: w.importance.value().copied().unwrap_or_default(),
        status: w.status.value().copied().unwrap_or_default(),
        is_reminder_on: w.is_reminder_on.value().copied().unwrap_or_default(),
        reminder_date_time: w.reminder_date_time.value().cloned(),
        start_date_time: w.start_date_time.value().cloned(),
        due_date_time: w.due_date_time.value().cloned(),
        completed_date_time: w.completed_date_time.value().cloned(),
        recurrence: w.recurrence.value().cloned(),
        categories: w.categories.value().cloned().unwrap_or_default(),
        created_date_time: Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).single(),
        last_modified_date_time: Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).single(),
    }
}

fn ics(todo: &[&str]) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN",
        "BEGIN:VTODO",
    ];
    lines.extend_from_slice(todo);
    lines.extend_from_slice(&["END:VTODO", "END:VCALENDAR", ""]);
    lines.join("\r\n")
}

/// Parse, store, render, parse again: the same write.
fn round_trip(text: &str) -> (ParsedTask, String) {
    let parsed = parse(text).unwrap();
    let task = stored(&parsed.write);
    let uid = parsed.uid.clone().unwrap_or_else(|| "u".into());
    let rendered = render(&task, &uid, Some(&parsed.extras));
    let again = parse(&rendered).unwrap();
    assert_eq!(again.write, parsed.write, "{rendered}");
    assert_eq!(again.uid.as_deref(), Some(uid.as_str()));
    (parsed, rendered)
}

#[test]
fn a_due_date_round_trips_as_a_date() {
    let (parsed, text) = round_trip(&ics(&[
        "UID:3b5f2c4e-7d1a-4f7e-9a34-0c1d2e3f4a5b",
        "DTSTAMP:20240501T080000Z",
        "SUMMARY:File the tax return",
        "DESCRIPTION:Forms are in the blue folder\\, top shelf.",
        "DUE;VALUE=DATE:20240510",
        "PRIORITY:1",
        "CATEGORIES:Home,Paperwork",
    ]));
    let w = &parsed.write;
    assert_eq!(w.title, Change::To("File the tax return".into()));
    assert_eq!(
        w.body.value().unwrap().content,
        "Forms are in the blue folder, top shelf."
    );
    assert_eq!(w.importance, Change::To(Importance::High));
    assert_eq!(w.status, Change::To(TaskStatus::NotStarted));
    assert_eq!(
        w.due_date_time.value().unwrap().date_time,
        "2024-05-10T12:00:00"
    );
    assert_eq!(w.due_date_time.value().unwrap().time_zone, "UTC");
    assert_eq!(w.reminder_date_time, Change::Clear);
    assert_eq!(w.is_reminder_on, Change::To(false));
    assert_eq!(
        w.categories,
        Change::To(vec!["Home".into(), "Paperwork".into()])
    );
    assert!(text.contains("\r\nDUE;VALUE=DATE:20240510\r\n"));
    assert!(text.contains("\r\nPRIORITY:1\r\n"));
    assert!(text.contains("\r\nSTATUS:NEEDS-ACTION\r\n"));
    assert!(text.contains("\r\nDTSTAMP:20240501T090000Z\r\n"));
    assert!(parsed.extras.is_empty(), "{:?}", parsed.extras);
}

#[test]
fn a_due_time_is_dropped_to_the_day_to_do_keeps() {
    let parsed = parse(&ics(&[
        "UID:t",
        "SUMMARY:x",
        "DUE;TZID=Europe/Berlin:20240510T170000",
    ]))
    .unwrap();
    assert_eq!(
        parsed.write.due_date_time.value().unwrap().date_time,
        "2024-05-10T12:00:00"
    );
    let text = render(&stored(&parsed.write), "t", Some(&parsed.extras));
    assert!(text.contains("DUE;VALUE=DATE:20240510"));
}

#[test]
fn a_duration_becomes_the_due_day_and_is_not_kept() {
    // DTSTART is rendered as a date, so an hour-long DURATION kept beside
    // it would make the task invalid (RFC 5545 §3.8.2.5).
    let parsed = parse(&ics(&[
        "UID:d",
        "SUMMARY:x",
        "DTSTART:20240510T120000Z",
        "DURATION:P2DT1H",
    ]))
    .unwrap();
    assert_eq!(
        parsed.write.due_date_time.value().unwrap().date_time,
        "2024-05-12T12:00:00"
    );
    let text = render(&stored(&parsed.write), "d", Some(&parsed.extras));
    assert!(text.contains("DTSTART;VALUE=DATE:20240510"), "{text}");
    assert!(text.contains("DUE;VALUE=DATE:20240512"), "{text}");
    assert!(!text.contains("DURATION"), "{text}");
}

#[test]
fn a_completed_task_round_trips() {
    let (parsed, text) = round_trip(&ics(&[
        "UID:done-1",
        "SUMMARY:Water the plants",
        "STATUS:COMPLETED",
        "COMPLETED:20240502T081500Z",
        "PERCENT-COMPLETE:100",
    ]));
    let w = &parsed.write;
    assert_eq!(w.status, Change::To(TaskStatus::Completed));
    assert_eq!(
        w.completed_date_time.value().unwrap().date_time,
        "2024-05-02T08:15:00"
    );
    assert!(text.contains("\r\nCOMPLETED:20240502T081500Z\r\n"));
    assert!(text.contains("\r\nPERCENT-COMPLETE:100\r\n"));
    // Reopened in To Do: the kept 100 % would be stale, so it goes.
    let mut reopened = stored(w);
    reopened.status = TaskStatus::NotStarted;
    let text = render(&reopened, "done-1", Some(&parsed.extras));
    assert!(!text.contains("PERCENT-COMPLETE"));
    assert!(!text.contains("COMPLETED:"));
}

#[test]
fn a_reminder_round_trips_as_one_absolute_alarm() {
    let (parsed, text) = round_trip(&ics(&[
        "UID:r1",
        "SUMMARY:Call the dentist",
        "DUE;VALUE=DATE:20240510",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:Call the dentist",
        "TRIGGER;VALUE=DATE-TIME:20240509T070000Z",
        "END:VALARM",
    ]));
    assert_eq!(parsed.write.is_reminder_on, Change::To(true));
    assert_eq!(
        parsed.write.reminder_date_time.value().unwrap().date_time,
        "2024-05-09T07:00:00"
    );
    assert_eq!(text.matches("BEGIN:VALARM").count(), 1);
    // The client's own alarm comes back while the reminder is unchanged.
    assert!(
        text.contains("DESCRIPTION:Call the dentist\r\nTRIGGER;VALUE=DATE-TIME:20240509T070000Z")
    );
    // Moved in To Do: graphgate's alarm at the new time.
    let mut moved = stored(&parsed.write);
    moved.reminder_date_time = Some(crate::graph::tasks::DateTimeTimeZone {
        date_time: "2024-05-09T10:00:00.0000000".into(),
        time_zone: "UTC".into(),
    });
    let text = render(&moved, "r1", Some(&parsed.extras));
    assert!(text.contains("TRIGGER;VALUE=DATE-TIME:20240509T100000Z"));
    assert!(!text.contains("Call the dentist\r\nTRIGGER"));
}

#[test]
fn a_relative_alarm_becomes_an_absolute_reminder() {
    let parsed = parse(&ics(&[
        "UID:r2",
        "SUMMARY:Submit report",
        "DUE:20240510T150000Z",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:Default Mozilla Description",
        "TRIGGER;RELATED=END:-PT15M",
        "END:VALARM",
    ]))
    .unwrap();
    assert_eq!(
        parsed.write.reminder_date_time.value().unwrap().date_time,
        "2024-05-10T14:45:00"
    );
    // Written back as the absolute time: DUE comes back as a date, so a
    // relative trigger would move.
    let text = render(&stored(&parsed.write), "r2", Some(&parsed.extras));
    assert!(text.contains("TRIGGER;VALUE=DATE-TIME:20240510T144500Z"));
    assert!(!text.contains("-PT15M"));
    assert_eq!(parse(&text).unwrap().write, parsed.write);
}

#[test]
fn unsupported_properties_and_alarms_are_kept() {
    let (parsed, text) = round_trip(&ics(&[
        "UID:k1",
        "SUMMARY:Plan the trip",
        "CLASS:PRIVATE",
        "PERCENT-COMPLETE:40",
        "STATUS:IN-PROCESS",
        "RELATED-TO;RELTYPE=PARENT:parent-uid",
        "X-APPLE-SORT-ORDER:575644585",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "DESCRIPTION:first",
        "TRIGGER;VALUE=DATE-TIME:20240509T070000Z",
        "END:VALARM",
        "BEGIN:VALARM",
        "ACTION:AUDIO",
        "TRIGGER;VALUE=DATE-TIME:20240509T080000Z",
        "END:VALARM",
    ]));
    for line in [
        "CLASS:PRIVATE",
        "PERCENT-COMPLETE:40",
        "RELATED-TO;RELTYPE=PARENT:parent-uid",
        "X-APPLE-SORT-ORDER:575644585",
    ] {
        assert!(parsed.extras.kept().contains(&line.to_string()), "{line}");
        assert!(text.contains(&format!("\r\n{line}\r\n")), "{line}");
    }
    assert_eq!(text.matches("BEGIN:VALARM").count(), 2);
    assert!(text.contains("ACTION:AUDIO"));
    let stored_json = TaskExtras::from_json(&parsed.extras.to_json()).unwrap();
    assert_eq!(stored_json, parsed.extras);
}

#[test]
fn to_do_statuses_without_an_rfc_name_survive() {
    let mut task = stored(&TaskWrite::default());
    task.title = "Wait for Bo".into();
    task.status = TaskStatus::WaitingOnOthers;
    let text = render(&task, "s1", None);
    assert!(text.contains("\r\nSTATUS:IN-PROCESS\r\nX-GRAPHGATE-STATUS:waitingOnOthers\r\n"));
    assert_eq!(
        parse(&text).unwrap().write.status,
        Change::To(TaskStatus::WaitingOnOthers)
    );
    // The client completes it: the stale X- value does not win.
    let done = text.replace("STATUS:IN-PROCESS", "STATUS:COMPLETED");
    assert_eq!(
        parse(&done).unwrap().write.status,
        Change::To(TaskStatus::Completed)
    );

    // CANCELLED has no To Do state: deferred, and CANCELLED comes back.
    let (parsed, text) = round_trip(&ics(&["UID:c1", "SUMMARY:Old idea", "STATUS:CANCELLED"]));
    assert_eq!(parsed.write.status, Change::To(TaskStatus::Deferred));
    assert!(text.contains("\r\nSTATUS:CANCELLED\r\n"));
}

#[test]
fn recurrence_maps_both_ways() {
    let (parsed, text) = round_trip(&ics(&[
        "UID:w1",
        "SUMMARY:Take out the bins",
        "DUE;VALUE=DATE:20240506",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=10",
    ]));
    let r = parsed.write.recurrence.value().unwrap();
    assert_eq!(r.pattern.kind, "weekly");
    assert_eq!(r.pattern.days_of_week, vec!["monday", "thursday"]);
    assert_eq!(r.range.kind, "numbered");
    assert_eq!(r.range.number_of_occurrences, 10);
    assert_eq!(r.range.start_date.as_deref(), Some("2024-05-06"));
    // Graphgate would add WKST; the client's own line comes back.
    assert!(text.contains("\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=10\r\n"));

    let parsed = parse(&ics(&[
        "UID:m1",
        "SUMMARY:Board meeting prep",
        "DUE;VALUE=DATE:20240514",
        "RRULE:FREQ=MONTHLY;BYDAY=2TU;UNTIL=20241231",
    ]))
    .unwrap();
    let r = parsed.write.recurrence.value().unwrap();
    assert_eq!(r.pattern.kind, "relativeMonthly");
    assert_eq!(r.pattern.index.as_deref(), Some("second"));
    assert_eq!(r.pattern.days_of_week, vec!["tuesday"]);
    assert_eq!(r.range.end_date.as_deref(), Some("2024-12-31"));
    let text = render(&stored(&parsed.write), "m1", None);
    assert!(text.contains("\r\nRRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;UNTIL=20241231\r\n"));
    assert_eq!(
        parse(&text).unwrap().write.recurrence,
        parsed.write.recurrence
    );

    let yearly = parse(&ics(&[
        "UID:y",
        "SUMMARY:Renew",
        "DUE;VALUE=DATE:20240315",
        "RRULE:FREQ=YEARLY",
    ]))
    .unwrap();
    let r = yearly.write.recurrence.value().unwrap();
    assert_eq!(
        (
            r.pattern.kind.as_str(),
            r.pattern.month,
            r.pattern.day_of_month
        ),
        ("absoluteYearly", 3, 15)
    );
}

#[test]
fn what_to_do_cannot_hold_is_refused() {
    let refused = |text: &str| parse(text).unwrap_err();
    let hourly = refused(&ics(&[
        "UID:h",
        "SUMMARY:x",
        "DUE;VALUE=DATE:20240506",
        "RRULE:FREQ=HOURLY",
    ]));
    assert_eq!(
        hourly.precondition,
        Precondition::ValidCalendarObjectResource
    );
    assert!(hourly.reason.contains("cannot repeat"));
    let fifth = refused(&ics(&[
        "UID:h",
        "SUMMARY:x",
        "DUE;VALUE=DATE:20240506",
        "RRULE:FREQ=MONTHLY;BYDAY=5FR",
    ]));
    assert_eq!(
        fifth.precondition,
        Precondition::ValidCalendarObjectResource
    );
    let no_due = refused(&ics(&["UID:h", "SUMMARY:x", "RRULE:FREQ=DAILY"]));
    assert!(no_due.reason.contains("DUE"));
    let exdate = refused(&ics(&[
        "UID:h",
        "SUMMARY:x",
        "DUE;VALUE=DATE:20240506",
        "RRULE:FREQ=DAILY",
        "EXDATE;VALUE=DATE:20240507",
    ]));
    assert!(exdate.reason.contains("EXDATE"));

    let event = refused(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:e\r\nDTSTART:20240506T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    assert_eq!(event.precondition, Precondition::SupportedCalendarComponent);
    assert_eq!(event.precondition.element(), "supported-calendar-component");

    let override_ = refused(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:o\r\nSUMMARY:a\r\nDUE;VALUE=DATE:20240506\r\nRRULE:FREQ=DAILY\r\nEND:VTODO\r\nBEGIN:VTODO\r\nUID:o\r\nRECURRENCE-ID;VALUE=DATE:20240507\r\nSUMMARY:b\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
    );
    assert_eq!(
        override_.precondition,
        Precondition::ValidCalendarObjectResource
    );

    assert_eq!(
        refused("BEGIN:VCARD\r\nEND:VCARD\r\n").precondition,
        Precondition::SupportedCalendarData
    );
    assert_eq!(
        refused(&"X".repeat(MAX_ICS_BYTES + 1)).precondition,
        Precondition::MaxResourceSize
    );
}

#[test]
fn rendering_is_deterministic_and_reads_graphs_documented_task() {
    let task: Task = serde_json::from_str(
        r#"{"@odata.etag":"W/\"s8/ERWT3WEeFpBGD0bDgAA+TWq9g==\"","importance":"low","isReminderOn":true,
            "status":"inProgress","title":"Shop for dinner","createdDateTime":"2020-07-22T10:39:03.7937971Z",
            "lastModifiedDateTime":"2020-07-22T12:02:10.8835421Z","categories":["Important","Urgent"],
            "id":"721a35e2-35e2-721a-e235-1a72e2351a72","body":{"content":"<p>Fish &amp; chips</p>","contentType":"html"},
            "dueDateTime":{"dateTime":"2020-08-25T04:00:00.0000000","timeZone":"UTC"},
            "reminderDateTime":{"dateTime":"2020-08-24T16:30:00.0000000","timeZone":"UTC"}}"#,
    )
    .unwrap();
    let a = render(&task, "shop-1", None);
    assert_eq!(a, render(&task.clone(), "shop-1", None));
    assert!(a.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//graphgate//CalDAV//EN\r\nBEGIN:VTODO\r\nUID:shop-1\r\n"));
    assert!(a.contains("\r\nDUE;VALUE=DATE:20200825\r\n"));
    assert!(a.contains("\r\nPRIORITY:9\r\n"));
    assert!(a.contains("\r\nSTATUS:IN-PROCESS\r\n"));
    assert!(a.contains("\r\nDESCRIPTION:Fish & chips\r\n"));
    assert!(a.contains("\r\nCATEGORIES:Important,Urgent\r\n"));
    assert!(a.contains("TRIGGER;VALUE=DATE-TIME:20200824T163000Z"));
    assert!(a.contains("\r\nLAST-MODIFIED:20200722T120210Z\r\n"));
    assert!(a.ends_with("END:VTODO\r\nEND:VCALENDAR\r\n"));
    let mut later = task.clone();
    later.title = "Shop for lunch".into();
    assert_ne!(render(&later, "shop-1", None), a);
}

#[test]
fn zones_are_resolved_and_kept_when_a_kept_line_needs_them() {
    let text = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "BEGIN:DAYLIGHT",
        "DTSTART:19700329T020000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
        "BEGIN:VTODO",
        "UID:z1",
        "SUMMARY:Pick up parcel",
        "X-MOZ-SNOOZE-TIME;TZID=Europe/Berlin:20240510T160000",
        "DUE;TZID=Europe/Berlin:20240510T170000",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT5M",
        "END:VALARM",
        "END:VTODO",
        "END:VCALENDAR",
        "",
    ]
    .join("\r\n");
    let parsed = parse(&text).unwrap();
    // 17:00 in Berlin summer time is 15:00 UTC; five minutes before.
    assert_eq!(
        parsed.write.reminder_date_time.value().unwrap().date_time,
        "2024-05-10T14:55:00"
    );
    assert_eq!(
        parsed.extras.kept(),
        ["X-MOZ-SNOOZE-TIME;TZID=Europe/Berlin:20240510T160000"]
    );
    let rendered = render(&stored(&parsed.write), "z1", Some(&parsed.extras));
    assert!(rendered.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
    assert!(rendered.find("END:VTIMEZONE") < rendered.find("BEGIN:VTODO"));
    assert!(rendered.contains("\r\nTRIGGER;VALUE=DATE-TIME:20240510T145500Z\r\n"));
    assert_eq!(parse(&rendered).unwrap().write, parsed.write);
}

#[test]
fn mutated_tasks_never_panic_and_what_is_taken_reads_back_the_same() {
    use crate::pim::vcard::tests::{Lcg, mutate};
    let seeds = [
        ics(&[
            "UID:m-1",
            "SUMMARY:Plan the trip",
            "DESCRIPTION:Book\\, then pack.",
            "STATUS:IN-PROCESS",
            "PRIORITY:2",
            "DUE;VALUE=DATE:20240506",
            "RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=10",
            "CATEGORIES:Home,Travel",
            "X-APPLE-SORT-ORDER:1",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "TRIGGER;VALUE=DATE-TIME:20240505T070000Z",
            "END:VALARM",
        ]),
        ics(&[
            "UID:m-2",
            "SUMMARY:Done",
            "STATUS:COMPLETED",
            "COMPLETED:20240502T081500Z",
            "PERCENT-COMPLETE:100",
            "DTSTART;VALUE=DATE:20240501",
        ]),
    ];
    let mut rng = Lcg(0x7ad0);
    let mut taken = 0;
    for i in 0..800 {
        let input = mutate(&seeds[i % seeds.len()], &mut rng);
        let Ok(parsed) = parse(&input) else { continue };
        taken += 1;
        let text = render(&stored(&parsed.write), "u", Some(&parsed.extras));
        let again = parse(&text).unwrap_or_else(|e| panic!("{e}\n{input}\n---\n{text}"));
        let mut expected = parsed.write.clone();
        // A completion time To Do stamps itself reads back as stamped.
        if expected.completed_date_time.is_unchanged() {
            expected.completed_date_time = again.write.completed_date_time.clone();
        }
        assert_eq!(again.write, expected, "\n{input}\n---\n{text}");
    }
    assert!(taken > 200, "only {taken} mutated tasks were taken");
}
