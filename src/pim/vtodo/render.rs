//! A To Do task as a VCALENDAR with one VTODO: fixed order, dates as
//! DATE (To Do keeps dates), instants in UTC, one VALARM for the
//! reminder, then what the extras kept. The line builders are shared with
//! `parse`, which uses them to know what graphgate would write.

use calcard::icalendar::{ICalendarEntry, ICalendarProperty, ICalendarValue};
use chrono::{DateTime, NaiveDate, Utc};

use super::extras::{Dressed, TaskExtras};
use super::recurrence;
use super::time;
use crate::graph::tasks::{Importance, PatternedRecurrence};
use crate::graph::{Task, TaskStatus};
use crate::pim::ical::PRODID;
use crate::pim::vcard::lines::{name_of, push_folded, raw_value, unfolded};

/// Keeps To Do's own status when RFC 5545 has none for it.
pub(super) const STATUS_X: &str = "X-GRAPHGATE-STATUS";

/// Render `task` as an iCalendar object whose VTODO has UID `uid`,
/// re-emitting what `extras` kept.
pub fn render(task: &Task, uid: &str, extras: Option<&TaskExtras>) -> String {
    let empty = TaskExtras::default();
    let extras = extras.unwrap_or(&empty);
    let mut dresser = Dresser {
        dressed: &extras.dressed,
        used: vec![false; extras.dressed.len()],
    };
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        &format!("PRODID:{PRODID}"),
    ] {
        push_folded(&mut out, line);
    }
    for block in &extras.timezones {
        push_block(&mut out, block);
    }
    push_folded(&mut out, "BEGIN:VTODO");
    push_folded(&mut out, &text_line(ICalendarProperty::Uid, uid));
    let stamp = task
        .last_modified_date_time
        .or(task.created_date_time)
        .unwrap_or(DateTime::UNIX_EPOCH);
    push_folded(&mut out, &format!("DTSTAMP:{}", utc_text(stamp)));
    if let Some(created) = task.created_date_time {
        push_folded(&mut out, &format!("CREATED:{}", utc_text(created)));
    }
    if let Some(modified) = task.last_modified_date_time {
        push_folded(&mut out, &format!("LAST-MODIFIED:{}", utc_text(modified)));
    }
    for line in task_lines(task) {
        let line = dresser.pick(&line);
        push_folded(&mut out, line);
    }
    for kept in extras.kept.iter().filter(|k| !is_block(k)) {
        if name_of(kept).1 == "PERCENT-COMPLETE" && !percent_fits(kept, task.status) {
            continue;
        }
        push_folded(&mut out, kept);
    }
    if let Some(reminder) = reminder(task) {
        let block = alarm_block(reminder);
        let block = dresser.pick(&block);
        push_block(&mut out, block);
    }
    for block in extras.kept.iter().filter(|k| is_block(k)) {
        push_block(&mut out, block);
    }
    push_folded(&mut out, "END:VTODO");
    push_folded(&mut out, "END:VCALENDAR");
    out
}

/// The client's form of a generated line, while unused and equal.
struct Dresser<'a> {
    dressed: &'a [Dressed],
    used: Vec<bool>,
}

impl<'a> Dresser<'a> {
    fn pick<'b>(&mut self, generated: &'b str) -> &'b str
    where
        'a: 'b,
    {
        for (i, d) in self.dressed.iter().enumerate() {
            if !self.used[i] && d.generated == generated {
                self.used[i] = true;
                return &d.original;
            }
        }
        generated
    }
}

/// The property lines graphgate writes for a task, in order.
fn task_lines(task: &Task) -> Vec<String> {
    let mut lines = vec![summary_line(&task.title)];
    if let Some(body) = &task.body {
        let text = if body.content_type.eq_ignore_ascii_case("html") {
            html_to_text(&body.content)
        } else {
            body.content.clone()
        };
        if !text.trim().is_empty() {
            lines.push(description_line(&text));
        }
    }
    lines.push(status_line(task.status));
    if let Some(x) = status_x_line(task.status) {
        lines.push(x);
    }
    lines.extend(priority_line(task.importance));
    if let Some(day) = task.start_date_time.as_ref().and_then(time::day) {
        lines.push(date_line("DTSTART", day));
    }
    if let Some(day) = task.due_date_time.as_ref().and_then(time::day) {
        lines.push(date_line("DUE", day));
    }
    if task.status == TaskStatus::Completed
        && let Some(done) = task.completed_date_time.as_ref().and_then(time::instant)
    {
        lines.push(format!("COMPLETED:{}", utc_text(done)));
    }
    if let Some(rule) = task.recurrence.as_ref().and_then(rrule_line) {
        lines.push(rule);
    }
    if !task.categories.is_empty() {
        lines.push(unfolded(&write(&ICalendarEntry {
            name: ICalendarProperty::Categories,
            params: vec![],
            values: task
                .categories
                .iter()
                .map(|c| ICalendarValue::Text(clean(c)))
                .collect(),
        })));
    }
    lines
}

fn reminder(task: &Task) -> Option<DateTime<Utc>> {
    if !task.is_reminder_on {
        return None;
    }
    task.reminder_date_time.as_ref().and_then(time::instant)
}

pub(super) fn summary_line(title: &str) -> String {
    text_line(ICalendarProperty::Summary, title)
}

pub(super) fn description_line(text: &str) -> String {
    text_line(ICalendarProperty::Description, text)
}

/// To Do's five states in RFC 5545's four: waiting on others is in
/// process, deferred still needs action (`X-GRAPHGATE-STATUS` says which).
pub(super) fn status_line(status: TaskStatus) -> String {
    let value = match status {
        TaskStatus::NotStarted | TaskStatus::Deferred => "NEEDS-ACTION",
        TaskStatus::InProgress | TaskStatus::WaitingOnOthers => "IN-PROCESS",
        TaskStatus::Completed => "COMPLETED",
    };
    format!("STATUS:{value}")
}

fn status_x_line(status: TaskStatus) -> Option<String> {
    matches!(status, TaskStatus::WaitingOnOthers | TaskStatus::Deferred)
        .then(|| format!("{STATUS_X}:{}", status.as_str()))
}

/// High is 1 and low 9 (RFC 5545 §3.8.1.9); normal is left out.
pub(super) fn priority_line(importance: Importance) -> Option<String> {
    match importance {
        Importance::High => Some("PRIORITY:1".into()),
        Importance::Low => Some("PRIORITY:9".into()),
        Importance::Normal => None,
    }
}

pub(super) fn rrule_line(r: &PatternedRecurrence) -> Option<String> {
    recurrence::rrule(r).map(|rule| format!("RRULE:{rule}"))
}

pub(super) fn alarm_block(at: DateTime<Utc>) -> String {
    [
        "BEGIN:VALARM".to_string(),
        "ACTION:DISPLAY".to_string(),
        "DESCRIPTION:Reminder".to_string(),
        format!("TRIGGER;VALUE=DATE-TIME:{}", utc_text(at)),
        "END:VALARM".to_string(),
    ]
    .join("\r\n")
}

fn date_line(name: &str, day: NaiveDate) -> String {
    format!("{name};VALUE=DATE:{}", day.format("%Y%m%d"))
}

fn utc_text(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn text_line(name: ICalendarProperty, value: &str) -> String {
    unfolded(&write(&ICalendarEntry {
        name,
        params: vec![],
        values: vec![ICalendarValue::Text(clean(value))],
    }))
}

fn write(entry: &ICalendarEntry) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = entry.write_to(&mut out);
    out
}

/// Line ends as iCalendar escapes them (`\n`).
fn clean(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

pub(super) fn is_block(kept: &str) -> bool {
    kept.get(..6)
        .is_some_and(|b| b.eq_ignore_ascii_case("BEGIN:"))
}

fn push_block(out: &mut String, block: &str) {
    for line in block.split("\r\n") {
        push_folded(out, line);
    }
}

/// A kept PERCENT-COMPLETE agrees with To Do's status (100 exactly when
/// completed); otherwise it is stale and left out.
fn percent_fits(line: &str, status: TaskStatus) -> bool {
    let value = raw_value(line).and_then(|v| v.trim().parse::<u32>().ok());
    match value {
        Some(v) => (v == 100) == (status == TaskStatus::Completed),
        None => false,
    }
}

/// The text of an HTML body (To Do keeps Outlook's HTML for some tasks):
/// tags dropped, block ends as line breaks, the common entities decoded.
fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..start]));
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let inside = &rest[start + 1..start + end];
        let closing = inside.starts_with('/');
        let tag = inside
            .trim_start_matches('/')
            .split([' ', '/', '\t', '\n'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if !closing && matches!(tag.as_str(), "style" | "script" | "head") {
            // Skip to the matching end tag: its content is not text.
            let close = format!("</{tag}");
            let after = &rest[start + end + 1..];
            rest = match after.to_ascii_lowercase().find(&close) {
                Some(at) => &after[at..],
                None => "",
            };
            continue;
        }
        if matches!(
            tag.as_str(),
            "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3"
        ) && !out.ends_with('\n')
            && !out.is_empty()
        {
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(&decode_entities(rest));
    out.trim().to_string()
}

fn decode_entities(text: &str) -> String {
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_bodies_read_as_text() {
        let html = "<html><head><style>p{}</style></head><body><p>Buy&nbsp;milk &amp; eggs</p><div>then <b>call</b> Bo</div></body></html>";
        assert_eq!(html_to_text(html), "Buy milk & eggs\nthen call Bo");
        assert_eq!(html_to_text("plain"), "plain");
        assert_eq!(html_to_text("a <unclosed"), "a");
    }
}
