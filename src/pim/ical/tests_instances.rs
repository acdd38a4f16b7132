//! calendar-data shapes: expansion of the team sync (an exception, a
//! cancelled date, times in Berlin), limit-recurrence-set, a property
//! selection, and the bound on instances.

use super::tests_support::*;
use super::{Recurrences, Selection, Shape, ShapeError, render, shape};

/// `20250101T000000Z` as Unix seconds.
fn t(s: &str) -> i64 {
    chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ")
        .unwrap()
        .and_utc()
        .timestamp()
}

fn lines(text: &str) -> Vec<String> {
    text.replace("\r\n ", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn values(text: &str, prop: &str) -> Vec<String> {
    lines(text)
        .into_iter()
        .filter_map(|l| l.strip_prefix(&format!("{prop}:")).map(str::to_string))
        .collect()
}

fn expanded(start: &str, end: &str) -> String {
    let body = render(&team_sync(), None, OWNER).unwrap();
    let s = Shape {
        recurrences: Some(Recurrences::Expand {
            start: t(start),
            end: t(end),
        }),
        selection: None,
    };
    shape(&body, &s).unwrap()
}

#[test]
fn expansion_gives_one_utc_event_per_instance_with_the_exception_and_without_the_cancelled_date() {
    let text = expanded("20250101T000000Z", "20250201T000000Z");
    assert_eq!(
        values(&text, "RECURRENCE-ID"),
        vec!["20250106T080000Z", "20250113T080000Z", "20250127T080000Z"],
        "{text}"
    );
    assert_eq!(
        values(&text, "DTSTART"),
        vec!["20250106T080000Z", "20250113T090000Z", "20250127T080000Z"]
    );
    assert_eq!(
        values(&text, "DTEND"),
        vec!["20250106T083000Z", "20250113T093000Z", "20250127T083000Z"]
    );
    assert_eq!(
        values(&text, "SUMMARY"),
        vec![
            "Weekly team sync",
            "Weekly team sync (moved)",
            "Weekly team sync"
        ]
    );
    for gone in ["RRULE", "EXDATE", "RDATE", "TZID", "VTIMEZONE"] {
        assert!(!text.contains(gone), "{gone} in\n{text}");
    }
    assert_eq!(values(&text, "UID"), vec!["uid-M1"; 3]);
    // Each instance keeps its alarm.
    assert_eq!(text.matches("BEGIN:VALARM").count(), 3);
    assert!(lines(&text).first().is_some_and(|l| l == "BEGIN:VCALENDAR"));
}

#[test]
fn expansion_is_bounded_by_the_range_ends() {
    // 13 January 09:00-09:30 UTC (moved) overlaps; 27 January begins at the end.
    let text = expanded("20250113T091500Z", "20250127T080000Z");
    assert_eq!(values(&text, "RECURRENCE-ID"), vec!["20250113T080000Z"]);
    let none = expanded("20250120T000000Z", "20250121T000000Z");
    assert!(!none.contains("BEGIN:VEVENT"), "{none}");
}

#[test]
fn a_single_event_passes_through_in_utc() {
    let single = super::Series::single(
        graph_event(
            "S1",
            "2025-03-04T13:00:00.0000000",
            "2025-03-04T14:00:00.0000000",
            serde_json::json!({}),
        ),
        berlin(),
    );
    let body = render(&single, None, OWNER).unwrap();
    assert!(body.contains("TZID=Europe/Berlin"), "{body}");
    let s = Shape {
        recurrences: Some(Recurrences::Expand {
            start: t("20250301T000000Z"),
            end: t("20250401T000000Z"),
        }),
        selection: None,
    };
    let text = shape(&body, &s).unwrap();
    assert_eq!(values(&text, "DTSTART"), vec!["20250304T130000Z"]);
    assert_eq!(values(&text, "DTEND"), vec!["20250304T140000Z"]);
    assert!(values(&text, "RECURRENCE-ID").is_empty());
    assert!(!text.contains("VTIMEZONE"), "{text}");
}

#[test]
fn limit_recurrence_set_keeps_the_master_and_the_exceptions_in_range() {
    let body = render(&team_sync(), None, OWNER).unwrap();
    let limit = |start: &str, end: &str| {
        shape(
            &body,
            &Shape {
                recurrences: Some(Recurrences::Limit {
                    start: t(start),
                    end: t(end),
                }),
                selection: None,
            },
        )
        .unwrap()
    };
    let with = limit("20250113T000000Z", "20250114T000000Z");
    assert_eq!(with.matches("BEGIN:VEVENT").count(), 2, "{with}");
    assert!(with.contains("RRULE:"), "{with}");
    assert!(with.contains("VTIMEZONE"));
    let without = limit("20250201T000000Z", "20250301T000000Z");
    assert_eq!(without.matches("BEGIN:VEVENT").count(), 1, "{without}");
    assert!(!without.contains("RECURRENCE-ID"));
}

#[test]
fn a_selection_keeps_only_the_named_components_and_properties() {
    let body = render(&team_sync(), None, OWNER).unwrap();
    let s = Shape {
        recurrences: None,
        selection: Some(Selection {
            name: "VCALENDAR".into(),
            props: Some(vec!["VERSION".into()]),
            comps: Some(vec![Selection {
                name: "VEVENT".into(),
                props: Some(vec!["UID".into(), "SUMMARY".into(), "DTSTART".into()]),
                comps: Some(vec![]),
            }]),
        }),
    };
    let text = shape(&body, &s).unwrap();
    let got = lines(&text);
    assert!(got.contains(&"VERSION:2.0".to_string()), "{text}");
    for gone in [
        "PRODID",
        "VTIMEZONE",
        "VALARM",
        "LOCATION",
        "RRULE",
        "DTEND",
    ] {
        assert!(!text.contains(gone), "{gone} in\n{text}");
    }
    assert_eq!(values(&text, "UID"), vec!["uid-M1"; 2]);
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
}

#[test]
fn too_many_instances_are_refused_not_cut() {
    let body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:d\r\n\
        DTSTART:20250101T090000Z\r\nDTEND:20250101T100000Z\r\nRRULE:FREQ=DAILY\r\n\
        SUMMARY:Daily\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let far = Shape {
        recurrences: Some(Recurrences::Expand {
            start: t("20250101T000000Z"),
            end: t("21000101T000000Z"),
        }),
        selection: None,
    };
    assert_eq!(shape(body, &far), Err(ShapeError::TooManyInstances));
    let near = Shape {
        recurrences: Some(Recurrences::Expand {
            start: t("20250301T000000Z"),
            end: t("20250308T000000Z"),
        }),
        selection: None,
    };
    let text = shape(body, &near).unwrap();
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 7);
}
