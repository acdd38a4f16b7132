//! Graph's `patternedRecurrence`: a pattern (how often) and a range (for how
//! long), parsed and checked as Graph checks them, rendered back in Graph's
//! shape, and expanded into the dates on which occurrences start.
//!
//! Expansion works on dates in the recurrence's time zone; the store puts
//! the series' wall-clock start time on each date and converts to UTC, so an
//! occurrence keeps its local time across DST changes.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::CalError;

/// How far one expansion walks: periods (days, weeks, months, years) from
/// the series start. Bounds the work any request can cause.
pub(crate) const MAX_PERIODS: u32 = 100_000;

/// `recurrencePatternType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum PatternKind {
    Daily,
    Weekly,
    AbsoluteMonthly,
    RelativeMonthly,
    AbsoluteYearly,
    RelativeYearly,
}

/// `weekIndex`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum WeekIndex {
    First,
    Second,
    Third,
    Fourth,
    Last,
}

/// `recurrenceRangeType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum RangeKind {
    EndDate,
    NoEnd,
    Numbered,
}

/// `recurrencePattern`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Pattern {
    pub(crate) kind: PatternKind,
    pub(crate) interval: u32,
    pub(crate) days_of_week: Vec<Weekday>,
    pub(crate) first_day_of_week: Weekday,
    pub(crate) index: WeekIndex,
    /// 0 when not given.
    pub(crate) day_of_month: u32,
    /// 0 when not given.
    pub(crate) month: u32,
}

/// `recurrenceRange`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Range {
    pub(crate) kind: RangeKind,
    pub(crate) start_date: NaiveDate,
    pub(crate) end_date: Option<NaiveDate>,
    /// 0 unless numbered.
    pub(crate) number_of_occurrences: u32,
    /// The zone the dates are in (the event's start zone when not given).
    pub(crate) recurrence_time_zone: String,
}

/// `patternedRecurrence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Recurrence {
    pub(crate) pattern: Pattern,
    pub(crate) range: Range,
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("sunday", Weekday::Sun),
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
];

fn invalid(msg: impl Into<String>) -> CalError {
    CalError::Invalid(msg.into())
}

pub(crate) fn weekday_name(d: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(_, w)| *w == d)
        .map(|(n, _)| *n)
        .unwrap_or("sunday")
}

pub(crate) fn parse_weekday(v: &Value, field: &str) -> Result<Weekday, CalError> {
    let s = v.as_str().unwrap_or_default();
    WEEKDAYS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map(|(_, w)| *w)
        .ok_or_else(|| invalid(format!("'{s}' is not a valid value for {field}.")))
}

fn enum_value<T: Copy>(v: &Value, field: &str, table: &[(&str, T)]) -> Result<T, CalError> {
    let s = v.as_str().unwrap_or_default();
    table
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s))
        .map(|(_, t)| *t)
        .ok_or_else(|| invalid(format!("'{s}' is not a valid value for {field}.")))
}

fn kind_name(k: PatternKind) -> &'static str {
    match k {
        PatternKind::Daily => "daily",
        PatternKind::Weekly => "weekly",
        PatternKind::AbsoluteMonthly => "absoluteMonthly",
        PatternKind::RelativeMonthly => "relativeMonthly",
        PatternKind::AbsoluteYearly => "absoluteYearly",
        PatternKind::RelativeYearly => "relativeYearly",
    }
}

fn index_name(i: WeekIndex) -> &'static str {
    match i {
        WeekIndex::First => "first",
        WeekIndex::Second => "second",
        WeekIndex::Third => "third",
        WeekIndex::Fourth => "fourth",
        WeekIndex::Last => "last",
    }
}

fn range_name(k: RangeKind) -> &'static str {
    match k {
        RangeKind::EndDate => "endDate",
        RangeKind::NoEnd => "noEnd",
        RangeKind::Numbered => "numbered",
    }
}

/// A `Date` value (`2025-03-10`); Graph's "no date", `0001-01-01`, is None.
fn parse_date(v: &Value, field: &str) -> Result<Option<NaiveDate>, CalError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => {
            let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| d.year() <= 9999)
                .ok_or_else(|| invalid(format!("'{s}' is not a valid value for {field}.")))?;
            Ok((d.year() > 1).then_some(d))
        }
        _ => Err(invalid(format!("{field} must be a date (yyyy-MM-dd)."))),
    }
}

fn number(v: &Value, field: &str, max: u32) -> Result<u32, CalError> {
    match v {
        Value::Null => Ok(0),
        v => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| *n <= max)
            .ok_or_else(|| invalid(format!("'{v}' is not a valid value for {field}."))),
    }
}

impl Recurrence {
    /// Parse and check a `patternedRecurrence` as Graph does: required
    /// fields per type, every value inside its set even where the type
    /// ignores it. `start_zone` is the event's start zone (the default
    /// `recurrenceTimeZone`); `zone_ok` says whether a zone name is known.
    pub(crate) fn from_json(
        v: &Value,
        start_zone: &str,
        zone_ok: impl Fn(&str) -> bool,
    ) -> Result<Recurrence, CalError> {
        let p = v
            .get("pattern")
            .filter(|p| p.is_object())
            .ok_or_else(|| invalid("The recurrence pattern is missing."))?;
        let r = v
            .get("range")
            .filter(|r| r.is_object())
            .ok_or_else(|| invalid("The recurrence range is missing."))?;
        let get = |o: &Value, k: &str| o.get(k).cloned().unwrap_or(Value::Null);
        let kind = match get(p, "type") {
            Value::Null => return Err(invalid("The recurrence pattern type is missing.")),
            t => enum_value(
                &t,
                "pattern.type",
                &[
                    ("daily", PatternKind::Daily),
                    ("weekly", PatternKind::Weekly),
                    ("absoluteMonthly", PatternKind::AbsoluteMonthly),
                    ("relativeMonthly", PatternKind::RelativeMonthly),
                    ("absoluteYearly", PatternKind::AbsoluteYearly),
                    ("relativeYearly", PatternKind::RelativeYearly),
                ],
            )?,
        };
        let interval = number(&get(p, "interval"), "pattern.interval", 999)?;
        if interval == 0 {
            return Err(invalid(
                "The recurrence pattern interval must be a positive number.",
            ));
        }
        let mut days = Vec::new();
        if let Some(list) = p.get("daysOfWeek").filter(|d| !d.is_null()) {
            let list = list
                .as_array()
                .ok_or_else(|| invalid("pattern.daysOfWeek must be an array."))?;
            for d in list {
                let w = parse_weekday(d, "pattern.daysOfWeek")?;
                if !days.contains(&w) {
                    days.push(w);
                }
            }
        }
        let first_day_of_week = match get(p, "firstDayOfWeek") {
            Value::Null => Weekday::Sun,
            v => parse_weekday(&v, "pattern.firstDayOfWeek")?,
        };
        let index = match get(p, "index") {
            Value::Null => WeekIndex::First,
            v => enum_value(
                &v,
                "pattern.index",
                &[
                    ("first", WeekIndex::First),
                    ("second", WeekIndex::Second),
                    ("third", WeekIndex::Third),
                    ("fourth", WeekIndex::Fourth),
                    ("last", WeekIndex::Last),
                ],
            )?,
        };
        let day_of_month = number(&get(p, "dayOfMonth"), "pattern.dayOfMonth", 31)?;
        let month = number(&get(p, "month"), "pattern.month", 12)?;
        let needs_days = matches!(
            kind,
            PatternKind::Weekly | PatternKind::RelativeMonthly | PatternKind::RelativeYearly
        );
        if needs_days && days.is_empty() {
            return Err(invalid(format!(
                "The recurrence pattern type '{}' requires daysOfWeek.",
                kind_name(kind)
            )));
        }
        if matches!(
            kind,
            PatternKind::AbsoluteMonthly | PatternKind::AbsoluteYearly
        ) && day_of_month == 0
        {
            return Err(invalid(format!(
                "The recurrence pattern type '{}' requires dayOfMonth between 1 and 31.",
                kind_name(kind)
            )));
        }
        if matches!(
            kind,
            PatternKind::AbsoluteYearly | PatternKind::RelativeYearly
        ) && month == 0
        {
            return Err(invalid(format!(
                "The recurrence pattern type '{}' requires month between 1 and 12.",
                kind_name(kind)
            )));
        }
        if kind == PatternKind::AbsoluteYearly
            && NaiveDate::from_ymd_opt(2024, month, day_of_month).is_none()
        {
            return Err(invalid(format!(
                "Day {day_of_month} does not exist in month {month}."
            )));
        }
        let range_kind = match get(r, "type") {
            Value::Null => return Err(invalid("The recurrence range type is missing.")),
            t => enum_value(
                &t,
                "range.type",
                &[
                    ("endDate", RangeKind::EndDate),
                    ("noEnd", RangeKind::NoEnd),
                    ("numbered", RangeKind::Numbered),
                ],
            )?,
        };
        let start_date = parse_date(&get(r, "startDate"), "range.startDate")?
            .ok_or_else(|| invalid("The recurrence range startDate is missing."))?;
        let end_date = parse_date(&get(r, "endDate"), "range.endDate")?;
        let number_of_occurrences = number(
            &get(r, "numberOfOccurrences"),
            "range.numberOfOccurrences",
            u32::MAX,
        )?;
        match range_kind {
            RangeKind::EndDate => match end_date {
                None => return Err(invalid("The recurrence range endDate is missing.")),
                Some(e) if e < start_date => {
                    return Err(invalid(
                        "The recurrence range endDate must not be before its startDate.",
                    ));
                }
                Some(_) => {}
            },
            RangeKind::Numbered if number_of_occurrences == 0 => {
                return Err(invalid(
                    "The recurrence range numberOfOccurrences must be a positive integer.",
                ));
            }
            _ => {}
        }
        let recurrence_time_zone = match get(r, "recurrenceTimeZone") {
            Value::String(z) if !z.trim().is_empty() => {
                if !zone_ok(&z) {
                    return Err(CalError::TimeZone(z));
                }
                z
            }
            _ => start_zone.to_string(),
        };
        Ok(Recurrence {
            pattern: Pattern {
                kind,
                interval,
                days_of_week: days,
                first_day_of_week,
                index,
                day_of_month,
                month,
            },
            range: Range {
                kind: range_kind,
                start_date,
                end_date: if range_kind == RangeKind::EndDate {
                    end_date
                } else {
                    None
                },
                number_of_occurrences: if range_kind == RangeKind::Numbered {
                    number_of_occurrences
                } else {
                    0
                },
                recurrence_time_zone,
            },
        })
    }

    /// Graph's JSON for this recurrence (unset numbers 0, no end date
    /// `0001-01-01`, as Graph answers).
    pub(crate) fn to_json(&self) -> Value {
        let p = &self.pattern;
        let r = &self.range;
        let mut days = p.days_of_week.clone();
        days.sort_by_key(|d| d.num_days_from_sunday());
        json!({
            "pattern": {
                "type": kind_name(p.kind),
                "interval": p.interval,
                "month": p.month,
                "dayOfMonth": p.day_of_month,
                "daysOfWeek": days.iter().map(|d| weekday_name(*d)).collect::<Vec<_>>(),
                "firstDayOfWeek": weekday_name(p.first_day_of_week),
                "index": index_name(p.index),
            },
            "range": {
                "type": range_name(r.kind),
                "startDate": r.start_date.format("%Y-%m-%d").to_string(),
                "endDate": r.end_date.map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_else(|| "0001-01-01".into()),
                "recurrenceTimeZone": r.recurrence_time_zone,
                "numberOfOccurrences": r.number_of_occurrences,
            },
        })
    }

    /// The dates on which occurrences start, in order: those on or after
    /// `from` and on or before `until`, at most `limit` of them. Numbered
    /// ranges count from the series start whatever `from` is.
    pub(crate) fn dates(&self, from: NaiveDate, until: NaiveDate, limit: usize) -> Vec<NaiveDate> {
        let r = &self.range;
        let until = match (r.kind, r.end_date) {
            (RangeKind::EndDate, Some(e)) => until.min(e),
            _ => until,
        };
        let mut out = Vec::new();
        if until < r.start_date || limit == 0 {
            return out;
        }
        let numbered = r.kind == RangeKind::Numbered;
        let mut counted: u64 = 0;
        let first = if numbered { 0 } else { self.period_near(from) };
        for k in first..MAX_PERIODS {
            let dates = self.period_dates(k);
            let Some(first_in_period) = dates.first().copied().or_else(|| self.period_start(k))
            else {
                break;
            };
            if first_in_period > until {
                break;
            }
            for d in dates {
                if d < r.start_date {
                    continue;
                }
                if d > until {
                    return out;
                }
                counted += 1;
                if numbered && counted > u64::from(r.number_of_occurrences) {
                    return out;
                }
                if d >= from {
                    out.push(d);
                    if out.len() >= limit {
                        return out;
                    }
                }
            }
        }
        out
    }

    /// The first date of the series (the start date, or the first date after
    /// it that fits the pattern).
    pub(crate) fn first_date(&self) -> Option<NaiveDate> {
        let far = self.range.start_date + Duration::days(366 * 1000);
        self.dates(self.range.start_date, far, 1).first().copied()
    }

    /// Is `d` one of the series' dates?
    pub(crate) fn occurs_on(&self, d: NaiveDate) -> bool {
        self.dates(d, d, 1).first() == Some(&d)
    }

    /// A period index at or just before the one holding `from` (never past
    /// it), so expansion need not walk from the series start.
    fn period_near(&self, from: NaiveDate) -> u32 {
        let start = self.range.start_date;
        if from <= start {
            return 0;
        }
        let iv = i64::from(self.pattern.interval.max(1));
        let k = match self.pattern.kind {
            PatternKind::Daily => (from - start).num_days() / iv,
            PatternKind::Weekly => (from - week_start(start, self.pattern.first_day_of_week))
                .num_days()
                .div_euclid(7 * iv),
            PatternKind::AbsoluteMonthly | PatternKind::RelativeMonthly => {
                months_between(start, from) / iv
            }
            PatternKind::AbsoluteYearly | PatternKind::RelativeYearly => {
                i64::from(from.year() - start.year()) / iv
            }
        };
        u32::try_from((k - 2).max(0)).unwrap_or(0).min(MAX_PERIODS)
    }

    /// Where period `k` begins, for periods that hold no date.
    fn period_start(&self, k: u32) -> Option<NaiveDate> {
        let (y, m) = self.month_of_period(k)?;
        NaiveDate::from_ymd_opt(y, m, 1)
    }

    /// (year, month) of a monthly or yearly period, counted from the anchor:
    /// the first month (year) on or after the start date that holds a date.
    fn month_of_period(&self, k: u32) -> Option<(i32, u32)> {
        let p = &self.pattern;
        let start = self.range.start_date;
        let step = i64::from(k) * i64::from(p.interval);
        match p.kind {
            PatternKind::AbsoluteMonthly | PatternKind::RelativeMonthly => {
                let anchor = match self.date_in_month(start.year(), start.month()) {
                    Some(d) if d >= start => 0,
                    _ => 1,
                };
                add_months(start.year(), start.month(), anchor + step)
            }
            PatternKind::AbsoluteYearly | PatternKind::RelativeYearly => {
                let anchor = match self.date_in_month(start.year(), p.month) {
                    Some(d) if d >= start => 0,
                    _ => 1,
                };
                let y = i64::from(start.year()) + anchor + step;
                Some((i32::try_from(y).ok()?, p.month))
            }
            _ => None,
        }
    }

    /// The dates of period `k`, in order.
    fn period_dates(&self, k: u32) -> Vec<NaiveDate> {
        let p = &self.pattern;
        let start = self.range.start_date;
        let iv = i64::from(p.interval);
        match p.kind {
            PatternKind::Daily => start
                .checked_add_signed(Duration::days(i64::from(k) * iv))
                .into_iter()
                .collect(),
            PatternKind::Weekly => {
                let Some(ws) = week_start(start, p.first_day_of_week)
                    .checked_add_signed(Duration::weeks(i64::from(k) * iv))
                else {
                    return Vec::new();
                };
                (0..7)
                    .filter_map(|i| ws.checked_add_signed(Duration::days(i)))
                    .filter(|d| p.days_of_week.contains(&d.weekday()))
                    .collect()
            }
            _ => self
                .month_of_period(k)
                .and_then(|(y, m)| self.date_in_month(y, m))
                .into_iter()
                .collect(),
        }
    }

    /// The pattern's date in one month (absolute: the day, or the month's
    /// last day when it is shorter; relative: the n-th, or last, day of the
    /// month that is one of `daysOfWeek`).
    fn date_in_month(&self, y: i32, m: u32) -> Option<NaiveDate> {
        let p = &self.pattern;
        let last = last_day(y, m)?;
        match p.kind {
            PatternKind::AbsoluteMonthly | PatternKind::AbsoluteYearly => {
                NaiveDate::from_ymd_opt(y, m, p.day_of_month.min(last.day()))
            }
            _ => {
                let mut hits = (1..=last.day())
                    .filter_map(|d| NaiveDate::from_ymd_opt(y, m, d))
                    .filter(|d| p.days_of_week.contains(&d.weekday()));
                match p.index {
                    WeekIndex::First => hits.next(),
                    WeekIndex::Second => hits.nth(1),
                    WeekIndex::Third => hits.nth(2),
                    WeekIndex::Fourth => hits.nth(3),
                    WeekIndex::Last => hits.next_back(),
                }
            }
        }
    }
}

/// The first day of the week holding `d`, weeks starting on `first`.
fn week_start(d: NaiveDate, first: Weekday) -> NaiveDate {
    let back = (7 + d.weekday().num_days_from_monday() - first.num_days_from_monday()) % 7;
    d - Duration::days(i64::from(back))
}

fn months_between(a: NaiveDate, b: NaiveDate) -> i64 {
    i64::from(b.year() - a.year()) * 12 + i64::from(b.month()) - i64::from(a.month())
}

fn add_months(y: i32, m: u32, add: i64) -> Option<(i32, u32)> {
    let total = i64::from(y) * 12 + i64::from(m) - 1 + add;
    let y = i32::try_from(total.div_euclid(12)).ok()?;
    let m = u32::try_from(total.rem_euclid(12) + 1).ok()?;
    Some((y, m))
}

fn last_day(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = add_months(y, m, 1)?;
    NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()
}
