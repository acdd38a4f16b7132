//! RRULE (RFC 5545 §3.3.10) ↔ Graph's `patternedRecurrence` for To Do.
//! Graph has six patterns (daily, weekly, absolute/relative monthly and
//! yearly) and three ranges (no end, end date, count); a rule outside
//! them is refused rather than approximated.
// TODO(merge): events (`pim::ical`) map the same patterns; keep one mapper.

use calcard::icalendar::{
    ICalendarDay, ICalendarFrequency, ICalendarRecurrenceRule, ICalendarWeekday,
};
use chrono::{Datelike, NaiveDate, Weekday};

use crate::graph::tasks::{PatternedRecurrence, RecurrencePattern, RecurrenceRange};

const DAYS: [(&str, &str, ICalendarWeekday); 7] = [
    ("sunday", "SU", ICalendarWeekday::Sunday),
    ("monday", "MO", ICalendarWeekday::Monday),
    ("tuesday", "TU", ICalendarWeekday::Tuesday),
    ("wednesday", "WE", ICalendarWeekday::Wednesday),
    ("thursday", "TH", ICalendarWeekday::Thursday),
    ("friday", "FR", ICalendarWeekday::Friday),
    ("saturday", "SA", ICalendarWeekday::Saturday),
];

const INDEXES: [(&str, i32); 5] = [
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fourth", 4),
    ("last", -1),
];

fn day_code(graph: &str) -> Option<&'static str> {
    DAYS.iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(graph))
        .map(|(_, code, _)| *code)
}

fn graph_day(day: ICalendarWeekday) -> &'static str {
    DAYS.iter()
        .find(|(_, _, d)| *d == day)
        .map(|(name, _, _)| *name)
        .unwrap_or("monday")
}

fn graph_day_of(date: NaiveDate) -> &'static str {
    match date.weekday() {
        Weekday::Sun => "sunday",
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
    }
}

/// The RRULE value for a Graph recurrence; `None` for a pattern Graph
/// should not have sent.
pub(super) fn rrule(r: &PatternedRecurrence) -> Option<String> {
    let p = &r.pattern;
    let days = || -> Option<String> {
        let codes: Option<Vec<&str>> = p.days_of_week.iter().map(|d| day_code(d)).collect();
        let codes = codes?;
        (!codes.is_empty()).then(|| codes.join(","))
    };
    let setpos = || -> Option<i32> {
        let index = p.index.as_deref().unwrap_or("first");
        INDEXES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(index))
            .map(|(_, n)| *n)
    };
    let mut parts: Vec<String> = Vec::new();
    let kind = p.kind.to_ascii_lowercase();
    let freq = match kind.as_str() {
        "daily" => "DAILY",
        "weekly" => "WEEKLY",
        "absolutemonthly" | "relativemonthly" => "MONTHLY",
        "absoluteyearly" | "relativeyearly" => "YEARLY",
        _ => return None,
    };
    parts.push(format!("FREQ={freq}"));
    if p.interval > 1 {
        parts.push(format!("INTERVAL={}", p.interval));
    }
    match kind.as_str() {
        "weekly" => {
            parts.push(format!("BYDAY={}", days()?));
            if let Some(first) = p.first_day_of_week.as_deref().and_then(day_code) {
                parts.push(format!("WKST={first}"));
            }
        }
        "absolutemonthly" => parts.push(format!("BYMONTHDAY={}", valid(p.day_of_month, 31)?)),
        "relativemonthly" => {
            parts.push(format!("BYDAY={}", days()?));
            parts.push(format!("BYSETPOS={}", setpos()?));
        }
        "absoluteyearly" => {
            parts.push(format!("BYMONTH={}", valid(p.month, 12)?));
            parts.push(format!("BYMONTHDAY={}", valid(p.day_of_month, 31)?));
        }
        "relativeyearly" => {
            parts.push(format!("BYMONTH={}", valid(p.month, 12)?));
            parts.push(format!("BYDAY={}", days()?));
            parts.push(format!("BYSETPOS={}", setpos()?));
        }
        _ => {}
    }
    match r.range.kind.to_ascii_lowercase().as_str() {
        "numbered" if r.range.number_of_occurrences > 0 => {
            parts.push(format!("COUNT={}", r.range.number_of_occurrences))
        }
        "enddate" => {
            let end = r.range.end_date.as_deref()?;
            let end = NaiveDate::parse_from_str(end, "%Y-%m-%d").ok()?;
            parts.push(format!("UNTIL={}", end.format("%Y%m%d")));
        }
        _ => {}
    }
    Some(parts.join(";"))
}

fn valid(n: u32, max: u32) -> Option<u32> {
    (1..=max).contains(&n).then_some(n)
}

/// Graph's recurrence for an RRULE of a task starting (due) on `start`;
/// `Err` says what To Do cannot repeat by.
pub(super) fn recurrence(
    rule: &ICalendarRecurrenceRule,
    start: NaiveDate,
) -> Result<PatternedRecurrence, String> {
    if !rule.bysecond.is_empty() || !rule.byminute.is_empty() || !rule.byhour.is_empty() {
        return Err("times of day (BYHOUR, BYMINUTE, BYSECOND)".into());
    }
    if !rule.byyearday.is_empty() || !rule.byweekno.is_empty() {
        return Err("days or weeks of the year (BYYEARDAY, BYWEEKNO)".into());
    }
    if rule.rscale.is_some() || rule.skip.is_some() {
        return Err("non-Gregorian calendars (RSCALE)".into());
    }
    if rule.bymonth.len() > 1 || rule.bymonthday.len() > 1 || rule.bysetpos.len() > 1 {
        return Err("more than one month, day of the month or position".into());
    }
    let interval = u32::from(rule.interval.unwrap_or(1).max(1));
    let plain_days = || -> Result<Vec<String>, String> {
        rule.byday
            .iter()
            .map(|d| match d.ordwk {
                None => Ok(graph_day(d.weekday).to_string()),
                Some(_) => Err("numbered weekdays in a weekly rule".to_string()),
            })
            .collect()
    };
    let mut pattern = RecurrencePattern {
        interval,
        ..RecurrencePattern::default()
    };
    match rule.freq {
        ICalendarFrequency::Daily if rule.byday.is_empty() && no_month_parts(rule) => {
            pattern.kind = "daily".into();
        }
        // "Every weekday" (FREQ=DAILY;BYDAY=MO,…,FR) is weekly in Graph.
        ICalendarFrequency::Daily if interval == 1 && no_month_parts(rule) => {
            pattern.kind = "weekly".into();
            pattern.days_of_week = plain_days()?;
            pattern.first_day_of_week = Some("monday".into());
        }
        ICalendarFrequency::Weekly if no_month_parts(rule) => {
            pattern.kind = "weekly".into();
            pattern.days_of_week = plain_days()?;
            if pattern.days_of_week.is_empty() {
                pattern.days_of_week = vec![graph_day_of(start).to_string()];
            }
            pattern.first_day_of_week =
                Some(graph_day(rule.wkst.unwrap_or(ICalendarWeekday::Monday)).to_string());
        }
        ICalendarFrequency::Monthly if rule.bymonth.is_empty() => {
            month_part(rule, start, &mut pattern, "Monthly")?;
        }
        ICalendarFrequency::Yearly => {
            pattern.month = match rule.bymonth.first() {
                Some(m) if !m.is_leap() => u32::from(m.month()),
                Some(_) => return Err("leap months".into()),
                None => start.month(),
            };
            month_part(rule, start, &mut pattern, "Yearly")?;
        }
        _ => {
            return Err(format!("this frequency with these parts ({:?})", rule.freq));
        }
    }
    let mut range = RecurrenceRange {
        kind: "noEnd".into(),
        start_date: Some(start.format("%Y-%m-%d").to_string()),
        ..RecurrenceRange::default()
    };
    if let Some(count) = rule.count {
        range.kind = "numbered".into();
        range.number_of_occurrences = count;
    } else if let Some(until) = &rule.until {
        let end = match (until.year, until.month, until.day) {
            (Some(y), Some(m), Some(d)) => {
                NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
            }
            _ => None,
        };
        let end = end.ok_or_else(|| "an UNTIL that is not a date".to_string())?;
        range.kind = "endDate".into();
        range.end_date = Some(end.format("%Y-%m-%d").to_string());
    }
    Ok(PatternedRecurrence { pattern, range })
}

fn no_month_parts(rule: &ICalendarRecurrenceRule) -> bool {
    rule.bymonth.is_empty() && rule.bymonthday.is_empty() && rule.bysetpos.is_empty()
}

/// The day-of-month part of a monthly or yearly rule: a fixed day
/// (absolute) or the nth weekday (relative).
fn month_part(
    rule: &ICalendarRecurrenceRule,
    start: NaiveDate,
    pattern: &mut RecurrencePattern,
    suffix: &str,
) -> Result<(), String> {
    if let Some(day) = rule.bymonthday.first() {
        if !rule.byday.is_empty() || !rule.bysetpos.is_empty() {
            return Err("a day of the month together with weekdays".into());
        }
        if *day < 1 {
            return Err("days counted from the end of the month".into());
        }
        pattern.kind = format!("absolute{suffix}");
        pattern.day_of_month = u32::from(day.unsigned_abs());
        return Ok(());
    }
    if rule.byday.is_empty() {
        pattern.kind = format!("absolute{suffix}");
        pattern.day_of_month = start.day();
        return Ok(());
    }
    // The position: BYSETPOS, or the one ordinal every BYDAY shares.
    let ordinals: Vec<Option<i16>> = rule.byday.iter().map(|d: &ICalendarDay| d.ordwk).collect();
    let position = match (rule.bysetpos.first(), ordinals.first()) {
        (Some(pos), _) if ordinals.iter().all(Option::is_none) => *pos,
        (None, Some(Some(first))) if ordinals.iter().all(|o| *o == Some(*first)) => {
            i32::from(*first)
        }
        _ => return Err("weekdays without one common position".into()),
    };
    let index = INDEXES
        .iter()
        .find(|(_, n)| *n == position)
        .map(|(name, _)| *name)
        .ok_or_else(|| format!("position {position} (To Do has first to fourth, and last)"))?;
    pattern.kind = format!("relative{suffix}");
    pattern.index = Some(index.to_string());
    pattern.days_of_week = rule
        .byday
        .iter()
        .map(|d| graph_day(d.weekday).to_string())
        .collect();
    Ok(())
}
