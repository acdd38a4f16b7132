//! What one session has told its client about the selected folder: the
//! messages in sequence-number order with the flags last reported. Comparing
//! it with the shared engine's snapshot gives the untagged EXPUNGE, EXISTS
//! and FETCH (FLAGS) updates, so sequence numbers stay per session and right.
//!
//! The view keeps only its differences from the folder: every session
//! holds the same shared snapshot (`Arc<Snapshot>`, one per folder
//! version), and on top of it the flags it reported that the snapshot does
//! not show yet, the messages expunged elsewhere that it may not announce
//! yet, and the UID ranges that are `\Recent` to it. A session that is up
//! to date (an IDLE client, most of the time) costs a pointer, not a copy of
//! the folder; its own list of UIDs exists only while it differs.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};

use super::ranges::Ranges;
use crate::mailbox::flags::Flags;
use crate::mailbox::{MessageMeta, Snapshot};

/// One message as this session's client knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    pub uid: u32,
    pub flags: Flags,
    pub internal_date: DateTime<Utc>,
    /// Expunged by someone else, but the client has not been told yet
    /// (EXPUNGE may not be sent during FETCH, STORE or SEARCH).
    pub gone: bool,
    /// `\Recent` to this session (RFC 3501 §2.3.2).
    pub recent: bool,
    /// The mod-sequence of its last change known here (RFC 7162).
    pub modseq: u64,
}

/// An untagged response owed to the client, in the order to send them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Update {
    /// `* n EXPUNGE` (or `* VANISHED uid` with QRESYNC); the numbers
    /// already account for earlier ones.
    Expunge { seq: u32, uid: u32 },
    /// `* n EXISTS`.
    Exists(u32),
    /// `* n RECENT`, sent with every EXISTS (RFC 3501 §7.3.2).
    Recent(u32),
    /// `* FLAGS (...)` and `* OK [PERMANENTFLAGS (...)]` again: keywords
    /// the client was not told of are about to be used (RFC 3501 §7.2.6).
    Keywords,
    /// `* n FETCH (UID u FLAGS (...))` (and `MODSEQ (m)` with CONDSTORE).
    Flags {
        seq: u32,
        uid: u32,
        flags: Flags,
        recent: bool,
        modseq: u64,
    },
    /// The folder's UIDs were reassigned: the session cannot go on.
    UidValidityChanged,
}

/// The selected folder as this session sees it.
#[derive(Debug, Clone, Default)]
pub(super) struct MailboxView {
    /// The folder as last caught up with, in UID order; shared with every
    /// session that caught up with the same version.
    base: Arc<Snapshot>,
    /// This session's UIDs in sequence order, only while they differ from
    /// `base`'s (a message expunged elsewhere and not announced yet, or
    /// removed here before the folder's next version).
    own: Option<Vec<u32>>,
    /// Flags (and their mod-sequence) reported to the client that `base`
    /// does not show (yet).
    told: HashMap<u32, (Flags, u64)>,
    /// Messages the client still has that `base` lacks (expunged
    /// elsewhere), as last told; their UIDs are in `own`.
    gone: HashMap<u32, MessageMeta>,
    /// UID ranges (inclusive, ascending, disjoint) `\Recent` to this session.
    recent: Vec<(u32, u32)>,
    pub uidvalidity: u32,
    pub uidnext: u32,
    /// The highest UID this session has ever shown: a snapshot's message
    /// with a UID at or below it that the view lacks was removed here (or
    /// is an anomaly) and must not come back with a wrong sequence number.
    high_water: u32,
    /// The keywords the client was told of in FLAGS.
    keywords: BTreeSet<String>,
}

/// What the client was last told of one message.
struct Known<'v> {
    flags: &'v Flags,
    date: DateTime<Utc>,
    modseq: u64,
    gone: bool,
}

/// A sequence set that does not fit the folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("message sequence number {number} does not exist (the folder has {count} messages)")]
pub(super) struct BadSequence {
    pub number: u32,
    pub count: u32,
}

/// `snapshot` with its messages in strictly ascending UID order (the
/// engine's already are; anything else is sorted once, in a copy).
fn in_uid_order(snapshot: Arc<Snapshot>) -> Arc<Snapshot> {
    if snapshot.messages.windows(2).all(|w| w[0].uid < w[1].uid) {
        return snapshot;
    }
    let mut copy = Snapshot::clone(&snapshot);
    copy.messages.sort_by_key(|m| m.uid);
    copy.messages.dedup_by_key(|m| m.uid);
    Arc::new(copy)
}

impl MailboxView {
    /// The view of a folder just selected; messages with a UID above
    /// `recent_after` are `\Recent` to this session.
    pub(super) fn new(snapshot: Arc<Snapshot>, recent_after: u32) -> MailboxView {
        let base = in_uid_order(snapshot);
        let high_water = base.messages.last().map_or(0, |m| m.uid);
        let keywords = base
            .messages
            .iter()
            .flat_map(|m| m.flags.keywords.iter().cloned())
            .collect();
        let mut view = MailboxView {
            uidvalidity: base.uidvalidity,
            uidnext: base.uidnext.max(high_water.saturating_add(1)),
            base,
            high_water,
            keywords,
            ..MailboxView::default()
        };
        view.add_recent(recent_after.saturating_add(1), high_water);
        view
    }

    /// The folder's HIGHESTMODSEQ as this view last caught up with it.
    pub(super) fn highest_modseq(&self) -> u64 {
        self.base.highestmodseq
    }

    /// The keywords the client has been told of (FLAGS), in order.
    pub(super) fn keywords(&self) -> &BTreeSet<String> {
        &self.keywords
    }

    /// Add `keywords` to those the client knows; true when one is new,
    /// and FLAGS must be sent again before it is used.
    pub(super) fn learn_keywords<'k>(
        &mut self,
        keywords: impl IntoIterator<Item = &'k String>,
    ) -> bool {
        learn(&mut self.keywords, keywords)
    }

    /// Make the UIDs `lo..=hi` `\Recent` to this session.
    fn add_recent(&mut self, lo: u32, hi: u32) {
        if lo > hi {
            return;
        }
        match self.recent.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => self.recent.push((lo, hi)),
        }
    }

    /// No message is `\Recent` to this session any more (it enabled
    /// IMAP4rev2, which has no such flag).
    pub(super) fn forget_recent(&mut self) {
        self.recent.clear();
    }

    fn is_recent(&self, uid: u32) -> bool {
        let i = self.recent.partition_point(|r| r.1 < uid);
        self.recent.get(i).is_some_and(|r| r.0 <= uid)
    }

    /// The number of messages that are `\Recent` to this session.
    pub(super) fn recent(&self) -> u32 {
        let n: usize = self
            .recent
            .iter()
            .map(|&(lo, hi)| self.rank_above(hi) - self.rank(lo))
            .sum();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The highest UID a snapshot holds (what a session claims as recent).
    pub(super) fn top_uid(snapshot: &Snapshot) -> u32 {
        snapshot.messages.iter().map(|m| m.uid).max().unwrap_or(0)
    }

    pub(super) fn len(&self) -> u32 {
        u32::try_from(self.count()).unwrap_or(u32::MAX)
    }

    fn count(&self) -> usize {
        match &self.own {
            Some(own) => own.len(),
            None => self.base.messages.len(),
        }
    }

    /// The UID with sequence number `index + 1`.
    fn uid_at(&self, index: usize) -> Option<u32> {
        match &self.own {
            Some(own) => own.get(index).copied(),
            None => self.base.messages.get(index).map(|m| m.uid),
        }
    }

    /// How many of this session's messages have a UID below `uid`.
    fn rank(&self, uid: u32) -> usize {
        match &self.own {
            Some(own) => own.partition_point(|&u| u < uid),
            None => self.base.messages.partition_point(|m| m.uid < uid),
        }
    }

    /// How many of this session's messages have a UID at or below `uid`.
    fn rank_above(&self, uid: u32) -> usize {
        match &self.own {
            Some(own) => own.partition_point(|&u| u <= uid),
            None => self.base.messages.partition_point(|m| m.uid <= uid),
        }
    }

    fn base_meta(&self, uid: u32) -> Option<&MessageMeta> {
        let messages = &self.base.messages;
        messages
            .binary_search_by_key(&uid, |m| m.uid)
            .ok()
            .map(|i| &messages[i])
    }

    /// What the client was last told of `uid`.
    fn known(&self, uid: u32) -> Option<Known<'_>> {
        if let Some(m) = self.gone.get(&uid) {
            return Some(Known {
                flags: &m.flags,
                date: m.internal_date,
                modseq: m.modseq,
                gone: true,
            });
        }
        let m = self.base_meta(uid)?;
        let (flags, modseq) = match self.told.get(&uid) {
            Some((flags, modseq)) => (flags, *modseq),
            None => (&m.flags, m.modseq),
        };
        Some(Known {
            flags,
            date: m.internal_date,
            modseq,
            gone: false,
        })
    }

    /// The message with sequence number `index + 1`.
    pub(super) fn at(&self, index: usize) -> Option<Entry> {
        let uid = self.uid_at(index)?;
        let known = self.known(uid)?;
        Some(Entry {
            uid,
            flags: known.flags.clone(),
            internal_date: known.date,
            gone: known.gone,
            recent: self.is_recent(uid),
            modseq: known.modseq,
        })
    }

    /// The session's messages in sequence order.
    pub(super) fn iter(&self) -> impl Iterator<Item = Entry> + '_ {
        (0..self.count()).filter_map(|i| self.at(i))
    }

    /// The UIDs of the session's messages in sequence order.
    fn uids(&self) -> Vec<u32> {
        match &self.own {
            Some(own) => own.clone(),
            None => self.base.messages.iter().map(|m| m.uid).collect(),
        }
    }

    /// The highest UID shown (0 when empty).
    pub(super) fn last_uid(&self) -> u32 {
        self.count()
            .checked_sub(1)
            .and_then(|i| self.uid_at(i))
            .unwrap_or(0)
    }

    fn index_of(&self, uid: u32) -> Option<usize> {
        match &self.own {
            Some(own) => own.binary_search(&uid).ok(),
            None => self
                .base
                .messages
                .binary_search_by_key(&uid, |m| m.uid)
                .ok(),
        }
    }

    pub(super) fn get(&self, uid: u32) -> Option<Entry> {
        self.index_of(uid).and_then(|i| self.at(i))
    }

    /// The first message without `\Seen` (for `[UNSEEN n]`).
    pub(super) fn first_unseen(&self) -> Option<u32> {
        (0..self.count())
            .find(|&i| {
                self.uid_at(i)
                    .and_then(|uid| self.known(uid))
                    .is_some_and(|known| !known.flags.seen)
            })
            .map(seq)
    }

    /// Record flags (and the mod-sequence of that change) the client is
    /// about to be told (after STORE); true when they hold a keyword the
    /// client was not told of in FLAGS.
    pub(super) fn set_flags(&mut self, uid: u32, flags: Flags, modseq: u64) -> bool {
        let new = self.learn_keywords(&flags.keywords);
        if self.index_of(uid).is_none() {
            return new;
        }
        if let Some(m) = self.gone.get_mut(&uid) {
            m.flags = flags;
            m.modseq = modseq;
        } else if self
            .base_meta(uid)
            .is_some_and(|m| m.flags == flags && m.modseq == modseq)
        {
            self.told.remove(&uid);
        } else {
            self.told.insert(uid, (flags, modseq));
        }
        new
    }

    /// Settle `own` after a change: dropped when it is `base`'s list again.
    fn settle(&mut self, own: Vec<u32>) {
        self.own = if self.gone.is_empty() && own.len() == self.base.messages.len() {
            // Both ascending, `own` a subset of `base` (nothing gone): equal.
            None
        } else {
            Some(own)
        };
    }

    /// Remove messages this session expunged (or moved away) and return the
    /// EXPUNGE numbers to send, highest first so each stays valid as sent.
    /// One pass over the view, however many messages go (never one shift
    /// of the whole list per message).
    pub(super) fn remove(&mut self, uids: &[u32]) -> Vec<u32> {
        let mut indexes: Vec<usize> = uids.iter().filter_map(|&u| self.index_of(u)).collect();
        indexes.sort_unstable();
        indexes.dedup();
        if indexes.is_empty() {
            return Vec::new();
        }
        let out: Vec<u32> = indexes.iter().rev().map(|&i| seq(i)).collect();
        let mut own = self.uids();
        for &i in &indexes {
            self.gone.remove(&own[i]);
            self.told.remove(&own[i]);
        }
        cut(&mut own, indexes);
        self.settle(own);
        out
    }

    /// Bring the view up to `snapshot` and say what the client must be told;
    /// with `modseqs` (CONDSTORE enabled) a change of mod-sequence alone is
    /// news too.
    /// Without `allow_expunge` (during FETCH, STORE, SEARCH) messages that
    /// disappeared stay, marked gone, until a later call may expunge them.
    /// New messages with a UID above `recent_after` are `\Recent` here.
    pub(super) fn update(
        &mut self,
        snapshot: Arc<Snapshot>,
        allow_expunge: bool,
        recent_after: u32,
        modseqs: bool,
    ) -> Vec<Update> {
        if snapshot.uidvalidity != self.uidvalidity {
            return vec![Update::UidValidityChanged];
        }
        let snapshot = in_uid_order(snapshot);
        let unchanged = Arc::ptr_eq(&snapshot, &self.base)
            && self.own.is_none()
            && self.told.is_empty()
            && self.gone.is_empty();
        if unchanged {
            return Vec::new();
        }
        // Walk the session's messages and the snapshot's in UID order: one
        // pass, no lookups while the session is plain `base` (the common
        // case, each IDLE session after each change).
        let metas = &snapshot.messages;
        let mut changed: Vec<u32> = Vec::new();
        let mut fresh: Vec<&MessageMeta> = Vec::new();
        // (index, UID) of the session's messages the snapshot lacks.
        let mut gone: Vec<(usize, u32)> = Vec::new();
        let mut vanished: Vec<MessageMeta> = Vec::new();
        // A snapshot message at or below `high_water` the view lacks.
        let mut skipped = false;
        let mut next = 0;
        let mut visit = |index: usize,
                         uid: u32,
                         told: &Flags,
                         modseq: u64,
                         date: DateTime<Utc>,
                         was_gone: bool| {
            while next < metas.len() && metas[next].uid < uid {
                if metas[next].uid > self.high_water {
                    fresh.push(&metas[next]);
                } else {
                    skipped = true;
                }
                next += 1;
            }
            let present = next < metas.len() && metas[next].uid == uid;
            if present && !was_gone {
                let m = &metas[next];
                if m.flags != *told || (modseqs && m.modseq != modseq) {
                    changed.push(uid);
                }
            } else {
                // Gone here though the snapshot has it again: once
                // expunged, the session lacks a message of the snapshot.
                skipped |= present;
                gone.push((index, uid));
                if !was_gone {
                    vanished.push(MessageMeta {
                        uid,
                        flags: told.clone(),
                        internal_date: date,
                        modseq,
                    });
                }
            }
            if present {
                next += 1;
            }
        };
        match &self.own {
            None => {
                for (index, m) in self.base.messages.iter().enumerate() {
                    // (No lookup at all while nothing is told ahead.)
                    let told = match self.told.is_empty() {
                        true => None,
                        false => self.told.get(&m.uid),
                    };
                    let (told, modseq) = match told {
                        Some((flags, modseq)) => (flags, *modseq),
                        None => (&m.flags, m.modseq),
                    };
                    visit(index, m.uid, told, modseq, m.internal_date, false);
                }
            }
            Some(own) => {
                // (Every UID shown is known; one that were not is gone.)
                let unknown = Flags::default();
                for (index, &uid) in own.iter().enumerate() {
                    match self.known(uid) {
                        Some(k) => visit(index, uid, k.flags, k.modseq, k.date, k.gone),
                        None => visit(index, uid, &unknown, 0, DateTime::<Utc>::default(), true),
                    }
                }
            }
        }
        for m in &metas[next..] {
            if m.uid > self.high_water {
                fresh.push(m);
            } else {
                skipped = true;
            }
        }
        for m in vanished {
            self.gone.insert(m.uid, m);
        }
        // What the client was told now equals the snapshot, or is kept
        // with the gone messages.
        self.told.clear();

        let mut updates = Vec::new();
        let mut new_keywords = false;
        for m in &fresh {
            new_keywords |= learn(&mut self.keywords, &m.flags.keywords);
        }
        let expunging = allow_expunge && !gone.is_empty();
        // The session's list after this: its own, unless it is the
        // snapshot's (nothing gone stays, nothing skipped).
        let own = if skipped || (!gone.is_empty() && !allow_expunge) {
            let mut own = self.uids();
            if expunging {
                cut(&mut own, gone.iter().map(|&(i, _)| i));
            }
            own.extend(fresh.iter().map(|m| m.uid));
            Some(own)
        } else {
            None
        };
        if expunging {
            updates.extend(
                gone.iter()
                    .rev()
                    .map(|&(i, uid)| Update::Expunge { seq: seq(i), uid }),
            );
            for &(_, uid) in &gone {
                self.gone.remove(&uid);
            }
        }
        let old_high_water = self.high_water;
        if let Some(last) = fresh.last() {
            self.high_water = last.uid;
        }
        let fresh_count = fresh.len();
        self.base = Arc::clone(&snapshot);
        self.own = own;
        if let Some(own) = self.own.take() {
            self.settle(own);
        }
        for &uid in &changed {
            if let Some(m) = self.base_meta(uid) {
                let flags = m.flags.clone();
                new_keywords |= learn(&mut self.keywords, &flags.keywords);
            }
        }
        if new_keywords {
            updates.push(Update::Keywords);
        }
        for uid in changed {
            if let (Some(i), Some(m)) = (self.index_of(uid), self.base_meta(uid)) {
                updates.push(Update::Flags {
                    seq: seq(i),
                    uid,
                    flags: m.flags.clone(),
                    recent: self.is_recent(uid),
                    modseq: m.modseq,
                });
            }
        }
        if fresh_count > 0 {
            self.add_recent(
                recent_after.max(old_high_water).saturating_add(1),
                self.high_water,
            );
            updates.push(Update::Exists(self.len()));
            updates.push(Update::Recent(self.recent()));
        }
        self.uidnext = snapshot.uidnext.max(self.high_water.saturating_add(1));
        updates
    }

    /// The messages a sequence set names, as indexes (sequence number - 1)
    /// in ascending order. With `uid`, numbers are UIDs and ones that do not
    /// exist are ignored; otherwise a number past the end is an error.
    /// The set is normalised first (`Ranges`), so repeated or overlapping
    /// ranges cost nothing extra: O(k log k + k log n + result).
    pub(super) fn resolve(&self, set: &SequenceSet, uid: bool) -> Result<Vec<usize>, BadSequence> {
        let count = self.len();
        let top = self.last_uid();
        let star = if uid { top } else { count };
        let mut pairs = Vec::with_capacity(set.0.as_ref().len());
        for sequence in set.0.as_ref() {
            let (a, b) = match sequence {
                Sequence::Single(x) => (*x, *x),
                Sequence::Range(x, y) => (*x, *y),
            };
            let value = |x: SeqOrUid| match x {
                SeqOrUid::Value(v) => v.get(),
                SeqOrUid::Asterisk => star,
            };
            if !uid {
                for x in [a, b] {
                    if let SeqOrUid::Value(v) = x
                        && v.get() > count
                    {
                        return Err(BadSequence {
                            number: v.get(),
                            count,
                        });
                    }
                }
            }
            if star > 0 {
                pairs.push(ordered(value(a), value(b)));
            }
        }
        let mut out = Vec::new();
        for (lo, hi) in Ranges::new(pairs).iter() {
            if uid {
                out.extend(self.rank(lo)..self.rank_above(hi));
            } else {
                out.extend((lo as usize).saturating_sub(1)..hi as usize);
            }
        }
        Ok(out)
    }
}

/// Remove the entries at `indexes` (ascending) from `list`, in one pass.
fn cut(list: &mut Vec<u32>, indexes: impl IntoIterator<Item = usize>) {
    let mut doomed = indexes.into_iter().peekable();
    let mut i = 0;
    list.retain(|_| {
        let keep = doomed.next_if_eq(&i).is_none();
        i += 1;
        keep
    });
}

/// Add `keywords` to `known`; true when one was not there.
fn learn<'k>(known: &mut BTreeSet<String>, keywords: impl IntoIterator<Item = &'k String>) -> bool {
    let mut new = false;
    for k in keywords {
        if !known.contains(k) {
            known.insert(k.clone());
            new = true;
        }
    }
    new
}

fn ordered(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}

fn seq(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
#[path = "view_tests.rs"]
mod tests;
