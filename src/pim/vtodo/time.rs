//! Graph's `dateTimeTimeZone` for To Do: read in whatever zone Graph names
//! (Windows or IANA names, through calcard), written in UTC.
// TODO(merge): `pim::zones` owns zone names and the mailbox's zone; use it
// here (and send local midnight for due dates) once it lands.

use std::str::FromStr;

use calcard::common::timezone::Tz;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use crate::graph::tasks::DateTimeTimeZone;
use crate::pim::vcard::{graph_date, graph_instant_of_date};

/// The instant a `dateTimeTimeZone` names; a zone calcard does not know
/// is read as UTC (what Graph sends unless asked otherwise).
pub(super) fn instant(value: &DateTimeTimeZone) -> Option<DateTime<Utc>> {
    let text = value.date_time.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .ok()?;
    let zone = value.time_zone.trim();
    if zone.is_empty() || zone.eq_ignore_ascii_case("UTC") {
        return Some(naive.and_utc());
    }
    match Tz::from_str(zone) {
        Ok(tz) if !tz.is_floating() => tz
            .from_local_datetime(&naive)
            .earliest()
            .map(|t| t.with_timezone(&Utc)),
        _ => Some(naive.and_utc()),
    }
}

/// The day a To Do date (due, start) means.
pub(super) fn day(value: &DateTimeTimeZone) -> Option<NaiveDate> {
    instant(value).map(graph_date)
}

/// An instant as graphgate writes it.
pub(super) fn utc(instant: DateTime<Utc>) -> DateTimeTimeZone {
    DateTimeTimeZone {
        date_time: instant.format("%Y-%m-%dT%H:%M:%S").to_string(),
        time_zone: "UTC".to_string(),
    }
}

/// A day as graphgate writes it (noon UTC, see `graph_date`).
pub(super) fn of_day(day: NaiveDate) -> DateTimeTimeZone {
    utc(graph_instant_of_date(day))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(date_time: &str, time_zone: &str) -> DateTimeTimeZone {
        DateTimeTimeZone {
            date_time: date_time.into(),
            time_zone: time_zone.into(),
        }
    }

    #[test]
    fn reads_utc_windows_and_iana_zones() {
        let utc_value = instant(&dt("2020-08-25T04:00:00.0000000", "UTC")).unwrap();
        assert_eq!(utc_value.to_rfc3339(), "2020-08-25T04:00:00+00:00");
        let windows = instant(&dt("2020-08-25T00:00:00.0000000", "Eastern Standard Time")).unwrap();
        assert_eq!(windows.to_rfc3339(), "2020-08-25T04:00:00+00:00");
        let iana = instant(&dt("2020-01-10T09:30:00", "Europe/Berlin")).unwrap();
        assert_eq!(iana.to_rfc3339(), "2020-01-10T08:30:00+00:00");
        assert!(instant(&dt("yesterday", "UTC")).is_none());
        assert_eq!(
            day(&dt("2020-08-24T22:00:00", "UTC")),
            NaiveDate::from_ymd_opt(2020, 8, 25)
        );
    }

    #[test]
    fn writes_utc() {
        let d = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        assert_eq!(of_day(d), dt("2024-05-01T12:00:00", "UTC"));
    }
}
