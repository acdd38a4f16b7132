//! A client's VTODO read into a full replacement write for To Do, the
//! client's UID and the extras. calcard gives the typed values; the raw
//! lines (unfolded) are what the extras keep.

use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz;
use calcard::icalendar::timezone::TzResolver;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarParameterValue, ICalendarProperty, ICalendarRelated, ICalendarStatus, ICalendarValue,
};
use chrono::{DateTime, NaiveDate, Utc};

use super::extras::{Dressed, TaskExtras};
use super::render::{
    STATUS_X, alarm_block, description_line, priority_line, render, rrule_line, status_line,
    summary_line,
};
use super::{MAX_ICS_BYTES, MAX_ICS_LINES, MAX_TASK_EXTRAS_BYTES, Precondition, Refusal};
use super::{recurrence, time};
use crate::graph::tasks::{Importance, ItemBody};
use crate::graph::{Change, Task, TaskStatus, TaskWrite};
use crate::pim::vcard::lines::{has_valid_name, name_of, unfold};

/// A client's VTODO as To Do will hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedTask {
    /// The client's UID (the caller keeps href ↔ id ↔ UID).
    pub uid: Option<String>,
    /// Every field the mapping owns, set or cleared: PATCH it to replace a
    /// task, or `for_create()` to POST a new one.
    pub write: TaskWrite,
    /// What To Do cannot hold; store it and pass it to `render`.
    pub extras: TaskExtras,
}

/// Read a client's iCalendar object for a task list.
pub fn parse(text: &str) -> Result<ParsedTask, Refusal> {
    verified(read(text)?)
}

/// What is stored must render back to the same task: a malformed line
/// read one way as sent and another way as graphgate writes it must not
/// change the task on the next PUT. Failing that, the client's own forms
/// are dropped; failing again, the task is refused.
fn verified(mut parsed: ParsedTask) -> Result<ParsedTask, Refusal> {
    let reads_back = |p: &ParsedTask| {
        let task = expected_task(&p.write);
        let uid = p.uid.as_deref().unwrap_or_default();
        let text = render(&task, uid, Some(&p.extras));
        matches!(read(&text), Ok(again) if again.write == p.write)
    };
    if reads_back(&parsed) {
        return Ok(parsed);
    }
    parsed.extras.dressed.clear();
    if reads_back(&parsed) {
        return Ok(parsed);
    }
    Err(Refusal::new(
        Precondition::ValidCalendarData,
        "graphgate cannot store this task without changing it: a property or component is malformed (check BEGIN/END pairs, quotes and colons)",
    ))
}

/// The task To Do will hold after `w`.
fn expected_task(w: &TaskWrite) -> Task {
    Task {
        title: w.title.value().cloned().unwrap_or_default(),
        body: w.body.value().cloned(),
        importance: w.importance.value().copied().unwrap_or_default(),
        status: w.status.value().copied().unwrap_or_default(),
        is_reminder_on: w.is_reminder_on.value().copied().unwrap_or_default(),
        reminder_date_time: w.reminder_date_time.value().cloned(),
        start_date_time: w.start_date_time.value().cloned(),
        due_date_time: w.due_date_time.value().cloned(),
        completed_date_time: w.completed_date_time.value().cloned(),
        recurrence: w.recurrence.value().cloned(),
        categories: w.categories.value().cloned().unwrap_or_default(),
        ..Task::default()
    }
}

/// The task as To Do will hold it.
fn read(text: &str) -> Result<ParsedTask, Refusal> {
    if text.len() > MAX_ICS_BYTES {
        return Err(Refusal::new(
            Precondition::MaxResourceSize,
            format!(
                "the task is {} KB; graphgate takes tasks up to {} KB",
                text.len() / 1024,
                MAX_ICS_BYTES / 1024
            ),
        ));
    }
    let lines = unfold(text);
    if lines.len() > MAX_ICS_LINES {
        return Err(Refusal::new(
            Precondition::MaxResourceSize,
            format!(
                "the task has {} lines; graphgate takes up to {MAX_ICS_LINES}",
                lines.len()
            ),
        ));
    }
    let starts = lines
        .first()
        .is_some_and(|l| l.trim_end().eq_ignore_ascii_case("BEGIN:VCALENDAR"));
    if !starts {
        return Err(Refusal::new(
            Precondition::SupportedCalendarData,
            "the body is not iCalendar (BEGIN:VCALENDAR); send text/calendar",
        ));
    }
    let cal = ICalendar::parse(text).map_err(|_| {
        Refusal::new(
            Precondition::ValidCalendarData,
            "the iCalendar object does not parse; check that every BEGIN has its END",
        )
    })?;
    let todo = the_todo(&cal)?;
    if let Some(bad) = lines.iter().find(|l| !has_valid_name(l)) {
        let shown: String = bad.chars().take(60).collect();
        return Err(Refusal::new(
            Precondition::ValidCalendarData,
            format!("the line \"{shown}\" is not an iCalendar property"),
        ));
    }
    let raw = RawTodo::split(&lines);
    Reader::new(&cal, todo).read(raw)
}

/// The one VTODO, or why there is none To Do can take.
fn the_todo(cal: &ICalendar) -> Result<&ICalendarComponent, Refusal> {
    let mut todos = Vec::new();
    for component in &cal.components {
        match &component.component_type {
            ICalendarComponentType::VTodo => todos.push(component),
            ICalendarComponentType::VEvent
            | ICalendarComponentType::VJournal
            | ICalendarComponentType::VFreebusy => {
                return Err(Refusal::new(
                    Precondition::SupportedCalendarComponent,
                    format!(
                        "a task list holds tasks (VTODO) only, not {}; put events in a calendar",
                        component.component_type.as_str()
                    ),
                ));
            }
            _ => {}
        }
    }
    let overrides = todos
        .iter()
        .any(|t| t.property(&ICalendarProperty::RecurrenceId).is_some());
    match todos.as_slice() {
        [] => Err(Refusal::new(
            Precondition::SupportedCalendarComponent,
            "the object holds no task (VTODO)",
        )),
        [todo] if !overrides => Ok(todo),
        _ if overrides => Err(Refusal::new(
            Precondition::ValidCalendarObjectResource,
            "Microsoft To Do cannot hold a changed occurrence of a repeating task (RECURRENCE-ID): change the whole series",
        )),
        _ => Err(Refusal::new(
            Precondition::ValidCalendarObjectResource,
            "the object holds several tasks; put each task in its own resource",
        )),
    }
}

/// The raw lines of the VTODO: its own properties, its sub-components
/// (VALARM and others) as blocks, and the calendar's VTIMEZONE blocks.
#[derive(Default)]
struct RawTodo {
    properties: Vec<String>,
    alarms: Vec<String>,
    other_blocks: Vec<String>,
    timezones: Vec<String>,
}

impl RawTodo {
    fn split(lines: &[String]) -> RawTodo {
        let mut raw = RawTodo::default();
        let mut stack: Vec<String> = Vec::new();
        let mut block: Vec<&str> = Vec::new();
        for line in lines {
            let (_, name) = name_of(line);
            let value = line
                .split_once(':')
                .map(|(_, v)| v.trim().to_ascii_uppercase());
            let in_todo = stack.len() >= 2 && stack[1] == "VTODO";
            let collecting =
                (in_todo && stack.len() >= 3) || stack.get(1).is_some_and(|c| c == "VTIMEZONE");
            if name == "BEGIN" {
                stack.push(value.unwrap_or_default());
                let starts_block = (stack.len() == 3 && stack[1] == "VTODO")
                    || (stack.len() == 2 && stack[1] == "VTIMEZONE");
                if starts_block || collecting {
                    block.push(line);
                }
                continue;
            }
            if name == "END" {
                if collecting {
                    block.push(line);
                }
                let ended = stack.pop().unwrap_or_default();
                let depth = stack.len();
                let done = block.join("\r\n");
                if depth == 2 && stack[1] == "VTODO" {
                    if ended == "VALARM" {
                        raw.alarms.push(done);
                    } else {
                        raw.other_blocks.push(done);
                    }
                    block.clear();
                } else if depth == 1 && ended == "VTIMEZONE" {
                    raw.timezones.push(done);
                    block.clear();
                }
                continue;
            }
            if collecting {
                block.push(line);
            } else if in_todo && stack.len() == 2 {
                raw.properties.push(line.clone());
            }
        }
        raw
    }
}

struct Reader<'a> {
    cal: &'a ICalendar,
    todo: &'a ICalendarComponent,
    zones: TzResolver<&'a str>,
}

impl<'a> Reader<'a> {
    fn new(cal: &'a ICalendar, todo: &'a ICalendarComponent) -> Reader<'a> {
        Reader {
            cal,
            todo,
            zones: cal.build_tz_resolver(),
        }
    }

    fn entry(&self, property: ICalendarProperty) -> Option<&'a ICalendarEntry> {
        self.todo.property(&property)
    }

    fn text(&self, property: ICalendarProperty) -> Option<String> {
        self.entry(property)?
            .values
            .first()?
            .as_text()
            .map(str::to_string)
    }

    fn read(&self, raw: RawTodo) -> Result<ParsedTask, Refusal> {
        for (property, name) in [
            (ICalendarProperty::Exdate, "EXDATE"),
            (ICalendarProperty::Rdate, "RDATE"),
            (ICalendarProperty::Exrule, "EXRULE"),
        ] {
            if self.entry(property).is_some() {
                return Err(Refusal::new(
                    Precondition::ValidCalendarObjectResource,
                    format!("Microsoft To Do repeats a task by its pattern only; remove {name}"),
                ));
            }
        }
        let title = self.text(ICalendarProperty::Summary).unwrap_or_default();
        let description = self
            .text(ICalendarProperty::Description)
            .unwrap_or_default();
        let status = self.status();
        let importance = match self
            .entry(ICalendarProperty::Priority)
            .and_then(|e| e.values.first())
        {
            Some(ICalendarValue::Integer(p)) if (1..=4).contains(p) => Importance::High,
            Some(ICalendarValue::Integer(p)) if (6..=9).contains(p) => Importance::Low,
            _ => Importance::Normal,
        };
        let start = self.day(ICalendarProperty::Dtstart);
        // To Do keeps start and due days only: a DURATION (RFC 5545
        // §3.8.2.5, from DTSTART) becomes the due day when DUE is absent.
        let due = self
            .day(ICalendarProperty::Due)
            .or_else(|| start?.checked_add_signed(self.duration()?));
        let completed = self.instant_of(ICalendarProperty::Completed);
        let recurrence = match self
            .entry(ICalendarProperty::Rrule)
            .and_then(|e| e.values.first())
        {
            Some(ICalendarValue::RecurrenceRule(rule)) => {
                let Some(first_day) = due.or(start) else {
                    return Err(Refusal::new(
                        Precondition::ValidCalendarObjectResource,
                        "a repeating task needs a due date in Microsoft To Do: add DUE",
                    ));
                };
                Some(recurrence::recurrence(rule, first_day).map_err(|what| {
                    Refusal::new(
                        Precondition::ValidCalendarObjectResource,
                        format!("Microsoft To Do cannot repeat a task by {what}; use a daily, weekly, monthly or yearly pattern"),
                    )
                })?)
            }
            Some(_) => {
                return Err(Refusal::new(
                    Precondition::ValidCalendarData,
                    "the RRULE does not parse",
                ));
            }
            None => None,
        };
        let mut categories: Vec<String> = Vec::new();
        for entry in self.todo.properties(&ICalendarProperty::Categories) {
            for value in &entry.values {
                if let Some(c) = value.as_text().map(str::trim)
                    && !c.is_empty()
                    && !categories.iter().any(|x| x == c)
                {
                    categories.push(c.to_string());
                }
            }
        }
        let alarm = self.reminder(due, start);
        let reminder = alarm.map(|(at, _)| at);

        // What the client wrote differently from graphgate, and the rest.
        let mut dressed = Vec::new();
        let mut kept = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for line in &raw.properties {
            let (_, name) = name_of(line);
            let first = !seen.contains(&name);
            seen.push(name.clone());
            let generated = match name.as_str() {
                "UID" | "DTSTAMP" | "CREATED" | "LAST-MODIFIED" | "DUE" | "DTSTART"
                | "DURATION" | "COMPLETED" | "CATEGORIES" => continue,
                _ if name == STATUS_X => continue,
                "SUMMARY" if first => Some(summary_line(&title)),
                "DESCRIPTION" if first => Some(description_line(&description)),
                "STATUS" if first => Some(status_line(status)),
                "PRIORITY" if first => priority_line(importance),
                "RRULE" if first => recurrence.as_ref().and_then(rrule_line),
                _ => {
                    kept.push(line.clone());
                    continue;
                }
            };
            if let Some(generated) = generated
                && generated != *line
            {
                dressed.push(Dressed {
                    generated,
                    original: line.clone(),
                });
            }
        }
        // The first alarm is To Do's reminder. The client's own form of
        // it comes back only for an absolute TRIGGER: a relative one
        // counts from DUE or DTSTART, which graphgate writes as dates.
        let mut alarms = raw.alarms.into_iter();
        if let Some((at, absolute)) = alarm
            && let Some(original) = alarms.next()
        {
            let generated = alarm_block(at);
            if absolute && generated != original {
                dressed.push(Dressed {
                    generated,
                    original,
                });
            }
        }
        kept.extend(alarms);
        kept.extend(raw.other_blocks);
        let timezones = if kept
            .iter()
            .any(|k| k.to_ascii_uppercase().contains(";TZID="))
        {
            raw.timezones
        } else {
            Vec::new()
        };
        let extras = TaskExtras {
            kept,
            timezones,
            dressed,
        };
        if extras.size() > MAX_TASK_EXTRAS_BYTES {
            return Err(Refusal::new(
                Precondition::MaxResourceSize,
                format!(
                    "the task has {} KB of properties Microsoft To Do cannot hold (graphgate keeps up to {} KB per task): remove attachments (ATTACH) or large X- properties",
                    extras.size() / 1024,
                    MAX_TASK_EXTRAS_BYTES / 1024
                ),
            ));
        }

        let write = TaskWrite {
            title: Change::To(title),
            body: Change::To(ItemBody {
                content: description,
                content_type: "text".to_string(),
            }),
            importance: Change::To(importance),
            status: Change::To(status),
            is_reminder_on: Change::To(reminder.is_some()),
            reminder_date_time: Change::from_option(reminder.map(time::utc)),
            start_date_time: Change::from_option(start.map(time::of_day)),
            due_date_time: Change::from_option(due.map(time::of_day)),
            completed_date_time: match completed {
                Some(at) => Change::To(time::utc(at)),
                // To Do stamps completion itself.
                None if status == TaskStatus::Completed => Change::Unchanged,
                None => Change::Clear,
            },
            recurrence: Change::from_option(recurrence),
            categories: Change::To(categories),
        };
        Ok(ParsedTask {
            uid: self.text(ICalendarProperty::Uid).filter(|u| !u.is_empty()),
            write,
            extras,
        })
    }

    /// STATUS in To Do's terms; `X-GRAPHGATE-STATUS` refines it while it
    /// still agrees with STATUS (it says which of To Do's states the
    /// rendered STATUS stood for).
    fn status(&self) -> TaskStatus {
        let from_status = match self
            .entry(ICalendarProperty::Status)
            .and_then(|e| e.values.first())
        {
            Some(ICalendarValue::Status(ICalendarStatus::NeedsAction)) => {
                Some(TaskStatus::NotStarted)
            }
            Some(ICalendarValue::Status(ICalendarStatus::InProcess)) => {
                Some(TaskStatus::InProgress)
            }
            Some(ICalendarValue::Status(ICalendarStatus::Completed)) => Some(TaskStatus::Completed),
            Some(ICalendarValue::Status(ICalendarStatus::Cancelled)) => Some(TaskStatus::Deferred),
            _ => None,
        };
        let status = from_status.unwrap_or(if self.entry(ICalendarProperty::Completed).is_some() {
            TaskStatus::Completed
        } else {
            TaskStatus::NotStarted
        });
        let refined = self
            .text(ICalendarProperty::Other(STATUS_X.to_string()))
            .and_then(|s| TaskStatus::parse(s.trim()));
        match refined {
            Some(r) if status_line(r) == status_line(status) && status != TaskStatus::Deferred => r,
            _ => status,
        }
    }

    /// The task's DURATION, if it is a positive one.
    fn duration(&self) -> Option<chrono::TimeDelta> {
        match self.entry(ICalendarProperty::Duration)?.values.first()? {
            ICalendarValue::Duration(d) if !d.neg => d
                .to_time_delta()
                .filter(|d| *d <= chrono::TimeDelta::days(3660)),
            _ => None,
        }
    }

    /// The calendar day of a DATE or DATE-TIME property, as written.
    fn day(&self, property: ICalendarProperty) -> Option<NaiveDate> {
        let entry = self.entry(property)?;
        let d = entry.values.first()?.as_partial_date_time()?;
        NaiveDate::from_ymd_opt(i32::from(d.year?), u32::from(d.month?), u32::from(d.day?))
    }

    fn instant_of(&self, property: ICalendarProperty) -> Option<DateTime<Utc>> {
        let entry = self.entry(property)?;
        self.instant(entry, entry.values.first()?.as_partial_date_time()?)
    }

    /// A DATE-TIME as an instant: UTC, its TZID (a VTIMEZONE of the
    /// object, an IANA or a Windows name), or UTC when floating.
    fn instant(&self, entry: &ICalendarEntry, d: &PartialDateTime) -> Option<DateTime<Utc>> {
        let tz = entry
            .tz_id()
            .and_then(|id| self.zones.resolve(id))
            .unwrap_or(Tz::UTC);
        let tz = if tz.is_floating() { Tz::UTC } else { tz };
        let when = d.to_date_time()?.to_date_time_with_tz(tz)?;
        Some(when.with_timezone(&Utc))
    }

    /// The first VALARM as an instant, and whether its TRIGGER was
    /// absolute (or relative to DTSTART, or DUE with RELATED=END).
    fn reminder(
        &self,
        due: Option<NaiveDate>,
        start: Option<NaiveDate>,
    ) -> Option<(DateTime<Utc>, bool)> {
        let alarm = self
            .todo
            .component_ids
            .iter()
            .filter_map(|id| self.cal.components.get(*id as usize))
            .find(|c| c.component_type == ICalendarComponentType::VAlarm)?;
        let trigger = alarm.property(&ICalendarProperty::Trigger)?;
        match trigger.values.first()? {
            ICalendarValue::PartialDateTime(d) => Some((self.instant(trigger, d)?, true)),
            ICalendarValue::Duration(offset) => {
                let to_end = trigger.params.iter().any(|p| {
                    p.name == ICalendarParameterName::Related
                        && p.value == ICalendarParameterValue::Related(ICalendarRelated::End)
                });
                let base = if to_end {
                    self.instant_of(ICalendarProperty::Due)
                        .or_else(|| due.and_then(midnight))
                } else {
                    self.instant_of(ICalendarProperty::Dtstart)
                        .or_else(|| start.and_then(midnight))
                        .or_else(|| self.instant_of(ICalendarProperty::Due))
                        .or_else(|| due.and_then(midnight))
                }?;
                Some((base.checked_add_signed(offset.to_time_delta()?)?, false))
            }
            _ => None,
        }
    }
}

fn midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    Some(day.and_hms_opt(0, 0, 0)?.and_utc())
}
