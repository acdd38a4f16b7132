//! The iCalendar (RFC 5545) body of meeting mail, as iMIP (RFC 6047)
//! carries it in a `text/calendar` part: a VEVENT for a series, a single
//! event or one occurrence (`RECURRENCE-ID`), with `METHOD:REQUEST`,
//! `CANCEL` or `REPLY`. Times are written in UTC.

use chrono::{DateTime, Utc};

use super::event::{EmailAddr, EventFields, StoredEvent};
use super::recurrence::{PatternKind, RangeKind, Recurrence, WeekIndex};
use super::tz::{resolve, to_local};

/// What the message does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method<'a> {
    Request,
    Cancel,
    /// A reply from this attendee with this PARTSTAT.
    Reply(&'a EmailAddr, &'a str),
}

fn text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// `;CN="name"`, or nothing for an empty name.
fn cn(s: &str) -> String {
    let clean: String = s.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    if clean.is_empty() {
        String::new()
    } else {
        format!(";CN=\"{clean}\"")
    }
}

/// Fold a content line at 75 octets (RFC 5545 §3.1), on character bounds.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn day(t: DateTime<Utc>, zone: &str) -> String {
    let tz = resolve(zone).unwrap_or(chrono_tz::Tz::UTC);
    to_local(t + chrono::Duration::hours(12), tz)
        .date()
        .format("%Y%m%d")
        .to_string()
}

const BYDAY: [(chrono::Weekday, &str); 7] = [
    (chrono::Weekday::Mon, "MO"),
    (chrono::Weekday::Tue, "TU"),
    (chrono::Weekday::Wed, "WE"),
    (chrono::Weekday::Thu, "TH"),
    (chrono::Weekday::Fri, "FR"),
    (chrono::Weekday::Sat, "SA"),
    (chrono::Weekday::Sun, "SU"),
];

fn byday(days: &[chrono::Weekday]) -> String {
    BYDAY
        .iter()
        .filter(|(d, _)| days.contains(d))
        .map(|(_, s)| *s)
        .collect::<Vec<_>>()
        .join(",")
}

impl Recurrence {
    /// The RRULE value for this recurrence.
    pub(crate) fn rrule(&self) -> String {
        let p = &self.pattern;
        let setpos = match p.index {
            WeekIndex::First => "1",
            WeekIndex::Second => "2",
            WeekIndex::Third => "3",
            WeekIndex::Fourth => "4",
            WeekIndex::Last => "-1",
        };
        let mut r = match p.kind {
            PatternKind::Daily => format!("FREQ=DAILY;INTERVAL={}", p.interval),
            PatternKind::Weekly => format!(
                "FREQ=WEEKLY;INTERVAL={};BYDAY={};WKST={}",
                p.interval,
                byday(&p.days_of_week),
                byday(&[p.first_day_of_week])
            ),
            PatternKind::AbsoluteMonthly => {
                format!(
                    "FREQ=MONTHLY;INTERVAL={};BYMONTHDAY={}",
                    p.interval, p.day_of_month
                )
            }
            PatternKind::RelativeMonthly => format!(
                "FREQ=MONTHLY;INTERVAL={};BYDAY={};BYSETPOS={setpos}",
                p.interval,
                byday(&p.days_of_week)
            ),
            PatternKind::AbsoluteYearly => format!(
                "FREQ=YEARLY;INTERVAL={};BYMONTH={};BYMONTHDAY={}",
                p.interval, p.month, p.day_of_month
            ),
            PatternKind::RelativeYearly => format!(
                "FREQ=YEARLY;INTERVAL={};BYMONTH={};BYDAY={};BYSETPOS={setpos}",
                p.interval,
                p.month,
                byday(&p.days_of_week)
            ),
        };
        match (self.range.kind, self.range.end_date) {
            (RangeKind::Numbered, _) => {
                r.push_str(&format!(";COUNT={}", self.range.number_of_occurrences));
            }
            (RangeKind::EndDate, Some(d)) => {
                r.push_str(&format!(";UNTIL={}T235959Z", d.format("%Y%m%d")));
            }
            _ => {}
        }
        r
    }
}

fn partstat(response: &str) -> &'static str {
    match response {
        "accepted" | "organizer" => "ACCEPTED",
        "tentativelyAccepted" => "TENTATIVE",
        "declined" => "DECLINED",
        _ => "NEEDS-ACTION",
    }
}

fn times(lines: &mut Vec<String>, f: &EventFields, start: DateTime<Utc>, end: DateTime<Utc>) {
    if f.is_all_day {
        lines.push(format!("DTSTART;VALUE=DATE:{}", day(start, &f.start_zone)));
        lines.push(format!("DTEND;VALUE=DATE:{}", day(end, &f.end_zone)));
    } else {
        lines.push(format!("DTSTART:{}", utc(start)));
        lines.push(format!("DTEND:{}", utc(end)));
    }
}

/// The VCALENDAR of a meeting message about `event` (the whole series, or
/// the occurrence originally at `occurrence`).
pub(crate) fn calendar(
    event: &StoredEvent,
    occurrence: Option<i64>,
    method: Method<'_>,
    now: DateTime<Utc>,
) -> String {
    let name = match method {
        Method::Request => "REQUEST",
        Method::Cancel => "CANCEL",
        Method::Reply(..) => "REPLY",
    };
    let inst = occurrence.and_then(|k| event.occurrence(k));
    let (f, start, end) = match &inst {
        Some(i) => (i.fields, i.start, i.end),
        None => (&event.fields, event.fields.start, event.fields.end),
    };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        format!("METHOD:{name}"),
        "PRODID:graphgate emulated Exchange".to_string(),
        "VERSION:2.0".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!(
            "ORGANIZER{}:mailto:{}",
            cn(&event.organizer.name),
            event.organizer.address
        ),
    ];
    match method {
        Method::Reply(who, response) => lines.push(format!(
            "ATTENDEE;PARTSTAT={}{}:mailto:{}",
            partstat(response),
            cn(&who.name),
            who.address
        )),
        _ => {
            for a in &f.attendees {
                let role = match a.kind.as_str() {
                    "optional" => "OPT-PARTICIPANT",
                    "resource" => "NON-PARTICIPANT",
                    _ => "REQ-PARTICIPANT",
                };
                lines.push(format!(
                    "ATTENDEE;ROLE={role};PARTSTAT={};RSVP={}{}:mailto:{}",
                    partstat(&a.status.response),
                    if f.response_requested {
                        "TRUE"
                    } else {
                        "FALSE"
                    },
                    cn(&a.email.name),
                    a.email.address
                ));
            }
        }
    }
    lines.push(format!("UID:{}", event.ical_uid));
    if let Some(k) = occurrence
        && let Some(orig) = DateTime::<Utc>::from_timestamp(k, 0)
    {
        lines.push(format!("RECURRENCE-ID:{}", utc(orig)));
    }
    lines.push(format!("SUMMARY:{}", text(&f.subject)));
    if !f.body.is_empty() && !f.body_html {
        lines.push(format!("DESCRIPTION:{}", text(&f.body)));
    }
    times(&mut lines, f, start, end);
    if occurrence.is_none()
        && let Some(r) = &event.recurrence
    {
        lines.push(format!("RRULE:{}", r.rrule()));
        for k in &event.cancelled {
            if let Some(t) = DateTime::<Utc>::from_timestamp(*k, 0) {
                lines.push(format!("EXDATE:{}", utc(t)));
            }
        }
    }
    if !f.location.is_empty() {
        lines.push(format!("LOCATION:{}", text(&f.location)));
    }
    lines.push(format!("DTSTAMP:{}", utc(now)));
    lines.push(format!("SEQUENCE:{}", event.sequence));
    lines.push(format!(
        "STATUS:{}",
        if method == Method::Cancel {
            "CANCELLED"
        } else {
            "CONFIRMED"
        }
    ));
    lines.push("END:VEVENT".to_string());
    lines.push("END:VCALENDAR".to_string());
    let mut out = String::new();
    for l in &lines {
        fold(l, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_on_character_bounds() {
        let mut out = String::new();
        fold(&format!("SUMMARY:{}", "ü".repeat(60)), &mut out);
        for l in out.split("\r\n") {
            assert!(l.len() <= 75, "{l}");
        }
        assert_eq!(
            out.replace("\r\n ", ""),
            format!("SUMMARY:{}\r\n", "ü".repeat(60))
        );
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(text("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }
}
