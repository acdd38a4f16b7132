//! The ids a calendar store hands out: calendar and event ids in Graph's
//! alphabet (url-safe base64 of a binary id), occurrence ids that carry
//! their master's id and original start (so they can be computed again and
//! looked up without storing them), change keys, and `iCalUId`s in the
//! shape of Exchange's global object ids.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rand::RngCore;

const CALENDAR_PREFIX: &[u8] = &[0x00, 0x0e, 0x00, 0x06, 0x00];
const EVENT_PREFIX: &[u8] = &[0x00, 0x0e, 0x00, 0x46, 0x00];
/// Marks an occurrence id: this, the master's id bytes, then the original
/// start (Unix seconds, big-endian).
const OCCURRENCE_MARK: &[u8] = &[0x01, 0x0e, 0x00, 0x51];
/// Exchange's PidLidGlobalObjectId prefix (the class id of meeting objects).
const GLOBAL_OBJECT_PREFIX: &str = "040000008200E00074C5B7101A82E008";

fn random(prefix: &[u8], len: usize) -> String {
    let mut b = prefix.to_vec();
    let mut r = vec![0u8; len];
    rand::rng().fill_bytes(&mut r);
    b.extend_from_slice(&r);
    URL_SAFE.encode(b)
}

pub(crate) fn new_calendar_id() -> String {
    random(CALENDAR_PREFIX, 35)
}

pub(crate) fn new_event_id() -> String {
    random(EVENT_PREFIX, 40)
}

/// A fresh change key (Exchange's are base64 of 22 bytes).
pub(crate) fn new_change_key() -> String {
    let mut r = [0u8; 22];
    rand::rng().fill_bytes(&mut r);
    STANDARD.encode(r)
}

/// The id of the occurrence of `master` that originally starts at `start`.
pub(crate) fn occurrence_id(master: &str, start: i64) -> String {
    let mut b = OCCURRENCE_MARK.to_vec();
    b.extend_from_slice(
        &URL_SAFE
            .decode(master)
            .unwrap_or_else(|_| master.as_bytes().to_vec()),
    );
    b.extend_from_slice(&start.to_be_bytes());
    URL_SAFE.encode(b)
}

/// The master id and original start an occurrence id carries.
pub(crate) fn parse_occurrence_id(id: &str) -> Option<(String, i64)> {
    let b = URL_SAFE.decode(id).ok()?;
    let rest = b.strip_prefix(OCCURRENCE_MARK)?;
    if rest.len() <= 8 {
        return None;
    }
    let (master, start) = rest.split_at(rest.len() - 8);
    let start = i64::from_be_bytes(start.try_into().ok()?);
    Some((URL_SAFE.encode(master), start))
}

/// A new series' or single event's `iCalUId`: a global object id with no
/// instance date, its creation time and a random part, in upper-case hex.
pub(crate) fn new_ical_uid(created: DateTime<Utc>) -> String {
    // FILETIME: 100 ns ticks since 1601-01-01.
    let ticks = (created.timestamp() + 11_644_473_600).max(0) as u64 * 10_000_000;
    let mut r = [0u8; 16];
    rand::rng().fill_bytes(&mut r);
    format!(
        "{GLOBAL_OBJECT_PREFIX}00000000{}{}{}{}",
        hex::encode_upper(ticks.to_le_bytes()),
        "0000000000000000",
        hex::encode_upper(16u32.to_le_bytes()),
        hex::encode_upper(r)
    )
}

/// An occurrence's `iCalUId`: the series' with the instance date filled in
/// (year, month, day), as Exchange derives it.
pub(crate) fn occurrence_ical_uid(series: &str, date: NaiveDate) -> String {
    let year = u16::try_from(date.year()).unwrap_or(0);
    let stamp = format!("{year:04X}{:02X}{:02X}", date.month(), date.day());
    match (series.get(..32), series.get(40..)) {
        (Some(head), Some(tail)) => format!("{head}{stamp}{tail}"),
        _ => format!("{series}{stamp}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occurrence_ids_round_trip_and_differ_by_start() {
        let master = new_event_id();
        let a = occurrence_id(&master, 1_741_593_600);
        let b = occurrence_id(&master, 1_742_198_400);
        assert_ne!(a, b);
        assert_eq!(a, occurrence_id(&master, 1_741_593_600));
        assert_eq!(
            parse_occurrence_id(&a),
            Some((master.clone(), 1_741_593_600))
        );
        assert_eq!(parse_occurrence_id(&master), None);
        assert_eq!(parse_occurrence_id("not base64!"), None);
    }

    #[test]
    fn ical_uids_have_exchanges_shape() {
        let uid = new_ical_uid(Utc::now());
        assert!(uid.starts_with(GLOBAL_OBJECT_PREFIX));
        assert_eq!(uid.len(), 32 + 8 + 16 + 16 + 8 + 32);
        let occ = occurrence_ical_uid(&uid, NaiveDate::from_ymd_opt(2025, 3, 10).unwrap());
        assert_eq!(&occ[32..40], "07E9030A");
        assert_eq!(occ.len(), uid.len());
        assert_eq!(occ[40..], uid[40..]);
    }
}
