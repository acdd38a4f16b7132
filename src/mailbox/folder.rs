//! One folder's messages as graphgate knows them: UIDs assigned in arrival
//! order and never reused, the Graph state behind each message's flags, and
//! the changes a delta round brings, turned into rows for the store. Pure
//! logic: the engine feeds it what Graph said and persists what it returns.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Weak};

use chrono::DateTime;

use super::api::{MessageMeta, Snapshot};
use super::flags::Flags;
use super::graph_flags::GraphState;
use super::remote::{RemoteChange, RemoteMessage};
use super::settings::estimated_size;
use crate::store::{FolderChanges, FolderRow, MessageRow};

/// A folder in memory.
#[derive(Debug, Clone)]
pub struct FolderData {
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub delta_link: Option<String>,
    pub messages: BTreeMap<u32, MessageRow>,
    by_id: HashMap<String, u32>,
    /// Bumped on every change sessions can see.
    pub version: u64,
    /// The value of the folder's counter in the store that this state
    /// includes: every write up to it, by any instance (store/mail.rs).
    pub modseq: u64,
    /// Rows removed lately, for sessions that still show them (RFC 2180
    /// §4.1.2: a message expunged elsewhere stays fetchable until the
    /// session may be told).
    departed: Departed,
    /// The snapshot of `version` while any session still holds it: every
    /// session of a folder shares one (10,000 IDLE sessions on a large
    /// folder hold one copy of it, not 10,000).
    shared: Option<(u64, Weak<Snapshot>)>,
}

/// The last `DEPARTED_KEPT` rows removed from a folder, by UID.
#[derive(Debug, Clone, Default)]
struct Departed {
    rows: HashMap<u32, MessageRow>,
    order: VecDeque<u32>,
}

/// How many removed rows a folder remembers (a session that has not been
/// told about more removals than this answers the oldest with
/// EXPUNGEISSUED).
const DEPARTED_KEPT: usize = 2_000;

impl Departed {
    fn keep(&mut self, row: MessageRow) {
        if self.order.len() >= DEPARTED_KEPT
            && let Some(old) = self.order.pop_front()
        {
            self.rows.remove(&old);
        }
        self.order.push_back(row.uid);
        self.rows.insert(row.uid, row);
    }
}

fn graph_state(m: &MessageRow) -> GraphState {
    GraphState {
        is_read: m.is_read,
        is_draft: m.is_draft,
        draft_mark: m.draft_mark,
        flag_status: m.flag_status.clone(),
        categories: m.categories.clone(),
        last_verb: m.last_verb,
        icon_index: m.icon,
    }
}

pub fn flags_of(m: &MessageRow) -> Flags {
    Flags::from_graph(&graph_state(m), m.deleted)
}

fn merge(row: &mut MessageRow, r: &RemoteMessage) -> bool {
    let before = row.clone();
    if let Some(d) = r.received {
        row.internal_date = d.timestamp();
    }
    if let Some(v) = r.is_read {
        row.is_read = v;
    }
    if let Some(v) = r.is_draft {
        row.is_draft = v;
    }
    if let Some(v) = r.draft_mark {
        row.draft_mark = v;
    }
    if let Some(v) = &r.flag_status {
        row.flag_status = v.clone();
    }
    if let Some(v) = &r.categories {
        row.categories = v.clone();
    }
    if r.last_verb.is_some() {
        row.last_verb = r.last_verb;
    }
    if r.icon.is_some() {
        row.icon = r.icon;
    }
    if let Some(v) = r.store_size {
        row.store_size = v;
    }
    if r.internet_message_id.is_some() {
        row.internet_message_id = r.internet_message_id.clone();
    }
    if r.headers.is_some() {
        row.headers = r.headers.clone();
    }
    if r.conversation_id.is_some() {
        row.conversation_id = r.conversation_id.clone();
    }
    *row != before
}

impl FolderData {
    pub fn from_store(folder: FolderRow, rows: Vec<MessageRow>) -> FolderData {
        let by_id = rows.iter().map(|m| (m.message_id.clone(), m.uid)).collect();
        FolderData {
            uidvalidity: folder.uidvalidity,
            uidnext: folder
                .uidnext
                .max(rows.last().map(|m| m.uid + 1).unwrap_or(1)),
            delta_link: folder.delta_link,
            modseq: folder.highestmodseq,
            messages: rows.into_iter().map(|m| (m.uid, m)).collect(),
            by_id,
            version: 0,
            departed: Departed::default(),
            shared: None,
        }
    }

    /// Take in what other instances wrote (rows stamped after `modseq`,
    /// UIDs they removed, the folder's row as of their last write); true
    /// when sessions can see a difference.
    pub fn integrate(
        &mut self,
        rows: Vec<MessageRow>,
        removed: &[u32],
        folder: &FolderRow,
    ) -> bool {
        let mut changed = false;
        for &uid in removed {
            if let Some(row) = self.messages.remove(&uid) {
                if self.by_id.get(&row.message_id) == Some(&uid) {
                    self.by_id.remove(&row.message_id);
                }
                self.departed.keep(row);
                changed = true;
            }
        }
        for row in rows {
            self.uidnext = self.uidnext.max(row.uid.saturating_add(1));
            if let Some(old) = self.messages.get(&row.uid)
                && old.message_id != row.message_id
                && self.by_id.get(&old.message_id) == Some(&row.uid)
            {
                self.by_id.remove(&old.message_id);
            }
            self.by_id.insert(row.message_id.clone(), row.uid);
            changed |= self.messages.get(&row.uid) != Some(&row);
            self.messages.insert(row.uid, row);
        }
        self.uidnext = self.uidnext.max(folder.uidnext);
        if folder.highestmodseq > self.modseq {
            // Their delta link is at least as far along as ours.
            if folder.delta_link.is_some() {
                self.delta_link = folder.delta_link.clone();
            }
            self.modseq = folder.highestmodseq;
        }
        if changed {
            self.version += 1;
        }
        changed
    }

    /// Become `fresh` (read again from the store), keeping what sessions
    /// may still read of removed messages; sessions see a new version.
    pub fn replace_with(&mut self, fresh: FolderData) {
        let departed = std::mem::take(&mut self.departed);
        let version = self.version + 1;
        *self = FolderData {
            departed,
            version,
            shared: None,
            ..fresh
        };
    }

    /// The rows of `uids` were written with the counter value `modseq`.
    pub fn stamp(&mut self, uids: impl IntoIterator<Item = u32>, modseq: u64) {
        for uid in uids {
            if let Some(row) = self.messages.get_mut(&uid) {
                row.modseq = modseq;
            }
        }
        self.modseq = self.modseq.max(modseq);
    }

    pub fn uid_of(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    pub fn get(&self, uid: u32) -> Option<&MessageRow> {
        self.messages.get(&uid)
    }

    /// A message still here, or removed lately (what a session that has
    /// not yet been told of the removal may still read).
    pub fn get_any(&self, uid: u32) -> Option<&MessageRow> {
        self.messages
            .get(&uid)
            .or_else(|| self.departed.rows.get(&uid))
    }

    /// Give a new message the next UID.
    fn assign(&mut self, r: &RemoteMessage, out: &mut FolderChanges) -> u32 {
        let uid = self.uidnext;
        self.uidnext += 1;
        let mut row = MessageRow {
            uid,
            message_id: r.id.clone(),
            flag_status: "notFlagged".into(),
            ..Default::default()
        };
        merge(&mut row, r);
        self.by_id.insert(r.id.clone(), uid);
        self.messages.insert(uid, row.clone());
        out.upserts.push(row);
        out.uidnext = Some(self.uidnext);
        uid
    }

    /// Record a message graphgate itself just put here (APPEND, COPY, MOVE),
    /// so its UID is known before the next delta round reports it.
    pub fn adopt(&mut self, r: &RemoteMessage) -> (u32, FolderChanges) {
        let mut out = FolderChanges::default();
        let uid = match self.uid_of(&r.id) {
            Some(uid) => uid,
            None => self.assign(r, &mut out),
        };
        self.version += 1;
        (uid, out)
    }

    /// Apply a delta round (or local changes expressed the same way).
    /// Linear in the round (hash lookups only): a full listing of a large
    /// folder is one round of as many changes as it has messages.
    pub fn apply(&mut self, changes: &[RemoteChange]) -> FolderChanges {
        let mut out = FolderChanges::default();
        // Rows to write, by UID (a message changed twice is written once).
        let mut touched: BTreeMap<u32, MessageRow> = BTreeMap::new();
        // New messages of one round get UIDs in arrival order; `slot` finds
        // a message's place among them by id.
        let mut fresh: Vec<Option<&RemoteMessage>> = Vec::new();
        let mut slot: HashMap<&str, usize> = HashMap::new();
        for c in changes {
            match c {
                RemoteChange::Removed(id) => {
                    if let Some(i) = slot.remove(id.as_str()) {
                        fresh[i] = None;
                    }
                    if let Some(uid) = self.by_id.remove(id) {
                        if let Some(row) = self.messages.remove(&uid) {
                            self.departed.keep(row);
                        }
                        out.removed.push(uid);
                        touched.remove(&uid);
                    }
                }
                RemoteChange::Present(r) => match self.by_id.get(&r.id).copied() {
                    Some(uid) => {
                        if let Some(row) = self.messages.get_mut(&uid)
                            && merge(row, r)
                        {
                            touched.insert(uid, row.clone());
                        }
                    }
                    None => match slot.get(r.id.as_str()) {
                        Some(&i) => fresh[i] = Some(r),
                        None => {
                            slot.insert(r.id.as_str(), fresh.len());
                            fresh.push(Some(r));
                        }
                    },
                },
            }
        }
        out.upserts.extend(touched.into_values());
        let mut fresh: Vec<&RemoteMessage> = fresh.into_iter().flatten().collect();
        fresh.sort_by_key(|r| r.received);
        for r in fresh {
            self.assign(r, &mut out);
        }
        if !out.upserts.is_empty() || !out.removed.is_empty() {
            self.version += 1;
        }
        out
    }

    /// A full listing after the delta state was lost: known messages keep
    /// their UIDs, missing ones are expunged, new ones get new UIDs.
    pub fn reconcile(&mut self, all: &[RemoteMessage]) -> FolderChanges {
        let present: HashSet<&str> = all.iter().map(|r| r.id.as_str()).collect();
        let mut changes: Vec<RemoteChange> = self
            .by_id
            .keys()
            .filter(|id| !present.contains(id.as_str()))
            .map(|id| RemoteChange::Removed(id.clone()))
            .collect();
        changes.extend(all.iter().cloned().map(RemoteChange::Present));
        self.apply(&changes)
    }

    /// Set or clear the local `\Deleted` mark.
    pub fn set_deleted(&mut self, uid: u32, on: bool) -> Option<MessageRow> {
        let row = self.messages.get_mut(&uid)?;
        if row.deleted == on {
            return None;
        }
        row.deleted = on;
        self.version += 1;
        Some(row.clone())
    }

    /// Set or clear the local `\Deleted` mark of many messages, adding the
    /// rows to write to `changes` (each UID once, whatever it held before).
    pub fn set_deleted_marks(&mut self, marks: &[(u32, bool)], changes: &mut FolderChanges) {
        let mut rows: BTreeMap<u32, MessageRow> = BTreeMap::new();
        for &(uid, on) in marks {
            if let Some(row) = self.set_deleted(uid, on) {
                rows.insert(uid, row);
            }
        }
        if rows.is_empty() {
            return;
        }
        changes.upserts.retain(|m| !rows.contains_key(&m.uid));
        changes.upserts.extend(rows.into_values());
    }

    /// The messages marked `\Deleted`, all or only those among `uids`, as
    /// (UID, Graph id): one pass over the folder, a hash lookup per message.
    pub fn marked_deleted(&self, uids: Option<&[u32]>) -> Vec<(u32, String)> {
        let only: Option<HashSet<u32>> = uids.map(|u| u.iter().copied().collect());
        self.messages
            .values()
            .filter(|m| m.deleted && only.as_ref().is_none_or(|set| set.contains(&m.uid)))
            .map(|m| (m.uid, m.message_id.clone()))
            .collect()
    }

    /// Freeze RFC822.SIZE for a UID the first time it is reported.
    pub fn report_size(&mut self, uid: u32, size: i64) -> Option<MessageRow> {
        let row = self.messages.get_mut(&uid)?;
        if row.reported_size.is_some() {
            return None;
        }
        row.reported_size = Some(size);
        Some(row.clone())
    }

    /// The folder now, shared with every session that asks before the
    /// next change.
    pub fn snapshot(&mut self) -> Arc<Snapshot> {
        if let Some((version, weak)) = &self.shared
            && *version == self.version
            && let Some(shared) = weak.upgrade()
        {
            return shared;
        }
        let fresh = Arc::new(self.build_snapshot());
        self.shared = Some((self.version, Arc::downgrade(&fresh)));
        fresh
    }

    fn build_snapshot(&self) -> Snapshot {
        Snapshot {
            uidvalidity: self.uidvalidity,
            uidnext: self.uidnext,
            highestmodseq: self.modseq,
            messages: self
                .messages
                .values()
                .map(|m| MessageMeta {
                    uid: m.uid,
                    flags: flags_of(m),
                    internal_date: DateTime::from_timestamp(m.internal_date, 0).unwrap_or_default(),
                    modseq: m.modseq,
                })
                .collect(),
        }
    }

    pub fn unseen(&self) -> u32 {
        self.messages.values().filter(|m| !m.is_read).count() as u32
    }

    /// Messages flagged `\Deleted`.
    pub fn deleted(&self) -> u32 {
        self.messages.values().filter(|m| m.deleted).count() as u32
    }

    /// What STATUS SIZE reports: each message's RFC822.SIZE if it was
    /// reported already, else the estimate it would be reported as in
    /// estimate mode (an upper bound of the exact size in exact mode), so
    /// the folder's size never needs a download.
    pub fn total_size(&self) -> u64 {
        self.messages
            .values()
            .map(|m| {
                m.reported_size
                    .unwrap_or_else(|| estimated_size(m.store_size.max(0)))
                    .max(0) as u64
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> FolderData {
        FolderData::from_store(
            FolderRow {
                mailbox: "a@x".into(),
                folder_id: "F".into(),
                uidvalidity: 42,
                uidnext: 1,
                delta_link: None,
                highestmodseq: 0,
            },
            Vec::new(),
        )
    }

    fn msg(id: &str, minute: i64) -> RemoteMessage {
        RemoteMessage {
            id: id.into(),
            received: DateTime::from_timestamp(1_700_000_000 + minute * 60, 0),
            is_read: Some(false),
            is_draft: Some(false),
            flag_status: Some("notFlagged".into()),
            categories: Some(vec![]),
            store_size: Some(1000),
            ..Default::default()
        }
    }

    #[test]
    fn uids_follow_arrival_and_are_never_reused() {
        let mut f = folder();
        let c = f.apply(&[
            RemoteChange::Present(msg("b", 2)),
            RemoteChange::Present(msg("a", 1)),
        ]);
        assert_eq!(f.uid_of("a"), Some(1), "older first");
        assert_eq!(f.uid_of("b"), Some(2));
        assert_eq!(c.uidnext, Some(3));
        let c = f.apply(&[RemoteChange::Removed("a".into())]);
        assert_eq!(c.removed, vec![1]);
        f.apply(&[RemoteChange::Present(msg("a", 1))]);
        assert_eq!(
            f.uid_of("a"),
            Some(3),
            "a message that comes back gets a new UID"
        );
        let v = f.version;
        let c = f.apply(&[RemoteChange::Present(msg("b", 2))]);
        assert!(
            c.upserts.is_empty() && f.version == v,
            "replays change nothing"
        );
    }

    /// A removed row stays readable for sessions not yet told, within a
    /// bound.
    #[test]
    fn removed_rows_are_kept_a_while() {
        let mut f = folder();
        f.apply(&[RemoteChange::Present(msg("a", 1))]);
        f.apply(&[RemoteChange::Removed("a".into())]);
        assert!(f.get(1).is_none());
        assert_eq!(f.get_any(1).map(|m| m.message_id.as_str()), Some("a"));
        let many: Vec<RemoteChange> = (0..DEPARTED_KEPT)
            .map(|i| RemoteChange::Present(msg(&format!("x{i}"), i as i64 + 2)))
            .collect();
        f.apply(&many);
        let gone: Vec<RemoteChange> = (0..DEPARTED_KEPT)
            .map(|i| RemoteChange::Removed(format!("x{i}")))
            .collect();
        f.apply(&gone);
        assert!(f.get_any(1).is_none(), "the oldest is forgotten first");
        assert!(f.get_any(2).is_some());
    }

    #[test]
    fn partial_updates_keep_what_they_do_not_mention() {
        let mut f = folder();
        f.apply(&[RemoteChange::Present(msg("a", 1))]);
        let update = RemoteMessage {
            id: "a".into(),
            is_read: Some(true),
            ..Default::default()
        };
        let c = f.apply(&[RemoteChange::Present(update)]);
        assert_eq!(c.upserts.len(), 1);
        let row = f.get(1).unwrap();
        assert!(row.is_read);
        assert_eq!(row.store_size, 1000);
        assert_eq!(row.flag_status, "notFlagged");
    }

    #[test]
    fn added_and_removed_in_one_round_leave_no_trace() {
        let mut f = folder();
        let c = f.apply(&[
            RemoteChange::Present(msg("x", 1)),
            RemoteChange::Removed("x".into()),
        ]);
        assert!(f.messages.is_empty());
        assert!(c.upserts.is_empty() && c.removed.is_empty());
    }

    #[test]
    fn reconcile_keeps_known_uids() {
        let mut f = folder();
        f.apply(&[
            RemoteChange::Present(msg("a", 1)),
            RemoteChange::Present(msg("b", 2)),
        ]);
        let c = f.reconcile(&[msg("b", 2), msg("c", 3)]);
        assert_eq!(c.removed, vec![1]);
        assert_eq!(f.uid_of("b"), Some(2));
        assert_eq!(f.uid_of("c"), Some(3));
        assert_eq!(
            f.snapshot()
                .messages
                .iter()
                .map(|m| m.uid)
                .collect::<Vec<_>>(),
            vec![2, 3]
        );
    }

    #[test]
    fn deleted_mark_and_frozen_size() {
        let mut f = folder();
        f.apply(&[RemoteChange::Present(msg("a", 1))]);
        assert!(f.set_deleted(1, true).is_some());
        assert!(f.snapshot().messages[0].flags.deleted);
        assert!(f.report_size(1, 1234).is_some());
        assert!(f.report_size(1, 99).is_none());
        assert_eq!(f.get(1).unwrap().reported_size, Some(1234));
    }

    /// The FolderData of `n` messages named m1..mn, one minute apart.
    fn filled(n: usize) -> FolderData {
        let mut f = folder();
        let round: Vec<RemoteChange> = (1..=n)
            .map(|i| RemoteChange::Present(msg(&format!("m{i}"), i as i64)))
            .collect();
        f.apply(&round);
        f
    }

    /// A first full listing of a large folder looked each new message up
    /// among all the new ones before it.
    #[test]
    fn a_large_round_is_not_quadratic() {
        use crate::mailbox::growth::{NOT_QUADRATIC, growth};
        let g = growth(4_000, |n| {
            let f = filled(n);
            assert_eq!(f.messages.len(), n);
        });
        assert!(g < NOT_QUADRATIC, "grew {g:.1}x for 4x input");
        // Removals and repeated updates in one round, too (both sizes well
        // past the rows kept for sessions not yet told, so both pay for it).
        let g = growth(4 * DEPARTED_KEPT, |n| {
            let mut f = filled(n);
            let mut round: Vec<RemoteChange> = Vec::new();
            for i in 1..=n {
                let mut seen = msg(&format!("m{i}"), i as i64);
                seen.is_read = Some(true);
                round.push(RemoteChange::Present(seen));
                round.push(RemoteChange::Removed(format!("m{i}")));
            }
            let c = f.apply(&round);
            assert_eq!(c.removed.len(), n);
            assert!(c.upserts.is_empty());
        });
        assert!(g < NOT_QUADRATIC, "grew {g:.1}x for 4x input");
    }

    /// `STORE 1:* +FLAGS (\Deleted)` then `UID EXPUNGE` of a scattered set.
    #[test]
    fn marking_and_expunging_many_is_not_quadratic() {
        use crate::mailbox::growth::{NOT_QUADRATIC, growth};
        let g = growth(4_000, |n| {
            let mut f = filled(n);
            let marks: Vec<(u32, bool)> = (1..=n as u32).map(|u| (u, true)).collect();
            let mut changes = FolderChanges::default();
            f.set_deleted_marks(&marks, &mut changes);
            assert_eq!(changes.upserts.len(), n);
            let odd: Vec<u32> = (1..=n as u32).rev().step_by(2).collect();
            assert_eq!(f.marked_deleted(Some(&odd)).len(), odd.len());
            assert_eq!(f.marked_deleted(None).len(), n);
        });
        assert!(g < NOT_QUADRATIC, "grew {g:.1}x for 4x input");
    }
}
