//! A series as one CalDAV resource holds it: the master (or the single
//! event), its exceptions, and the occurrences that were cancelled. Graph
//! v1.0 has no list of cancelled occurrences, so they are found by
//! expanding the master's pattern in its zone (up to a horizon for
//! endless series) and taking away the original starts Graph still lists.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::expand::{MAX_OCCURRENCES, first_occurrences, occurrences};
use super::rrule::{Until, rule_of};
use super::time::{Moment, date_of, day_of, instant_of, midnight, to_local, to_utc};
use crate::graph::{DateTimeTimeZone, Event, EventKind};
use crate::pim::zones;

/// A master or single event with what belongs to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The series master, or the single event. Its start is the first
    /// occurrence (moved there if Graph's master start does not fit the
    /// pattern, as Graph itself places the first occurrence).
    pub master: Event,
    /// Occurrences changed on their own (type `exception`), in order of
    /// their original start, up to the horizon.
    pub exceptions: Vec<Event>,
    /// Occurrences cancelled (deleted), in order, up to the horizon.
    pub cancelled: Vec<Moment>,
    /// The zone the series' times are written and repeated in.
    pub zone: Tz,
    /// Exceptions and cancellations after this are not known.
    pub horizon: DateTime<Utc>,
}

/// Graph gave a series graphgate cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Microsoft 365 gave an event graphgate cannot read: {0}")]
pub struct SeriesError(pub String);

/// The zone a series repeats in (and a single event is shown in): its
/// recurrence zone, else the zone of its start, else the mailbox's.
pub(crate) fn series_zone(master: &Event, mailbox_zone: Tz) -> Tz {
    let rec_zone = master
        .recurrence
        .as_ref()
        .and_then(|r| r.range.recurrence_time_zone.as_deref())
        .and_then(zones::from_name);
    let start_zone = master
        .original_start_time_zone
        .as_deref()
        .and_then(zones::from_name);
    match (master.recurrence.is_some(), rec_zone, start_zone) {
        (true, Some(z), _) | (_, _, Some(z)) => z,
        (_, _, None) => mailbox_zone,
    }
}

/// The wall-clock start of `event` in `zone` (midnight for all-day).
pub(crate) fn local_start(event: &Event, zone: Tz) -> Result<NaiveDateTime, SeriesError> {
    let start = event
        .start
        .as_ref()
        .ok_or_else(|| SeriesError("an event has no start".into()))?;
    if event.is_all_day {
        return date_of(start, zone)
            .map(midnight)
            .ok_or_else(|| SeriesError("an all-day event has an unreadable start".into()));
    }
    instant_of(start)
        .map(|t| to_local(t, zone))
        .ok_or_else(|| SeriesError("an event has an unreadable start".into()))
}

/// The occurrences the master's pattern makes up to `horizon`, as moments
/// and as starting instants.
pub(crate) fn expected(
    master: &Event,
    zone: Tz,
    horizon: DateTime<Utc>,
) -> Result<Vec<(Moment, NaiveDateTime)>, SeriesError> {
    let Some(rec) = &master.recurrence else {
        return Ok(Vec::new());
    };
    let start = local_start(master, zone)?;
    let all_day = master.is_all_day;
    let form = if all_day {
        Until::Date
    } else {
        Until::Floating
    };
    let rule = rule_of(rec, start, form).map_err(SeriesError)?;
    // Graph's first occurrence is the first date on or after the start
    // that fits the pattern, and its periods count from there (every other
    // month from 29 August: September, November).
    let mut fits = rule.clone();
    fits.interval = None;
    fits.count = None;
    let Some(first) = first_occurrences(&fits, start, all_day, 1)
        .map_err(SeriesError)?
        .first()
        .copied()
    else {
        return Ok(Vec::new());
    };
    let until = to_local(horizon, zone);
    let starts =
        occurrences(&rule, first, all_day, Some(until), MAX_OCCURRENCES).map_err(SeriesError)?;
    Ok(starts
        .into_iter()
        .map(|t| {
            let m = if all_day {
                Moment::Date(t.date())
            } else {
                Moment::At(to_utc(t, zone))
            };
            (m, t)
        })
        .collect())
}

/// The moment Graph's `originalStart` names in a series.
pub(crate) fn moment_of(original_start: DateTime<Utc>, all_day: bool, zone: Tz) -> Moment {
    if all_day {
        Moment::Date(day_of(original_start, zone))
    } else {
        Moment::At(original_start)
    }
}

/// The occurrences of `master`'s pattern up to `horizon` that are not among
/// the original starts `seen` (every occurrence and exception Graph lists
/// for the same period): the cancelled ones. `zone` as [`Series::zone`].
pub fn cancelled_occurrences(
    master: &Event,
    zone: Tz,
    seen: &[DateTime<Utc>],
    horizon: DateTime<Utc>,
) -> Result<Vec<Moment>, SeriesError> {
    let seen: BTreeSet<Moment> = seen
        .iter()
        .map(|s| moment_of(*s, master.is_all_day, zone))
        .collect();
    Ok(expected(master, zone, horizon)?
        .into_iter()
        .map(|(m, _)| m)
        .filter(|m| !seen.contains(m))
        .collect())
}

impl Series {
    /// A single event (or a master read without its instances).
    pub fn single(event: Event, mailbox_zone: Tz) -> Series {
        let zone = series_zone(&event, mailbox_zone);
        Series {
            master: event,
            exceptions: Vec::new(),
            cancelled: Vec::new(),
            zone,
            horizon: DateTime::<Utc>::MIN_UTC,
        }
    }

    /// A series from its master, the instances Graph listed for it up to
    /// `horizon` (occurrences and exceptions, `originalStart` at least) and
    /// its exceptions read whole.
    pub fn assemble(
        master: Event,
        instances: &[Event],
        exceptions: Vec<Event>,
        horizon: DateTime<Utc>,
        mailbox_zone: Tz,
    ) -> Result<Series, SeriesError> {
        let mut series = Series::single(master, mailbox_zone);
        series.horizon = horizon;
        if !series.is_recurring() {
            return Ok(series);
        }
        let zone = series.zone;
        let all_day = series.master.is_all_day;
        let expect = expected(&series.master, zone, horizon)?;
        let seen: BTreeSet<Moment> = instances
            .iter()
            .filter_map(|i| i.original_start)
            .map(|s| moment_of(s, all_day, zone))
            .collect();
        let expected_set: BTreeSet<Moment> = expect.iter().map(|(m, _)| *m).collect();
        let strays = seen.difference(&expected_set).count();
        if strays > 0 {
            tracing::warn!(
                strays,
                "a series lists occurrences its pattern does not make; its rendering may differ"
            );
        }
        series.cancelled = expect
            .iter()
            .map(|(m, _)| *m)
            .filter(|m| !seen.contains(m))
            .collect();
        let mut exceptions: Vec<Event> = exceptions
            .into_iter()
            .filter(|e| e.kind == EventKind::Exception)
            .filter(|e| e.original_start.is_some_and(|s| s <= horizon))
            .collect();
        exceptions.sort_by_key(|e| e.original_start);
        series.exceptions = exceptions;
        // The first occurrence is where the series starts.
        if let Some((_, first)) = expect.first() {
            series.move_start_to(*first)?;
        }
        Ok(series)
    }

    fn move_start_to(&mut self, first: NaiveDateTime) -> Result<(), SeriesError> {
        let zone = self.zone;
        let current = local_start(&self.master, zone)?;
        if current == first {
            return Ok(());
        }
        let (Some(start), Some(end)) = (&self.master.start, &self.master.end) else {
            return Ok(());
        };
        if self.master.is_all_day {
            let (Some(s), Some(e)) = (date_of(start, zone), date_of(end, zone)) else {
                return Ok(());
            };
            let days = e - s;
            self.master.start = Some(DateTimeTimeZone::new(first, "UTC"));
            self.master.end = Some(DateTimeTimeZone::new(first + days, "UTC"));
        } else {
            let (Some(s), Some(e)) = (instant_of(start), instant_of(end)) else {
                return Ok(());
            };
            let at = to_utc(first, zone);
            self.master.start = Some(DateTimeTimeZone::new(at.naive_utc(), "UTC"));
            self.master.end = Some(DateTimeTimeZone::new((at + (e - s)).naive_utc(), "UTC"));
        }
        Ok(())
    }

    /// The id of the master or single event.
    pub fn id(&self) -> &str {
        &self.master.id
    }

    pub fn is_recurring(&self) -> bool {
        self.master.kind == EventKind::SeriesMaster && self.master.recurrence.is_some()
    }

    pub fn is_all_day(&self) -> bool {
        self.master.is_all_day
    }

    /// The moment Graph's `originalStart` names in this series.
    pub fn moment_of(&self, original_start: DateTime<Utc>) -> Moment {
        moment_of(original_start, self.master.is_all_day, self.zone)
    }
}
