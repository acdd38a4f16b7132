//! Free/busy for CalDAV free-busy queries and scheduling: `POST
//! /calendar/getSchedule` for any number of addresses over any window.
//! Graph takes at most 20 schedules and a window shorter than 62 days per
//! call (older pages say 42), so the request is split into calls of at most
//! 20 addresses and 40 days (a whole number of slots), and the answers are
//! joined again per address, in the order asked.

use chrono::{DateTime, Duration, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::call::{Body, Call};
use super::error::Error;
use super::event_models::{DateTimeTimeZone, FreeBusyStatus};
use super::mailbox::Mailbox;

/// Schedules per call (Graph's limit).
const MAX_SCHEDULES: usize = 20;
/// Window per call: under both documented limits (42 and 62 days).
const MAX_DAYS: i64 = 40;
/// Addresses one request may ask about (a bound on what a client makes us send).
pub const MAX_SCHEDULE_ADDRESSES: usize = 500;

/// One address's free/busy over the window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    /// The address as asked.
    pub address: String,
    /// One digit per slot: 0 free, 1 tentative, 2 busy, 3 out of office,
    /// 4 working elsewhere.
    pub availability_view: String,
    /// The busy periods, in UTC, each once.
    pub items: Vec<ScheduleItem>,
    /// Graph's sentence when it could not answer for the address (unknown
    /// address, no permission).
    pub error: Option<String>,
}

/// A busy period.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleItem {
    /// Graph's own example writes it capitalised (`Tentative`), its
    /// answers elsewhere in camelCase (`busy`): both are read.
    #[serde(default, deserialize_with = "status_any_case")]
    pub status: Option<FreeBusyStatus>,
    pub start: DateTimeTimeZone,
    pub end: DateTimeTimeZone,
    #[serde(default)]
    pub is_private: Option<bool>,
    /// Only when the caller may see it.
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
}

/// A freeBusyStatus whatever the case of its first letter.
fn status_any_case<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<FreeBusyStatus>, D::Error> {
    let raw: Option<String> = Option::deserialize(d)?;
    Ok(raw.map(|s| {
        let mut chars = s.trim().chars();
        let camel: String = chars
            .next()
            .map(|c| c.to_ascii_lowercase())
            .into_iter()
            .chain(chars)
            .collect();
        serde_json::from_value(serde_json::Value::String(camel)).unwrap_or_default()
    }))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Request<'a> {
    schedules: &'a [String],
    start_time: DateTimeTimeZone,
    end_time: DateTimeTimeZone,
    availability_view_interval: i64,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    value: Vec<Information>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Information {
    #[serde(default)]
    schedule_id: String,
    #[serde(default)]
    availability_view: Option<String>,
    #[serde(default)]
    schedule_items: Option<Vec<ScheduleItem>>,
    #[serde(default)]
    error: Option<InfoError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InfoError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    response_code: Option<String>,
}

fn utc(t: DateTime<Utc>) -> DateTimeTimeZone {
    DateTimeTimeZone::new(t.naive_utc(), "UTC")
}

/// The windows of the calls: each at most [`MAX_DAYS`] and a whole number
/// of `interval`s long (except the last), so the views join up.
fn windows(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    interval: Duration,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let slots_per_call = (Duration::days(MAX_DAYS).num_minutes() / interval.num_minutes()).max(1);
    let step = interval * i32::try_from(slots_per_call).unwrap_or(1);
    let mut out = Vec::new();
    let mut at = from;
    while at < to {
        let end = (at + step).min(to);
        out.push((at, end));
        at = end;
    }
    out
}

impl Mailbox {
    /// Free/busy of `addresses` over [`from`, `to`) in slots of
    /// `interval_minutes` (5 to 1440; clamped), with as many
    /// `getSchedule` calls as Graph's limits need. Answers one
    /// [`Schedule`] per address, in the order given.
    pub async fn get_schedule(
        &self,
        addresses: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        interval_minutes: u32,
    ) -> Result<Vec<Schedule>, Error> {
        let addresses = &addresses[..addresses.len().min(MAX_SCHEDULE_ADDRESSES)];
        let minutes = i64::from(interval_minutes.clamp(5, 1440));
        let interval = Duration::minutes(minutes);
        let mut out: Vec<Schedule> = addresses
            .iter()
            .map(|a| Schedule {
                address: a.clone(),
                ..Schedule::default()
            })
            .collect();
        for (start, end) in windows(from, to, interval) {
            for (chunk_no, chunk) in addresses.chunks(MAX_SCHEDULES).enumerate() {
                let request = Request {
                    schedules: chunk,
                    start_time: utc(start),
                    end_time: utc(end),
                    availability_view_interval: minutes,
                };
                let call = Call::with(
                    "get schedule",
                    Method::POST,
                    "/calendar/getSchedule",
                    Body::json(&request)?,
                    true,
                );
                let answer: Answer = self.execute(&call).await?.parse()?;
                let slots = usize::try_from(((end - start).num_minutes() + minutes - 1) / minutes)
                    .unwrap_or(0);
                for (i, asked) in chunk.iter().enumerate() {
                    let info = answer
                        .value
                        .iter()
                        .find(|v| v.schedule_id.eq_ignore_ascii_case(asked))
                        .or_else(|| answer.value.get(i));
                    let Some(target) = out.get_mut(chunk_no * MAX_SCHEDULES + i) else {
                        continue;
                    };
                    merge(target, info, slots);
                }
            }
        }
        Ok(out)
    }
}

/// Add one call's answer for an address to what earlier calls gave.
fn merge(target: &mut Schedule, info: Option<&Information>, slots: usize) {
    let Some(info) = info else {
        target
            .error
            .get_or_insert_with(|| "Microsoft 365 gave no answer for this address".into());
        target.availability_view.push_str(&"0".repeat(slots));
        return;
    };
    if let Some(e) = &info.error {
        let text = e
            .message
            .clone()
            .or_else(|| e.response_code.clone())
            .unwrap_or_else(|| "Microsoft 365 could not answer for this address".into());
        target.error.get_or_insert(text);
    }
    let mut view: String = info
        .availability_view
        .as_deref()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .take(slots)
        .collect();
    while view.len() < slots {
        view.push('0');
    }
    target.availability_view.push_str(&view);
    for item in info.schedule_items.iter().flatten() {
        if !target.items.contains(item) {
            target.items.push(item.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_windows_are_split_on_slot_boundaries() {
        let from = DateTime::from_timestamp(1_735_689_600, 0).unwrap();
        let to = from + Duration::days(100);
        let w = windows(from, to, Duration::minutes(45));
        assert_eq!(w.first().unwrap().0, from);
        assert_eq!(w.last().unwrap().1, to);
        for pair in w.windows(2) {
            assert_eq!(pair[0].1, pair[1].0);
        }
        for (s, e) in &w[..w.len() - 1] {
            assert_eq!((*e - *s).num_minutes() % 45, 0);
            assert!(*e - *s <= Duration::days(MAX_DAYS));
        }
        assert_eq!(w.len(), 3);
    }

    #[test]
    fn answers_join_and_missing_ones_are_marked() {
        let mut s = Schedule::default();
        merge(&mut s, None, 3);
        assert_eq!(s.availability_view, "000");
        assert!(s.error.is_some());
        let info: Information = serde_json::from_value(serde_json::json!({
            "scheduleId": "a@b", "availabilityView": "2x21",
            "scheduleItems": [{"status": "Busy",
                "start": {"dateTime": "2025-01-01T10:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2025-01-01T11:00:00", "timeZone": "UTC"}}]
        }))
        .unwrap();
        merge(&mut s, Some(&info), 2);
        merge(&mut s, Some(&info), 2);
        assert_eq!(s.availability_view, "0002222");
        assert_eq!(
            s.items.len(),
            1,
            "an item spanning two calls is listed once"
        );
        assert_eq!(s.items[0].status, Some(FreeBusyStatus::Busy));
        let tentative: ScheduleItem = serde_json::from_value(serde_json::json!({
            "status": "Tentative",
            "start": {"dateTime": "2025-01-01T10:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2025-01-01T11:00:00", "timeZone": "UTC"}}))
        .unwrap();
        assert_eq!(tentative.status, Some(FreeBusyStatus::Tentative));
    }
}
