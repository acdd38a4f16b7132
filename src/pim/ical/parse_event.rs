//! One VEVENT read into what Graph can hold: its times (in the zones the
//! client named, floating times and dates in the mailbox's zone), text
//! properties, reminder, organizer and attendees. Zones are resolved by
//! TZID (through the object's VTIMEZONEs, then by name) and sent to Graph
//! by Windows name; a zone with neither is refused, never guessed.

use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz as CalTz;
use calcard::icalendar::timezone::TzResolver;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarParameterValue, ICalendarProperty, ICalendarRecurrenceRule, ICalendarRelated,
    ICalendarValue,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::props::{
    BUSY_STATUS, DISALLOW_COUNTER, attendee_type_of, importance_of, partstat_of, sensitivity_of,
    show_as_of,
};
use super::time::to_utc;
use super::{Context, Precondition, Refusal};
use crate::graph::{Attendee, AttendeeType, BodyType, EmailAddress, ItemBody, Location};
use crate::pim::ical::object::PartStat;
use crate::pim::zones;

/// Graph's limit on attendees per event.
pub(crate) const MAX_ATTENDEES: usize = 500;
/// Categories graphgate writes per event.
const MAX_CATEGORIES: usize = 100;

/// The longest DURATION or alarm offset graphgate reads (ten years), so
/// no arithmetic on client times can overflow.
fn longest() -> Duration {
    Duration::days(3660)
}

/// A time as the client wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// VALUE=DATE.
    Date(NaiveDate),
    /// A wall-clock time in a zone (UTC for `Z`, the mailbox's zone when
    /// floating).
    Local(NaiveDateTime, Tz),
}

/// An attendee line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AttendeeLine {
    pub address: String,
    pub name: Option<String>,
    pub kind: AttendeeType,
    pub partstat: Option<PartStat>,
    pub rsvp: Option<bool>,
}

/// One VEVENT, read.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub uid: Option<String>,
    pub recurrence_id: Option<When>,
    pub this_and_future: bool,
    pub start: Option<When>,
    pub end: Option<When>,
    pub duration: Option<Duration>,
    pub rrules: Vec<ICalendarRecurrenceRule>,
    pub other_rules: bool,
    pub rdates: bool,
    pub exdates: Vec<When>,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub categories: Vec<String>,
    pub sensitivity: crate::graph::Sensitivity,
    pub show_as: crate::graph::FreeBusyStatus,
    pub importance: crate::graph::Importance,
    pub cancelled: bool,
    pub disallow_counter: bool,
    pub organizer: Option<String>,
    pub attendees: Vec<AttendeeLine>,
    /// Trigger relative to the start (negative: before), or absolute.
    pub alarm: Option<Alarm>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Alarm {
    FromStart(Duration),
    FromEnd(Duration),
    At(DateTime<Utc>),
}

/// Reads the VEVENTs of one object.
pub(crate) struct Reader<'a> {
    pub ical: &'a ICalendar,
    pub ctx: &'a Context<'a>,
    pub resolver: TzResolver<&'a str>,
}

fn text_of(e: &ICalendarEntry) -> String {
    e.values
        .first()
        .and_then(ICalendarValue::as_text)
        .unwrap_or_default()
        .to_string()
}

fn param<'e>(
    e: &'e ICalendarEntry,
    name: &ICalendarParameterName,
) -> Option<&'e ICalendarParameterValue> {
    e.parameter(name)
}

/// The address of an ORGANIZER or ATTENDEE: its mailto, else its EMAIL.
fn address_of(e: &ICalendarEntry) -> Option<String> {
    let value = e.calendar_address().map(str::trim).unwrap_or_default();
    let email = param(e, &ICalendarParameterName::Email)
        .and_then(ICalendarParameterValue::as_text)
        .map(str::trim);
    [Some(value), email]
        .into_iter()
        .flatten()
        .find(|a| a.contains('@') && !a.contains(':') && a.len() <= 320)
        .map(str::to_string)
}

impl<'a> Reader<'a> {
    /// The zone a TZID names.
    fn zone(&self, tzid: &str) -> Result<Tz, Refusal> {
        let found = match self.resolver.resolve(tzid) {
            Some(CalTz::Tz(tz)) => Some(tz),
            Some(CalTz::Fixed(offset)) => zones::fixed(offset.local_minus_utc()),
            _ => None,
        };
        found.or_else(|| zones::from_name(tzid)).ok_or_else(|| {
            Refusal::object(format!(
                "The time zone '{}' cannot be identified (neither an IANA nor a Windows zone \
                 name, nor described by a VTIMEZONE graphgate recognises); use an IANA zone such \
                 as Europe/Berlin.",
                tzid.chars().take(80).collect::<String>()
            ))
        })
    }

    /// A DATE or DATE-TIME property's value.
    pub(crate) fn when_of(
        &self,
        value: &PartialDateTime,
        tzid: Option<&str>,
    ) -> Result<When, Refusal> {
        let dt = value
            .to_date_time()
            .ok_or_else(|| Refusal::data("A date or time in the object is not valid."))?;
        if !value.has_time() {
            return Ok(When::Date(dt.date_time.date()));
        }
        if let Some(offset) = dt.offset {
            let at = dt.date_time - Duration::seconds(i64::from(offset.local_minus_utc()));
            return Ok(When::Local(at, Tz::UTC));
        }
        match tzid {
            Some(id) => Ok(When::Local(dt.date_time, self.zone(id)?)),
            None => Ok(When::Local(dt.date_time, self.ctx.mailbox_zone)),
        }
    }

    fn when(&self, e: &ICalendarEntry) -> Result<Option<When>, Refusal> {
        match e.values.first() {
            Some(ICalendarValue::PartialDateTime(v)) => self.when_of(v, e.tz_id()).map(Some),
            Some(_) => Err(Refusal::data(format!(
                "{} is not a date or time.",
                e.name.as_str()
            ))),
            None => Ok(None),
        }
    }

    /// Read one VEVENT.
    pub(crate) fn event(&self, c: &ICalendarComponent) -> Result<Parsed, Refusal> {
        let mut p = Parsed {
            uid: None,
            recurrence_id: None,
            this_and_future: false,
            start: None,
            end: None,
            duration: None,
            rrules: Vec::new(),
            other_rules: false,
            rdates: false,
            exdates: Vec::new(),
            summary: String::new(),
            description: String::new(),
            location: String::new(),
            categories: Vec::new(),
            sensitivity: crate::graph::Sensitivity::Normal,
            show_as: crate::graph::FreeBusyStatus::Busy,
            importance: crate::graph::Importance::Normal,
            cancelled: false,
            disallow_counter: false,
            organizer: None,
            attendees: Vec::new(),
            alarm: None,
        };
        let mut class = None;
        let mut transp = None;
        let mut busy = None;
        let mut priority = None;
        for e in &c.entries {
            match &e.name {
                ICalendarProperty::Uid => p.uid = Some(text_of(e).trim().to_string()),
                ICalendarProperty::RecurrenceId => {
                    p.recurrence_id = self.when(e)?;
                    p.this_and_future = param(e, &ICalendarParameterName::Range).is_some();
                }
                ICalendarProperty::Dtstart => p.start = self.when(e)?,
                ICalendarProperty::Dtend => p.end = self.when(e)?,
                ICalendarProperty::Duration => match e.values.first() {
                    Some(ICalendarValue::Duration(d)) if !d.neg => {
                        p.duration = d.to_time_delta().filter(|d| *d <= longest());
                        if p.duration.is_none() {
                            return Err(Refusal::data("DURATION is longer than ten years."));
                        }
                    }
                    _ => return Err(Refusal::data("DURATION is not a positive duration.")),
                },
                ICalendarProperty::Rrule => match e.values.first() {
                    Some(ICalendarValue::RecurrenceRule(r)) => p.rrules.push((**r).clone()),
                    _ => return Err(Refusal::data("The RRULE cannot be read.")),
                },
                ICalendarProperty::Exrule => p.other_rules = true,
                ICalendarProperty::Rdate => p.rdates = true,
                ICalendarProperty::Exdate => {
                    for v in &e.values {
                        if let ICalendarValue::PartialDateTime(v) = v {
                            p.exdates.push(self.when_of(v, e.tz_id())?);
                        } else {
                            return Err(Refusal::data("An EXDATE is not a date or time."));
                        }
                    }
                }
                ICalendarProperty::Summary => p.summary = text_of(e),
                ICalendarProperty::Description => p.description = text_of(e),
                ICalendarProperty::Location => p.location = text_of(e),
                ICalendarProperty::Categories => {
                    for v in e.values.iter().filter_map(ICalendarValue::as_text) {
                        let v = v.trim();
                        if !v.is_empty() && !p.categories.iter().any(|c| c == v) {
                            p.categories.push(v.to_string());
                        }
                    }
                }
                ICalendarProperty::Class => class = Some(text_of(e)),
                ICalendarProperty::Transp => transp = Some(text_of(e)),
                ICalendarProperty::Priority => {
                    priority = e.values.first().and_then(ICalendarValue::as_integer);
                }
                ICalendarProperty::Status => {
                    p.cancelled = text_of(e).eq_ignore_ascii_case("CANCELLED");
                }
                ICalendarProperty::Organizer => p.organizer = address_of(e),
                ICalendarProperty::Attendee => {
                    let address = address_of(e).ok_or_else(|| {
                        Refusal::object(
                            "An ATTENDEE has no e-mail address (mailto: or EMAIL=); Microsoft 365 \
                             invites people by address.",
                        )
                    })?;
                    p.attendees.push(AttendeeLine {
                        name: param(e, &ICalendarParameterName::Cn)
                            .and_then(ICalendarParameterValue::as_text)
                            .map(|n| n.trim().to_string())
                            .filter(|n| !n.is_empty()),
                        kind: attendee_type_of(
                            match param(e, &ICalendarParameterName::Role) {
                                Some(ICalendarParameterValue::Role(r)) => Some(r),
                                _ => None,
                            },
                            match param(e, &ICalendarParameterName::Cutype) {
                                Some(ICalendarParameterValue::Cutype(t)) => Some(t),
                                _ => None,
                            },
                        ),
                        partstat: match param(e, &ICalendarParameterName::Partstat) {
                            Some(ICalendarParameterValue::Partstat(s)) => Some(partstat_of(s)),
                            Some(_) => Some(PartStat::Other),
                            None => None,
                        },
                        rsvp: param(e, &ICalendarParameterName::Rsvp)
                            .and_then(ICalendarParameterValue::as_bool),
                        address,
                    });
                }
                ICalendarProperty::Other(name) if name.eq_ignore_ascii_case(BUSY_STATUS) => {
                    busy = Some(text_of(e));
                }
                ICalendarProperty::Other(name) if name.eq_ignore_ascii_case(DISALLOW_COUNTER) => {
                    p.disallow_counter = text_of(e).trim().eq_ignore_ascii_case("TRUE");
                }
                _ => {}
            }
        }
        if p.categories.len() > MAX_CATEGORIES {
            return Err(Refusal::object(format!(
                "The event has {} categories; graphgate writes at most {MAX_CATEGORIES}.",
                p.categories.len()
            )));
        }
        p.sensitivity = sensitivity_of(class.as_deref());
        p.show_as = show_as_of(transp.as_deref(), busy.as_deref());
        p.importance = importance_of(priority);
        p.alarm = self.alarm(c)?;
        // The organizer is not one of Graph's attendees.
        if let Some(o) = &p.organizer {
            p.attendees.retain(|a| !a.address.eq_ignore_ascii_case(o));
        }
        let mut seen: Vec<String> = Vec::new();
        p.attendees.retain(|a| {
            let key = a.address.to_ascii_lowercase();
            let fresh = !seen.contains(&key);
            seen.push(key);
            fresh
        });
        if p.attendees.len() > MAX_ATTENDEES {
            return Err(Refusal::new(
                Precondition::MaxAttendeesPerInstance,
                format!(
                    "The event has {} attendees; Microsoft 365 allows at most {MAX_ATTENDEES}.",
                    p.attendees.len()
                ),
            ));
        }
        Ok(p)
    }

    /// The first alarm Graph can hold (one reminder before the start).
    fn alarm(&self, c: &ICalendarComponent) -> Result<Option<Alarm>, Refusal> {
        for id in &c.component_ids {
            let Some(a) = self.ical.components.get(*id as usize) else {
                continue;
            };
            if a.component_type != ICalendarComponentType::VAlarm {
                continue;
            }
            let none = a
                .property(&ICalendarProperty::Action)
                .is_some_and(|e| text_of(e).eq_ignore_ascii_case("NONE"));
            let Some(trigger) = a.property(&ICalendarProperty::Trigger) else {
                continue;
            };
            if none {
                continue;
            }
            match trigger.values.first() {
                Some(ICalendarValue::Duration(d)) => {
                    let Some(delta) = d.to_time_delta().filter(|d| d.abs() <= longest()) else {
                        continue;
                    };
                    let delta = if d.neg { -delta.abs() } else { delta.abs() };
                    let from_end = matches!(
                        param(trigger, &ICalendarParameterName::Related),
                        Some(ICalendarParameterValue::Related(ICalendarRelated::End))
                    );
                    return Ok(Some(if from_end {
                        Alarm::FromEnd(delta)
                    } else {
                        Alarm::FromStart(delta)
                    }));
                }
                Some(ICalendarValue::PartialDateTime(v)) => {
                    if let When::Local(t, tz) = self.when_of(v, None)? {
                        return Ok(Some(Alarm::At(to_utc(t, tz))));
                    }
                }
                _ => {}
            }
        }
        Ok(None)
    }
}

/// Graph's attendees of a component.
pub(crate) fn attendees_of(p: &Parsed) -> Vec<Attendee> {
    p.attendees
        .iter()
        .map(|a| Attendee {
            email_address: EmailAddress {
                name: a.name.clone(),
                address: Some(a.address.clone()),
            },
            kind: a.kind,
            status: None,
        })
        .collect()
}

/// `responseRequested`: asked of anyone (RSVP=TRUE), or not refused by all.
pub(crate) fn response_requested(p: &Parsed) -> bool {
    if p.attendees.iter().any(|a| a.rsvp == Some(true)) {
        return true;
    }
    !p.attendees.iter().any(|a| a.rsvp == Some(false))
}

pub(crate) fn body_of(p: &Parsed) -> ItemBody {
    ItemBody {
        content_type: BodyType::Text,
        content: p.description.clone(),
    }
}

pub(crate) fn location_of(p: &Parsed) -> Location {
    Location {
        display_name: p.location.clone(),
    }
}
