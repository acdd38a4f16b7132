//! The Graph steps that make a series what a client's object says, in
//! order: create or PATCH the master, PATCH overridden occurrences, DELETE
//! cancelled ones, and answer a meeting (accept, tentativelyAccept,
//! decline) where the owner's PARTSTAT changed and they did not organise
//! it. For an update, the current series is rendered and parsed again so
//! both sides are compared in the same terms: only what differs is sent,
//! and an unchanged attendee list is never sent again (that would mail
//! every attendee). A change of times or pattern makes Graph drop the
//! series' exceptions (MS-OXOCAL), so all of them are applied again.

use super::object::{CalendarObject, ObjectEvent};
use super::time::Moment;
use super::{Precondition, Refusal};
use crate::graph::{Attendee, AttendeeType, EventWrite, MeetingAnswer};

/// The first step: the series itself.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MasterStep {
    Create(EventWrite),
    /// Possibly empty (nothing to change on the series).
    Patch(EventWrite),
}

/// A step after the master's.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// Change one occurrence (it becomes an exception).
    Patch(Moment, Box<EventWrite>),
    /// Cancel one occurrence.
    Delete(Moment),
    /// Answer the meeting (None) or one occurrence of it.
    Answer(Option<Moment>, MeetingAnswer),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub master: MasterStep,
    /// Times or pattern change: Graph drops exceptions, which are then
    /// applied again, and any exception it kept is put back in line.
    pub reshape: bool,
    pub steps: Vec<Step>,
}

/// Attendees compared as Graph treats them: by address and type.
fn attendee_key(list: &Option<Vec<Attendee>>) -> Vec<(String, AttendeeType)> {
    let mut v: Vec<(String, AttendeeType)> = list
        .iter()
        .flatten()
        .map(|a| {
            (
                a.email_address
                    .address
                    .clone()
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
                a.kind,
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// What `new` changes relative to `old` (both complete write models).
pub(crate) fn diff(old: &EventWrite, new: &EventWrite) -> EventWrite {
    let mut out = EventWrite::default();
    macro_rules! changed {
        ($($f:ident),*) => {$(
            if new.$f != old.$f {
                out.$f = new.$f.clone();
            }
        )*};
    }
    changed!(
        subject,
        body,
        start,
        end,
        is_all_day,
        location,
        categories,
        sensitivity,
        show_as,
        importance,
        is_reminder_on,
        response_requested,
        allow_new_time_proposals,
        recurrence
    );
    if new.reminder_minutes_before_start != old.reminder_minutes_before_start
        && new.is_reminder_on == Some(true)
    {
        out.reminder_minutes_before_start = new.reminder_minutes_before_start;
    }
    if attendee_key(&new.attendees) != attendee_key(&old.attendees) {
        out.attendees = new.attendees.clone();
    }
    out
}

fn moves(d: &EventWrite) -> bool {
    d.start.is_some() || d.end.is_some() || d.is_all_day.is_some() || d.recurrence.is_some()
}

/// What an attendee may not change on their copy of a meeting.
fn attendee_change(d: &mut EventWrite, what: &str) -> Result<(), Refusal> {
    if moves(d) || d.attendees.is_some() {
        return Err(Refusal::new(
            Precondition::AllowedAttendeeSchedulingObjectChange,
            format!(
                "Only the organizer can change the times, the repetition or the attendees of \
                 {what}; as an attendee you can answer (PARTSTAT) or change your own reminder, \
                 categories and free/busy."
            ),
        ));
    }
    // The organizer's settings; not the attendee's to change.
    d.response_requested = None;
    d.allow_new_time_proposals = None;
    Ok(())
}

/// The steps for `obj`; `existing` is the series now and its rendering
/// parsed again. `owner_organizes`: the owner organises the meeting (or
/// it is not a meeting).
pub(crate) fn plan(
    obj: &CalendarObject,
    existing: Option<(&super::Series, &CalendarObject)>,
    owner: &str,
    transaction_id: Option<&str>,
) -> Result<Plan, Refusal> {
    let Some((series, now)) = existing else {
        return create(obj, owner, transaction_id);
    };
    let organizer = series.master.is_organizer.unwrap_or(true);
    let mut master = diff(&now.master.event, &obj.master.event);
    if !organizer {
        attendee_change(&mut master, "this meeting")?;
    }
    if obj.master.cancelled && !now.master.cancelled {
        return Err(Refusal::object(
            "Microsoft 365 cancels a meeting when it is deleted; delete the event instead of \
             marking it cancelled.",
        ));
    }
    let recurring = obj
        .master
        .event
        .recurrence
        .as_ref()
        .is_some_and(Option::is_some);
    let reshape = recurring && moves(&master);
    let mut steps = Vec::new();
    if reshape {
        occurrences_anew(obj, &mut steps);
    } else {
        for o in &obj.overrides {
            let rid = o.recurrence_id;
            let before = now.override_at(rid);
            if o.event.cancelled {
                if before.is_none_or(|b| !b.event.cancelled) && !series.cancelled.contains(&rid) {
                    steps.push(Step::Delete(rid));
                }
                continue;
            }
            if series.cancelled.contains(&rid) {
                return Err(restore(rid));
            }
            let base = match before {
                Some(b) => b.event.event.clone(),
                None => now.master.as_occurrence(rid),
            };
            let mut d = diff(&base, &o.event.event);
            if !organizer {
                attendee_change(&mut d, "a single occurrence")?;
            }
            if !d.is_empty() {
                steps.push(Step::Patch(rid, Box::new(d)));
            }
        }
        for b in &now.overrides {
            let rid = b.recurrence_id;
            if obj.override_at(rid).is_none() && !obj.exdates.contains(&rid) {
                // Back in line with the series.
                let d = diff(&b.event.event, &obj.master.as_occurrence(rid));
                if !d.is_empty() {
                    steps.push(Step::Patch(rid, Box::new(d)));
                }
            }
        }
        for rid in &obj.exdates {
            if !series.cancelled.contains(rid) {
                steps.push(Step::Delete(*rid));
            }
        }
        if let Some(rid) = series.cancelled.iter().find(|c| {
            !obj.exdates.contains(c) && obj.override_at(**c).is_none_or(|o| !o.event.cancelled)
        }) {
            return Err(restore(*rid));
        }
    }
    if !organizer {
        answers(obj, now, &mut steps)?;
    }
    Ok(Plan {
        master: MasterStep::Patch(master),
        reshape,
        steps,
    })
}

fn restore(rid: Moment) -> Refusal {
    Refusal::object(format!(
        "The occurrence {rid} was cancelled; Microsoft 365 cannot bring a cancelled occurrence \
         back. Keep its EXDATE and add a separate event for that date."
    ))
}

/// Every override and EXDATE, as on a series that has none yet.
fn occurrences_anew(obj: &CalendarObject, steps: &mut Vec<Step>) {
    for o in &obj.overrides {
        if o.event.cancelled {
            steps.push(Step::Delete(o.recurrence_id));
            continue;
        }
        let d = diff(&obj.master.as_occurrence(o.recurrence_id), &o.event.event);
        if !d.is_empty() {
            steps.push(Step::Patch(o.recurrence_id, Box::new(d)));
        }
    }
    for rid in &obj.exdates {
        steps.push(Step::Delete(*rid));
    }
}

fn create(
    obj: &CalendarObject,
    owner: &str,
    transaction_id: Option<&str>,
) -> Result<Plan, Refusal> {
    if obj.has_attendees
        && let Some(org) = &obj.organizer
        && !org.eq_ignore_ascii_case(owner)
    {
        return Err(Refusal::new(
            Precondition::ValidOrganizer,
            format!(
                "Microsoft 365 makes the calendar's owner ({owner}) the organizer of every event \
                 it creates, and would send invitations in their name; this meeting is organised \
                 by {org}. Answer the invitation from the Inbox instead."
            ),
        ));
    }
    let mut event = obj.master.event.clone();
    event.transaction_id = transaction_id.map(str::to_string);
    let mut steps = Vec::new();
    occurrences_anew(obj, &mut steps);
    Ok(Plan {
        master: MasterStep::Create(event),
        reshape: false,
        steps,
    })
}

/// The owner's changed answers, as meeting actions: occurrences first,
/// then the series (a declined series leaves the calendar, so last).
fn answers(
    obj: &CalendarObject,
    now: &CalendarObject,
    steps: &mut Vec<Step>,
) -> Result<(), Refusal> {
    let action = |o: &ObjectEvent| -> Result<Option<MeetingAnswer>, Refusal> {
        match o.owner_partstat {
            None => Ok(None),
            Some(p) => p.answer().map(Some).ok_or_else(|| {
                Refusal::new(
                    Precondition::AllowedAttendeeSchedulingObjectChange,
                    "Microsoft 365 takes accepted, tentative or declined as an answer; it cannot \
                     set NEEDS-ACTION or DELEGATED.",
                )
            }),
        }
    };
    let series_changed = obj.master.owner_partstat.is_some()
        && obj.master.owner_partstat != now.master.owner_partstat;
    let series_answer = if series_changed {
        action(&obj.master)?
    } else {
        None
    };
    for o in &obj.overrides {
        if o.event.cancelled || o.event.owner_partstat.is_none() {
            continue;
        }
        let rid = o.recurrence_id;
        let before = now
            .override_at(rid)
            .and_then(|b| b.event.owner_partstat)
            .or(now.master.owner_partstat);
        let follows_series = series_changed && o.event.owner_partstat == obj.master.owner_partstat;
        if o.event.owner_partstat != before
            && !follows_series
            && let Some(a) = action(&o.event)?
        {
            steps.push(Step::Answer(Some(rid), a));
        }
    }
    if let Some(a) = series_answer {
        if a == MeetingAnswer::Decline {
            steps.push(Step::Answer(None, a));
        } else {
            // Before the occurrences' own answers, which may differ.
            let first = steps
                .iter()
                .position(|s| matches!(s, Step::Answer(..)))
                .unwrap_or(steps.len());
            steps.insert(first, Step::Answer(None, a));
        }
    }
    Ok(())
}
