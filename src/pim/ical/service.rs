//! The series as a CalDAV resource, through Graph: read one (the master,
//! its instances up to a horizon, its exceptions whole, its cancelled
//! occurrences found by expansion), write one (the plan's steps, each
//! confirmed by Graph before the next; a failure part-way says what was
//! done), and delete one (an attendee's delete declines, as RFC 6638 has
//! it, which also takes the meeting off the calendar).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use futures::{StreamExt, TryStreamExt};

use super::object::CalendarObject;
use super::plan::{MasterStep, Step, plan};
use super::rrule::margin;
use super::series::{Series, SeriesError, expected, moment_of, series_zone};
use super::time::{Moment, midnight, to_utc};
use super::{Context, Refusal, parse, render};
use crate::graph::{self, Event, EventKind, Mailbox, MeetingAnswer};

/// The most instances read for one series.
const MAX_INSTANCES: usize = 20_000;
/// The most exceptions read whole for one series.
const MAX_EXCEPTIONS: usize = 500;

/// A series could not be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Graph(#[from] graph::Error),
    #[error(transparent)]
    Unreadable(#[from] SeriesError),
}

/// Exceptions a caller already holds whole (a calendarView delta round
/// carries them with every property), by id: [`read_series`] takes one
/// from here instead of reading it again when its `changeKey` is the one
/// the instance listing shows.
pub type KnownEvents = BTreeMap<String, Event>;

/// Exceptions read whole at once for one series (the mailbox's own limit
/// of concurrent requests is 4).
const EXCEPTION_READS_AT_ONCE: usize = 4;

/// Read the series `id` belongs to (a master, a single event, or any
/// occurrence or exception of a series), with its exceptions and
/// cancellations up to `horizon`.
pub async fn read_series(
    mb: &Mailbox,
    id: &str,
    horizon: DateTime<Utc>,
    mailbox_zone: Tz,
) -> Result<Series, ReadError> {
    read_series_knowing(mb, id, horizon, mailbox_zone, &KnownEvents::new()).await
}

/// [`read_series`], taking the exceptions `known` holds from there.
pub async fn read_series_knowing(
    mb: &Mailbox,
    id: &str,
    horizon: DateTime<Utc>,
    mailbox_zone: Tz,
    known: &KnownEvents,
) -> Result<Series, ReadError> {
    let mut master = mb.event(id).await?;
    if matches!(master.kind, EventKind::Occurrence | EventKind::Exception)
        && let Some(series_id) = master.series_master_id.clone()
    {
        master = mb.event(&series_id).await?;
    }
    let Some(rec) = master
        .recurrence
        .clone()
        .filter(|_| master.kind == EventKind::SeriesMaster)
    else {
        return Ok(Series::single(master, mailbox_zone));
    };
    let zone = series_zone(&master, mailbox_zone);
    let expect = expected(&master, zone, horizon)?;
    let (Some((_, first)), Some((_, last))) = (expect.first(), expect.last()) else {
        return Ok(Series::assemble(
            master,
            &[],
            Vec::new(),
            horizon,
            mailbox_zone,
        )?);
    };
    let pad = margin(&rec.pattern);
    let from = to_utc(*first, zone) - pad;
    let to = to_utc(*last, zone) + pad + Duration::days(1);
    let instances: Vec<Event> = mb
        .event_instances(&master.id, from, to, MAX_INSTANCES)
        .await?
        .into_iter()
        .filter(|i| i.original_start.is_some_and(|s| s <= horizon))
        .collect();
    let changed: Vec<&Event> = instances
        .iter()
        .filter(|i| i.kind == EventKind::Exception)
        .collect();
    if changed.len() > MAX_EXCEPTIONS {
        return Err(SeriesError(format!(
            "the series has more than {MAX_EXCEPTIONS} changed occurrences"
        ))
        .into());
    }
    let mut exceptions = Vec::with_capacity(changed.len());
    let mut unknown = Vec::new();
    for x in changed {
        match known.get(&x.id) {
            Some(e) if e.change_key.is_some() && e.change_key == x.change_key => {
                exceptions.push(e.clone());
            }
            _ => unknown.push(x.id.clone()),
        }
    }
    let read: Vec<Event> = futures::stream::iter(unknown)
        .map(|id| async move { mb.event(&id).await })
        .buffered(EXCEPTION_READS_AT_ONCE)
        .try_collect()
        .await?;
    exceptions.extend(read);
    Ok(Series::assemble(
        master,
        &instances,
        exceptions,
        horizon,
        mailbox_zone,
    )?)
}

/// Delete a series or single event. The organizer's delete cancels the
/// meeting for everyone (Graph mails the cancellations); an attendee who
/// has not declined declines (the organizer is told, and the meeting
/// leaves the calendar); anything else is deleted.
pub async fn delete_series(mb: &Mailbox, series: &Series) -> Result<(), graph::Error> {
    let m = &series.master;
    let answered = m.response_status.as_ref().map(|r| r.response);
    let attendee = m.is_organizer == Some(false)
        && !m.is_cancelled
        && answered != Some(graph::ResponseType::Declined);
    if attendee {
        let send = m.response_requested.unwrap_or(true);
        return mb
            .answer_meeting(series.id(), MeetingAnswer::Decline, send, None)
            .await;
    }
    mb.delete_event(series.id()).await
}

/// What to write.
#[derive(Debug, Clone, Copy)]
pub struct WriteRequest<'a> {
    /// The calendar a new series is created in.
    pub calendar_id: &'a str,
    /// The series now (read with [`read_series`]), for an update.
    pub existing: Option<&'a Series>,
    pub object: &'a CalendarObject,
    /// Creation only: a key that makes a retried create harmless (the
    /// caller derives it from the collection, resource name and UID).
    pub transaction_id: Option<&'a str>,
    /// Occurrences up to here are checked when the pattern changes.
    pub horizon: DateTime<Utc>,
    pub context: Context<'a>,
}

/// What Graph confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteOutcome {
    /// The series' (or single event's) id.
    pub id: String,
    pub created: bool,
    /// The owner declined: Microsoft 365 took the meeting off the calendar.
    pub removed: bool,
    /// Each step Graph confirmed, in words.
    pub done: Vec<String>,
}

/// A write that did not (fully) happen.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    /// Refused before anything was sent: nothing changed.
    #[error(transparent)]
    Refused(Refusal),
    /// The first step failed: nothing changed (unless the error is
    /// `OutcomeUnknown`, when Graph may have made the change).
    #[error(transparent)]
    Graph(graph::Error),
    /// Some steps were made, then one failed; the rest were not tried.
    #[error("{sentence}")]
    Partial {
        /// The series' id (it exists).
        id: String,
        done: Vec<String>,
        failed: String,
        error: graph::Error,
        sentence: String,
    },
}

struct Run<'a> {
    mb: &'a Mailbox,
    id: String,
    done: Vec<String>,
}

impl Run<'_> {
    fn fail(self, failed: String, error: graph::Error) -> WriteError {
        let made = if self.done.is_empty() {
            "nothing was changed".to_string()
        } else {
            format!(
                "Microsoft 365 took only part of the change ({})",
                self.done.join(", ")
            )
        };
        let sentence = format!(
            "{made}; then {failed} failed ({error}). The event holds what was made; send it \
             again to finish."
        );
        WriteError::Partial {
            id: self.id,
            done: self.done,
            failed,
            error,
            sentence,
        }
    }
}

/// A step in words: while it is tried, and once Graph confirmed it.
fn step_words(s: &Step) -> (String, String) {
    match s {
        Step::Patch(m, _) => (
            format!("changing the occurrence of {m}"),
            format!("changed the occurrence of {m}"),
        ),
        Step::Delete(m) => (
            format!("cancelling the occurrence of {m}"),
            format!("cancelled the occurrence of {m}"),
        ),
        Step::Answer(None, a) => (
            format!("answering the meeting ({})", a.action()),
            format!("answered the meeting ({})", a.action()),
        ),
        Step::Answer(Some(m), a) => (
            format!("answering the occurrence of {m} ({})", a.action()),
            format!("answered the occurrence of {m} ({})", a.action()),
        ),
    }
}

/// Write `req.object` to Graph: create it, or change the existing series
/// to match it. Each step waits for Graph's confirmation.
pub async fn write_series(mb: &Mailbox, req: WriteRequest<'_>) -> Result<WriteOutcome, WriteError> {
    let ctx = &req.context;
    let obj = req.object;
    let now = match req.existing {
        Some(series) => {
            let text = render(series, Some(&obj.uid), ctx.owner).map_err(|e| {
                WriteError::Refused(Refusal::object(format!(
                    "{e}; it cannot be changed through CalDAV"
                )))
            })?;
            Some(parse(&text, ctx).map_err(|e| {
                WriteError::Refused(Refusal::object(format!(
                    "The event as Microsoft 365 holds it cannot be changed through CalDAV: {}",
                    e.sentence
                )))
            })?)
        }
        None => None,
    };
    let plan = plan(
        obj,
        req.existing.zip(now.as_ref()),
        ctx.owner,
        req.transaction_id,
    )
    .map_err(WriteError::Refused)?;
    let (id, created, sent_start) = match &plan.master {
        MasterStep::Create(event) => {
            let e = mb
                .create_event(req.calendar_id, event)
                .await
                .map_err(WriteError::Graph)?;
            (e.id, true, true)
        }
        MasterStep::Patch(change) => {
            let id = req.existing.map(|s| s.id().to_string()).unwrap_or_default();
            if !change.is_empty() {
                mb.update_event(&id, change)
                    .await
                    .map_err(WriteError::Graph)?;
            }
            (id, false, change.start.is_some())
        }
    };
    let mut run = Run {
        mb,
        id,
        done: match &plan.master {
            MasterStep::Create(_) => vec!["created the event".to_string()],
            MasterStep::Patch(change) if !change.is_empty() => {
                vec!["changed the series".to_string()]
            }
            MasterStep::Patch(_) => Vec::new(),
        },
    };
    // Where Graph's occurrences are, for the steps that name one.
    let zone = match (sent_start, req.existing) {
        (false, Some(s)) => s.zone,
        _ => obj.master.span.start_zone,
    };
    let all_day = obj.master.span.all_day;
    let needs_instances = plan.reshape
        || plan
            .steps
            .iter()
            .any(|s| !matches!(s, Step::Answer(None, _)));
    let mut found: BTreeMap<Moment, (String, EventKind)> = BTreeMap::new();
    if needs_instances {
        let instances = match list_instances(&run, &plan.steps, plan.reshape, req, zone).await {
            Ok(list) => list,
            Err(e) => return Err(run.fail("reading the occurrences".into(), e)),
        };
        for i in instances {
            if let Some(os) = i.original_start {
                found.insert(moment_of(os, all_day, zone), (i.id, i.kind));
            }
        }
    }
    if plan.reshape {
        // Exceptions Graph kept through the change are put back in line.
        for (m, (iid, kind)) in &found {
            if *kind == EventKind::Exception
                && obj.override_at(*m).is_none()
                && !obj.exdates.contains(m)
            {
                let mut back = obj.master.as_occurrence(*m);
                back.attendees = None;
                back.response_requested = None;
                back.allow_new_time_proposals = None;
                if let Err(e) = mb.update_event(iid, &back).await {
                    return Err(run.fail(format!("restoring the occurrence of {m}"), e));
                }
                run.done.push(format!("restored the occurrence of {m}"));
            }
        }
    }
    let send = req
        .existing
        .and_then(|s| s.master.response_requested)
        .unwrap_or(true);
    let mut removed = false;
    for step in &plan.steps {
        let (words, made) = step_words(step);
        let target = match step {
            Step::Answer(None, _) => Some(run.id.clone()),
            Step::Patch(m, _) | Step::Delete(m) | Step::Answer(Some(m), _) => {
                found.get(m).map(|(i, _)| i.clone())
            }
        };
        let result = match (step, target) {
            (Step::Delete(m), None) => {
                run.done
                    .push(format!("found the occurrence of {m} already cancelled"));
                continue;
            }
            (_, None) => Err(graph::Error::Protocol(graph::BadAnswer::Shape(
                "Microsoft 365 does not list this occurrence",
            ))),
            (Step::Patch(_, change), Some(t)) => mb.update_event(&t, change).await.map(|_| ()),
            (Step::Delete(_), Some(t)) => mb.delete_event(&t).await,
            (Step::Answer(m, a), Some(t)) => {
                let r = mb.answer_meeting(&t, *a, send, None).await;
                if r.is_ok() && m.is_none() && *a == MeetingAnswer::Decline {
                    removed = true;
                }
                r
            }
        };
        match result {
            Ok(()) => run.done.push(made),
            Err(e) => return Err(run.fail(words, e)),
        }
    }
    Ok(WriteOutcome {
        id: run.id,
        created,
        removed,
        done: run.done,
    })
}

/// The series' instances around every occurrence the steps name (and, on
/// a reshape, up to the horizon).
async fn list_instances(
    run: &Run<'_>,
    steps: &[Step],
    reshape: bool,
    req: WriteRequest<'_>,
    zone: Tz,
) -> Result<Vec<Event>, graph::Error> {
    let at = |m: &Moment| match m {
        Moment::Date(d) => to_utc(midnight(*d), zone),
        Moment::At(t) => *t,
    };
    let mut points: Vec<DateTime<Utc>> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Patch(m, _) | Step::Delete(m) | Step::Answer(Some(m), _) => Some(at(m)),
            Step::Answer(None, _) => None,
        })
        .collect();
    points.push(req.object.master.span.start);
    if reshape {
        points.push(req.horizon.max(req.object.master.span.start));
    }
    let pattern = req
        .object
        .master
        .event
        .recurrence
        .clone()
        .flatten()
        .map(|r| r.pattern)
        .unwrap_or_default();
    let pad = margin(&pattern);
    let (Some(from), Some(to)) = (points.iter().min(), points.iter().max()) else {
        return Ok(Vec::new());
    };
    run.mb
        .event_instances(
            &run.id,
            *from - pad,
            *to + pad + Duration::days(1),
            MAX_INSTANCES,
        )
        .await
}
