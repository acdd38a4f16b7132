//! A mailbox's To Do lists and tasks, with the sequence every change takes
//! and the tombstones deletions leave, which task and list delta read.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::task::{ChecklistItem, StoredTask, TaskFields, WellKnownList};
use crate::calstore::new_change_key;
use crate::mailstore::new_id;

const LIST_PREFIX: &[u8] = &[0x00, 0x0e, 0x00, 0x12, 0x00];
const TASK_PREFIX: &[u8] = &[0x00, 0x0e, 0x00, 0x46, 0x01];

/// The built-in lists every mailbox has: (kind, display name).
const BUILT_IN: [(WellKnownList, &str); 2] = [
    (WellKnownList::DefaultList, "Tasks"),
    (WellKnownList::FlaggedEmails, "Flagged email"),
];

/// A task that was deleted from a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tombstone {
    pub(crate) seq: u64,
    pub(crate) id: String,
}

/// `todoTaskList`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TaskList {
    pub(crate) id: String,
    pub(crate) display_name: String,
    pub(crate) well_known: WellKnownList,
    pub(crate) change_key: String,
    pub(crate) changed_seq: u64,
    #[serde(default)]
    pub(crate) tombstones: VecDeque<Tombstone>,
    /// Sequence of the newest tombstone forgotten; older delta tokens expire.
    #[serde(default)]
    pub(crate) delta_floor: u64,
}

/// A mailbox's To Do lists and tasks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct TodoStore {
    pub(crate) lists: Vec<TaskList>,
    pub(crate) tasks: HashMap<String, StoredTask>,
    /// Store-wide change sequence.
    pub(crate) seq: u64,
    /// Deleted lists: (sequence, list id), for list delta.
    #[serde(default)]
    pub(crate) list_tombstones: VecDeque<(u64, String)>,
    #[serde(default)]
    pub(crate) list_delta_floor: u64,
}

impl TodoStore {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Give the mailbox the built-in lists it lacks ("Tasks", "Flagged
    /// email"), ahead of the user's lists.
    pub(crate) fn ensure_built_in(&mut self) {
        for (i, (kind, name)) in BUILT_IN.iter().enumerate() {
            if self.lists.iter().any(|l| l.well_known == *kind) {
                continue;
            }
            let seq = self.next_seq();
            let at = i.min(self.lists.len());
            self.lists.insert(
                at,
                TaskList {
                    id: new_id(LIST_PREFIX, 35),
                    display_name: (*name).to_string(),
                    well_known: *kind,
                    change_key: new_change_key(),
                    changed_seq: seq,
                    tombstones: VecDeque::new(),
                    delta_floor: 0,
                },
            );
        }
    }

    /// A list by id (case-sensitive).
    pub(crate) fn list(&self, id: &str) -> Option<&TaskList> {
        self.lists.iter().find(|l| l.id == id)
    }

    /// The built-in list of this kind.
    pub(crate) fn well_known(&self, kind: WellKnownList) -> Option<&TaskList> {
        self.lists.iter().find(|l| l.well_known == kind)
    }

    /// Add a user list; its id.
    pub(crate) fn create_list(&mut self, name: &str) -> String {
        let seq = self.next_seq();
        let id = new_id(LIST_PREFIX, 35);
        self.lists.push(TaskList {
            id: id.clone(),
            display_name: name.to_string(),
            well_known: WellKnownList::None,
            change_key: new_change_key(),
            changed_seq: seq,
            tombstones: VecDeque::new(),
            delta_floor: 0,
        });
        id
    }

    /// Rename a list (the caller refuses built-in ones).
    pub(crate) fn rename_list(&mut self, id: &str, name: &str) {
        let seq = self.next_seq();
        if let Some(l) = self.lists.iter_mut().find(|l| l.id == id) {
            l.display_name = name.to_string();
            l.change_key = new_change_key();
            l.changed_seq = seq;
        }
    }

    /// Delete a user list and its tasks (built-in lists stay).
    pub(crate) fn delete_list(&mut self, id: &str, cap: usize) {
        if self
            .list(id)
            .is_none_or(|l| l.well_known != WellKnownList::None)
        {
            return;
        }
        self.lists.retain(|l| l.id != id);
        self.tasks.retain(|_, t| t.list_id != id);
        let seq = self.next_seq();
        self.list_tombstones.push_back((seq, id.to_string()));
        while self.list_tombstones.len() > cap.max(1) {
            if let Some((s, _)) = self.list_tombstones.pop_front() {
                self.list_delta_floor = s;
            }
        }
    }

    /// The tasks of a list, oldest first.
    pub(crate) fn tasks_in(&self, list: &str) -> Vec<&StoredTask> {
        let mut v: Vec<&StoredTask> = self.tasks.values().filter(|t| t.list_id == list).collect();
        v.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        v
    }

    /// Store a new task in `list`; its id.
    pub(crate) fn insert_task(
        &mut self,
        list: &str,
        fields: TaskFields,
        checklist: Vec<ChecklistItem>,
        now: DateTime<Utc>,
    ) -> String {
        let seq = self.next_seq();
        let id = new_id(TASK_PREFIX, 40);
        self.tasks.insert(
            id.clone(),
            StoredTask {
                id: id.clone(),
                list_id: list.to_string(),
                created: now,
                modified: now,
                body_modified: now,
                change_key: new_change_key(),
                changed_seq: seq,
                fields,
                checklist,
            },
        );
        id
    }

    /// Record a change to a task: new change key, sequence and
    /// modification time (and body time when the body changed).
    pub(crate) fn touch_task(&mut self, id: &str, now: DateTime<Utc>, body_changed: bool) {
        let seq = self.next_seq();
        if let Some(t) = self.tasks.get_mut(id) {
            t.changed_seq = seq;
            t.change_key = new_change_key();
            t.modified = now;
            if body_changed {
                t.body_modified = now;
            }
        }
    }

    /// Delete a task; its list keeps a tombstone.
    pub(crate) fn remove_task(&mut self, id: &str, cap: usize) -> Option<StoredTask> {
        let t = self.tasks.remove(id)?;
        let seq = self.next_seq();
        if let Some(l) = self.lists.iter_mut().find(|l| l.id == t.list_id) {
            l.tombstones.push_back(Tombstone {
                seq,
                id: t.id.clone(),
            });
            while l.tombstones.len() > cap.max(1) {
                if let Some(x) = l.tombstones.pop_front() {
                    l.delta_floor = x.seq;
                }
            }
        }
        Some(t)
    }

    /// A fresh checklist item id.
    pub(crate) fn new_checklist_id() -> String {
        uuid::Uuid::new_v4().to_string()
    }
}
