//! A series as one VCALENDAR: the master (or single event) with RRULE and
//! EXDATEs, one VEVENT per exception with RECURRENCE-ID and the same UID,
//! times in the series' zone with a VTIMEZONE for each zone used (dates
//! for all-day events), and the properties of docs/caldav.md. The output
//! depends only on the series (no clock is read), so a hash of it serves
//! as the resource's ETag.

use std::collections::BTreeMap;

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarAction, ICalendarComponent, ICalendarComponentType, ICalendarDuration,
    ICalendarEntry, ICalendarParameter, ICalendarProperty, ICalendarStatus, ICalendarValue,
    ICalendarValueType, Uri,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::expand::floating;
use super::props::{
    BUSY_STATUS, DISALLOW_COUNTER, busy_status_of, class_of, partstat_of_response, priority_of,
    role_of, transp_of,
};
use super::rrule::{Until, rule_of};
use super::series::{Series, local_start};
use super::terms::PRODID;
use super::time::{Moment, date_of, instant_of, midnight, to_local};
use crate::graph::{Event, ResponseType};
use crate::pim::zones;

/// Graph gave a series graphgate cannot show faithfully.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Microsoft 365 gave an event graphgate cannot show: {0}")]
pub struct RenderError(pub String);

/// How times are written.
#[derive(Debug, Clone, Copy)]
enum Form {
    Date,
    Utc,
    Zoned(Tz),
}

fn form_of(tz: Tz) -> Form {
    if zones::is_utc(tz) {
        Form::Utc
    } else {
        Form::Zoned(tz)
    }
}

struct Builder {
    cal: ICalendar,
    /// Zones used, by name, and the instants they must cover.
    zones: BTreeMap<String, (i64, i64)>,
    owner: String,
}

impl Builder {
    fn add(&mut self, parent: usize, component: ICalendarComponent) -> usize {
        let id = self.cal.components.len();
        self.cal.components.push(component);
        if let (Some(p), Ok(n)) = (self.cal.components.get_mut(parent), u32::try_from(id)) {
            p.component_ids.push(n);
        }
        id
    }

    fn cover(&mut self, tz: Tz, at: i64) {
        let e = self.zones.entry(tz.name().to_string()).or_insert((at, at));
        e.0 = e.0.min(at);
        e.1 = e.1.max(at);
    }

    /// A time property: a date, an instant in UTC, or a wall-clock time
    /// with TZID.
    fn time(&mut self, prop: ICalendarProperty, at: Moment, form: Form) -> ICalendarEntry {
        let entry = ICalendarEntry::new(prop);
        match (at, form) {
            (Moment::Date(d), _) => entry
                .with_param(ICalendarParameter::value(ICalendarValueType::Date))
                .with_value(floating(midnight(d), true)),
            (Moment::At(t), Form::Zoned(tz)) => {
                self.cover(tz, t.timestamp());
                entry
                    .with_param(ICalendarParameter::tzid(tz.name().to_string()))
                    .with_value(floating(to_local(t, tz), false))
            }
            (Moment::At(t), Form::Utc | Form::Date) => {
                entry.with_value(PartialDateTime::from_utc_timestamp(t.timestamp()))
            }
        }
    }
}

fn stamp(at: DateTime<Utc>) -> PartialDateTime {
    PartialDateTime::from_utc_timestamp(at.timestamp())
}

/// Text as iCalendar holds it: line breaks as LF (the writer escapes them).
fn text(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

fn mailto(address: &str) -> ICalendarValue {
    ICalendarValue::Uri(Uri::Location(format!("mailto:{address}")))
}

fn other(name: &str, value: &str) -> ICalendarEntry {
    ICalendarEntry::new(ICalendarProperty::Other(name.to_string())).with_value(value.to_string())
}

/// The start and end of `e` as moments, and how to write them.
fn times(e: &Event, zone: Tz, own_zone: bool) -> Result<(Moment, Moment, Form, Form), RenderError> {
    let bad = || RenderError("an event has no readable start or end".into());
    let (start, end) = (
        e.start.as_ref().ok_or_else(bad)?,
        e.end.as_ref().ok_or_else(bad)?,
    );
    if e.is_all_day {
        let s = date_of(start, zone).ok_or_else(bad)?;
        let en = date_of(end, zone).ok_or_else(bad)?;
        let en = if en > s { en } else { s + Duration::days(1) };
        return Ok((Moment::Date(s), Moment::Date(en), Form::Date, Form::Date));
    }
    let s = instant_of(start).ok_or_else(bad)?;
    let en = instant_of(end).ok_or_else(bad)?.max(s);
    let zone_of = |name: &Option<String>| {
        own_zone
            .then(|| name.as_deref().and_then(zones::from_name))
            .flatten()
            .unwrap_or(zone)
    };
    let start_zone = zone_of(&e.original_start_time_zone);
    let end_zone = e
        .original_end_time_zone
        .as_deref()
        .and_then(zones::from_name)
        .unwrap_or(start_zone);
    Ok((
        Moment::At(s),
        Moment::At(en),
        form_of(start_zone),
        form_of(end_zone),
    ))
}

/// A VCALENDAR with its VERSION and PRODID and nothing in it yet.
fn empty_calendar() -> ICalendar {
    ICalendar {
        components: vec![ICalendarComponent {
            component_type: ICalendarComponentType::VCalendar,
            entries: vec![
                ICalendarEntry::new(ICalendarProperty::Version).with_value("2.0"),
                ICalendarEntry::new(ICalendarProperty::Prodid).with_value(PRODID),
            ],
            component_ids: Vec::new(),
        }],
    }
}

/// A VCALENDAR holding only the VTIMEZONE of `tz` (CALDAV:calendar-timezone,
/// RFC 4791 §5.2.2), covering last year to two years ahead.
pub fn zone_calendar(tz: Tz, now: DateTime<Utc>) -> String {
    let mut cal = empty_calendar();
    let start_of =
        |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).map_or(0, |d| midnight(d).and_utc().timestamp());
    let year = now.year();
    cal.add_timezone(tz.name(), start_of(year - 1), start_of(year + 3));
    cal.to_string()
}

/// Render `series` as a VCALENDAR. `uid` is the client's UID when the
/// caller keeps one (Graph cannot store it); otherwise the master's
/// `iCalUId`. `owner` is the mailbox's address (their answer to a meeting
/// they did not organise comes from `responseStatus`).
pub fn render(series: &Series, uid: Option<&str>, owner: &str) -> Result<String, RenderError> {
    let master = &series.master;
    let uid = uid
        .map(str::to_string)
        .or_else(|| master.ical_uid.clone())
        .unwrap_or_else(|| master.id.clone());
    let mut b = Builder {
        cal: empty_calendar(),
        zones: BTreeMap::new(),
        owner: owner.to_ascii_lowercase(),
    };
    let master_id = vevent(&mut b, series, master, &uid, None)?;
    if series.is_recurring()
        && let Some(rec) = &master.recurrence
    {
        let start = local_start(master, series.zone).map_err(|e| RenderError(e.0))?;
        let form = if master.is_all_day {
            Until::Date
        } else {
            Until::Utc(series.zone)
        };
        let rule = rule_of(rec, start, form).map_err(RenderError)?;
        if let Some(t) = rule.until.as_ref().and_then(PartialDateTime::to_timestamp)
            && !master.is_all_day
            && !zones::is_utc(series.zone)
        {
            b.cover(series.zone, t);
        }
        let series_form = if master.is_all_day {
            Form::Date
        } else {
            form_of(series.zone)
        };
        let mut entries = vec![ICalendarEntry::new(ICalendarProperty::Rrule).with_value(rule)];
        for m in &series.cancelled {
            entries.push(b.time(ICalendarProperty::Exdate, *m, series_form));
        }
        // After DTSTART/DTEND (the first entries written after the stamps).
        if let Some(c) = b.cal.components.get_mut(master_id) {
            let at = c
                .entries
                .iter()
                .position(|e| e.name == ICalendarProperty::Dtend)
                .map_or(c.entries.len(), |p| p + 1);
            for (i, e) in entries.into_iter().enumerate() {
                c.entries.insert(at + i, e);
            }
        }
        for x in &series.exceptions {
            if let Some(original) = x.original_start {
                vevent(&mut b, series, x, &uid, Some(series.moment_of(original)))?;
            }
        }
    }
    let zones_used: Vec<(String, (i64, i64))> = b.zones.clone().into_iter().collect();
    for (name, (from, to)) in zones_used {
        let year = |t: i64| Utc.timestamp_opt(t, 0).single().map_or(2000, |d| d.year());
        let start_of = |y: i32| {
            NaiveDate::from_ymd_opt(y, 1, 1).map_or(0, |d| midnight(d).and_utc().timestamp())
        };
        let from = start_of(year(from)) - 86_400;
        let to = start_of(year(to).saturating_add(2));
        b.cal.add_timezone(&name, from, to);
    }
    Ok(b.cal.to_string())
}

/// One VEVENT for `e` (the master when `recurrence_id` is None).
fn vevent(
    b: &mut Builder,
    series: &Series,
    e: &Event,
    uid: &str,
    recurrence_id: Option<Moment>,
) -> Result<usize, RenderError> {
    let master = &series.master;
    let (start, end, start_form, end_form) = times(e, series.zone, recurrence_id.is_some())?;
    let series_form = if master.is_all_day {
        Form::Date
    } else {
        form_of(series.zone)
    };
    let mut c = ICalendarComponent::new(ICalendarComponentType::VEvent);
    c.entries
        .push(ICalendarEntry::new(ICalendarProperty::Uid).with_value(uid.to_string()));
    let modified = e
        .last_modified_date_time
        .or(master.last_modified_date_time)
        .or(e.created_date_time)
        .or(master.created_date_time)
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    c.entries
        .push(ICalendarEntry::new(ICalendarProperty::Dtstamp).with_value(stamp(modified)));
    if let Some(t) = e.created_date_time {
        c.entries
            .push(ICalendarEntry::new(ICalendarProperty::Created).with_value(stamp(t)));
    }
    if let Some(t) = e.last_modified_date_time {
        c.entries
            .push(ICalendarEntry::new(ICalendarProperty::LastModified).with_value(stamp(t)));
    }
    if let Some(rid) = recurrence_id {
        c.entries
            .push(b.time(ICalendarProperty::RecurrenceId, rid, series_form));
    }
    c.entries
        .push(b.time(ICalendarProperty::Dtstart, start, start_form));
    c.entries
        .push(b.time(ICalendarProperty::Dtend, end, end_form));
    let subject = e.subject.clone().unwrap_or_default();
    c.entries
        .push(ICalendarEntry::new(ICalendarProperty::Summary).with_value(text(&subject)));
    if let Some(body) = e.body.as_ref().filter(|b| !b.content.trim().is_empty()) {
        c.entries.push(
            ICalendarEntry::new(ICalendarProperty::Description).with_value(text(&body.content)),
        );
    }
    if let Some(l) = e.location.as_ref().filter(|l| !l.display_name.is_empty()) {
        c.entries.push(
            ICalendarEntry::new(ICalendarProperty::Location).with_value(text(&l.display_name)),
        );
    }
    if !e.categories.is_empty() {
        c.entries.push(
            ICalendarEntry::new(ICalendarProperty::Categories).with_values(
                e.categories
                    .iter()
                    .map(|x| ICalendarValue::Text(x.clone()))
                    .collect(),
            ),
        );
    }
    if let Some(class) = class_of(e.sensitivity.unwrap_or_default()) {
        c.entries
            .push(ICalendarEntry::new(ICalendarProperty::Class).with_value(class));
    }
    let show_as = e.show_as.unwrap_or_default();
    c.entries
        .push(ICalendarEntry::new(ICalendarProperty::Transp).with_value(transp_of(show_as)));
    c.entries.push(other(BUSY_STATUS, busy_status_of(show_as)));
    if let Some(p) = priority_of(e.importance.unwrap_or_default()) {
        c.entries
            .push(ICalendarEntry::new(ICalendarProperty::Priority).with_value(p));
    }
    if e.is_cancelled {
        c.entries.push(
            ICalendarEntry::new(ICalendarProperty::Status).with_value(ICalendarStatus::Cancelled),
        );
    }
    participants(b, e, &mut c);
    if e.allow_new_time_proposals == Some(false) {
        c.entries.push(other(DISALLOW_COUNTER, "TRUE"));
    }
    if let Some(url) = e.online_meeting.as_ref().and_then(|m| m.join_url.clone()) {
        c.entries.push(
            ICalendarEntry::new(ICalendarProperty::Conference)
                .with_param(ICalendarParameter::value(ICalendarValueType::Uri))
                .with_value(ICalendarValue::Uri(Uri::Location(url))),
        );
    }
    let id = b.add(0, c);
    if e.is_reminder_on == Some(true) {
        let minutes = e.reminder_minutes_before_start.unwrap_or(0).max(0);
        let mut alarm = ICalendarComponent::new(ICalendarComponentType::VAlarm);
        alarm.entries.push(
            ICalendarEntry::new(ICalendarProperty::Action).with_value(ICalendarAction::Display),
        );
        alarm
            .entries
            .push(ICalendarEntry::new(ICalendarProperty::Description).with_value("Reminder"));
        let trigger = ICalendarDuration {
            neg: minutes > 0,
            minutes: u32::try_from(minutes).unwrap_or(0),
            ..ICalendarDuration::default()
        };
        alarm
            .entries
            .push(ICalendarEntry::new(ICalendarProperty::Trigger).with_value(trigger));
        b.add(id, alarm);
    }
    Ok(id)
}

/// ORGANIZER and ATTENDEE lines of a meeting (none for a plain event).
fn participants(b: &Builder, e: &Event, c: &mut ICalendarComponent) {
    let organizer_self = e.is_organizer.unwrap_or(true);
    let owner_listed = e.attendees.iter().any(|a| {
        a.email_address
            .address
            .as_deref()
            .is_some_and(|x| x.eq_ignore_ascii_case(&b.owner))
    });
    let owner_line = !organizer_self && !owner_listed && !b.owner.is_empty();
    if e.attendees.is_empty() && !owner_line {
        return;
    }
    if let Some(o) = &e.organizer
        && let Some(address) = &o.email_address.address
    {
        let mut entry = ICalendarEntry::new(ICalendarProperty::Organizer);
        if let Some(name) = o
            .email_address
            .name
            .as_ref()
            .filter(|n| !n.is_empty() && *n != address)
        {
            entry = entry.with_param(ICalendarParameter::cn(name.clone()));
        }
        c.entries.push(entry.with_value(mailto(address)));
    }
    let rsvp = e.response_requested.unwrap_or(true);
    let own = e
        .response_status
        .as_ref()
        .map(|r| r.response)
        .unwrap_or_default();
    for a in &e.attendees {
        let Some(address) = a.email_address.address.as_deref() else {
            continue;
        };
        let is_owner = address.eq_ignore_ascii_case(&b.owner);
        let response = if is_owner && !organizer_self {
            own
        } else {
            a.status.as_ref().map(|s| s.response).unwrap_or_default()
        };
        let (role, cutype) = role_of(a.kind);
        let mut entry = ICalendarEntry::new(ICalendarProperty::Attendee);
        if let Some(name) = a
            .email_address
            .name
            .as_ref()
            .filter(|n| !n.is_empty() && n.as_str() != address)
        {
            entry = entry.with_param(ICalendarParameter::cn(name.clone()));
        }
        entry = entry
            .with_param(ICalendarParameter::cutype(cutype))
            .with_param(ICalendarParameter::role(role))
            .with_param(ICalendarParameter::partstat(partstat_of_response(response)));
        if rsvp {
            entry = entry.with_param(ICalendarParameter::rsvp(true));
        }
        c.entries.push(entry.with_value(mailto(address)));
    }
    if owner_line {
        let (role, cutype) = role_of(crate::graph::AttendeeType::Required);
        let response = if own == ResponseType::Organizer {
            ResponseType::None
        } else {
            own
        };
        let mut entry = ICalendarEntry::new(ICalendarProperty::Attendee)
            .with_param(ICalendarParameter::cutype(cutype))
            .with_param(ICalendarParameter::role(role))
            .with_param(ICalendarParameter::partstat(partstat_of_response(response)));
        if rsvp {
            entry = entry.with_param(ICalendarParameter::rsvp(true));
        }
        c.entries.push(entry.with_value(mailto(&b.owner)));
    }
}
