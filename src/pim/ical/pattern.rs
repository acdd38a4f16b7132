//! A client's RRULE as a Graph pattern, when one pattern has exactly its
//! occurrences: the forms `rrule.rs` writes, and the few other spellings
//! of the same patterns (a daily rule on weekdays, BYSETPOS for one
//! numbered weekday). Everything else is refused with a sentence; the
//! parser then checks the mapping by expanding both rules.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendarDay, ICalendarFrequency, ICalendarRecurrenceRule, ICalendarWeekday,
};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use super::Refusal;
use super::rrule::{MAX_COUNT, MAX_INTERVAL, day_of_chrono, day_of_week, index_of, month_len};
use super::time::to_local;
use crate::graph::{
    DayOfWeek, PatternKind, PatternedRecurrence, RangeKind, RecurrencePattern, RecurrenceRange,
};

/// What a client's RRULE says, for turning it into a Graph pattern.
pub(crate) struct ClientRule<'a> {
    pub rule: &'a ICalendarRecurrenceRule,
    /// DTSTART's wall-clock time in `zone` (midnight for all-day).
    pub start: NaiveDateTime,
    pub all_day: bool,
    pub zone: Tz,
    /// The Windows name of `zone`, written as `recurrenceTimeZone`.
    pub zone_name: String,
}

fn refuse(s: impl Into<String>) -> Refusal {
    Refusal::object(s)
}

/// The Graph recurrence with exactly the occurrences of the client's rule,
/// or why there is none. The caller still checks by expansion.
pub(crate) fn pattern_of(c: &ClientRule<'_>) -> Result<PatternedRecurrence, Refusal> {
    let r = c.rule;
    let start = c.start;
    if r.rscale.is_some() || r.skip.is_some() {
        return Err(refuse(
            "The RRULE uses RSCALE or SKIP (non-Gregorian calendars); Microsoft 365 repeats \
             events in the Gregorian calendar only.",
        ));
    }
    let redundant_time = (r.byhour.is_empty() || r.byhour == [start.time().hour8()])
        && (r.byminute.is_empty() || r.byminute == [start.time().minute8()])
        && (r.bysecond.is_empty() || r.bysecond == [start.time().second8()]);
    if !redundant_time {
        return Err(refuse(
            "The RRULE repeats the event within a day (BYHOUR, BYMINUTE or BYSECOND); \
             Microsoft 365 repeats an event at most once a day. Make one series per time of day.",
        ));
    }
    if !r.byweekno.is_empty() || !r.byyearday.is_empty() {
        return Err(refuse(
            "The RRULE uses BYWEEKNO or BYYEARDAY, which Microsoft 365 cannot store; repeat by \
             weekday, day of the month or month instead.",
        ));
    }
    let interval = r.interval.unwrap_or(1);
    if interval == 0 || interval > MAX_INTERVAL {
        return Err(refuse(format!(
            "The RRULE has INTERVAL={interval}; Microsoft 365 takes 1 to {MAX_INTERVAL}."
        )));
    }
    let mut p = RecurrencePattern {
        interval: i32::from(interval),
        ..RecurrencePattern::default()
    };
    let weekdays_only = r.byday.iter().all(|d| d.ordwk.is_none());
    let plain_days = || -> Vec<DayOfWeek> {
        let mut v: Vec<DayOfWeek> = r.byday.iter().map(|d| day_of_week(d.weekday)).collect();
        v.sort();
        v.dedup();
        v
    };
    let wkst = day_of_week(r.wkst.unwrap_or(ICalendarWeekday::Monday));
    match r.freq {
        ICalendarFrequency::Daily => {
            if !r.bymonth.is_empty() || !r.bymonthday.is_empty() || !r.bysetpos.is_empty() {
                return Err(refuse(
                    "A daily RRULE with BYMONTH, BYMONTHDAY or BYSETPOS cannot be stored in \
                     Microsoft 365.",
                ));
            }
            if r.byday.is_empty() {
                p.kind = PatternKind::Daily;
            } else if weekdays_only && interval == 1 {
                // Every listed weekday: a weekly pattern with those days.
                p.kind = PatternKind::Weekly;
                p.days_of_week = plain_days();
                p.first_day_of_week = Some(wkst);
            } else {
                return Err(refuse(
                    "A daily RRULE limited to some weekdays can only be stored when it repeats \
                     every day (INTERVAL=1); use FREQ=WEEKLY with those days instead.",
                ));
            }
        }
        ICalendarFrequency::Weekly => {
            if !r.bymonth.is_empty() || !r.bymonthday.is_empty() || !r.bysetpos.is_empty() {
                return Err(refuse(
                    "A weekly RRULE with BYMONTH, BYMONTHDAY or BYSETPOS cannot be stored in \
                     Microsoft 365.",
                ));
            }
            if !weekdays_only {
                return Err(refuse(
                    "A weekly RRULE cannot number its weekdays (BYDAY=2MO).",
                ));
            }
            p.kind = PatternKind::Weekly;
            p.days_of_week = if r.byday.is_empty() {
                vec![day_of_chrono(start.weekday())]
            } else {
                plain_days()
            };
            p.first_day_of_week = Some(wkst);
        }
        ICalendarFrequency::Monthly => {
            if !r.bymonth.is_empty() {
                return Err(refuse(
                    "A monthly RRULE limited to some months (BYMONTH) cannot be stored in \
                     Microsoft 365; use one yearly series per month.",
                ));
            }
            month_part(c, &mut p, None)?;
        }
        ICalendarFrequency::Yearly => {
            let month = match r.bymonth.as_slice() {
                [] => None,
                [m] if !m.is_leap() => Some(m.month()),
                _ => {
                    return Err(refuse(
                        "A yearly RRULE in several months (BYMONTH=1,7) cannot be stored in \
                         Microsoft 365; use one series per month.",
                    ));
                }
            };
            month_part(c, &mut p, Some(month))?;
        }
        _ => {
            return Err(refuse(
                "The RRULE repeats hourly, minutely or secondly; Microsoft 365 repeats an event \
                 at most once a day.",
            ));
        }
    }
    let range = range_of(c, r)?;
    Ok(PatternedRecurrence { pattern: p, range })
}

trait Parts {
    fn hour8(&self) -> u8;
    fn minute8(&self) -> u8;
    fn second8(&self) -> u8;
}

impl Parts for chrono::NaiveTime {
    fn hour8(&self) -> u8 {
        u8::try_from(chrono::Timelike::hour(self)).unwrap_or(0)
    }
    fn minute8(&self) -> u8 {
        u8::try_from(chrono::Timelike::minute(self)).unwrap_or(0)
    }
    fn second8(&self) -> u8 {
        u8::try_from(chrono::Timelike::second(self)).unwrap_or(0)
    }
}

/// The day within the month of a monthly rule (`yearly` = None) or a
/// yearly one (`yearly` = Some(BYMONTH)).
fn month_part(
    c: &ClientRule<'_>,
    p: &mut RecurrencePattern,
    yearly: Option<Option<u8>>,
) -> Result<(), Refusal> {
    let r = c.rule;
    let start = c.start;
    let start_day = i32::try_from(start.day()).unwrap_or(1);
    let start_month = u8::try_from(start.month()).unwrap_or(1);
    let month = yearly.map(|m| m.unwrap_or(start_month));
    if let Some(m) = month {
        p.month = i32::from(m);
    }
    let (short, long) = month.map_or((28, 31), month_len);
    let mut setpos: Vec<i32> = r.bysetpos.clone();
    setpos.sort();
    let mut monthdays: Vec<i8> = r.bymonthday.clone();
    monthdays.sort();
    monthdays.dedup();
    let set_pos_one = match setpos.as_slice() {
        [] => None,
        [n] => Some(i64::from(*n)),
        _ => {
            return Err(refuse(
                "The RRULE has several BYSETPOS values; Microsoft 365 takes one position \
                 (1, 2, 3, 4 or -1).",
            ));
        }
    };
    let named_month = matches!(yearly, None | Some(Some(_)));
    if !r.byday.is_empty() && !monthdays.is_empty() {
        return Err(refuse(
            "The RRULE combines BYDAY and BYMONTHDAY, which Microsoft 365 cannot store.",
        ));
    }
    if !r.byday.is_empty() {
        if !named_month {
            return Err(refuse(
                "A yearly RRULE with BYDAY must name its month (BYMONTH); without it the \
                 weekdays count through the whole year, which Microsoft 365 cannot store.",
            ));
        }
        p.kind = if yearly.is_some() {
            PatternKind::RelativeYearly
        } else {
            PatternKind::RelativeMonthly
        };
        let numbered: Vec<&ICalendarDay> = r.byday.iter().filter(|d| d.ordwk.is_some()).collect();
        match (numbered.as_slice(), r.byday.len(), set_pos_one) {
            ([one], 1, None) => {
                let n = i64::from(one.ordwk.unwrap_or(0));
                p.index = Some(index_of(n).ok_or_else(|| {
                    refuse(format!(
                        "The RRULE asks for weekday number {n} of the month; Microsoft 365 takes \
                         the first to fourth or the last (1 to 4 or -1)."
                    ))
                })?);
                p.days_of_week = vec![day_of_week(one.weekday)];
            }
            ([], _, Some(n)) => {
                p.index = Some(index_of(n).ok_or_else(|| {
                    refuse(format!(
                        "The RRULE has BYSETPOS={n}; Microsoft 365 takes 1, 2, 3, 4 or -1."
                    ))
                })?);
                let mut d: Vec<DayOfWeek> =
                    r.byday.iter().map(|d| day_of_week(d.weekday)).collect();
                d.sort();
                d.dedup();
                p.days_of_week = d;
            }
            ([], _, None) => {
                return Err(refuse(
                    "The RRULE repeats on every such weekday of the month (BYDAY without a \
                     number); Microsoft 365 repeats once a month. Use a weekly series instead.",
                ));
            }
            _ => {
                return Err(refuse(
                    "The RRULE numbers several weekdays (BYDAY=1MO,3MO) or numbers them and \
                     uses BYSETPOS; Microsoft 365 takes one numbered weekday per month.",
                ));
            }
        }
        return Ok(());
    }
    p.kind = if yearly.is_some() {
        PatternKind::AbsoluteYearly
    } else {
        PatternKind::AbsoluteMonthly
    };
    if yearly == Some(None) && !monthdays.is_empty() {
        return Err(refuse(
            "A yearly RRULE with BYMONTHDAY must name its month (BYMONTH); without it the event \
             repeats every month.",
        ));
    }
    let day = match (monthdays.as_slice(), set_pos_one) {
        ([], None) => start_day,
        ([-1], None) => long,
        ([d], None) if *d > 0 => i32::from(*d),
        (run, Some(-1)) if yearly.is_none() && (run == [28, 29] || run == [28, 29, 30]) => {
            i32::from(*run.last().unwrap_or(&28))
        }
        (run, Some(-1)) if yearly.is_none() && run == [28, 29, 30, 31] => 31,
        _ => {
            return Err(refuse(
                "The RRULE names several days of the month, a day counted from the end other \
                 than the last (-1), or uses BYSETPOS with BYMONTHDAY; Microsoft 365 takes one \
                 day of the month.",
            ));
        }
    };
    let explicit_long_form = monthdays.as_slice() == [-1] || set_pos_one == Some(-1);
    if day > short && !explicit_long_form && day <= long {
        let what = match month {
            Some(2) => "29 February falls on 28 February in common years".to_string(),
            Some(_) | None => format!("day {day} falls on the last day of months that are shorter"),
        };
        return Err(refuse(format!(
            "In Microsoft 365 {what}, where this RRULE skips them. Use BYMONTHDAY=-1 for \"the \
             last day\", or a day up to {short}."
        )));
    }
    if !(1..=long).contains(&day) {
        return Err(refuse(format!(
            "The RRULE asks for day {day}, which the month never has."
        )));
    }
    p.day_of_month = day;
    Ok(())
}

/// Graph's range of the client's COUNT or UNTIL.
fn range_of(c: &ClientRule<'_>, r: &ICalendarRecurrenceRule) -> Result<RecurrenceRange, Refusal> {
    let mut range = RecurrenceRange {
        kind: RangeKind::NoEnd,
        start_date: Some(c.start.date()),
        recurrence_time_zone: Some(c.zone_name.clone()),
        ..RecurrenceRange::default()
    };
    match (r.count, &r.until) {
        (Some(_), Some(_)) => {
            return Err(Refusal::data(
                "The RRULE has both COUNT and UNTIL (RFC 5545 allows one).",
            ));
        }
        (Some(n), None) => {
            if n == 0 || n > MAX_COUNT {
                return Err(refuse(format!(
                    "The RRULE has COUNT={n}; Microsoft 365 takes 1 to {MAX_COUNT} occurrences."
                )));
            }
            range.kind = RangeKind::Numbered;
            range.number_of_occurrences = i32::try_from(n).unwrap_or(1);
        }
        (None, Some(until)) => {
            let last = until_local(until, c.zone)
                .ok_or_else(|| Refusal::data("The RRULE's UNTIL is not a valid date or time."))?;
            let end = match last {
                UntilLocal::Date(d) if c.all_day => d,
                UntilLocal::Date(_) => {
                    return Err(Refusal::data(
                        "The RRULE's UNTIL is a date but DTSTART has a time; RFC 5545 wants both \
                         of one kind, and whether that day is included is not clear. Give UNTIL \
                         a time in UTC.",
                    ));
                }
                UntilLocal::Time(t) if c.all_day || t.time() >= c.start.time() => t.date(),
                UntilLocal::Time(t) => t.date() - Duration::days(1),
            };
            if end < c.start.date() {
                return Err(refuse(
                    "The RRULE's UNTIL is before DTSTART, so the series has no occurrence.",
                ));
            }
            range.kind = RangeKind::EndDate;
            range.end_date = Some(end);
        }
        (None, None) => {}
    }
    Ok(range)
}

/// UNTIL as a wall-clock time in the series' zone, or a date.
pub(crate) enum UntilLocal {
    Date(NaiveDate),
    Time(NaiveDateTime),
}

pub(crate) fn until_local(until: &PartialDateTime, zone: Tz) -> Option<UntilLocal> {
    let dt = until.to_date_time()?;
    if !until.has_time() {
        return Some(UntilLocal::Date(dt.date_time.date()));
    }
    Some(UntilLocal::Time(match dt.offset {
        Some(offset) => {
            let at =
                (dt.date_time - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc();
            to_local(at, zone)
        }
        None => dt.date_time,
    }))
}
