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

/// (Windows name, IANA zone) from CLDR's
/// [windowsZones.xml](https://github.com/unicode-org/cldr/blob/main/common/supplemental/windowsZones.xml),
/// territory `001`, in CLDR's order (by UTC offset): the first of several
/// equivalent Windows zones is the one chosen.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Aleutian Standard Time", "America/Adak"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Marquesas Standard Time", "Pacific/Marquesas"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("UTC-09", "Etc/GMT+9"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("UTC-08", "Etc/GMT+8"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time (Mexico)", "America/Mazatlan"),
    ("Mountain Standard Time", "America/Denver"),
    ("Yukon Standard Time", "America/Whitehorse"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time", "America/Chicago"),
    ("Easter Island Standard Time", "Pacific/Easter"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time (Mexico)", "America/Cancun"),
    ("Eastern Standard Time", "America/New_York"),
    ("Haiti Standard Time", "America/Port-au-Prince"),
    ("Cuba Standard Time", "America/Havana"),
    ("US Eastern Standard Time", "America/Indianapolis"),
    ("Turks And Caicos Standard Time", "America/Grand_Turk"),
    ("Paraguay Standard Time", "America/Asuncion"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Central Brazilian Standard Time", "America/Cuiaba"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("Tocantins Standard Time", "America/Araguaina"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Argentina Standard Time", "America/Buenos_Aires"),
    ("Greenland Standard Time", "America/Godthab"),
    ("Montevideo Standard Time", "America/Montevideo"),
    ("Magallanes Standard Time", "America/Punta_Arenas"),
    ("Saint Pierre Standard Time", "America/Miquelon"),
    ("Bahia Standard Time", "America/Bahia"),
    ("UTC-02", "Etc/GMT+2"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("UTC", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Sao Tome Standard Time", "Africa/Sao_Tome"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("Jordan Standard Time", "Asia/Amman"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Middle East Standard Time", "Asia/Beirut"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Syria Standard Time", "Asia/Damascus"),
    ("West Bank Standard Time", "Asia/Hebron"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("South Sudan Standard Time", "Africa/Juba"),
    ("Kaliningrad Standard Time", "Europe/Kaliningrad"),
    ("Sudan Standard Time", "Africa/Khartoum"),
    ("Libya Standard Time", "Africa/Tripoli"),
    ("Namibia Standard Time", "Africa/Windhoek"),
    ("Arabic Standard Time", "Asia/Baghdad"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Belarus Standard Time", "Europe/Minsk"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Astrakhan Standard Time", "Europe/Astrakhan"),
    ("Azerbaijan Standard Time", "Asia/Baku"),
    ("Russia Time Zone 3", "Europe/Samara"),
    ("Mauritius Standard Time", "Indian/Mauritius"),
    ("Saratov Standard Time", "Europe/Saratov"),
    ("Georgian Standard Time", "Asia/Tbilisi"),
    ("Volgograd Standard Time", "Europe/Volgograd"),
    ("Caucasus Standard Time", "Asia/Yerevan"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("Ekaterinburg Standard Time", "Asia/Yekaterinburg"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("Qyzylorda Standard Time", "Asia/Qyzylorda"),
    ("India Standard Time", "Asia/Calcutta"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Katmandu"),
    ("Central Asia Standard Time", "Asia/Bishkek"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Omsk Standard Time", "Asia/Omsk"),
    ("Myanmar Standard Time", "Asia/Rangoon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("Altai Standard Time", "Asia/Barnaul"),
    ("W. Mongolia Standard Time", "Asia/Hovd"),
    ("North Asia Standard Time", "Asia/Krasnoyarsk"),
    ("N. Central Asia Standard Time", "Asia/Novosibirsk"),
    ("Tomsk Standard Time", "Asia/Tomsk"),
    ("China Standard Time", "Asia/Shanghai"),
    ("North Asia East Standard Time", "Asia/Irkutsk"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Ulaanbaatar Standard Time", "Asia/Ulaanbaatar"),
    ("Aus Central W. Standard Time", "Australia/Eucla"),
    ("Transbaikal Standard Time", "Asia/Chita"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("North Korea Standard Time", "Asia/Pyongyang"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Yakutsk Standard Time", "Asia/Yakutsk"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("West Pacific Standard Time", "Pacific/Port_Moresby"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("Vladivostok Standard Time", "Asia/Vladivostok"),
    ("Lord Howe Standard Time", "Australia/Lord_Howe"),
    ("Bougainville Standard Time", "Pacific/Bougainville"),
    ("Russia Time Zone 10", "Asia/Srednekolymsk"),
    ("Magadan Standard Time", "Asia/Magadan"),
    ("Norfolk Standard Time", "Pacific/Norfolk"),
    ("Sakhalin Standard Time", "Asia/Sakhalin"),
    ("Central Pacific Standard Time", "Pacific/Guadalcanal"),
    ("Russia Time Zone 11", "Asia/Kamchatka"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("UTC+12", "Etc/GMT-12"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Chatham Islands Standard Time", "Pacific/Chatham"),
    ("UTC+13", "Etc/GMT-13"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Samoa Standard Time", "Pacific/Apia"),
    ("Line Islands Standard Time", "Pacific/Kiritimati"),
];

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
