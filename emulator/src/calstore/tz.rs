//! Time zones as Graph names them, and wall-clock arithmetic in them.
//!
//! A `dateTimeTimeZone` carries a wall-clock time and a zone name: a Windows
//! name ("W. Europe Standard Time"), an IANA name ("Europe/Berlin") or
//! "UTC". The emulator resolves either to an IANA zone (Windows names
//! through CLDR's table in the `graphgate-zones` crate) and converts with chrono-tz,
//! so a weekly 09:00 meeting stays at 09:00 across a DST change.

use std::str::FromStr;

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use graphgate_zones::WINDOWS_ZONES;

/// The zone a Graph zone name stands for, or None if Graph would refuse it
/// (`TimeZoneNotSupportedException`). Windows names match case-insensitively
/// (Exchange compares them so); IANA names must be spelled exactly.
pub(crate) fn resolve(name: &str) -> Option<Tz> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    if name.eq_ignore_ascii_case("tzone://Microsoft/Utc") || name.eq_ignore_ascii_case("UTC") {
        return Some(Tz::UTC);
    }
    if let Some((_, iana)) = WINDOWS_ZONES
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(name))
    {
        return Tz::from_str(iana).ok();
    }
    Tz::from_str(name).ok()
}

/// The instant a wall-clock time in `tz` names. A time that does not exist
/// (the hour skipped when DST starts) moves forward by the gap, as RFC 5545
/// reads it; an ambiguous one (the hour repeated when DST ends) takes the
/// earlier instant.
pub(crate) fn to_utc(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        LocalResult::None => {
            // RFC 5545 §3.3.5: a skipped wall-clock time is read with the
            // offset in force before the transition (02:30 → 03:30 CEST).
            let before = (1..=6).map(|h| local - Duration::hours(h)).find_map(|t| {
                match tz.from_local_datetime(&t) {
                    LocalResult::Single(x) | LocalResult::Ambiguous(x, _) => Some(x.offset().fix()),
                    LocalResult::None => None,
                }
            });
            match before {
                Some(off) => Utc.from_utc_datetime(&(local - off)),
                None => Utc.from_utc_datetime(&local),
            }
        }
    }
}

/// The wall-clock time `at` shows in `tz`.
pub(crate) fn to_local(at: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    at.with_timezone(&tz).naive_local()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, min, 0))
            .expect("valid date")
    }

    #[test]
    fn every_windows_name_resolves_to_a_known_iana_zone() {
        assert!(WINDOWS_ZONES.len() >= 139);
        for (w, iana) in WINDOWS_ZONES {
            assert!(Tz::from_str(iana).is_ok(), "{w} → {iana}");
            assert!(resolve(w).is_some(), "{w}");
        }
    }

    #[test]
    fn windows_iana_and_utc_names_are_accepted_and_garbage_is_not() {
        let cases: &[(&str, Option<&str>)] = &[
            ("W. Europe Standard Time", Some("Europe/Berlin")),
            ("w. europe standard time", Some("Europe/Berlin")),
            ("Pacific Standard Time", Some("America/Los_Angeles")),
            ("Eastern Standard Time", Some("America/New_York")),
            ("India Standard Time", Some("Asia/Calcutta")),
            ("UTC", Some("UTC")),
            ("tzone://Microsoft/Utc", Some("UTC")),
            ("Europe/Berlin", Some("Europe/Berlin")),
            ("America/Los_Angeles", Some("America/Los_Angeles")),
            ("Etc/GMT+12", Some("Etc/GMT+12")),
            ("Mars Standard Time", None),
            ("GMT+6:30", None),
            ("", None),
            ("europe/berlin", None),
        ];
        for (name, want) in cases {
            assert_eq!(resolve(name).map(|t| t.name()), *want, "{name}");
        }
    }

    #[test]
    fn wall_clock_converts_across_dst_in_berlin_and_new_york() {
        let berlin = resolve("W. Europe Standard Time").unwrap();
        // Winter: UTC+1; summer: UTC+2.
        assert_eq!(
            to_utc(local(2025, 3, 24, 9, 0), berlin).to_rfc3339(),
            "2025-03-24T08:00:00+00:00"
        );
        assert_eq!(
            to_utc(local(2025, 3, 31, 9, 0), berlin).to_rfc3339(),
            "2025-03-31T07:00:00+00:00"
        );
        let ny = resolve("Eastern Standard Time").unwrap();
        assert_eq!(
            to_utc(local(2025, 3, 7, 9, 0), ny).to_rfc3339(),
            "2025-03-07T14:00:00+00:00"
        );
        assert_eq!(
            to_utc(local(2025, 3, 10, 9, 0), ny).to_rfc3339(),
            "2025-03-10T13:00:00+00:00"
        );
        assert_eq!(
            to_local(to_utc(local(2025, 7, 1, 9, 0), berlin), berlin),
            local(2025, 7, 1, 9, 0)
        );
    }

    #[test]
    fn skipped_and_repeated_hours_have_one_answer() {
        let berlin = resolve("Europe/Berlin").unwrap();
        // 02:30 on 30 March 2025 does not exist in Berlin: it becomes 03:30 CEST.
        assert_eq!(
            to_utc(local(2025, 3, 30, 2, 30), berlin).to_rfc3339(),
            "2025-03-30T01:30:00+00:00"
        );
        // 02:30 on 26 October 2025 happens twice: the first (CEST) wins.
        assert_eq!(
            to_utc(local(2025, 10, 26, 2, 30), berlin).to_rfc3339(),
            "2025-10-26T00:30:00+00:00"
        );
    }
}
