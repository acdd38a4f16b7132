//! Reading an event from a POST or PATCH body as Graph reads it: property
//! names in any case, each value checked against its type and set,
//! `dateTimeTimeZone` in Windows or IANA zones, all-day events at midnight,
//! attendees (at most 500), recurrence; read-only properties ignored and
//! unknown ones refused.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Timelike, Utc};
use serde_json::{Map, Value};

use crate::calstore::{
    Attendee, CalError, EmailAddr, EventFields, Recurrence, ResponseStatus, resolve_zone, to_local,
    to_utc,
};

/// Graph's limit on attendees per event.
pub(crate) const MAX_ATTENDEES: usize = 500;
/// The emulator's limit on categories per event.
const MAX_CATEGORIES: usize = 100;

/// What kind of object a body is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    New,
    Event,
    Occurrence,
}

/// What a body changed, for change keys, series reshaping and meeting mail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    /// start, end, zones or isAllDay.
    pub(crate) times: bool,
    pub(crate) recurrence: bool,
    pub(crate) attendees: bool,
    /// Anything an attendee sees besides the attendee list.
    pub(crate) content: bool,
}

/// Properties Graph computes; a body may carry them (clients echo what they
/// read) and they are ignored.
const READ_ONLY: [&str; 22] = [
    "id",
    "createddatetime",
    "lastmodifieddatetime",
    "changekey",
    "icaluid",
    "uid",
    "type",
    "seriesmasterid",
    "originalstart",
    "isorganizer",
    "iscancelled",
    "responsestatus",
    "organizer",
    "weblink",
    "bodypreview",
    "hasattachments",
    "originalstarttimezone",
    "originalendtimezone",
    "onlinemeeting",
    "onlinemeetingurl",
    "isdraft",
    "occurrenceid",
];

/// Accepted and ignored: the emulator has no online meetings.
const IGNORED: [&str; 3] = ["hideattendees", "isonlinemeeting", "onlinemeetingprovider"];

/// Real event properties the emulated tenant does not store.
const NOT_EMULATED: [&str; 5] = [
    "attachments",
    "extensions",
    "singlevalueextendedproperties",
    "multivalueextendedproperties",
    "calendar",
];

fn invalid(msg: impl Into<String>) -> CalError {
    CalError::Invalid(msg.into())
}

fn bad_value(field: &str) -> CalError {
    invalid(format!("Invalid value for property '{field}'."))
}

fn string(v: &Value, field: &str) -> Result<String, CalError> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        _ => Err(bad_value(field)),
    }
}

fn boolean(v: &Value, field: &str) -> Result<bool, CalError> {
    v.as_bool().ok_or_else(|| bad_value(field))
}

fn one_of(v: &Value, field: &str, set: &[&'static str]) -> Result<String, CalError> {
    let s = v.as_str().unwrap_or_default();
    set.iter()
        .find(|x| x.eq_ignore_ascii_case(s))
        .map(|x| (*x).to_string())
        .ok_or_else(|| invalid(format!("'{s}' is not a valid value for {field}.")))
}

/// A `dateTimeTimeZone`: the instant, the zone name as given, and the wall
/// clock in that zone.
pub(crate) fn parse_moment(
    v: &Value,
    field: &str,
) -> Result<(DateTime<Utc>, String, NaiveDateTime), CalError> {
    let zone = v
        .get("timeZone")
        .or_else(|| v.get("TimeZone"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let tz = resolve_zone(&zone).ok_or_else(|| CalError::TimeZone(zone.clone()))?;
    let raw = v
        .get("dateTime")
        .or_else(|| v.get("DateTime"))
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("{field}.dateTime is missing.")))?
        .trim();
    let bad = || {
        invalid(format!(
            "'{raw}' is not a valid value for {field}.dateTime."
        ))
    };
    // Years 1 to 9999, as .NET's DateTime has them.
    let in_range = |t: &NaiveDateTime| (1..=9999).contains(&t.year());
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(raw) {
        let at = with_offset.with_timezone(&Utc);
        if !in_range(&at.naive_utc()) {
            return Err(bad());
        }
        return Ok((at, zone, to_local(at, tz)));
    }
    let local = ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .filter(in_range)
        .ok_or_else(bad)?;
    Ok((to_utc(local, tz), zone, local))
}

/// The body's properties by lower-case name (Graph reads names in any case).
fn properties(body: &Value) -> Result<Vec<(String, &Value)>, CalError> {
    let Value::Object(m) = body else {
        return Err(CalError::Coded(
            "BadRequest",
            "The request body must be a JSON object.".into(),
        ));
    };
    let mut out = Vec::new();
    for (k, v) in m {
        let lower = k.to_ascii_lowercase();
        if lower.starts_with("@odata") || READ_ONLY.contains(&lower.as_str()) {
            continue;
        }
        if NOT_EMULATED.contains(&lower.as_str()) {
            return Err(invalid(format!(
                "The emulated tenant does not store '{k}' on events."
            )));
        }
        out.push((lower, v));
    }
    Ok(out)
}

fn attendees(v: &Value, old: &[Attendee]) -> Result<Vec<Attendee>, CalError> {
    let list = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(a) => a,
        _ => return Err(bad_value("attendees")),
    };
    if list.len() > MAX_ATTENDEES {
        return Err(invalid(format!(
            "An event can have at most {MAX_ATTENDEES} attendees."
        )));
    }
    let mut out: Vec<Attendee> = Vec::new();
    for a in list {
        let e = a.get("emailAddress").unwrap_or(&Value::Null);
        let address = e
            .get("address")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_string();
        if !address.contains('@') || address.len() > 320 {
            return Err(CalError::Coded(
                "ErrorInvalidRecipients",
                format!("The attendee address '{address}' is not valid."),
            ));
        }
        if out
            .iter()
            .any(|x| x.email.address.eq_ignore_ascii_case(&address))
        {
            continue;
        }
        let name = string(
            e.get("name").unwrap_or(&Value::Null),
            "attendees.emailAddress.name",
        )?;
        let kind = match a.get("type") {
            None | Some(Value::Null) => "required".to_string(),
            Some(t) => one_of(t, "attendees.type", &["required", "optional", "resource"])?,
        };
        let status = old
            .iter()
            .find(|x| x.email.address.eq_ignore_ascii_case(&address))
            .map(|x| x.status.clone())
            .unwrap_or_else(ResponseStatus::none);
        out.push(Attendee {
            email: EmailAddr { name, address },
            kind,
            status,
        });
    }
    Ok(out)
}

/// Defaults of a new event, as Graph fills them in.
pub(crate) fn new_fields(now: DateTime<Utc>) -> EventFields {
    EventFields {
        subject: String::new(),
        body_html: false,
        body: String::new(),
        start: now,
        end: now,
        start_zone: "UTC".into(),
        end_zone: "UTC".into(),
        is_all_day: false,
        location: String::new(),
        categories: Vec::new(),
        sensitivity: "normal".into(),
        show_as: "busy".into(),
        importance: "normal".into(),
        is_reminder_on: true,
        reminder_minutes: 15,
        attendees: Vec::new(),
        response_requested: true,
        allow_new_time_proposals: true,
        is_cancelled: false,
        response: ResponseStatus {
            response: "organizer".into(),
            time: None,
        },
    }
}

/// Apply a POST or PATCH body to `f` and `rec`. A new event must have a
/// start and an end; an occurrence cannot take a recurrence.
pub(crate) fn apply(
    body: &Value,
    f: &mut EventFields,
    rec: &mut Option<Recurrence>,
    target: Target,
) -> Result<Changes, CalError> {
    let props = properties(body)?;
    let before = f.clone();
    let before_rec = rec.clone();
    let mut saw_start = false;
    let mut saw_end = false;
    let mut new_rec: Option<&Value> = None;
    let mut location_set = false;
    for (k, v) in &props {
        match k.as_str() {
            "subject" => f.subject = string(v, "subject")?,
            "body" => {
                if !v.is_null() {
                    let ty = v
                        .get("contentType")
                        .map(|t| one_of(t, "body.contentType", &["text", "html"]))
                        .transpose()?;
                    f.body_html = ty.as_deref() == Some("html");
                    f.body = string(v.get("content").unwrap_or(&Value::Null), "body.content")?;
                }
            }
            "start" => {
                let (at, zone, _) = parse_moment(v, "start")?;
                f.start = at;
                f.start_zone = zone;
                saw_start = true;
            }
            "end" => {
                let (at, zone, _) = parse_moment(v, "end")?;
                f.end = at;
                f.end_zone = zone;
                saw_end = true;
            }
            "isallday" => f.is_all_day = boolean(v, "isAllDay")?,
            "location" => {
                f.location = string(v.get("displayName").unwrap_or(&Value::Null), "location")?;
                location_set = true;
            }
            "locations" => {
                if !location_set {
                    let first = v.as_array().and_then(|a| a.first());
                    f.location = match first.and_then(|l| l.get("displayName")) {
                        Some(n) => string(n, "locations.displayName")?,
                        None => String::new(),
                    };
                }
            }
            "categories" => {
                let list = v.as_array().ok_or_else(|| bad_value("categories"))?;
                if list.len() > MAX_CATEGORIES {
                    return Err(invalid(format!(
                        "An event can have at most {MAX_CATEGORIES} categories."
                    )));
                }
                f.categories = list
                    .iter()
                    .map(|c| string(c, "categories"))
                    .collect::<Result<_, _>>()?;
            }
            "sensitivity" => {
                f.sensitivity = one_of(
                    v,
                    "sensitivity",
                    &["normal", "personal", "private", "confidential"],
                )?;
            }
            "showas" => {
                f.show_as = one_of(
                    v,
                    "showAs",
                    &[
                        "free",
                        "tentative",
                        "busy",
                        "oof",
                        "workingElsewhere",
                        "unknown",
                    ],
                )?;
            }
            "importance" => f.importance = one_of(v, "importance", &["low", "normal", "high"])?,
            "isreminderon" => f.is_reminder_on = boolean(v, "isReminderOn")?,
            "reminderminutesbeforestart" => {
                f.reminder_minutes = v
                    .as_i64()
                    .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
                    .ok_or_else(|| bad_value("reminderMinutesBeforeStart"))?;
            }
            "attendees" => f.attendees = attendees(v, &before.attendees)?,
            "responserequested" => f.response_requested = boolean(v, "responseRequested")?,
            "allownewtimeproposals" => {
                f.allow_new_time_proposals = boolean(v, "allowNewTimeProposals")?;
            }
            "recurrence" => {
                if target == Target::Occurrence && !v.is_null() {
                    return Err(invalid(
                        "The recurrence of an occurrence cannot be set; change the series master.",
                    ));
                }
                new_rec = Some(v);
            }
            "transactionid" => {
                if target != Target::New {
                    return Err(invalid(
                        "transactionId can only be set when the event is created.",
                    ));
                }
            }
            k if IGNORED.contains(&k) => {}
            other => {
                let name = props_name(body, other);
                return Err(CalError::Coded(
                    "BadRequest",
                    format!(
                        "Could not find a property named '{name}' on type 'microsoft.graph.event'."
                    ),
                ));
            }
        }
    }
    if target == Target::New && !(saw_start && saw_end) {
        return Err(invalid("An event must have a start and an end."));
    }
    if let Some(v) = new_rec {
        *rec = match v {
            Value::Null => None,
            v => Some(Recurrence::from_json(v, &f.start_zone, |z| {
                resolve_zone(z).is_some()
            })?),
        };
    }
    check_times(f)?;
    let times = f.start != before.start
        || f.end != before.end
        || f.start_zone != before.start_zone
        || f.end_zone != before.end_zone
        || f.is_all_day != before.is_all_day;
    let attendees_changed = f.attendees != before.attendees;
    let mut others = f.clone();
    others.attendees = before.attendees.clone();
    Ok(Changes {
        times,
        recurrence: *rec != before_rec,
        attendees: attendees_changed,
        content: others != before || *rec != before_rec,
    })
}

/// The property's name as the client spelled it.
fn props_name(body: &Value, lower: &str) -> String {
    body.as_object()
        .and_then(|m: &Map<String, Value>| m.keys().find(|k| k.eq_ignore_ascii_case(lower)))
        .cloned()
        .unwrap_or_else(|| lower.to_string())
}

/// End not before start; all-day events at midnight, in one zone, at least
/// a day long.
fn check_times(f: &EventFields) -> Result<(), CalError> {
    if f.end < f.start {
        return Err(invalid("The event's end must not be before its start."));
    }
    if !f.is_all_day {
        return Ok(());
    }
    let zone = |name: &str| resolve_zone(name).ok_or_else(|| CalError::TimeZone(name.into()));
    let s = to_local(f.start, zone(&f.start_zone)?);
    let e = to_local(f.end, zone(&f.end_zone)?);
    let midnight = |t: NaiveDateTime| t.hour() == 0 && t.minute() == 0 && t.second() == 0;
    if !midnight(s) || !midnight(e) {
        return Err(invalid(
            "An all-day event must start and end at midnight (00:00:00).",
        ));
    }
    if !f.start_zone.eq_ignore_ascii_case(&f.end_zone) {
        return Err(invalid(
            "The start and end of an all-day event must be in the same time zone.",
        ));
    }
    if (e.date() - s.date()) < Duration::days(1) {
        return Err(invalid(
            "The duration of an event marked as All day must be at least 24 hours.",
        ));
    }
    Ok(())
}

/// Move a series' start (and end) to its first occurrence when the
/// range's start date does not fit the pattern, as Exchange shows a master.
pub(crate) fn align_to_series(f: &mut EventFields, rec: &Recurrence) {
    let Some(tz) =
        resolve_zone(&rec.range.recurrence_time_zone).or_else(|| resolve_zone(&f.start_zone))
    else {
        return;
    };
    let Some(first) = rec.first_date() else {
        return;
    };
    let local = to_local(f.start, tz);
    if local.date() == first {
        return;
    }
    let span = f.end - f.start;
    f.start = to_utc(first.and_time(local.time()), tz);
    f.end = f.start + span;
}
