//! Wall-clock times, instants and dates, converted the one way both sides
//! agree on: a wall-clock time skipped by a DST change is read with the
//! offset before it (RFC 5545 §3.3.5), a repeated one as the earlier
//! instant; an all-day boundary names the date of the nearest midnight.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::graph::DateTimeTimeZone;
use crate::pim::zones;

/// Where one occurrence of a series begins: a date in an all-day series,
/// an instant otherwise. It names an occurrence in RECURRENCE-ID and
/// EXDATE, and in Graph's `originalStart`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Moment {
    Date(NaiveDate),
    At(DateTime<Utc>),
}

impl std::fmt::Display for Moment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Moment::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Moment::At(t) => write!(f, "{}", t.format("%Y-%m-%d %H:%M UTC")),
        }
    }
}

/// The instant a wall-clock time in `tz` names.
pub(crate) fn to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            // The offset in force before the gap, found a few hours back.
            let before = (1..=27).map(|h| local - Duration::hours(h)).find_map(|t| {
                match tz.from_local_datetime(&t) {
                    LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => Some(x.offset().fix()),
                    LocalResult::None => None,
                }
            });
            let offset = before.map_or(0, |o| o.local_minus_utc());
            (local - Duration::seconds(i64::from(offset))).and_utc()
        }
    }
}

/// The wall-clock time `at` shows in `tz`.
pub(crate) fn to_local(at: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    at.with_timezone(&tz).naive_local()
}

/// The date of an all-day boundary given as an instant: the nearest
/// midnight in `tz` (a DST shift of the instant cannot move the date).
pub(crate) fn day_of(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    to_local(at + Duration::hours(12), tz).date()
}

/// The instant a Graph `dateTimeTimeZone` names (graphgate asks for UTC;
/// any zone Graph might answer in is read too).
pub(crate) fn instant_of(t: &DateTimeTimeZone) -> Option<DateTime<Utc>> {
    if let Some(utc) = t.utc() {
        return Some(utc);
    }
    let tz = zones::from_name(t.time_zone.as_deref()?)?;
    Some(to_utc(t.wall_clock()?, tz))
}

/// The date an all-day event's start or end names: the wall-clock date
/// when Graph gave a midnight, else the date in the event's zone.
pub(crate) fn date_of(t: &DateTimeTimeZone, event_zone: Tz) -> Option<NaiveDate> {
    let wall = t.wall_clock()?;
    if wall.time() == chrono::NaiveTime::MIN {
        return Some(wall.date());
    }
    instant_of(t).map(|i| day_of(i, event_zone))
}

/// Midnight at the start of `d`.
pub(crate) fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(chrono::NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn gaps_and_repeats_follow_rfc_5545() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 02:30 does not exist on 30 March 2025: read with CET (+1).
        assert_eq!(
            to_utc(local("2025-03-30T02:30"), berlin).to_rfc3339(),
            "2025-03-30T01:30:00+00:00"
        );
        // 02:30 happens twice on 26 October 2025: the first one.
        assert_eq!(
            to_utc(local("2025-10-26T02:30"), berlin).to_rfc3339(),
            "2025-10-26T00:30:00+00:00"
        );
        let ny: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            to_utc(local("2025-03-10T09:00"), ny).to_rfc3339(),
            "2025-03-10T13:00:00+00:00"
        );
        assert_eq!(
            to_utc(local("2025-03-07T09:00"), ny).to_rfc3339(),
            "2025-03-07T14:00:00+00:00"
        );
    }

    #[test]
    fn all_day_boundaries_name_their_date() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let midnight_berlin = to_utc(local("2025-03-30T00:00"), berlin);
        assert_eq!(day_of(midnight_berlin, berlin).to_string(), "2025-03-30");
        let graph = DateTimeTimeZone {
            date_time: "2025-10-26T00:00:00.0000000".into(),
            time_zone: Some("UTC".into()),
        };
        assert_eq!(date_of(&graph, berlin).unwrap().to_string(), "2025-10-26");
        let shifted = DateTimeTimeZone {
            date_time: "2025-10-25T22:00:00.0000000".into(),
            time_zone: Some("UTC".into()),
        };
        assert_eq!(date_of(&shifted, berlin).unwrap().to_string(), "2025-10-26");
    }
}
