//! Recurrence parsing, checking and expansion: each pattern type with each
//! range type, the examples of Microsoft's "Schedule recurring events"
//! page, and the values Graph refuses.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::CalError;
use super::recurrence::Recurrence;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

fn rec(v: Value) -> Recurrence {
    Recurrence::from_json(&v, "UTC", |z| super::tz::resolve(z).is_some()).expect("valid recurrence")
}

fn refused(v: Value) -> CalError {
    Recurrence::from_json(&v, "UTC", |z| super::tz::resolve(z).is_some())
        .expect_err("Graph refuses it")
}

fn all(r: &Recurrence) -> Vec<NaiveDate> {
    r.dates(d(1900, 1, 1), d(2200, 1, 1), 100_000)
}

fn ymd(v: &[NaiveDate]) -> Vec<String> {
    v.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect()
}

#[test]
fn daily_every_other_day_numbered() {
    let r = rec(json!({
        "pattern": {"type": "daily", "interval": 2},
        "range": {"type": "numbered", "startDate": "2025-03-28", "numberOfOccurrences": 4}
    }));
    assert_eq!(
        ymd(&all(&r)),
        ["2025-03-28", "2025-03-30", "2025-04-01", "2025-04-03"]
    );
}

#[test]
fn weekly_skips_days_before_the_start_in_the_first_week() {
    // Mondays and Wednesdays every other week, weeks starting on Monday,
    // from a Wednesday: the first week has only the Wednesday.
    let r = rec(json!({
        "pattern": {"type": "weekly", "interval": 2, "daysOfWeek": ["Monday", "wednesday"],
                    "firstDayOfWeek": "monday"},
        "range": {"type": "numbered", "startDate": "2025-03-05", "numberOfOccurrences": 5}
    }));
    assert_eq!(
        ymd(&all(&r)),
        [
            "2025-03-05",
            "2025-03-17",
            "2025-03-19",
            "2025-03-31",
            "2025-04-02"
        ]
    );
}

#[test]
fn weekly_end_date_is_inclusive_and_need_not_fit_the_pattern() {
    // Microsoft's example: Mondays from 4 September 2017 to 31 December
    // 2017 (a Sunday); the last occurrence is Monday 25 December.
    let r = rec(json!({
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["Monday"]},
        "range": {"type": "endDate", "startDate": "2017-09-04", "endDate": "2017-12-31"}
    }));
    let v = all(&r);
    assert_eq!(v.first(), Some(&d(2017, 9, 4)));
    assert_eq!(v.last(), Some(&d(2017, 12, 25)));
    assert_eq!(v.len(), 17);
}

#[test]
fn absolute_monthly_uses_the_last_day_of_shorter_months() {
    let r = rec(json!({
        "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
        "range": {"type": "numbered", "startDate": "2024-01-31", "numberOfOccurrences": 4}
    }));
    assert_eq!(
        ymd(&all(&r)),
        ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]
    );
}

#[test]
fn relative_monthly_first_and_last() {
    let first_monday = rec(json!({
        "pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["monday"], "index": "first"},
        "range": {"type": "numbered", "startDate": "2025-01-01", "numberOfOccurrences": 3}
    }));
    assert_eq!(
        ymd(&all(&first_monday)),
        ["2025-01-06", "2025-02-03", "2025-03-03"]
    );
    let last_friday = rec(json!({
        "pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
        "range": {"type": "endDate", "startDate": "2025-01-01", "endDate": "2025-05-31"}
    }));
    assert_eq!(
        ymd(&all(&last_friday)),
        [
            "2025-01-31",
            "2025-02-28",
            "2025-03-28",
            "2025-04-25",
            "2025-05-30"
        ]
    );
    // Several days: the n-th day of the month that is any of them ("the
    // second weekday of the month").
    let second_weekday = rec(json!({
        "pattern": {"type": "relativeMonthly", "interval": 1, "index": "second",
                    "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"]},
        "range": {"type": "numbered", "startDate": "2025-03-01", "numberOfOccurrences": 2}
    }));
    assert_eq!(ymd(&all(&second_weekday)), ["2025-03-04", "2025-04-02"]);
}

#[test]
fn relative_monthly_starting_after_the_first_date_moves_to_the_next_month() {
    // Microsoft's example: the first Thursday of every other month from 29
    // August 2017: the first occurrence is in September.
    let r = rec(json!({
        "pattern": {"type": "relativeMonthly", "interval": 2, "daysOfWeek": ["Thursday"], "index": "first"},
        "range": {"type": "noEnd", "startDate": "2017-08-29"}
    }));
    assert_eq!(
        ymd(&r.dates(d(2017, 1, 1), d(2018, 1, 31), 10)),
        ["2017-09-07", "2017-11-02", "2018-01-04"]
    );
    assert_eq!(r.first_date(), Some(d(2017, 9, 7)));
}

#[test]
fn yearly_patterns() {
    let april_15 = rec(json!({
        "pattern": {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 15, "month": 4},
        "range": {"type": "numbered", "startDate": "2025-05-01", "numberOfOccurrences": 2}
    }));
    assert_eq!(ymd(&all(&april_15)), ["2026-04-15", "2027-04-15"]);
    let last_wed_nov = rec(json!({
        "pattern": {"type": "relativeYearly", "interval": 1, "daysOfWeek": ["wednesday"],
                    "index": "last", "month": 11},
        "range": {"type": "numbered", "startDate": "2024-01-01", "numberOfOccurrences": 3}
    }));
    assert_eq!(
        ymd(&all(&last_wed_nov)),
        ["2024-11-27", "2025-11-26", "2026-11-25"]
    );
    let leap = rec(json!({
        "pattern": {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 29, "month": 2},
        "range": {"type": "numbered", "startDate": "2024-02-29", "numberOfOccurrences": 2}
    }));
    assert_eq!(ymd(&all(&leap)), ["2024-02-29", "2025-02-28"]);
}

#[test]
fn no_end_jumps_ahead_to_a_far_window() {
    let r = rec(json!({
        "pattern": {"type": "weekly", "interval": 3, "daysOfWeek": ["tuesday", "friday"]},
        "range": {"type": "noEnd", "startDate": "2000-01-04"}
    }));
    let far = r.dates(d(2150, 6, 1), d(2150, 7, 15), 100);
    // The same dates as walking from the start.
    let walked: Vec<NaiveDate> = r
        .dates(d(2000, 1, 1), d(2150, 7, 15), 100_000)
        .into_iter()
        .filter(|x| *x >= d(2150, 6, 1))
        .collect();
    assert_eq!(far, walked);
    assert!(!far.is_empty());
}

#[test]
fn numbered_counts_from_the_series_start_whatever_the_window() {
    let r = rec(json!({
        "pattern": {"type": "daily", "interval": 1},
        "range": {"type": "numbered", "startDate": "2025-01-01", "numberOfOccurrences": 10}
    }));
    assert_eq!(
        ymd(&r.dates(d(2025, 1, 9), d(2025, 2, 1), 100)),
        ["2025-01-09", "2025-01-10"]
    );
    assert!(r.occurs_on(d(2025, 1, 10)));
    assert!(!r.occurs_on(d(2025, 1, 11)));
}

#[test]
fn renders_graphs_shape_and_reads_it_back() {
    let r = rec(json!({
        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["Monday"]},
        "range": {"type": "noEnd", "startDate": "2025-01-06", "recurrenceTimeZone": "W. Europe Standard Time"}
    }));
    let v = r.to_json();
    assert_eq!(v["pattern"]["daysOfWeek"], json!(["monday"]));
    assert_eq!(v["pattern"]["firstDayOfWeek"], "sunday");
    assert_eq!(v["pattern"]["index"], "first");
    assert_eq!(v["pattern"]["dayOfMonth"], 0);
    assert_eq!(v["range"]["endDate"], "0001-01-01");
    assert_eq!(v["range"]["numberOfOccurrences"], 0);
    assert_eq!(v["range"]["recurrenceTimeZone"], "W. Europe Standard Time");
    assert_eq!(rec(v), r);
}

#[test]
fn refuses_what_graph_refuses() {
    let bad: &[(Value, &str)] = &[
        (
            json!({"pattern": {"type": "weekly", "interval": 1}, "range": {"type": "noEnd", "startDate": "2025-01-01"}}),
            "daysOfWeek",
        ),
        (
            json!({"pattern": {"type": "daily", "interval": 0}, "range": {"type": "noEnd", "startDate": "2025-01-01"}}),
            "interval",
        ),
        (
            json!({"pattern": {"type": "hourly", "interval": 1}, "range": {"type": "noEnd", "startDate": "2025-01-01"}}),
            "hourly",
        ),
        // Ignored by daily, still checked.
        (
            json!({"pattern": {"type": "daily", "interval": 1, "index": "fifth"}, "range": {"type": "noEnd", "startDate": "2025-01-01"}}),
            "fifth",
        ),
        (
            json!({"pattern": {"type": "daily", "interval": 1, "daysOfWeek": ["funday"]}, "range": {"type": "noEnd", "startDate": "2025-01-01"}}),
            "funday",
        ),
        (
            json!({"pattern": {"type": "absoluteMonthly", "interval": 1}, "range": {"type": "noEnd", "startDate": "2025-01-01"}}),
            "dayOfMonth",
        ),
        (
            json!({"pattern": {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 31, "month": 4}, "range": {"type": "noEnd", "startDate": "2025-01-01"}}),
            "does not exist",
        ),
        (
            json!({"pattern": {"type": "relativeYearly", "interval": 1, "daysOfWeek": ["monday"], "month": 13}, "range": {"type": "noEnd", "startDate": "2025-01-01"}}),
            "month",
        ),
        (
            json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "endDate", "startDate": "2025-01-01"}}),
            "endDate",
        ),
        (
            json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "endDate", "startDate": "2025-01-02", "endDate": "2025-01-01"}}),
            "before",
        ),
        (
            json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "numbered", "startDate": "2025-01-01"}}),
            "numberOfOccurrences",
        ),
        (
            json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "noEnd", "startDate": "1/1/2025"}}),
            "startDate",
        ),
        (
            json!({"pattern": {"type": "daily", "interval": 1}}),
            "range",
        ),
    ];
    for (v, word) in bad {
        match refused(v.clone()) {
            CalError::Invalid(m) => assert!(m.contains(word), "{v}: {m}"),
            e => panic!("{v}: {e:?}"),
        }
    }
    let zone = refused(json!({"pattern": {"type": "daily", "interval": 1},
        "range": {"type": "noEnd", "startDate": "2025-01-01", "recurrenceTimeZone": "Mars Standard Time"}}));
    assert_eq!(zone, CalError::TimeZone("Mars Standard Time".into()));
}

#[test]
fn rrules_for_meeting_mail() {
    let cases = [
        (
            json!({"pattern": {"type": "weekly", "interval": 2, "daysOfWeek": ["friday", "monday"], "firstDayOfWeek": "monday"},
                   "range": {"type": "numbered", "startDate": "2025-01-06", "numberOfOccurrences": 5}}),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR;WKST=MO;COUNT=5",
        ),
        (
            json!({"pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["friday"], "index": "last"},
                   "range": {"type": "endDate", "startDate": "2025-01-01", "endDate": "2025-06-30"}}),
            "FREQ=MONTHLY;INTERVAL=1;BYDAY=FR;BYSETPOS=-1;UNTIL=20250630T235959Z",
        ),
        (
            json!({"pattern": {"type": "absoluteYearly", "interval": 1, "dayOfMonth": 15, "month": 4},
                   "range": {"type": "noEnd", "startDate": "2025-04-15"}}),
            "FREQ=YEARLY;INTERVAL=1;BYMONTH=4;BYMONTHDAY=15",
        ),
    ];
    for (v, want) in cases {
        assert_eq!(rec(v).rrule(), want);
    }
}

#[test]
fn dates_beyond_year_9999_are_refused() {
    let e = refused(json!({"pattern": {"type": "daily", "interval": 1},
                           "range": {"type": "noEnd", "startDate": "262000-01-01"}}));
    assert!(matches!(e, CalError::Invalid(_)), "{e:?}");
}
