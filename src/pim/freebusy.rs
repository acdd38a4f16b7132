//! Free/busy time for CalDAV: of one calendar collection, from its events
//! as last synchronised (RFC 4791 §7.10: the report covers that
//! collection's events only), and of other people, from one Graph
//! `getSchedule` call for all of them (RFC 6638 §5 schedule-outbox POST).
//! Periods are in UTC, clipped to the asked range, and coalesced per
//! busy type.

use calcard::icalendar::{ICalendar, ICalendarProperty};
use chrono::{DateTime, Duration, Utc};

use super::error::{CALDAV_NS, PimError};
use super::service::{Collection, Kind, UserPim};
use crate::graph::{FreeBusyStatus, Schedule};

/// The longest range a free/busy question may cover.
pub const MAX_FREE_BUSY_DAYS: i64 = 366;
/// People one schedule-outbox POST may ask about: Graph's limit for one
/// `getSchedule` call, so that every window costs one call.
pub const MAX_RECIPIENTS: usize = 20;
/// Occurrences of one series looked at.
const MAX_OCCURRENCES: usize = 20_000;
/// The slot length of Graph's availabilityView, used only when Graph
/// gives no scheduleItems for an address.
const VIEW_MINUTES: u32 = 30;
/// Exchange's busy status, which graphgate writes beside TRANSP.
const BUSY_STATUS: &str = "X-MICROSOFT-CDO-BUSYSTATUS";

/// How a period is busy (RFC 5545 §3.2.9 FBTYPE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BusyKind {
    Busy,
    Tentative,
    Unavailable,
}

impl BusyKind {
    pub fn fbtype(self) -> &'static str {
        match self {
            BusyKind::Busy => "BUSY",
            BusyKind::Tentative => "BUSY-TENTATIVE",
            BusyKind::Unavailable => "BUSY-UNAVAILABLE",
        }
    }

    /// Graph's showAs: free and working elsewhere are not busy (Graph's
    /// own availabilityView counts working elsewhere as free).
    fn of_show_as(s: FreeBusyStatus) -> Option<BusyKind> {
        match s {
            FreeBusyStatus::Free | FreeBusyStatus::WorkingElsewhere => None,
            FreeBusyStatus::Tentative => Some(BusyKind::Tentative),
            FreeBusyStatus::Oof => Some(BusyKind::Unavailable),
            FreeBusyStatus::Busy | FreeBusyStatus::Unknown => Some(BusyKind::Busy),
        }
    }
}

/// One busy period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub kind: BusyKind,
}

/// Why there is no free/busy for a recipient (RFC 5546 §3.6 statuses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unanswered {
    /// Not an address of anyone Microsoft 365 knows (3.7).
    Unknown(String),
    /// Microsoft 365 would not give it (5.3), with its sentence.
    NotServed(String),
}

/// One recipient's answer.
#[derive(Debug, Clone)]
pub struct RecipientFreeBusy {
    /// The address as asked (without `mailto:`).
    pub address: String,
    pub answer: Result<Vec<Busy>, Unanswered>,
}

/// Whether [`from`, `to`) may be asked about: not empty, at most
/// [`MAX_FREE_BUSY_DAYS`] long. The error is a sentence for the client.
pub fn check_range(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), String> {
    if to <= from {
        Err("the time range ends before it starts".into())
    } else if to - from > Duration::days(MAX_FREE_BUSY_DAYS) {
        Err(format!(
            "free/busy is answered for at most {MAX_FREE_BUSY_DAYS} days at a time"
        ))
    } else {
        Ok(())
    }
}

fn range_refused(sentence: String) -> PimError {
    PimError::Precondition {
        ns: CALDAV_NS,
        name: "valid-filter",
        sentence,
    }
}

impl UserPim {
    /// The busy time of calendar `c` over [`from`, `to`), from its events
    /// as synchronised (at most one delta round).
    pub async fn collection_free_busy(
        &self,
        c: &Collection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Busy>, PimError> {
        if c.kind != Kind::Events {
            return Err(PimError::Precondition {
                ns: super::DAV_NS,
                name: "supported-report",
                sentence: "free/busy is answered for event calendars only".into(),
            });
        }
        check_range(from, to).map_err(range_refused)?;
        let state = self.sync(c).await?;
        if let Some((start, end)) = state.window
            && (from.timestamp() < start || to.timestamp() > end)
        {
            let day = |s: i64| {
                DateTime::from_timestamp(s, 0)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default()
            };
            return Err(range_refused(format!(
                "graphgate keeps this calendar's events from {} to {}: ask for free/busy within that time",
                day(start),
                day(end)
            )));
        }
        let mut out = Vec::new();
        for item in self.items(c, true).await? {
            if let Some(body) = item.body.as_deref() {
                busy_of_object(body, from, to, &mut out);
            }
        }
        Ok(coalesce(out))
    }

    /// The busy time of `addresses` over [`from`, `to`), from Graph's
    /// getSchedule as the user's own mailbox sees it (one call per 40
    /// days of range; at most [`MAX_RECIPIENTS`] addresses).
    pub async fn schedule_free_busy(
        &self,
        addresses: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<RecipientFreeBusy>, PimError> {
        check_range(from, to).map_err(range_refused)?;
        let Some(own) = self.places.iter().find(|p| p.grant.is_own()) else {
            return Err(PimError::Denied(
                "the user has no mailbox of their own".into(),
            ));
        };
        let asked = &addresses[..addresses.len().min(MAX_RECIPIENTS)];
        let schedules = own
            .graph
            .get_schedule(asked, from, to, VIEW_MINUTES)
            .await?;
        Ok(schedules
            .iter()
            .map(|s| RecipientFreeBusy {
                address: s.address.clone(),
                answer: busy_of_schedule(s, from, to),
            })
            .collect())
    }
}

/// The busy periods of one calendar object (all its occurrences) that
/// overlap [`from`, `to`), by RFC 4791 §7.10's table: TRANSPARENT and
/// CANCELLED are free, TENTATIVE is BUSY-TENTATIVE; Exchange's busy
/// status adds out of office (BUSY-UNAVAILABLE).
fn busy_of_object(body: &str, from: DateTime<Utc>, to: DateTime<Utc>, out: &mut Vec<Busy>) {
    let Ok(ical) = ICalendar::parse(body) else {
        return;
    };
    let expanded = ical.expand_dates(Utc, MAX_OCCURRENCES);
    let (lo, hi) = (from.timestamp(), to.timestamp());
    for occurrence in &expanded.events {
        let (s, e) = occurrence.timestamps();
        if s >= hi || e <= lo || e <= s {
            continue;
        }
        let Some(comp) = usize::try_from(occurrence.comp_id)
            .ok()
            .and_then(|i| ical.components.get(i))
        else {
            continue;
        };
        let text = |wanted: &dyn Fn(&ICalendarProperty) -> bool| {
            comp.entries
                .iter()
                .find(|e| wanted(&e.name))
                .and_then(|e| e.values.first())
                .and_then(|v| v.as_text())
                .map(|t| t.trim().to_ascii_uppercase())
        };
        let transp = text(&|p| *p == ICalendarProperty::Transp);
        let status = text(&|p| *p == ICalendarProperty::Status);
        let busy_status = text(
            &|p| matches!(p, ICalendarProperty::Other(n) if n.eq_ignore_ascii_case(BUSY_STATUS)),
        );
        let Some(kind) = kind_of(transp.as_deref(), status.as_deref(), busy_status.as_deref())
        else {
            continue;
        };
        let (Some(start), Some(end)) = (
            DateTime::from_timestamp(s.max(lo), 0),
            DateTime::from_timestamp(e.min(hi), 0),
        ) else {
            continue;
        };
        out.push(Busy { start, end, kind });
    }
}

/// A VEVENT's busy type from TRANSP, STATUS and Exchange's busy status.
fn kind_of(transp: Option<&str>, status: Option<&str>, busy: Option<&str>) -> Option<BusyKind> {
    if transp == Some("TRANSPARENT") || status == Some("CANCELLED") {
        return None;
    }
    if status == Some("TENTATIVE") {
        return Some(BusyKind::Tentative);
    }
    match busy {
        Some("FREE") | Some("WORKINGELSEWHERE") => None,
        Some("TENTATIVE") => Some(BusyKind::Tentative),
        Some("OOF") => Some(BusyKind::Unavailable),
        _ => Some(BusyKind::Busy),
    }
}

/// One address's getSchedule answer as busy periods: its scheduleItems,
/// or, without them, the slots of its availabilityView.
fn busy_of_schedule(
    s: &Schedule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Busy>, Unanswered> {
    if let Some(e) = &s.error {
        let unknown = [
            "ErrorMailRecipientNotFound",
            "Unable to resolve",
            "not found",
        ]
        .iter()
        .any(|m| e.to_ascii_lowercase().contains(&m.to_ascii_lowercase()));
        return Err(if unknown {
            Unanswered::Unknown(e.clone())
        } else {
            Unanswered::NotServed(e.clone())
        });
    }
    let mut out = Vec::new();
    let mut readable = true;
    for item in &s.items {
        let Some(kind) = BusyKind::of_show_as(item.status.unwrap_or_default()) else {
            continue;
        };
        match (item.start.utc(), item.end.utc()) {
            (Some(a), Some(b)) if b > from && a < to && b > a => out.push(Busy {
                start: a.max(from),
                end: b.min(to),
                kind,
            }),
            (Some(_), Some(_)) => {}
            _ => readable = false,
        }
    }
    if (s.items.is_empty() || !readable) && s.availability_view.bytes().any(|d| d != b'0') {
        out = busy_of_view(&s.availability_view, from, to);
    }
    Ok(coalesce(out))
}

/// Busy slots of an availabilityView (one digit per [`VIEW_MINUTES`]).
fn busy_of_view(view: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Busy> {
    let step = Duration::minutes(i64::from(VIEW_MINUTES));
    let mut out = Vec::new();
    for (n, digit) in view.bytes().enumerate() {
        let kind = match digit {
            b'1' => BusyKind::Tentative,
            b'2' => BusyKind::Busy,
            b'3' => BusyKind::Unavailable,
            _ => continue,
        };
        let start = from + step * i32::try_from(n).unwrap_or(i32::MAX);
        if start >= to {
            break;
        }
        out.push(Busy {
            start,
            end: (start + step).min(to),
            kind,
        });
    }
    out
}

/// Periods sorted, with overlapping or touching ones of the same type
/// joined (RFC 4791 §7.10: no duplicates, coalesced).
pub fn coalesce(mut periods: Vec<Busy>) -> Vec<Busy> {
    periods.sort_by_key(|p| (p.kind, p.start, p.end));
    let mut out: Vec<Busy> = Vec::with_capacity(periods.len());
    for p in periods {
        match out.last_mut() {
            Some(last) if last.kind == p.kind && p.start <= last.end => {
                last.end = last.end.max(p.end);
            }
            _ => out.push(p),
        }
    }
    out.sort_by_key(|p| (p.start, p.kind));
    out
}

#[cfg(test)]
#[path = "tests_freebusy.rs"]
mod tests;
