//! Time-zone names between Microsoft 365 and iCalendar. Graph names zones
//! the Windows way ("W. Europe Standard Time") and takes Windows names on
//! writes; iCalendar clients use IANA names ("Europe/Amsterdam"). Windows
//! to IANA uses CLDR's table (territory `001`), then calcard's wider list of
//! legacy names. IANA to Windows uses the same table backwards and, for any
//! other IANA zone, the first Windows zone in the table whose IANA zone has
//! exactly the same UTC offsets, transition for transition, from 2000 to
//! 2060; a zone with no such twin is refused with a sentence, never shifted.
//! The search is cached in [`Zones`], which the caller keeps.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use graphgate_zones::WINDOWS_ZONES;

/// The span over which two zones must agree to be the same zone for
/// graphgate: 2000-01-01 to 2060-01-01 (UTC).
const SPAN_FROM: i64 = 946_684_800;
const SPAN_TO: i64 = 2_840_140_800;
const DAY: i64 = 86_400;

/// Names Graph and iCalendar use for UTC itself.
const UTC_NAMES: [&str; 12] = [
    "UTC",
    "Etc/UTC",
    "Etc/GMT",
    "GMT",
    "Etc/Universal",
    "Universal",
    "Etc/Zulu",
    "Zulu",
    "Etc/UCT",
    "UCT",
    "Etc/GMT0",
    "tzone://Microsoft/Utc",
];

/// True for UTC under any of its names (times in it are written with `Z`).
pub fn is_utc(tz: Tz) -> bool {
    tz == Tz::UTC
        || UTC_NAMES.contains(&tz.name())
        || tz.name() == "Etc/GMT+0"
        || tz.name() == "Etc/GMT-0"
}

/// The IANA zone a zone name stands for, as Graph writes it (a Windows
/// name, one of the IANA names it accepts, UTC) or as a client's TZID
/// spells it (IANA, Windows, a legacy Outlook display name, a
/// `/mozilla.org/…/Europe/Berlin` path). `None` for what cannot be known,
/// such as Outlook's `tzone://Microsoft/Custom`.
pub fn from_name(name: &str) -> Option<Tz> {
    let name = name.trim();
    if name.is_empty() || name.len() > 200 {
        return None;
    }
    if UTC_NAMES.iter().any(|u| u.eq_ignore_ascii_case(name)) {
        return Some(Tz::UTC);
    }
    if let Some((_, iana)) = WINDOWS_ZONES
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(name))
    {
        return Tz::from_str(iana).ok();
    }
    if let Ok(tz) = Tz::from_str(name) {
        return Some(tz);
    }
    match calcard::common::timezone::Tz::from_str(name) {
        Ok(calcard::common::timezone::Tz::Tz(tz)) => Some(tz),
        Ok(calcard::common::timezone::Tz::Fixed(offset)) => fixed(offset.local_minus_utc()),
        _ => None,
    }
}

/// The `Etc/GMT±h` zone of a whole-hour offset (the signs are POSIX's,
/// reversed).
pub fn fixed(offset_seconds: i32) -> Option<Tz> {
    if offset_seconds == 0 {
        return Some(Tz::UTC);
    }
    if offset_seconds % 3600 != 0 {
        return None;
    }
    let hours = offset_seconds / 3600;
    let sign = if hours > 0 { '-' } else { '+' };
    Tz::from_str(&format!("Etc/GMT{sign}{}", hours.abs())).ok()
}

/// Why a zone cannot be sent to Microsoft 365.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{sentence}")]
pub struct ZoneRefusal {
    /// The IANA name refused.
    pub zone: String,
    /// What a person can do about it.
    pub sentence: String,
}

/// IANA → Windows names for writes, with the search for an equivalent
/// Windows zone cached. Keep one for the life of the process.
#[derive(Debug, Default)]
pub struct Zones {
    found: parking_lot::Mutex<HashMap<Tz, Option<&'static str>>>,
}

impl Zones {
    pub fn new() -> Zones {
        Zones::default()
    }

    /// The Windows zone name to send Graph for `tz`: CLDR's when the table
    /// has `tz`, else the first Windows zone with exactly the same UTC
    /// offsets from 2000 to 2060, else a refusal.
    pub fn windows_name(&self, tz: Tz) -> Result<&'static str, ZoneRefusal> {
        if is_utc(tz) {
            return Ok("UTC");
        }
        if let Some((w, _)) = WINDOWS_ZONES.iter().find(|(_, i)| *i == tz.name()) {
            return Ok(w);
        }
        let cached = self.found.lock().get(&tz).copied();
        let found = match cached {
            Some(found) => found,
            None => {
                let found = equivalent(tz);
                self.found.lock().insert(tz, found);
                found
            }
        };
        found.ok_or_else(|| refusal(tz))
    }
}

fn refusal(tz: Tz) -> ZoneRefusal {
    let now = Utc::now().timestamp();
    let offset = offset_at(tz, now);
    let like = WINDOWS_ZONES
        .iter()
        .filter_map(|(_, i)| Tz::from_str(i).ok())
        .find(|c| offset_at(*c, now) == offset)
        .map(|c| format!(" (one with the same offset today is {})", c.name()))
        .unwrap_or_default();
    ZoneRefusal {
        zone: tz.name().to_string(),
        sentence: format!(
            "Microsoft 365 has no time zone with the rules of {}: no Windows time zone has the \
             same UTC offsets from 2000 to 2060, and graphgate does not shift times to a zone \
             that differs. Give this event a time zone Microsoft 365 knows{like}.",
            tz.name()
        ),
    }
}

/// The UTC offset of `tz` at `at` (Unix seconds), in seconds.
fn offset_at(tz: Tz, at: i64) -> i32 {
    let Some(t) = DateTime::<Utc>::from_timestamp(at, 0) else {
        return 0;
    };
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

/// Every change of offset of `tz` in the span: (instant, new offset), after
/// the offset at the span's start. Looked at daily, each change then
/// found to the second (a change and its reversal within one day would be
/// missed; no zone has one since 2000).
fn transitions(tz: Tz) -> (i32, Vec<(i64, i32)>) {
    let first = offset_at(tz, SPAN_FROM);
    let mut out = Vec::new();
    let mut last = first;
    let mut at = SPAN_FROM;
    while at < SPAN_TO {
        let next = (at + DAY).min(SPAN_TO);
        let offset = offset_at(tz, next);
        if offset != last {
            // The first second with the new offset, in (at, next].
            let (mut lo, mut hi) = (at, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid) == last {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push((hi, offset_at(tz, hi)));
            last = offset;
        }
        at = next;
    }
    (first, out)
}

/// The first Windows zone of the table whose IANA zone keeps the same
/// offsets as `tz` over the span.
fn equivalent(tz: Tz) -> Option<&'static str> {
    // A quick look at a few instants first: most candidates differ there.
    let samples: Vec<i64> = (0..24)
        .map(|i| SPAN_FROM + i * (SPAN_TO - SPAN_FROM) / 24 + i * 3_301_000)
        .collect();
    let own: Vec<i32> = samples.iter().map(|s| offset_at(tz, *s)).collect();
    let mut mine = None;
    for (windows, iana) in WINDOWS_ZONES {
        let Ok(candidate) = Tz::from_str(iana) else {
            continue;
        };
        if samples
            .iter()
            .zip(&own)
            .any(|(s, o)| offset_at(candidate, *s) != *o)
        {
            continue;
        }
        let mine = mine.get_or_insert_with(|| transitions(tz));
        if transitions(candidate) == *mine {
            return Some(windows);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_and_iana_names_resolve() {
        let cases: &[(&str, Option<&str>)] = &[
            ("W. Europe Standard Time", Some("Europe/Berlin")),
            ("w. europe standard time", Some("Europe/Berlin")),
            ("Eastern Standard Time", Some("America/New_York")),
            ("UTC", Some("UTC")),
            ("tzone://Microsoft/Utc", Some("UTC")),
            ("Europe/Amsterdam", Some("Europe/Amsterdam")),
            (
                "/mozilla.org/20050126_1/Europe/Berlin",
                Some("Europe/Berlin"),
            ),
            ("tzone://Microsoft/Custom", None),
            ("Mars Standard Time", None),
            ("", None),
        ];
        for (name, want) in cases {
            assert_eq!(from_name(name).map(|t| t.name()), *want, "{name}");
        }
        for (w, iana) in WINDOWS_ZONES {
            assert!(Tz::from_str(iana).is_ok(), "{w} → {iana}");
        }
        assert_eq!(WINDOWS_ZONES.len(), 139);
    }

    #[test]
    fn table_zones_map_back_to_their_windows_name() {
        let zones = Zones::new();
        for (w, iana) in WINDOWS_ZONES {
            let tz = Tz::from_str(iana).unwrap();
            let expect = if is_utc(tz) { "UTC" } else { w };
            assert_eq!(zones.windows_name(tz).unwrap(), expect, "{iana}");
        }
    }

    #[test]
    fn other_zones_map_to_a_windows_zone_with_the_same_offsets() {
        let zones = Zones::new();
        let cases = [
            ("Europe/Amsterdam", "W. Europe Standard Time"),
            ("Europe/Vienna", "W. Europe Standard Time"),
            ("America/Detroit", "Eastern Standard Time"),
            ("Asia/Kolkata", "India Standard Time"),
            ("Etc/GMT-1", "W. Central Africa Standard Time"),
        ];
        for (iana, windows) in cases {
            let tz = Tz::from_str(iana).unwrap();
            assert_eq!(zones.windows_name(tz), Ok(windows), "{iana}");
            // A second look comes from the cache with the same answer.
            assert_eq!(zones.windows_name(tz), Ok(windows), "{iana}");
        }
    }

    #[test]
    fn a_zone_without_a_twin_is_refused_not_shifted() {
        let zones = Zones::new();
        // Casey (Antarctica) has changed offsets on dates no Windows zone shares.
        let tz = Tz::from_str("Antarctica/Casey").unwrap();
        let e = zones.windows_name(tz).unwrap_err();
        assert_eq!(e.zone, "Antarctica/Casey");
        assert!(e.sentence.contains("no Windows time zone"), "{e}");
        // Offsets 30 minutes off a whole hour have no Etc zone.
        assert_eq!(fixed(5 * 3600 + 1800), None);
        assert_eq!(fixed(3600).map(|t| t.name()), Some("Etc/GMT-1"));
    }

    #[test]
    fn transitions_are_found_to_the_second() {
        let berlin = Tz::from_str("Europe/Berlin").unwrap();
        let (first, list) = transitions(berlin);
        assert_eq!(first, 3600);
        // 2025-03-30 01:00:00 UTC: CET → CEST.
        assert!(list.contains(&(1_743_296_400, 7200)), "{list:?}");
        assert_eq!(list.len(), 120, "two a year for sixty years");
    }
}
