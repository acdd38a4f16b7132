//! What a rendered calendar object or vCard holds, for the query reports:
//! a property's values (lines unfolded, escapes undone) and whether an
//! object overlaps a time range (RFC 4791 §9.9, recurrences expanded).

use chrono::{DateTime, NaiveDateTime, Utc};

/// Occurrences of one series looked at for a time range.
const MAX_OCCURRENCES: usize = 20_000;

/// `20260101T000000Z` as Unix seconds.
pub(super) fn parse_utc(v: &str) -> Option<i64> {
    let v = v.trim().strip_suffix('Z')?;
    let t = NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").ok()?;
    Some(DateTime::<Utc>::from_naive_utc_and_offset(t, Utc).timestamp())
}

/// The values of property `name` in `body` (lines unfolded, escapes of
/// commas, semicolons and backslashes undone).
pub(super) fn property_values(body: &str, name: &str) -> Vec<String> {
    let mut unfolded: Vec<String> = Vec::new();
    for line in body.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(rest) = line.strip_prefix(' ').or_else(|| line.strip_prefix('\t')) {
            if let Some(last) = unfolded.last_mut() {
                last.push_str(rest);
            }
        } else {
            unfolded.push(line.to_string());
        }
    }
    unfolded
        .iter()
        .filter_map(|line| {
            let colon = value_start(line)?;
            let head = &line[..colon];
            let prop = head.split(';').next().unwrap_or("");
            // vCard groups: `item1.EMAIL`.
            let prop = prop.rsplit('.').next().unwrap_or(prop);
            prop.eq_ignore_ascii_case(name).then(|| {
                line[colon + 1..]
                    .replace("\\,", ",")
                    .replace("\\;", ";")
                    .replace("\\n", "\n")
                    .replace("\\N", "\n")
                    .replace("\\\\", "\\")
            })
        })
        .collect()
}

/// Where a content line's value starts: the first colon outside quotes.
fn value_start(line: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether any occurrence in `body` overlaps [start, end) (RFC 4791 §9.9).
pub(super) fn overlaps(body: &str, start: Option<i64>, end: Option<i64>) -> bool {
    let Ok(ical) = calcard::icalendar::ICalendar::parse(body) else {
        return false;
    };
    let (rs, re) = (start.unwrap_or(i64::MIN), end.unwrap_or(i64::MAX));
    if let Some(hit) = dateless_task(body, rs, re) {
        return hit;
    }
    let expanded = ical.expand_dates(chrono::Utc, MAX_OCCURRENCES);
    // To Do keeps days, not times: a task due on a day (DUE;VALUE=DATE) is
    // due during that whole day, so it lasts to the next midnight.
    let whole_days = body.contains("BEGIN:VTODO") && body.contains("\nDUE;VALUE=DATE:");
    if expanded.events.is_empty() {
        // A task with no date at all matches every range (§9.9).
        return !body.contains("BEGIN:VEVENT");
    }
    expanded.events.iter().any(|e| {
        let (s, e) = e.timestamps();
        let e = if whole_days {
            e.max(s).saturating_add(86_400)
        } else {
            e
        };
        if e > s {
            s < re && e > rs
        } else {
            s >= rs && s < re
        }
    })
}

/// For a task with neither DTSTART nor DUE, whether it overlaps [rs, re)
/// by the last rows of RFC 4791 §9.9's table (COMPLETED and CREATED, or
/// always when it has neither); `None` for anything else.
fn dateless_task(body: &str, rs: i64, re: i64) -> Option<bool> {
    if !body.contains("BEGIN:VTODO")
        || !property_values(body, "DTSTART").is_empty()
        || !property_values(body, "DUE").is_empty()
    {
        return None;
    }
    let at = |name: &str| {
        property_values(body, name)
            .first()
            .and_then(|v| parse_utc(v))
    };
    Some(match (at("COMPLETED"), at("CREATED")) {
        (Some(done), Some(made)) => (rs <= made || rs <= done) && (re >= made || re >= done),
        (Some(done), None) => rs <= done && re >= done,
        (None, Some(made)) => re > made,
        (None, None) => true,
    })
}

/// A weekly series of ten, the tests' calendar object (here and in
/// `query.rs`).
#[cfg(test)]
pub(super) const WEEKLY: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:w1\r\n\
    DTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\n\
    SUMMARY:Team\\, weekly\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ranges_see_occurrences_of_a_series() {
        let jan = |d: u32, h: u32| parse_utc(&format!("202601{d:02}T{h:02}0000Z"));
        // The third occurrence, 19 Jan 09:00-10:00.
        assert!(overlaps(WEEKLY, jan(19, 9), jan(19, 10)));
        assert!(overlaps(WEEKLY, jan(19, 9), None));
        // Between occurrences.
        assert!(!overlaps(WEEKLY, jan(19, 10), jan(26, 9)));
        // After the last (9 Mar).
        assert!(!overlaps(WEEKLY, parse_utc("20260310T000000Z"), None));
    }

    #[test]
    fn a_task_due_on_a_day_is_due_all_that_day() {
        let task = |lines: &str| {
            format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:t\r\n{lines}END:VTODO\r\nEND:VCALENDAR\r\n"
            )
        };
        let day = task("DTSTART;VALUE=DATE:20261205\r\nDUE;VALUE=DATE:20261205\r\n");
        let at = |v: &str| parse_utc(v);
        assert!(overlaps(
            &day,
            at("20261205T110000Z"),
            at("20261206T000000Z")
        ));
        assert!(!overlaps(
            &day,
            at("20261206T000000Z"),
            at("20261207T000000Z")
        ));
        assert!(!overlaps(
            &day,
            at("20261203T000000Z"),
            at("20261204T000000Z")
        ));
        // Neither start nor due: by CREATED (RFC 4791 §9.9).
        let made = task("CREATED:20261201T080000Z\r\n");
        assert!(overlaps(
            &made,
            at("20261205T000000Z"),
            at("20261206T000000Z")
        ));
        assert!(!overlaps(
            &made,
            at("20261101T000000Z"),
            at("20261102T000000Z")
        ));
        assert!(overlaps(
            &task(""),
            at("20001101T000000Z"),
            at("20001102T000000Z")
        ));
        let due_only = task("DUE;VALUE=DATE:20261205\r\n");
        assert!(overlaps(
            &due_only,
            at("20261205T110000Z"),
            at("20261206T000000Z")
        ));
        assert!(!overlaps(
            &due_only,
            at("20261207T000000Z"),
            at("20261208T000000Z")
        ));
    }
}
