//! The iCalendar of free/busy: reading a schedule-outbox POST (an iTIP
//! VFREEBUSY REQUEST, RFC 5546 §3.3.1) and writing VFREEBUSY components,
//! for a free-busy-query answer (RFC 4791 §7.10) and for each recipient
//! of a REQUEST (METHOD:REPLY, RFC 5546 §3.3.2).

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use super::freebusy::Busy;
use super::vcard::lines::{name_of, push_folded, raw_value, unfold};

/// Attendees read from one POST before it is refused as too long.
const MAX_LINES: usize = 10_000;

/// A VFREEBUSY REQUEST, as far as graphgate needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeBusyRequest {
    pub uid: Option<String>,
    /// The ORGANIZER's address, `mailto:` removed.
    pub organizer: String,
    /// The ATTENDEE values as sent (`mailto:…` or another URI).
    pub attendees: Vec<String>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Why a POST is not a free/busy request graphgate answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotFreeBusy {
    /// An invitation or a reply (VEVENT, VTODO): Exchange sends those.
    Itip(String),
    /// Not a well-formed VFREEBUSY REQUEST; the sentence says what is wrong.
    Invalid(String),
}

/// The address of a calendar user URI, if it is a `mailto:`.
pub fn mailto(uri: &str) -> Option<String> {
    let uri = uri.trim();
    let lower = uri.to_ascii_lowercase();
    let address = lower.strip_prefix("mailto:")?;
    (!address.is_empty() && address.contains('@')).then(|| address.to_string())
}

/// A DTSTART/DTEND line's instant: UTC (`…Z`), with a TZID graphgate
/// knows, or floating (read as UTC).
fn instant(line: &str) -> Option<DateTime<Utc>> {
    let value = raw_value(line)?.trim();
    let head = &line[..line.len() - raw_value(line)?.len()];
    let tzid = head
        .split(';')
        .skip(1)
        .find_map(|p| p.strip_prefix("TZID=").or_else(|| p.strip_prefix("tzid=")))
        .map(|z| z.trim_matches(|c| c == '"' || c == ':'));
    let wall = |v: &str| NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").ok();
    if let Some(v) = value.strip_suffix('Z') {
        return wall(v).map(|t| t.and_utc());
    }
    let t = wall(value)?;
    match tzid.and_then(|z| z.parse::<chrono_tz::Tz>().ok()) {
        Some(zone) => zone
            .from_local_datetime(&t)
            .earliest()
            .map(|t| t.with_timezone(&Utc)),
        None => Some(t.and_utc()),
    }
}

/// Read a POSTed scheduling message.
pub fn parse_request(body: &str) -> Result<FreeBusyRequest, NotFreeBusy> {
    let lines = unfold(body);
    if lines.len() > MAX_LINES {
        return Err(NotFreeBusy::Invalid(format!(
            "the message has more than {MAX_LINES} lines"
        )));
    }
    let mut method = None;
    let mut depth = Vec::new();
    let mut seen_freebusy = 0;
    let mut other = None;
    let (mut uid, mut organizer, mut start, mut end) = (None, None, None, None);
    let mut attendees = Vec::new();
    for line in &lines {
        let (_, name) = name_of(line);
        let value = raw_value(line).unwrap_or("").trim();
        match name.as_str() {
            "BEGIN" => {
                let comp = value.to_ascii_uppercase();
                if depth.len() == 1 {
                    if comp == "VFREEBUSY" {
                        seen_freebusy += 1;
                    } else if comp != "VTIMEZONE" {
                        other.get_or_insert(comp.clone());
                    }
                }
                depth.push(comp);
                continue;
            }
            "END" => {
                depth.pop();
                continue;
            }
            _ => {}
        }
        match (depth.last().map(String::as_str), name.as_str()) {
            (Some("VCALENDAR"), "METHOD") => method = Some(value.to_ascii_uppercase()),
            (Some("VFREEBUSY"), "UID") => uid = Some(value.to_string()),
            (Some("VFREEBUSY"), "ORGANIZER") => organizer = Some(value.to_string()),
            (Some("VFREEBUSY"), "ATTENDEE") => attendees.push(value.to_string()),
            (Some("VFREEBUSY"), "DTSTART") => start = instant(line),
            (Some("VFREEBUSY"), "DTEND") => end = instant(line),
            _ => {}
        }
    }
    if let Some(comp) = other {
        return Err(NotFreeBusy::Itip(format!(
            "graphgate answers only free/busy requests (VFREEBUSY) in the outbox, not {comp}: \
             Microsoft 365 sends invitations, updates and replies itself when an event with \
             attendees is saved in the calendar"
        )));
    }
    let invalid = |s: &str| Err(NotFreeBusy::Invalid(s.to_string()));
    if seen_freebusy != 1 {
        return invalid("a free/busy request holds exactly one VFREEBUSY");
    }
    if method.as_deref() != Some("REQUEST") {
        return invalid("a free/busy request has METHOD:REQUEST");
    }
    let Some(organizer) = organizer.as_deref().and_then(mailto) else {
        return invalid("the VFREEBUSY needs an ORGANIZER with a mailto: address");
    };
    let (Some(start), Some(end)) = (start, end) else {
        return invalid("the VFREEBUSY needs DTSTART and DTEND as date-times (UTC)");
    };
    if attendees.is_empty() {
        return invalid("the VFREEBUSY names no ATTENDEE");
    }
    Ok(FreeBusyRequest {
        uid,
        organizer,
        attendees,
        start,
        end,
    })
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Who a VFREEBUSY is about, for a REPLY.
pub struct ReplyParties<'a> {
    pub uid: Option<&'a str>,
    pub organizer: &'a str,
    /// The ATTENDEE value as asked.
    pub attendee: &'a str,
}

/// A VCALENDAR with one VFREEBUSY over [`from`, `to`): a free-busy-query
/// answer (`reply` None) or an iTIP REPLY for one attendee.
pub fn render_free_busy(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    periods: &[Busy],
    reply: Option<&ReplyParties<'_>>,
) -> String {
    let mut out = String::new();
    let mut line = |l: &str| push_folded(&mut out, l);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line(&format!("PRODID:{}", super::ical::PRODID));
    if reply.is_some() {
        line("METHOD:REPLY");
    }
    line("BEGIN:VFREEBUSY");
    if let Some(r) = reply {
        if let Some(uid) = r.uid.filter(|u| !u.is_empty()) {
            line(&format!("UID:{uid}"));
        }
        line(&format!("ORGANIZER:mailto:{}", r.organizer));
        line(&format!("ATTENDEE:{}", r.attendee));
    }
    line(&format!("DTSTAMP:{}", stamp(Utc::now())));
    line(&format!("DTSTART:{}", stamp(from)));
    line(&format!("DTEND:{}", stamp(to)));
    for p in periods {
        line(&format!(
            "FREEBUSY;FBTYPE={}:{}/{}",
            p.kind.fbtype(),
            stamp(p.start),
            stamp(p.end)
        ));
    }
    line("END:VFREEBUSY");
    line("END:VCALENDAR");
    out
}
