//! A mailbox's calendars and events, with the sequence every change takes
//! and the tombstones removals leave, which calendarView delta reads.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::{Exception, Instance, StoredEvent};
use super::ids::{new_calendar_id, new_change_key, parse_occurrence_id};

/// The most instances one series contributes to one view.
pub(crate) const MAX_INSTANCES: usize = 10_000;

/// A removal calendarView delta reports: an event or occurrence id, or a
/// whole series (`series` holds the master as it was, so the ids of its
/// occurrences in any window can be computed again).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Tombstone {
    pub(crate) seq: u64,
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) series: Option<Box<StoredEvent>>,
}

/// A calendar (Exchange calendar folder).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Calendar {
    pub(crate) id: String,
    pub(crate) name: String,
    /// `calendarColor`: auto, lightBlue, lightGreen, ...
    pub(crate) color: String,
    pub(crate) is_default: bool,
    pub(crate) change_key: String,
    pub(crate) changed_seq: u64,
    #[serde(default)]
    pub(crate) tombstones: VecDeque<Tombstone>,
    /// Sequence of the newest tombstone forgotten; older delta tokens expire.
    #[serde(default)]
    pub(crate) delta_floor: u64,
}

/// What an event id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found<'a> {
    /// A single event or a series master.
    Event(&'a StoredEvent),
    /// An occurrence (or exception) of a series: master and original start.
    Occurrence(&'a StoredEvent, i64),
}

/// A mailbox's calendars and events.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct CalendarStore {
    pub(crate) calendars: Vec<Calendar>,
    /// Singles and series masters by id.
    pub(crate) events: HashMap<String, StoredEvent>,
    /// Store-wide change sequence.
    pub(crate) seq: u64,
}

impl CalendarStore {
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Give the mailbox its default calendar, "Calendar", if it has none
    /// (new mailboxes, tenants saved before calendars existed).
    pub(crate) fn ensure_default(&mut self) {
        if self.calendars.iter().any(|c| c.is_default) {
            return;
        }
        let seq = self.next_seq();
        self.calendars.insert(
            0,
            Calendar {
                id: new_calendar_id(),
                name: "Calendar".into(),
                color: "auto".into(),
                is_default: true,
                change_key: new_change_key(),
                changed_seq: seq,
                tombstones: VecDeque::new(),
                delta_floor: 0,
            },
        );
    }

    pub(crate) fn default_calendar(&self) -> Option<&Calendar> {
        self.calendars.iter().find(|c| c.is_default)
    }

    /// A calendar by id (case-sensitive, as Graph's ids are).
    pub(crate) fn calendar(&self, id: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|c| c.id == id)
    }

    pub(crate) fn calendar_mut(&mut self, id: &str) -> Option<&mut Calendar> {
        self.calendars.iter_mut().find(|c| c.id == id)
    }

    /// Add a calendar; None if one already has that name (case-insensitive).
    pub(crate) fn create_calendar(&mut self, name: &str, color: &str) -> Option<String> {
        if self
            .calendars
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(name))
        {
            return None;
        }
        let seq = self.next_seq();
        let id = new_calendar_id();
        self.calendars.push(Calendar {
            id: id.clone(),
            name: name.to_string(),
            color: color.to_string(),
            is_default: false,
            change_key: new_change_key(),
            changed_seq: seq,
            tombstones: VecDeque::new(),
            delta_floor: 0,
        });
        Some(id)
    }

    /// Record a change to a calendar's own properties.
    pub(crate) fn touch_calendar(&mut self, id: &str) {
        let seq = self.next_seq();
        if let Some(c) = self.calendar_mut(id) {
            c.change_key = new_change_key();
            c.changed_seq = seq;
        }
    }

    /// Remove a (non-default) calendar and its events.
    pub(crate) fn delete_calendar(&mut self, id: &str) {
        self.calendars.retain(|c| c.id != id || c.is_default);
        if self.calendar(id).is_none() {
            self.events.retain(|_, e| e.calendar_id != id);
        }
    }

    /// What `id` names: an event, or an occurrence of one (a cancelled
    /// occurrence, or a date the series does not have, names nothing).
    pub(crate) fn find(&self, id: &str) -> Option<Found<'_>> {
        if let Some(e) = self.events.get(id) {
            return Some(Found::Event(e));
        }
        let (master, start) = parse_occurrence_id(id)?;
        let m = self.events.get(&master)?;
        m.occurrence(start)?;
        Some(Found::Occurrence(m, start))
    }

    /// The event created with this `transactionId`, if any.
    pub(crate) fn by_transaction(&self, txid: &str) -> Option<&StoredEvent> {
        self.events
            .values()
            .find(|e| e.transaction_id.as_deref() == Some(txid))
    }

    /// Events (singles and masters) of a calendar, by start then id.
    pub(crate) fn events_of(&self, calendar_id: &str) -> Vec<&StoredEvent> {
        let mut v: Vec<&StoredEvent> = self
            .events
            .values()
            .filter(|e| e.calendar_id == calendar_id)
            .collect();
        v.sort_by(|a, b| {
            a.fields
                .start
                .cmp(&b.fields.start)
                .then_with(|| a.id.cmp(&b.id))
        });
        v
    }

    /// What a calendar view of a calendar shows in [from, to): singles,
    /// occurrences and exceptions, by start.
    pub(crate) fn view(
        &self,
        calendar_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<Instance<'_>> {
        let mut v: Vec<Instance<'_>> = self
            .events
            .values()
            .filter(|e| e.calendar_id == calendar_id)
            .flat_map(|e| e.instances(from, to, MAX_INSTANCES))
            .collect();
        v.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
        v
    }

    /// Store a new event (its sequence and change key are set here).
    pub(crate) fn insert(&mut self, mut e: StoredEvent) -> String {
        e.changed_seq = self.next_seq();
        e.change_key = new_change_key();
        let id = e.id.clone();
        self.events.insert(id.clone(), e);
        id
    }

    /// Record a change to an event's own fields (single or master): new
    /// change key, sequence and modification time.
    pub(crate) fn touch(&mut self, id: &str, now: DateTime<Utc>) {
        let seq = self.next_seq();
        if let Some(e) = self.events.get_mut(id) {
            e.changed_seq = seq;
            e.change_key = new_change_key();
            e.modified = now;
        }
    }

    /// Record a change to one exception of a series; the master's change
    /// key changes too (its exceptions are part of it), its occurrences'
    /// do not.
    pub(crate) fn touch_exception(&mut self, master: &str, original: i64, now: DateTime<Utc>) {
        let seq = self.next_seq();
        if let Some(e) = self.events.get_mut(master) {
            e.change_key = new_change_key();
            e.modified = now;
            if let Some(x) = e.exceptions.get_mut(&original) {
                x.changed_seq = seq;
                x.change_key = new_change_key();
                x.modified = now;
            }
        }
    }

    /// Turn an occurrence into an exception with `fields` (or update it).
    pub(crate) fn set_exception(
        &mut self,
        master: &str,
        original: i64,
        fields: super::event::EventFields,
        now: DateTime<Utc>,
    ) {
        if let Some(e) = self.events.get_mut(master) {
            let created = e.exceptions.get(&original).map_or(now, |x| x.created);
            e.exceptions.insert(
                original,
                Exception {
                    fields,
                    change_key: String::new(),
                    changed_seq: 0,
                    created,
                    modified: now,
                },
            );
        }
        self.touch_exception(master, original, now);
    }

    /// Cancel one occurrence of a series (it leaves every view); delta
    /// reports its id as removed.
    pub(crate) fn cancel_occurrence(
        &mut self,
        master: &str,
        original: i64,
        occurrence_id: &str,
        now: DateTime<Utc>,
        cap: usize,
    ) {
        let Some(e) = self.events.get_mut(master) else {
            return;
        };
        e.exceptions.remove(&original);
        e.cancelled.insert(original);
        e.change_key = new_change_key();
        e.modified = now;
        let calendar = e.calendar_id.clone();
        self.tombstone(&calendar, occurrence_id.to_string(), None, cap);
    }

    /// Remove an event (a series with all its occurrences).
    pub(crate) fn remove(&mut self, id: &str, cap: usize) -> Option<StoredEvent> {
        let e = self.events.remove(id)?;
        let series = (e.recurrence.is_some()).then(|| Box::new(e.clone()));
        self.tombstone(&e.calendar_id.clone(), e.id.clone(), series, cap);
        Some(e)
    }

    /// Note that a series' occurrences changed shape (new pattern or
    /// times): the old ones are reported removed, the new ones changed.
    pub(crate) fn reshape_series(&mut self, old: StoredEvent, cap: usize) {
        let calendar = old.calendar_id.clone();
        let id = old.id.clone();
        self.tombstone(&calendar, id, Some(Box::new(old)), cap);
    }

    /// Leave a tombstone in `calendar` for delta: an id that disappeared,
    /// or (with `series`) every occurrence of a series as it was.
    pub(crate) fn tombstone(
        &mut self,
        calendar: &str,
        id: String,
        series: Option<Box<StoredEvent>>,
        cap: usize,
    ) {
        let seq = self.next_seq();
        if let Some(c) = self.calendar_mut(calendar) {
            c.tombstones.push_back(Tombstone { seq, id, series });
            while c.tombstones.len() > cap.max(1) {
                if let Some(t) = c.tombstones.pop_front() {
                    c.delta_floor = t.seq;
                }
            }
        }
    }
}

impl Found<'_> {
    /// The single event or the master.
    pub(crate) fn event(&self) -> &StoredEvent {
        match self {
            Found::Event(e) | Found::Occurrence(e, _) => e,
        }
    }

    /// The kind of thing found.
    #[cfg(test)]
    pub(crate) fn kind(&self) -> super::event::EventKind {
        use super::event::EventKind;
        match self {
            Found::Event(e) if e.recurrence.is_some() => EventKind::SeriesMaster,
            Found::Event(_) => EventKind::SingleInstance,
            Found::Occurrence(e, k) if e.exceptions.contains_key(k) => EventKind::Exception,
            Found::Occurrence(..) => EventKind::Occurrence,
        }
    }
}
