//! Graph's recurrence patterns as RFC 5545 RRULEs: each Graph pattern has
//! one RRULE with the same occurrences. Outlook puts "day 31 of every
//! month" on the last day of shorter months, which RFC 5545 spells
//! `BYMONTHDAY=-1` (and day 29 or 30 `BYMONTHDAY=28,29[,30];BYSETPOS=-1`).
//! The other way, RRULE to pattern, is in `pattern.rs`.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendarDay, ICalendarFrequency, ICalendarMonth, ICalendarRecurrenceRule, ICalendarWeekday,
};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use chrono_tz::Tz;

use super::time::{midnight, to_utc};
use crate::graph::{
    DayOfWeek, PatternKind, PatternedRecurrence, RangeKind, RecurrencePattern, WeekIndex,
};

/// The longest interval graphgate writes (Outlook's own limit is 999).
pub(crate) const MAX_INTERVAL: u16 = 999;
/// The most occurrences of a numbered series graphgate writes.
pub(crate) const MAX_COUNT: u32 = 9999;

/// How UNTIL is written: a date (all-day series), the instant of the last
/// day's occurrence in UTC (a series in a zone, RFC 5545 §3.3.10), or a
/// floating time at the end of the last day (for expansion).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Until {
    Date,
    Utc(Tz),
    Floating,
}

pub(crate) fn weekday_of(d: DayOfWeek) -> ICalendarWeekday {
    match d {
        DayOfWeek::Sunday => ICalendarWeekday::Sunday,
        DayOfWeek::Monday => ICalendarWeekday::Monday,
        DayOfWeek::Tuesday => ICalendarWeekday::Tuesday,
        DayOfWeek::Wednesday => ICalendarWeekday::Wednesday,
        DayOfWeek::Thursday => ICalendarWeekday::Thursday,
        DayOfWeek::Friday => ICalendarWeekday::Friday,
        DayOfWeek::Saturday => ICalendarWeekday::Saturday,
    }
}

pub(crate) fn day_of_week(d: ICalendarWeekday) -> DayOfWeek {
    match d {
        ICalendarWeekday::Sunday => DayOfWeek::Sunday,
        ICalendarWeekday::Monday => DayOfWeek::Monday,
        ICalendarWeekday::Tuesday => DayOfWeek::Tuesday,
        ICalendarWeekday::Wednesday => DayOfWeek::Wednesday,
        ICalendarWeekday::Thursday => DayOfWeek::Thursday,
        ICalendarWeekday::Friday => DayOfWeek::Friday,
        ICalendarWeekday::Saturday => DayOfWeek::Saturday,
    }
}

pub(crate) fn day_of_chrono(d: Weekday) -> DayOfWeek {
    match d {
        Weekday::Sun => DayOfWeek::Sunday,
        Weekday::Mon => DayOfWeek::Monday,
        Weekday::Tue => DayOfWeek::Tuesday,
        Weekday::Wed => DayOfWeek::Wednesday,
        Weekday::Thu => DayOfWeek::Thursday,
        Weekday::Fri => DayOfWeek::Friday,
        Weekday::Sat => DayOfWeek::Saturday,
    }
}

fn ordinal_of(i: WeekIndex) -> Option<i16> {
    match i {
        WeekIndex::First => Some(1),
        WeekIndex::Second => Some(2),
        WeekIndex::Third => Some(3),
        WeekIndex::Fourth => Some(4),
        WeekIndex::Last => Some(-1),
        WeekIndex::Unknown => None,
    }
}

pub(crate) fn index_of(n: i64) -> Option<WeekIndex> {
    match n {
        1 => Some(WeekIndex::First),
        2 => Some(WeekIndex::Second),
        3 => Some(WeekIndex::Third),
        4 => Some(WeekIndex::Fourth),
        -1 => Some(WeekIndex::Last),
        _ => None,
    }
}

/// Fewest and most days month `m` has.
pub(crate) fn month_len(m: u8) -> (i32, i32) {
    match m {
        2 => (28, 29),
        4 | 6 | 9 | 11 => (30, 30),
        _ => (31, 31),
    }
}

/// Graph's days, deduplicated, in a fixed order (Sunday first).
fn days(p: &RecurrencePattern) -> Vec<ICalendarWeekday> {
    let mut d: Vec<DayOfWeek> = p.days_of_week.clone();
    d.sort();
    d.dedup();
    d.into_iter().map(weekday_of).collect()
}

fn relative(rule: &mut ICalendarRecurrenceRule, p: &RecurrencePattern) -> Result<(), String> {
    let ord = ordinal_of(p.index.unwrap_or_default())
        .ok_or("the recurrence has an unknown week index")?;
    let d = days(p);
    match d.as_slice() {
        [] => return Err("a relative recurrence has no day of the week".into()),
        [one] => {
            rule.byday = vec![ICalendarDay {
                ordwk: Some(ord),
                weekday: *one,
            }]
        }
        several => {
            rule.byday = several
                .iter()
                .map(|w| ICalendarDay {
                    ordwk: None,
                    weekday: *w,
                })
                .collect();
            rule.bysetpos = vec![i32::from(ord)];
        }
    }
    Ok(())
}

/// Day `d` of a month that may be shorter, the way Outlook places it.
fn absolute_day(
    rule: &mut ICalendarRecurrenceRule,
    d: i32,
    month: Option<u8>,
) -> Result<(), String> {
    let (short, long) = month.map_or((28, 31), month_len);
    if !(1..=31).contains(&d) {
        return Err(format!("the recurrence has day of month {d}"));
    }
    if d <= short {
        rule.bymonthday = vec![i8::try_from(d).unwrap_or(1)];
    } else if d >= long {
        rule.bymonthday = vec![-1];
    } else {
        // Monthly, day 29 or 30: the last of 28..=d that the month has.
        rule.bymonthday = (28..=d).filter_map(|x| i8::try_from(x).ok()).collect();
        rule.bysetpos = vec![-1];
    }
    Ok(())
}

/// The RRULE of a Graph recurrence for a series starting at `start` (its
/// wall-clock time in the series' zone; midnight for all-day series).
pub(crate) fn rule_of(
    rec: &PatternedRecurrence,
    start: NaiveDateTime,
    until: Until,
) -> Result<ICalendarRecurrenceRule, String> {
    let p = &rec.pattern;
    let interval = u16::try_from(p.interval)
        .ok()
        .filter(|i| (1..=MAX_INTERVAL).contains(i))
        .ok_or_else(|| format!("the recurrence has interval {}", p.interval))?;
    let mut rule = ICalendarRecurrenceRule {
        interval: (interval > 1).then_some(interval),
        ..ICalendarRecurrenceRule::default()
    };
    let month = || {
        u8::try_from(p.month)
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| format!("the recurrence has month {}", p.month))
    };
    match p.kind {
        PatternKind::Daily => rule.freq = ICalendarFrequency::Daily,
        PatternKind::Weekly => {
            rule.freq = ICalendarFrequency::Weekly;
            rule.byday = days(p)
                .into_iter()
                .map(|weekday| ICalendarDay {
                    ordwk: None,
                    weekday,
                })
                .collect();
            if rule.byday.is_empty() {
                rule.byday = vec![ICalendarDay {
                    ordwk: None,
                    weekday: weekday_of(day_of_chrono(start.weekday())),
                }];
            }
            rule.wkst = Some(weekday_of(p.first_day_of_week.unwrap_or(DayOfWeek::Sunday)));
        }
        PatternKind::AbsoluteMonthly => {
            rule.freq = ICalendarFrequency::Monthly;
            absolute_day(&mut rule, p.day_of_month, None)?;
        }
        PatternKind::RelativeMonthly => {
            rule.freq = ICalendarFrequency::Monthly;
            relative(&mut rule, p)?;
        }
        PatternKind::AbsoluteYearly => {
            rule.freq = ICalendarFrequency::Yearly;
            let m = month()?;
            rule.bymonth = vec![ICalendarMonth::new(m, false)];
            absolute_day(&mut rule, p.day_of_month, Some(m))?;
        }
        PatternKind::RelativeYearly => {
            rule.freq = ICalendarFrequency::Yearly;
            rule.bymonth = vec![ICalendarMonth::new(month()?, false)];
            relative(&mut rule, p)?;
        }
        PatternKind::Unknown => return Err("the recurrence has an unknown pattern type".into()),
    }
    let r = &rec.range;
    match r.kind {
        RangeKind::NoEnd => {}
        RangeKind::Numbered => {
            let n = u32::try_from(r.number_of_occurrences)
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    format!("the recurrence has {} occurrences", r.number_of_occurrences)
                })?;
            rule.count = Some(n);
        }
        RangeKind::EndDate => {
            let end = r.end_date.ok_or("the recurrence has no end date")?;
            rule.until = Some(until_value(end, start, until));
        }
        RangeKind::Unknown => return Err("the recurrence has an unknown range type".into()),
    }
    Ok(rule)
}

fn until_value(end: NaiveDate, start: NaiveDateTime, form: Until) -> PartialDateTime {
    let date = |d: NaiveDate| PartialDateTime {
        year: u16::try_from(d.year()).ok(),
        month: u8::try_from(d.month()).ok(),
        day: u8::try_from(d.day()).ok(),
        ..PartialDateTime::default()
    };
    match form {
        Until::Date => date(end),
        Until::Utc(tz) => {
            let at = to_utc(end.and_time(start.time()), tz);
            PartialDateTime::from_utc_timestamp(at.timestamp())
        }
        Until::Floating => {
            let last = end.and_hms_opt(23, 59, 59).unwrap_or(midnight(end));
            PartialDateTime::from_naive_timestamp(last.and_utc().timestamp())
        }
    }
}

/// The longest an exception can sit from where the pattern put it: one
/// period (Exchange does not let an occurrence cross its neighbours).
pub(crate) fn margin(p: &RecurrencePattern) -> Duration {
    let n = i64::from(p.interval.clamp(1, i32::from(MAX_INTERVAL)));
    let days = match p.kind {
        PatternKind::Daily => n,
        PatternKind::Weekly => 7 * n,
        PatternKind::AbsoluteMonthly | PatternKind::RelativeMonthly => 31 * n,
        _ => 366 * n,
    };
    Duration::days(days.min(3660) + 1)
}
