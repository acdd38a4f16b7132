use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::graph::{DateTimeTimeZone, ScheduleItem};
use crate::pim::freebusy_ical::{NotFreeBusy, ReplyParties, parse_request, render_free_busy};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn busy(a: &str, b: &str, kind: BusyKind) -> Busy {
    Busy {
        start: t(a),
        end: t(b),
        kind,
    }
}

const SERIES: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s1\r\n\
    DTSTART:20270105T090000Z\r\nDTEND:20270105T100000Z\r\nRRULE:FREQ=DAILY;COUNT=3\r\n\
    X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:s1\r\n\
    RECURRENCE-ID:20270106T090000Z\r\nDTSTART:20270106T140000Z\r\nDTEND:20270106T150000Z\r\n\
    X-MICROSOFT-CDO-BUSYSTATUS:OOF\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[test]
fn occurrences_give_periods_by_their_own_busy_status() {
    let mut out = Vec::new();
    busy_of_object(
        SERIES,
        t("2027-01-05T09:30:00Z"),
        t("2027-01-08T00:00:00Z"),
        &mut out,
    );
    let out = coalesce(out);
    assert_eq!(
        out,
        vec![
            busy(
                "2027-01-05T09:30:00Z",
                "2027-01-05T10:00:00Z",
                BusyKind::Busy
            ),
            busy(
                "2027-01-06T14:00:00Z",
                "2027-01-06T15:00:00Z",
                BusyKind::Unavailable
            ),
            busy(
                "2027-01-07T09:00:00Z",
                "2027-01-07T10:00:00Z",
                BusyKind::Busy
            ),
        ],
        "clipped to the range; the exception is out of office"
    );
}

#[test]
fn transparency_status_and_busy_status_decide_the_type() {
    assert_eq!(kind_of(Some("TRANSPARENT"), None, Some("BUSY")), None);
    assert_eq!(kind_of(None, Some("CANCELLED"), None), None);
    assert_eq!(
        kind_of(None, Some("TENTATIVE"), None),
        Some(BusyKind::Tentative)
    );
    assert_eq!(
        kind_of(Some("OPAQUE"), None, Some("TENTATIVE")),
        Some(BusyKind::Tentative)
    );
    assert_eq!(
        kind_of(None, None, Some("OOF")),
        Some(BusyKind::Unavailable)
    );
    assert_eq!(kind_of(None, None, Some("WORKINGELSEWHERE")), None);
    assert_eq!(kind_of(None, Some("CONFIRMED"), None), Some(BusyKind::Busy));
}

#[test]
fn overlapping_periods_of_one_type_are_joined() {
    let out = coalesce(vec![
        busy(
            "2027-01-01T10:00:00Z",
            "2027-01-01T11:00:00Z",
            BusyKind::Busy,
        ),
        busy(
            "2027-01-01T10:30:00Z",
            "2027-01-01T12:00:00Z",
            BusyKind::Busy,
        ),
        busy(
            "2027-01-01T12:00:00Z",
            "2027-01-01T12:30:00Z",
            BusyKind::Busy,
        ),
        busy(
            "2027-01-01T10:00:00Z",
            "2027-01-01T11:00:00Z",
            BusyKind::Tentative,
        ),
    ]);
    assert_eq!(
        out,
        vec![
            busy(
                "2027-01-01T10:00:00Z",
                "2027-01-01T12:30:00Z",
                BusyKind::Busy
            ),
            busy(
                "2027-01-01T10:00:00Z",
                "2027-01-01T11:00:00Z",
                BusyKind::Tentative
            ),
        ]
    );
}

fn item(status: FreeBusyStatus, a: &str, b: &str) -> ScheduleItem {
    let at = |s: &str| DateTimeTimeZone::new(t(s).naive_utc(), "UTC");
    ScheduleItem {
        status: Some(status),
        start: at(a),
        end: at(b),
        is_private: None,
        subject: None,
        location: None,
    }
}

#[test]
fn schedules_become_periods_or_request_statuses() {
    let from = t("2027-01-01T00:00:00Z");
    let to = from + Duration::days(1);
    let s = Schedule {
        address: "bob@x.test".into(),
        availability_view: "0".repeat(48),
        items: vec![
            item(
                FreeBusyStatus::Busy,
                "2026-12-31T23:00:00Z",
                "2027-01-01T01:00:00Z",
            ),
            item(
                FreeBusyStatus::Free,
                "2027-01-01T03:00:00Z",
                "2027-01-01T04:00:00Z",
            ),
            item(
                FreeBusyStatus::Oof,
                "2027-01-01T05:00:00Z",
                "2027-01-01T06:00:00Z",
            ),
        ],
        error: None,
    };
    assert_eq!(
        busy_of_schedule(&s, from, to).unwrap(),
        vec![
            busy(
                "2027-01-01T00:00:00Z",
                "2027-01-01T01:00:00Z",
                BusyKind::Busy
            ),
            busy(
                "2027-01-01T05:00:00Z",
                "2027-01-01T06:00:00Z",
                BusyKind::Unavailable
            ),
        ]
    );
    // Without items, the view's slots.
    let mut view = "0".repeat(48);
    view.replace_range(2..4, "21");
    let s = Schedule {
        availability_view: view,
        items: Vec::new(),
        ..s
    };
    assert_eq!(
        busy_of_schedule(&s, from, to).unwrap(),
        vec![
            busy(
                "2027-01-01T01:00:00Z",
                "2027-01-01T01:30:00Z",
                BusyKind::Busy
            ),
            busy(
                "2027-01-01T01:30:00Z",
                "2027-01-01T02:00:00Z",
                BusyKind::Tentative
            ),
        ]
    );
    let unknown = Schedule {
        error: Some("Unable to resolve e-mail address".into()),
        ..Schedule::default()
    };
    assert!(matches!(
        busy_of_schedule(&unknown, from, to),
        Err(Unanswered::Unknown(_))
    ));
    let denied = Schedule {
        error: Some("Access is denied".into()),
        ..Schedule::default()
    };
    assert!(matches!(
        busy_of_schedule(&denied, from, to),
        Err(Unanswered::NotServed(_))
    ));
}

#[test]
fn ranges_are_bounded() {
    let from = t("2027-01-01T00:00:00Z");
    assert!(check_range(from, from + Duration::days(366)).is_ok());
    assert!(check_range(from, from + Duration::days(367)).is_err());
    assert!(check_range(from, from).is_err());
}

const REQUEST: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VFREEBUSY\r\n\
    UID:fb-1\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270105T000000Z\r\n\
    DTEND;TZID=Europe/Berlin:20270106T010000\r\nORGANIZER;CN=Alice:MAILTO:Alice@X.test\r\n\
    ATTENDEE;CN=\"Bob: the builder\":mailto:bob@x.test\r\nATTENDEE:urn:uuid:1\r\n\
    END:VFREEBUSY\r\nEND:VCALENDAR\r\n";

#[test]
fn free_busy_requests_are_read() {
    let r = parse_request(REQUEST).unwrap();
    assert_eq!(r.uid.as_deref(), Some("fb-1"));
    assert_eq!(r.organizer, "alice@x.test");
    assert_eq!(r.attendees, vec!["mailto:bob@x.test", "urn:uuid:1"]);
    assert_eq!(r.start, t("2027-01-05T00:00:00Z"));
    assert_eq!(
        r.end,
        t("2027-01-06T00:00:00Z"),
        "Berlin is UTC+1 in winter"
    );
}

#[test]
fn invitations_and_broken_requests_are_refused() {
    let invite = REQUEST.replace("VFREEBUSY", "VEVENT");
    assert!(matches!(parse_request(&invite), Err(NotFreeBusy::Itip(_))));
    let publish = REQUEST.replace("METHOD:REQUEST", "METHOD:PUBLISH");
    assert!(matches!(
        parse_request(&publish),
        Err(NotFreeBusy::Invalid(_))
    ));
    let no_end = REQUEST.replace("DTEND;TZID=Europe/Berlin:20270106T010000\r\n", "");
    assert!(matches!(
        parse_request(&no_end),
        Err(NotFreeBusy::Invalid(_))
    ));
    let no_organizer = REQUEST.replace("ORGANIZER;CN=Alice:MAILTO:Alice@X.test\r\n", "");
    assert!(matches!(
        parse_request(&no_organizer),
        Err(NotFreeBusy::Invalid(_))
    ));
}

#[test]
fn replies_name_both_parties_and_fold_long_lines() {
    let attendee = format!("mailto:{}@x.test", "b".repeat(100));
    let parties = ReplyParties {
        uid: Some("fb-1"),
        organizer: "alice@x.test",
        attendee: &attendee,
    };
    let periods = [busy(
        "2027-01-05T10:00:00Z",
        "2027-01-05T11:00:00Z",
        BusyKind::Tentative,
    )];
    let out = render_free_busy(
        t("2027-01-05T00:00:00Z"),
        t("2027-01-06T00:00:00Z"),
        &periods,
        Some(&parties),
    );
    assert!(out.contains("METHOD:REPLY\r\n"), "{out}");
    assert!(out.contains("ORGANIZER:mailto:alice@x.test\r\n"), "{out}");
    assert!(out.contains("DTSTART:20270105T000000Z\r\nDTEND:20270106T000000Z\r\n"));
    assert!(out.contains("FREEBUSY;FBTYPE=BUSY-TENTATIVE:20270105T100000Z/20270105T110000Z\r\n"));
    assert!(out.split("\r\n").all(|l| l.len() <= 75), "{out}");
    let plain = render_free_busy(
        t("2027-01-05T00:00:00Z"),
        t("2027-01-06T00:00:00Z"),
        &[],
        None,
    );
    assert!(
        !plain.contains("METHOD") && !plain.contains("FREEBUSY;"),
        "{plain}"
    );
    assert!(plain.contains("BEGIN:VFREEBUSY\r\nDTSTAMP:"), "{plain}");
}
