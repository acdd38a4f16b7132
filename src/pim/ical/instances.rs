//! What CalDAV's calendar-data returns when a client asks for less or for
//! a different shape than the stored object (RFC 4791 §9.6): `expand`
//! (§9.6.5) turns a series into one VEVENT per instance in a time range,
//! each with RECURRENCE-ID and UTC times, exceptions with their own values
//! and cancelled dates left out; `limit-recurrence-set` (§9.6.6) keeps the
//! master and the exceptions that touch the range; a component and
//! property selection (§9.6.1) is applied last. The input is an object
//! graphgate rendered, and the occurrences come from calcard's expansion,
//! bounded like every other expansion here.

use std::collections::BTreeSet;

use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz as CalTz;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameter,
    ICalendarProperty, ICalendarValue, ICalendarValueType,
};
use chrono::{DateTime, NaiveDate, Utc};

use super::expand::{MAX_OCCURRENCES, floating};
use super::time::midnight;

/// The most instances one object may expand to.
pub const MAX_INSTANCES: usize = MAX_OCCURRENCES;

/// How recurrences are returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrences {
    /// `expand`: one component per instance in [start, end) (Unix seconds).
    Expand { start: i64, end: i64 },
    /// `limit-recurrence-set`: the master and the exceptions that overlap
    /// [start, end) or replace an instance there.
    Limit { start: i64, end: i64 },
}

/// A component selection (`CALDAV:comp` with `prop` / `allprop` and nested
/// `comp` / `allcomp`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Upper-case component name (`VCALENDAR`, `VEVENT`...).
    pub name: String,
    /// `None`: every property (allprop, or no prop named).
    pub props: Option<Vec<String>>,
    /// `None`: every subcomponent (allcomp, or no comp named).
    pub comps: Option<Vec<Selection>>,
}

/// The shape a client asked calendar-data in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    pub recurrences: Option<Recurrences>,
    pub selection: Option<Selection>,
}

/// Why an object cannot be returned in the shape asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("the event has more than {MAX_INSTANCES} occurrences up to the end of the range")]
    TooManyInstances,
    #[error("the stored object cannot be read again: {0}")]
    Unreadable(String),
}

impl Shape {
    /// Whether the object is returned as stored.
    pub fn is_whole(&self) -> bool {
        self.recurrences.is_none() && self.selection.is_none()
    }
}

/// `body` in `shape`.
pub fn shape(body: &str, shape: &Shape) -> Result<String, ShapeError> {
    if shape.is_whole() {
        return Ok(body.to_string());
    }
    let ical =
        ICalendar::parse(body).map_err(|_| ShapeError::Unreadable("not iCalendar".into()))?;
    let ical = match shape.recurrences {
        Some(Recurrences::Expand { start, end }) => expand(&ical, start, end)?,
        Some(Recurrences::Limit { start, end }) => limit(&ical, start, end)?,
        None => ical,
    };
    let ical = match &shape.selection {
        Some(s) => select(&ical, s),
        None => ical,
    };
    Ok(ical.to_string())
}

/// One instance as the expansion found it.
struct Instance {
    /// The component it comes from (the master, an exception, a single).
    comp: usize,
    start: i64,
    end: i64,
    /// The instance it is (None for a non-recurring component).
    rid: Option<i64>,
}

fn is_date(entry: &ICalendarEntry) -> bool {
    match entry.values.first() {
        Some(ICalendarValue::PartialDateTime(dt)) => !dt.has_time(),
        _ => false,
    }
}

fn entry<'a>(c: &'a ICalendarComponent, name: &ICalendarProperty) -> Option<&'a ICalendarEntry> {
    c.entries.iter().find(|e| &e.name == name)
}

/// The instant a time property names (its TZID, else the DTSTART's, read
/// with the object's VTIMEZONEs; floating as UTC).
fn instant(ical: &ICalendar, c: &ICalendarComponent, e: &ICalendarEntry) -> Option<i64> {
    let Some(ICalendarValue::PartialDateTime(dt)) = e.values.first() else {
        return None;
    };
    let resolver = ical.build_tz_resolver().with_default(CalTz::UTC);
    let tzid = e
        .tz_id()
        .or_else(|| entry(c, &ICalendarProperty::Dtstart).and_then(|d| d.tz_id()));
    let tz = resolver.resolve_or_default(tzid);
    Some(dt.to_date_time_with_tz(tz)?.timestamp())
}

/// Every instance of the object up to `end`, in order of start.
fn instances(ical: &ICalendar, end: i64) -> Result<Vec<Instance>, ShapeError> {
    let mut bounded = ical.clone();
    // An endless rule is cut two days after the range (more than any UTC
    // offset), so the expansion stops there.
    let until = end.saturating_add(2 * 86_400);
    for c in &mut bounded.components {
        for e in &mut c.entries {
            if e.name == ICalendarProperty::Rrule
                && let Some(ICalendarValue::RecurrenceRule(rule)) = e.values.first_mut()
                && rule.count.is_none()
                && rule.until.is_none()
            {
                let mut u = PartialDateTime::from_utc_timestamp(until);
                u.tz_hour = None;
                u.tz_minute = None;
                rule.until = Some(u);
            }
        }
    }
    let expanded = bounded.expand_dates(CalTz::UTC, MAX_INSTANCES.saturating_add(1));
    if let Some(e) = expanded.errors.first() {
        return Err(ShapeError::Unreadable(e.error.to_string()));
    }
    if expanded.events.len() > MAX_INSTANCES {
        return Err(ShapeError::TooManyInstances);
    }
    let mut out = Vec::new();
    for e in &expanded.events {
        let comp = e.comp_id as usize;
        let Some(c) = ical.components.get(comp) else {
            continue;
        };
        let (start, end) = e.timestamps();
        let rid = if let Some(r) = entry(c, &ICalendarProperty::RecurrenceId) {
            instant(ical, c, r)
        } else if entry(c, &ICalendarProperty::Rrule).is_some() {
            Some(start)
        } else {
            None
        };
        out.push(Instance {
            comp,
            start,
            end,
            rid,
        });
    }
    out.sort_by_key(|i| (i.start, i.comp));
    Ok(out)
}

/// RFC 4791 §9.9's overlap of an instance with [start, end).
fn overlaps(i: &Instance, start: i64, end: i64) -> bool {
    if i.end > i.start {
        i.start < end && i.end > start
    } else {
        i.start >= start && i.start < end
    }
}

fn date_of(t: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp(t, 0)
        .unwrap_or_default()
        .date_naive()
}

/// A time property: a date when `date`, else UTC.
fn time_entry(name: ICalendarProperty, t: i64, date: bool) -> ICalendarEntry {
    let e = ICalendarEntry::new(name);
    if date {
        e.with_param(ICalendarParameter::value(ICalendarValueType::Date))
            .with_value(floating(midnight(date_of(t)), true))
    } else {
        e.with_value(PartialDateTime::from_utc_timestamp(t))
    }
}

/// A new calendar holding the top-level VCALENDAR's own properties.
fn empty_like(ical: &ICalendar) -> ICalendar {
    let entries = ical
        .components
        .first()
        .map(|c| c.entries.clone())
        .unwrap_or_default();
    ICalendar {
        components: vec![ICalendarComponent {
            component_type: ICalendarComponentType::VCalendar,
            entries,
            component_ids: Vec::new(),
        }],
    }
}

/// Copy component `from` of `src` (with its subcomponents) under `parent`
/// of `dst`; returns its index in `dst`.
fn copy_tree(src: &ICalendar, from: usize, dst: &mut ICalendar, parent: usize) -> usize {
    let Some(c) = src.components.get(from) else {
        return parent;
    };
    let mut copy = c.clone();
    copy.component_ids = Vec::new();
    attach(dst, copy, parent);
    let at = dst.components.len() - 1;
    for child in &c.component_ids {
        copy_tree(src, *child as usize, dst, at);
    }
    at
}

fn attach(dst: &mut ICalendar, c: ICalendarComponent, parent: usize) {
    let id = dst.components.len();
    dst.components.push(c);
    if let (Some(p), Ok(n)) = (dst.components.get_mut(parent), u32::try_from(id)) {
        p.component_ids.push(n);
    }
}

/// The top-level components of `ical` (children of the VCALENDAR).
fn top(ical: &ICalendar) -> Vec<usize> {
    ical.components
        .first()
        .map(|c| c.component_ids.iter().map(|i| *i as usize).collect())
        .unwrap_or_default()
}

fn expand(ical: &ICalendar, start: i64, end: i64) -> Result<ICalendar, ShapeError> {
    let mut out = empty_like(ical);
    let dropped = [
        ICalendarProperty::Rrule,
        ICalendarProperty::Rdate,
        ICalendarProperty::Exdate,
        ICalendarProperty::Exrule,
        ICalendarProperty::RecurrenceId,
        ICalendarProperty::Dtstart,
        ICalendarProperty::Dtend,
        ICalendarProperty::Duration,
    ];
    for i in instances(ical, end)? {
        if !overlaps(&i, start, end) {
            continue;
        }
        let Some(src) = ical.components.get(i.comp) else {
            continue;
        };
        let all_day = entry(src, &ICalendarProperty::Dtstart).is_some_and(is_date);
        let mut times = Vec::new();
        if let Some(rid) = i.rid {
            times.push(time_entry(ICalendarProperty::RecurrenceId, rid, all_day));
        }
        times.push(time_entry(ICalendarProperty::Dtstart, i.start, all_day));
        if i.end > i.start {
            times.push(time_entry(ICalendarProperty::Dtend, i.end, all_day));
        }
        // The times go where DTSTART was (after UID and the stamps).
        let at = src
            .entries
            .iter()
            .take_while(|e| e.name != ICalendarProperty::Dtstart)
            .filter(|e| !dropped.contains(&e.name))
            .count();
        let mut entries: Vec<ICalendarEntry> = src
            .entries
            .iter()
            .filter(|e| !dropped.contains(&e.name))
            .cloned()
            .collect();
        let at = at.min(entries.len());
        for (k, t) in times.into_iter().enumerate() {
            entries.insert(at + k, t);
        }
        attach(
            &mut out,
            ICalendarComponent {
                component_type: src.component_type.clone(),
                entries,
                component_ids: Vec::new(),
            },
            0,
        );
        let here = out.components.len() - 1;
        for child in &src.component_ids {
            copy_tree(ical, *child as usize, &mut out, here);
        }
    }
    keep_zones_in_use(ical, &mut out);
    Ok(out)
}

/// VTIMEZONEs of `src` that some property of `out` still names.
fn keep_zones_in_use(src: &ICalendar, out: &mut ICalendar) {
    let used: BTreeSet<String> = out
        .components
        .iter()
        .flat_map(|c| c.entries.iter())
        .filter_map(|e| e.tz_id().map(str::to_string))
        .collect();
    if used.is_empty() {
        return;
    }
    for i in top(src) {
        let Some(c) = src.components.get(i) else {
            continue;
        };
        if c.component_type == ICalendarComponentType::VTimezone
            && entry(c, &ICalendarProperty::Tzid)
                .and_then(|e| e.values.first())
                .and_then(ICalendarValue::as_text)
                .is_some_and(|id| used.contains(id))
        {
            copy_tree(src, i, out, 0);
        }
    }
}

fn limit(ical: &ICalendar, start: i64, end: i64) -> Result<ICalendar, ShapeError> {
    let mut wanted: BTreeSet<usize> = BTreeSet::new();
    for i in instances(ical, end)? {
        let rid_inside = i.rid.is_some_and(|r| r >= start && r < end);
        if overlaps(&i, start, end) || rid_inside {
            wanted.insert(i.comp);
        }
    }
    let mut out = empty_like(ical);
    for i in top(ical) {
        let Some(c) = ical.components.get(i) else {
            continue;
        };
        let exception = entry(c, &ICalendarProperty::RecurrenceId).is_some();
        if !exception || wanted.contains(&i) {
            copy_tree(ical, i, &mut out, 0);
        }
    }
    Ok(out)
}

/// The components and properties `s` names (RFC 4791 §9.6.1).
fn select(ical: &ICalendar, s: &Selection) -> ICalendar {
    let mut out = ICalendar {
        components: Vec::new(),
    };
    let Some(root) = ical.components.first() else {
        return out;
    };
    if !root.component_type.as_str().eq_ignore_ascii_case(&s.name) {
        // The selection names another root: nothing of this object.
        out.components.push(ICalendarComponent {
            component_type: ICalendarComponentType::VCalendar,
            entries: Vec::new(),
            component_ids: Vec::new(),
        });
        return out;
    }
    select_into(ical, 0, s, &mut out, None);
    out
}

fn select_into(
    ical: &ICalendar,
    from: usize,
    s: &Selection,
    out: &mut ICalendar,
    parent: Option<usize>,
) {
    let Some(c) = ical.components.get(from) else {
        return;
    };
    let entries = match &s.props {
        None => c.entries.clone(),
        Some(names) => c
            .entries
            .iter()
            .filter(|e| {
                names
                    .iter()
                    .any(|n| n.eq_ignore_ascii_case(e.name.as_str()))
            })
            .cloned()
            .collect(),
    };
    let copy = ICalendarComponent {
        component_type: c.component_type.clone(),
        entries,
        component_ids: Vec::new(),
    };
    let here = match parent {
        Some(p) => {
            attach(out, copy, p);
            out.components.len() - 1
        }
        None => {
            out.components.push(copy);
            0
        }
    };
    for child in &c.component_ids {
        let child = *child as usize;
        let Some(cc) = ical.components.get(child) else {
            continue;
        };
        match &s.comps {
            None => {
                copy_tree(ical, child, out, here);
            }
            Some(list) => {
                if let Some(sub) = list
                    .iter()
                    .find(|x| x.name.eq_ignore_ascii_case(cc.component_type.as_str()))
                {
                    select_into(ical, child, sub, out, Some(here));
                }
            }
        }
    }
}
