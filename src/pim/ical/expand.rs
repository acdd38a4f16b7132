//! Occurrences of an RRULE, by calcard's expansion, in wall-clock time:
//! the rule is expanded from a floating DTSTART, so BYDAY and friends
//! count local days, and the caller turns each start into an instant in
//! the series' zone (so a 09:00 meeting stays at 09:00 across DST).

use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz as CalTz;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameter,
    ICalendarProperty, ICalendarRecurrenceRule, ICalendarValueType,
};
use chrono::{Datelike, NaiveDateTime, Timelike};

/// The most occurrences graphgate expands for one series.
pub(crate) const MAX_OCCURRENCES: usize = 20_000;

/// `t` as an iCalendar value without a zone (a date when `all_day`).
pub(crate) fn floating(t: NaiveDateTime, all_day: bool) -> PartialDateTime {
    let mut p = PartialDateTime {
        year: u16::try_from(t.year()).ok(),
        month: u8::try_from(t.month()).ok(),
        day: u8::try_from(t.day()).ok(),
        ..PartialDateTime::default()
    };
    if !all_day {
        p.hour = u8::try_from(t.hour()).ok();
        p.minute = u8::try_from(t.minute()).ok();
        p.second = u8::try_from(t.second()).ok();
    }
    p
}

/// The starts of `rule` from `start` (wall-clock; midnight for all-day),
/// in order, up to and including `until` if given, at most `max` of them;
/// more than `max` before `until` is an error, not a silent cut. A start
/// that does not fit the rule is not an occurrence (as Graph reads its
/// patterns).
pub(crate) fn occurrences(
    rule: &ICalendarRecurrenceRule,
    start: NaiveDateTime,
    all_day: bool,
    until: Option<NaiveDateTime>,
    max: usize,
) -> Result<Vec<NaiveDateTime>, String> {
    let out = expand(rule, start, all_day, until, max.saturating_add(1))?;
    if out.len() > max {
        return Err(format!(
            "the series has more than {max} occurrences in the period graphgate reads"
        ));
    }
    Ok(out)
}

/// The first `n` starts of `rule` (fewer if it ends sooner).
pub(crate) fn first_occurrences(
    rule: &ICalendarRecurrenceRule,
    start: NaiveDateTime,
    all_day: bool,
    n: usize,
) -> Result<Vec<NaiveDateTime>, String> {
    let mut out = expand(rule, start, all_day, None, n)?;
    out.truncate(n);
    Ok(out)
}

fn expand(
    rule: &ICalendarRecurrenceRule,
    start: NaiveDateTime,
    all_day: bool,
    until: Option<NaiveDateTime>,
    limit: usize,
) -> Result<Vec<NaiveDateTime>, String> {
    let mut rule = rule.clone();
    // Bound an endless rule by `until` so the expansion stops there.
    if rule.count.is_none()
        && rule.until.is_none()
        && let Some(u) = until
    {
        rule.until = Some(floating(u, false));
    }
    let mut dtstart = ICalendarEntry::new(ICalendarProperty::Dtstart);
    if all_day {
        dtstart = dtstart.with_param(ICalendarParameter::value(ICalendarValueType::Date));
    }
    let event = ICalendarComponent {
        component_type: ICalendarComponentType::VEvent,
        entries: vec![
            dtstart.with_value(floating(start, all_day)),
            ICalendarEntry::new(ICalendarProperty::Rrule).with_value(rule),
        ],
        component_ids: Vec::new(),
    };
    let calendar = ICalendar {
        components: vec![
            ICalendarComponent {
                component_type: ICalendarComponentType::VCalendar,
                entries: Vec::new(),
                component_ids: vec![1],
            },
            event,
        ],
    };
    let expanded = calendar.expand_dates(CalTz::Floating, limit);
    if let Some(e) = expanded.errors.first() {
        return Err(format!("the recurrence cannot be expanded ({})", e.error));
    }
    let mut out: Vec<NaiveDateTime> = expanded
        .events
        .iter()
        .map(|e| e.start.naive_local())
        .filter(|t| until.is_none_or(|u| *t <= u))
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use calcard::icalendar::{ICalendarDay, ICalendarFrequency, ICalendarWeekday};

    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn last_friday_of_the_month_in_wall_clock_time() {
        let rule = ICalendarRecurrenceRule {
            freq: ICalendarFrequency::Monthly,
            byday: vec![ICalendarDay {
                ordwk: Some(-1),
                weekday: ICalendarWeekday::Friday,
            }],
            count: Some(3),
            ..ICalendarRecurrenceRule::default()
        };
        let got = occurrences(&rule, t("2025-01-31T16:00"), false, None, 10).unwrap();
        assert_eq!(
            got,
            vec![
                t("2025-01-31T16:00"),
                t("2025-02-28T16:00"),
                t("2025-03-28T16:00")
            ]
        );
    }

    #[test]
    fn a_start_off_the_rule_is_not_an_occurrence_and_bounds_hold() {
        let rule = ICalendarRecurrenceRule {
            freq: ICalendarFrequency::Weekly,
            byday: vec![ICalendarDay {
                ordwk: None,
                weekday: ICalendarWeekday::Monday,
            }],
            ..ICalendarRecurrenceRule::default()
        };
        // 2025-01-07 is a Tuesday.
        let got = occurrences(
            &rule,
            t("2025-01-07T09:00"),
            false,
            Some(t("2025-01-31T00:00")),
            10,
        )
        .unwrap();
        assert_eq!(got.first(), Some(&t("2025-01-13T09:00")));
        assert_eq!(got.len(), 3);
        assert!(
            occurrences(
                &rule,
                t("2025-01-07T09:00"),
                false,
                Some(t("2026-01-31T00:00")),
                10
            )
            .is_err()
        );
    }
}
