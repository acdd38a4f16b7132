//! A client's VCALENDAR (a PUT body) into a [`CalendarObject`], or a
//! [`Refusal`]. Bounded before and after parsing (bytes, components,
//! properties, overrides, EXDATEs, attendees). One UID, VEVENTs only, a
//! master with DTSTART, at most one RRULE that Microsoft 365 can hold
//! exactly (checked by expanding the client's rule and the rule of the
//! pattern it becomes, which must give the same occurrences, DTSTART first),
//! and overrides and EXDATEs that name occurrences of that rule.

use std::collections::BTreeSet;

use calcard::icalendar::{ICalendar, ICalendarComponentType, ICalendarRecurrenceRule};
use chrono::{Duration, NaiveDateTime};
use chrono_tz::Tz;

use super::expand::{MAX_OCCURRENCES, first_occurrences, floating, occurrences};
use super::object::{CalendarObject, ObjectEvent, Override, Span};
use super::parse_event::{
    Alarm, Parsed, Reader, When, attendees_of, body_of, location_of, response_requested,
};
use super::pattern::{ClientRule, UntilLocal, pattern_of, until_local};
use super::rrule::{Until, rule_of};
use super::time::{Moment, midnight, to_local, to_utc};
use super::{Context, Precondition, Refusal};
use crate::graph::{DateTimeTimeZone, EventWrite, PatternedRecurrence};

/// The largest object graphgate reads (CALDAV:max-resource-size).
pub const MAX_OBJECT_BYTES: usize = 2 * 1024 * 1024;
const MAX_COMPONENTS: usize = 2_000;
const MAX_PROPERTIES: usize = 50_000;
const MAX_OVERRIDES: usize = 1_000;
const MAX_EXDATES: usize = 5_000;
/// Occurrences compared when checking a rule.
const CHECKED_OCCURRENCES: usize = 400;

fn refuse(s: impl Into<String>) -> Refusal {
    Refusal::object(s)
}

/// Parse a calendar object resource sent by a client.
pub fn parse(text: &str, ctx: &Context<'_>) -> Result<CalendarObject, Refusal> {
    if text.len() > MAX_OBJECT_BYTES {
        return Err(Refusal::new(
            Precondition::MaxResourceSize,
            format!("The object is larger than {MAX_OBJECT_BYTES} bytes."),
        ));
    }
    let begins = text
        .lines()
        .filter(|l| {
            l.as_bytes()
                .get(..6)
                .is_some_and(|b| b.eq_ignore_ascii_case(b"BEGIN:"))
        })
        .count();
    if begins > MAX_COMPONENTS || text.lines().count() > MAX_PROPERTIES {
        return Err(Refusal::new(
            Precondition::MaxResourceSize,
            format!(
                "The object has more than {MAX_COMPONENTS} components or {MAX_PROPERTIES} lines."
            ),
        ));
    }
    let ical = ICalendar::parse(text).map_err(|_| {
        Refusal::data("The body is not an iCalendar object (BEGIN:VCALENDAR … END:VCALENDAR).")
    })?;
    let root = ical
        .components
        .first()
        .filter(|c| c.component_type == ICalendarComponentType::VCalendar)
        .ok_or_else(|| Refusal::data("The body does not start with BEGIN:VCALENDAR."))?;
    let mut events = Vec::new();
    for id in &root.component_ids {
        let Some(c) = ical.components.get(*id as usize) else {
            continue;
        };
        match &c.component_type {
            ICalendarComponentType::VEvent => events.push(c),
            ICalendarComponentType::VTimezone | ICalendarComponentType::Other(_) => {}
            other => {
                return Err(Refusal::new(
                    Precondition::SupportedCalendarComponent,
                    format!(
                        "This calendar holds events (VEVENT) only, not {}; put tasks in a task \
                         list.",
                        other.as_str()
                    ),
                ));
            }
        }
    }
    if events.is_empty() {
        return Err(refuse("The object has no VEVENT."));
    }
    let reader = Reader {
        ical: &ical,
        ctx,
        resolver: ical.build_tz_resolver(),
    };
    let parsed: Vec<Parsed> = events
        .iter()
        .map(|c| reader.event(c))
        .collect::<Result<_, _>>()?;
    let uid = one_uid(&parsed)?;
    let mut masters = parsed.iter().filter(|p| p.recurrence_id.is_none());
    let master = masters.next().ok_or_else(|| {
        refuse(
            "The object has only overridden occurrences (RECURRENCE-ID) and no series; \
             Microsoft 365 needs the series' own VEVENT.",
        )
    })?;
    if masters.next().is_some() {
        return Err(refuse(
            "The object has two VEVENTs without RECURRENCE-ID for one UID.",
        ));
    }
    let overrides: Vec<&Parsed> = parsed
        .iter()
        .filter(|p| p.recurrence_id.is_some())
        .collect();
    if overrides.len() > MAX_OVERRIDES || master.exdates.len() > MAX_EXDATES {
        return Err(Refusal::new(
            Precondition::MaxResourceSize,
            format!(
                "The series has more than {MAX_OVERRIDES} changed occurrences or {MAX_EXDATES} \
                 EXDATEs."
            ),
        ));
    }
    Object::build(ctx, uid, master, &overrides)
}

fn one_uid(parsed: &[Parsed]) -> Result<String, Refusal> {
    let mut uids = BTreeSet::new();
    for p in parsed {
        match p.uid.as_deref().filter(|u| !u.is_empty()) {
            Some(u) => uids.insert(u),
            None => return Err(refuse("A VEVENT has no UID.")),
        };
    }
    if uids.len() > 1 {
        return Err(refuse(
            "The object holds VEVENTs with different UIDs; each event (with its changed \
             occurrences) must be a resource of its own.",
        ));
    }
    let uid = uids.into_iter().next().unwrap_or_default().to_string();
    if uid.len() > 1000 {
        return Err(refuse("The UID is longer than 1000 characters."));
    }
    Ok(uid)
}

/// What the master's rule is, in the terms the checks need.
struct Rule {
    /// The client's rule with UNTIL as a floating time in `zone`.
    floating: ICalendarRecurrenceRule,
    start: NaiveDateTime,
    all_day: bool,
    zone: Tz,
}

impl Rule {
    fn moment(&self, local: NaiveDateTime) -> Moment {
        if self.all_day {
            Moment::Date(local.date())
        } else {
            Moment::At(to_utc(local, self.zone))
        }
    }

    /// The occurrence a RECURRENCE-ID or EXDATE names, as the series' kind.
    fn moment_of(&self, w: When, what: &str) -> Result<Moment, Refusal> {
        match (w, self.all_day) {
            (When::Date(d), true) => Ok(Moment::Date(d)),
            (When::Local(t, tz), false) => Ok(Moment::At(to_utc(t, tz))),
            _ => Err(Refusal::data(format!(
                "{what} must be a date when DTSTART is a date, and a date with a time otherwise."
            ))),
        }
    }
}

struct Object;

impl Object {
    fn build(
        ctx: &Context<'_>,
        uid: String,
        m: &Parsed,
        overrides: &[&Parsed],
    ) -> Result<CalendarObject, Refusal> {
        let start = m
            .start
            .ok_or_else(|| Refusal::data("The VEVENT has no DTSTART."))?;
        if m.rrules.len() > 1 {
            return Err(refuse(
                "The event has several RRULEs; Microsoft 365 holds one pattern per series.",
            ));
        }
        if m.rdates || m.other_rules {
            return Err(refuse(
                "The event uses RDATE or EXRULE; Microsoft 365 holds one pattern, with single \
                 occurrences cancelled or changed. Add the extra dates as events of their own.",
            ));
        }
        let all_day = matches!(start, When::Date(_));
        let (start_local, zone) = match start {
            When::Date(d) => (midnight(d), ctx.mailbox_zone),
            When::Local(t, tz) => (t, tz),
        };
        let zone_name = windows(ctx, zone)?;
        let mut rule = None;
        let mut recurrence: Option<PatternedRecurrence> = None;
        if let Some(r) = m.rrules.first() {
            let client = ClientRule {
                rule: r,
                start: start_local,
                all_day,
                zone,
                zone_name: zone_name.to_string(),
            };
            let pattern = pattern_of(&client)?;
            let checked = check(r, &pattern, start_local, all_day, zone)?;
            rule = Some(checked);
            recurrence = Some(pattern);
        }
        let master = object_event(ctx, m, None, Some(recurrence))?;
        let mut exdates = Vec::new();
        let mut outs = Vec::new();
        match &rule {
            None if !overrides.is_empty() || !m.exdates.is_empty() => {
                return Err(refuse(
                    "The event has EXDATEs or changed occurrences (RECURRENCE-ID) but no RRULE.",
                ));
            }
            None => {}
            Some(rule) => {
                let wanted: Vec<Moment> = m
                    .exdates
                    .iter()
                    .map(|w| rule.moment_of(*w, "An EXDATE"))
                    .chain(
                        overrides
                            .iter()
                            .filter_map(|o| o.recurrence_id)
                            .map(|w| rule.moment_of(w, "A RECURRENCE-ID")),
                    )
                    .collect::<Result<_, _>>()?;
                let occurring = occurrences_until(rule, &wanted)?;
                for w in &m.exdates {
                    let mo = rule.moment_of(*w, "An EXDATE")?;
                    // An EXDATE that names no occurrence changes nothing.
                    if occurring.contains(&mo) && !exdates.contains(&mo) {
                        exdates.push(mo);
                    }
                }
                exdates.sort();
                for o in overrides {
                    let Some(rid) = o.recurrence_id else { continue };
                    if o.this_and_future {
                        return Err(refuse(
                            "RECURRENCE-ID with RANGE=THISANDFUTURE changes the rest of a series; \
                             Microsoft 365 cannot. End this series and start a new one instead.",
                        ));
                    }
                    let mo = rule.moment_of(rid, "A RECURRENCE-ID")?;
                    if !occurring.contains(&mo) {
                        return Err(refuse(format!(
                            "The changed occurrence {mo} (RECURRENCE-ID) is not an occurrence of \
                             the series' RRULE."
                        )));
                    }
                    if exdates.contains(&mo) {
                        return Err(refuse(format!(
                            "The occurrence {mo} is both cancelled (EXDATE) and changed \
                             (RECURRENCE-ID)."
                        )));
                    }
                    if outs.iter().any(|x: &Override| x.recurrence_id == mo) {
                        return Err(refuse(format!("The occurrence {mo} is changed twice.")));
                    }
                    let event = object_event(ctx, o, Some((&master, mo)), None)?;
                    outs.push(Override {
                        recurrence_id: mo,
                        event,
                    });
                }
                outs.sort_by_key(|o| o.recurrence_id);
            }
        }
        let has_attendees =
            !m.attendees.is_empty() || overrides.iter().any(|o| !o.attendees.is_empty());
        Ok(CalendarObject {
            uid,
            master,
            overrides: outs,
            exdates,
            has_attendees,
            organizer: m.organizer.clone(),
        })
    }
}

/// Every occurrence of the rule up to the latest of `wanted`.
fn occurrences_until(rule: &Rule, wanted: &[Moment]) -> Result<BTreeSet<Moment>, Refusal> {
    let Some(last) = wanted.iter().max() else {
        return Ok(BTreeSet::new());
    };
    let until = match last {
        Moment::Date(d) => midnight(*d),
        Moment::At(t) => to_local(*t, rule.zone) + Duration::hours(3),
    };
    let starts = occurrences(
        &rule.floating,
        rule.start,
        rule.all_day,
        Some(until),
        MAX_OCCURRENCES,
    )
    .map_err(|_| {
        refuse(format!(
            "A changed or cancelled occurrence lies more than {MAX_OCCURRENCES} occurrences \
                 after the start of the series."
        ))
    })?;
    Ok(starts.into_iter().map(|t| rule.moment(t)).collect())
}

/// The client's rule and the pattern's rule must give the same
/// occurrences, the first of them DTSTART.
fn check(
    r: &ICalendarRecurrenceRule,
    pattern: &PatternedRecurrence,
    start: NaiveDateTime,
    all_day: bool,
    zone: Tz,
) -> Result<Rule, Refusal> {
    let mut client = r.clone();
    if let Some(u) = &r.until {
        client.until = match until_local(u, zone) {
            Some(UntilLocal::Date(d)) => Some(floating(midnight(d), all_day)),
            Some(UntilLocal::Time(t)) => Some(floating(t, false)),
            None => {
                return Err(Refusal::data(
                    "The RRULE's UNTIL is not a valid date or time.",
                ));
            }
        };
    }
    let form = if all_day {
        Until::Date
    } else {
        Until::Floating
    };
    let ours = rule_of(pattern, start, form).map_err(refuse)?;
    let theirs = first_occurrences(&client, start, all_day, CHECKED_OCCURRENCES).map_err(refuse)?;
    let mine = first_occurrences(&ours, start, all_day, CHECKED_OCCURRENCES).map_err(refuse)?;
    if theirs.first() != Some(&start) {
        return Err(refuse(
            "DTSTART is not an occurrence of the RRULE; Microsoft 365 would move the first \
             occurrence to the first date that fits. Start the series on a date the rule \
             produces.",
        ));
    }
    if theirs != mine {
        return Err(refuse(
            "Microsoft 365 cannot hold this RRULE exactly: the nearest pattern it has gives \
             other dates. Simplify the rule (one weekday position, one day of the month, one \
             month).",
        ));
    }
    Ok(Rule {
        floating: client,
        start,
        all_day,
        zone,
    })
}

/// The Windows name Graph is sent for `tz`, or the refusal.
fn windows(ctx: &Context<'_>, tz: Tz) -> Result<&'static str, Refusal> {
    ctx.zones.windows_name(tz).map_err(|e| refuse(e.sentence))
}

/// One VEVENT as Graph's write model. `occurrence` is the series and the
/// occurrence an override replaces (missing times come from there);
/// `recurrence` is set for the master only.
fn object_event(
    ctx: &Context<'_>,
    p: &Parsed,
    occurrence: Option<(&ObjectEvent, Moment)>,
    recurrence: Option<Option<PatternedRecurrence>>,
) -> Result<ObjectEvent, Refusal> {
    let start = match (p.start, p.recurrence_id) {
        (Some(s), _) => s,
        (None, Some(rid)) => rid,
        (None, None) => return Err(Refusal::data("The VEVENT has no DTSTART.")),
    };
    let (start_utc, end_utc, start_zone, end_zone, all_day) = match start {
        When::Date(d) => {
            let end = match (p.end, p.duration) {
                (Some(When::Date(e)), _) => e,
                (Some(When::Local(..)), _) => {
                    return Err(Refusal::data("DTSTART is a date but DTEND has a time."));
                }
                (None, Some(dur)) => {
                    if dur.num_seconds() % 86_400 != 0 {
                        return Err(Refusal::data(
                            "An all-day event's DURATION must be whole days.",
                        ));
                    }
                    d + Duration::days(dur.num_days())
                }
                (None, None) => match occurrence {
                    Some((series, _)) => {
                        let s = &series.span;
                        d + (to_local(s.end, s.end_zone).date()
                            - to_local(s.start, s.start_zone).date())
                    }
                    None => d + Duration::days(1),
                },
            };
            if end <= d {
                return Err(Refusal::data("DTEND must be after DTSTART."));
            }
            let tz = ctx.mailbox_zone;
            (
                to_utc(midnight(d), tz),
                to_utc(midnight(end), tz),
                tz,
                tz,
                true,
            )
        }
        When::Local(t, tz) => {
            let s = to_utc(t, tz);
            let (e, etz) = match (p.end, p.duration) {
                (Some(When::Local(et, etz)), _) => (to_utc(et, etz), etz),
                (Some(When::Date(_)), _) => {
                    return Err(Refusal::data("DTSTART has a time but DTEND is a date."));
                }
                (None, Some(dur)) => (s + dur, tz),
                (None, None) => match occurrence {
                    Some((series, _)) => (s + (series.span.end - series.span.start), tz),
                    None => (s, tz),
                },
            };
            if e < s {
                return Err(Refusal::data("DTEND is before DTSTART."));
            }
            (s, e, tz, etz, false)
        }
    };
    if let Some((series, _)) = occurrence
        && series.span.all_day != all_day
    {
        return Err(Refusal::data(
            "A changed occurrence must be all-day exactly when its series is.",
        ));
    }
    let start_name = windows(ctx, start_zone)?;
    let end_name = windows(ctx, end_zone)?;
    let (reminder_on, minutes) = reminder(p, start_utc, end_utc, recurrence.as_ref());
    let event = EventWrite {
        subject: Some(p.summary.clone()),
        body: Some(body_of(p)),
        start: Some(DateTimeTimeZone::new(
            to_local(start_utc, start_zone),
            start_name,
        )),
        end: Some(DateTimeTimeZone::new(to_local(end_utc, end_zone), end_name)),
        is_all_day: Some(all_day),
        location: Some(location_of(p)),
        categories: Some(p.categories.clone()),
        sensitivity: Some(p.sensitivity),
        show_as: Some(p.show_as),
        importance: Some(p.importance),
        is_reminder_on: Some(reminder_on),
        reminder_minutes_before_start: minutes,
        attendees: Some(attendees_of(p)),
        response_requested: Some(response_requested(p)),
        allow_new_time_proposals: Some(!p.disallow_counter),
        recurrence: recurrence.map(|r| r.filter(|_| occurrence.is_none())),
        transaction_id: None,
    };
    let owner = ctx.owner;
    Ok(ObjectEvent {
        event,
        owner_partstat: p
            .attendees
            .iter()
            .find(|a| a.address.eq_ignore_ascii_case(owner))
            .and_then(|a| a.partstat),
        cancelled: p.cancelled,
        span: Span {
            start: start_utc,
            end: end_utc,
            start_zone,
            end_zone,
            all_day,
        },
    })
}

/// Graph's one reminder: minutes before the start, from the first alarm
/// that fires at or before it.
fn reminder(
    p: &Parsed,
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
    recurrence: Option<&Option<PatternedRecurrence>>,
) -> (bool, Option<i32>) {
    let before = match p.alarm {
        None => return (false, None),
        Some(Alarm::FromStart(d)) => -d,
        Some(Alarm::FromEnd(d)) => -(d + (end - start)),
        // An absolute alarm fires once; on a series it means no reminder
        // for the other occurrences, which Graph cannot say.
        Some(Alarm::At(_)) if matches!(recurrence, Some(Some(_))) => return (false, None),
        Some(Alarm::At(t)) => start - t,
    };
    if before < Duration::zero() {
        return (false, None);
    }
    (true, i32::try_from(before.num_minutes()).ok())
}
