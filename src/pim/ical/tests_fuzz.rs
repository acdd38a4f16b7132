//! Generated inputs: parsing never panics on garbage or on a valid object
//! with one value replaced, and every Graph pattern (in several zones,
//! timed or all-day) renders to a VCALENDAR that parses back to the same
//! pattern and range.

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use serde_json::json;

use super::tests_support::*;
use super::{Series, parse, render};
use crate::graph::RangeKind;
use crate::pim::zones::Zones;

const DAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];
const INDEX: [&str; 5] = ["first", "second", "third", "fourth", "last"];
const ZONES: [&str; 4] = [
    "W. Europe Standard Time",
    "Eastern Standard Time",
    "AUS Eastern Standard Time",
    "UTC",
];

fn pattern() -> impl Strategy<Value = serde_json::Value> {
    (
        0usize..6,
        1i32..4,
        proptest::collection::btree_set(0usize..7, 1..4),
        0usize..5,
        1i32..32,
        1i32..13,
    )
        .prop_map(|(kind, interval, days, index, day, month)| {
            let days: Vec<&str> = days.into_iter().map(|d| DAYS[d]).collect();
            let day = if month == 2 { day.min(29) } else { day };
            match kind {
                0 => json!({"type": "daily", "interval": interval}),
                1 => json!({"type": "weekly", "interval": interval, "daysOfWeek": days, "firstDayOfWeek": "monday"}),
                2 => json!({"type": "absoluteMonthly", "interval": interval, "dayOfMonth": day}),
                3 => json!({"type": "relativeMonthly", "interval": interval, "daysOfWeek": days, "index": INDEX[index]}),
                4 => json!({"type": "absoluteYearly", "interval": 1, "month": month, "dayOfMonth": day.min(if [4, 6, 9, 11].contains(&month) { 30 } else { 31 })}),
                _ => json!({"type": "relativeYearly", "interval": 1, "month": month, "daysOfWeek": days, "index": INDEX[index]}),
            }
        })
}

fn range() -> impl Strategy<Value = (u8, i32, i64)> {
    (0u8..3, 1i32..30, 30i64..900)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn parsing_garbage_never_panics(text in "(BEGIN:V(CALENDAR|EVENT|ALARM|TIMEZONE)\r\n|END:V(CALENDAR|EVENT)\r\n|(DTSTART|DTEND|RRULE|EXDATE|RECURRENCE-ID|UID|ATTENDEE|DURATION|TRIGGER)[;:=A-Z0-9/TZ,+-]{0,40}\r\n){0,40}") {
        let zones = Zones::new();
        let _ = parse(&text, &context(&zones));
    }

    #[test]
    fn a_replaced_value_never_panics(which in 0usize..6, value in "[A-Z0-9;=,:+/-]{0,60}") {
        let zones = Zones::new();
        let mut lines = [
            "DTSTART;TZID=Europe/Berlin:20250106T090000".to_string(),
            "DTEND;TZID=Europe/Berlin:20250106T093000".to_string(),
            "RRULE:FREQ=WEEKLY;BYDAY=MO".to_string(),
            "EXDATE;TZID=Europe/Berlin:20250120T090000".to_string(),
            "BEGIN:VALARM\r\nTRIGGER:-PT5M\r\nEND:VALARM".to_string(),
            "ATTENDEE:mailto:bob@contoso.test".to_string(),
        ];
        let name = lines[which].split([':', ';']).next().unwrap_or("X").to_string();
        lines[which] = format!("{name}{value}");
        let body: String = lines.iter().map(|l| format!("{l}\r\n")).collect();
        let _ = parse(&vevent(&body), &context(&zones));
    }

    #[test]
    fn every_graph_pattern_parses_back_to_itself(
        p in pattern(),
        (range_kind, count, end_days) in range(),
        zone in 0usize..4,
        all_day in any::<bool>(),
        start_day in 0i64..400,
    ) {
        let zones = Zones::new();
        let zone_name = ZONES[zone];
        let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + Duration::days(start_day);
        let r = match range_kind {
            0 => json!({"type": "noEnd"}),
            1 => json!({"type": "numbered", "numberOfOccurrences": count}),
            _ => json!({"type": "endDate", "endDate": (start + Duration::days(end_days)).to_string()}),
        };
        let mut r = r;
        r["startDate"] = json!(start.to_string());
        r["recurrenceTimeZone"] = json!(zone_name);
        let (s, e) = if all_day {
            (format!("{start}T00:00:00"), format!("{}T00:00:00", start + Duration::days(1)))
        } else {
            (format!("{start}T11:30:00"), format!("{start}T12:15:00"))
        };
        let master = graph_event("P", &s, &e, json!({
            "type": "seriesMaster", "isAllDay": all_day,
            "originalStartTimeZone": zone_name, "originalEndTimeZone": zone_name,
            "recurrence": {"pattern": p.clone(), "range": r},
        }));
        let horizon = chrono::DateTime::parse_from_rfc3339("2027-06-01T00:00:00Z").unwrap().with_timezone(&chrono::Utc);
        let Ok(series) = Series::assemble(master, &[], vec![], horizon, berlin()) else {
            // Patterns that never occur (30 February) are not rendered.
            return Ok(());
        };
        if series.cancelled.is_empty() {
            // No occurrence before the horizon: nothing to compare.
            return Ok(());
        }
        let text = render(&series, None, OWNER).unwrap();
        let obj = parse(&text, &context(&zones)).unwrap_or_else(|r| panic!("{r}\n{text}"));
        let back = obj.master.event.recurrence.clone().flatten().unwrap();
        let want = series.master.recurrence.clone().unwrap();
        let (mut a, b) = (want.pattern.clone(), back.pattern.clone());
        a.days_of_week.sort();
        prop_assert_eq!((a.kind, a.interval, a.day_of_month, a.month), (b.kind, b.interval, b.day_of_month, b.month), "{}", text);
        if !a.days_of_week.is_empty() {
            prop_assert_eq!(&a.days_of_week, &b.days_of_week);
        }
        prop_assert_eq!(want.range.kind, back.range.kind);
        if want.range.kind == RangeKind::Numbered {
            prop_assert_eq!(want.range.number_of_occurrences, back.range.number_of_occurrences);
        }
        if want.range.kind == RangeKind::EndDate {
            prop_assert_eq!(want.range.end_date, back.range.end_date);
        }
        prop_assert_eq!(obj.exdates, series.cancelled);
    }
}
