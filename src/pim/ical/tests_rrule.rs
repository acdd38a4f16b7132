//! Graph patterns to RRULE and back: every pattern comes back as itself,
//! and Outlook's "day 31 is the last day of shorter months" is kept.

use chrono::NaiveDateTime;
use serde_json::json;

use super::expand::occurrences;
use super::pattern::{ClientRule, pattern_of};
use super::rrule::{Until, rule_of};
use super::tests_support::*;
use crate::graph::{PatternedRecurrence, RangeKind};

fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

fn rec(v: serde_json::Value) -> PatternedRecurrence {
    serde_json::from_value(v).unwrap()
}

#[test]
fn every_pattern_comes_back_from_its_rrule() {
    let cases = [
        (
            "2025-01-06T09:00",
            json!({"type": "daily", "interval": 3}),
            json!({"type": "noEnd"}),
            "FREQ=DAILY;INTERVAL=3",
        ),
        (
            "2025-01-06T09:00",
            json!({"type": "weekly", "interval": 2, "daysOfWeek": ["friday", "monday", "wednesday"], "firstDayOfWeek": "sunday"}),
            json!({"type": "numbered", "numberOfOccurrences": 5}),
            "FREQ=WEEKLY;COUNT=5;INTERVAL=2;BYDAY=MO,WE,FR;WKST=SU",
        ),
        (
            "2025-01-15T09:00",
            json!({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 15}),
            json!({"type": "noEnd"}),
            "FREQ=MONTHLY;BYMONTHDAY=15",
        ),
        (
            "2025-01-29T09:00",
            json!({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 29}),
            json!({"type": "noEnd"}),
            "FREQ=MONTHLY;BYMONTHDAY=28,29;BYSETPOS=-1",
        ),
        (
            "2025-01-31T09:00",
            json!({"type": "absoluteMonthly", "interval": 2, "dayOfMonth": 31}),
            json!({"type": "noEnd"}),
            "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=-1",
        ),
        (
            "2025-01-14T09:00",
            json!({"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["tuesday"], "index": "second"}),
            json!({"type": "endDate", "endDate": "2025-06-30"}),
            "FREQ=MONTHLY;UNTIL=20250630T070000Z;BYDAY=2TU",
        ),
        (
            "2025-01-01T09:00",
            json!({"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"], "index": "first"}),
            json!({"type": "noEnd"}),
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1",
        ),
        (
            "2024-02-29T09:00",
            json!({"type": "absoluteYearly", "interval": 1, "month": 2, "dayOfMonth": 29}),
            json!({"type": "noEnd"}),
            "FREQ=YEARLY;BYMONTHDAY=-1;BYMONTH=2",
        ),
        (
            "2025-03-30T09:00",
            json!({"type": "relativeYearly", "interval": 1, "month": 3, "daysOfWeek": ["sunday"], "index": "last"}),
            json!({"type": "numbered", "numberOfOccurrences": 4}),
            "FREQ=YEARLY;COUNT=4;BYDAY=-1SU;BYMONTH=3",
        ),
    ];
    for (start, pattern, range, rrule) in cases {
        let start = t(start);
        let mut range = range;
        range["startDate"] = json!(start.date().to_string());
        range["recurrenceTimeZone"] = json!("W. Europe Standard Time");
        let graph = rec(json!({"pattern": pattern, "range": range}));
        let rule = rule_of(&graph, start, Until::Utc(berlin())).unwrap();
        assert_eq!(rule.to_string(), rrule);
        let back = pattern_of(&ClientRule {
            rule: &rule,
            start,
            all_day: false,
            zone: berlin(),
            zone_name: "W. Europe Standard Time".into(),
        })
        .unwrap_or_else(|r| panic!("{rrule}: {r}"));
        let (mut a, b) = (graph.pattern.clone(), &back.pattern);
        a.days_of_week.sort();
        assert_eq!(
            (a.kind, a.interval, &a.days_of_week, a.day_of_month, a.month),
            (b.kind, b.interval, &b.days_of_week, b.day_of_month, b.month),
            "{rrule}"
        );
        if !a.days_of_week.is_empty() && graph.pattern.kind != crate::graph::PatternKind::Weekly {
            assert_eq!(a.index, b.index, "{rrule}");
        }
        assert_eq!(graph.range.kind, back.range.kind, "{rrule}");
        assert_eq!(
            graph.range.number_of_occurrences,
            back.range.number_of_occurrences
        );
        if graph.range.kind == RangeKind::EndDate {
            assert_eq!(graph.range.end_date, back.range.end_date, "{rrule}");
        }
    }
}

#[test]
fn day_31_falls_on_the_last_day_of_shorter_months() {
    let graph = rec(json!({
        "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
        "range": {"type": "numbered", "numberOfOccurrences": 4, "startDate": "2025-01-31"}}));
    let rule = rule_of(&graph, t("2025-01-31T09:00"), Until::Floating).unwrap();
    let got = occurrences(&rule, t("2025-01-31T09:00"), false, None, 10).unwrap();
    assert_eq!(
        got,
        vec![
            t("2025-01-31T09:00"),
            t("2025-02-28T09:00"),
            t("2025-03-31T09:00"),
            t("2025-04-30T09:00")
        ]
    );
    let graph = rec(json!({
        "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 30},
        "range": {"type": "numbered", "numberOfOccurrences": 3, "startDate": "2024-01-30"}}));
    let rule = rule_of(&graph, t("2024-01-30T09:00"), Until::Floating).unwrap();
    let got = occurrences(&rule, t("2024-01-30T09:00"), false, None, 10).unwrap();
    assert_eq!(
        got,
        vec![
            t("2024-01-30T09:00"),
            t("2024-02-29T09:00"),
            t("2024-03-30T09:00")
        ]
    );
}

#[test]
fn unknown_or_broken_patterns_are_not_rendered() {
    for bad in [
        json!({"pattern": {"type": "weekly", "interval": 0, "daysOfWeek": ["monday"]}, "range": {"type": "noEnd"}}),
        json!({"pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 32}, "range": {"type": "noEnd"}}),
        json!({"pattern": {"type": "relativeMonthly", "interval": 1, "daysOfWeek": [], "index": "first"}, "range": {"type": "noEnd"}}),
        json!({"pattern": {"type": "absoluteYearly", "interval": 1, "month": 13, "dayOfMonth": 1}, "range": {"type": "noEnd"}}),
        json!({"pattern": {"type": "fortnightly", "interval": 1}, "range": {"type": "noEnd"}}),
        json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "numbered", "numberOfOccurrences": 0}}),
        json!({"pattern": {"type": "daily", "interval": 1}, "range": {"type": "endDate"}}),
    ] {
        assert!(
            rule_of(&rec(bad.clone()), t("2025-01-06T09:00"), Until::Floating).is_err(),
            "{bad}"
        );
    }
}
