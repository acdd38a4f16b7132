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
    /// The client follows mod-sequences (CONDSTORE enabled): a change of
    /// mod-sequence alone is an update too.
    modseqs: bool,
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

    /// From now on the client follows mod-sequences (CONDSTORE enabled).
    pub(super) fn follow_modseqs(&mut self) {
        self.modseqs = true;
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

    /// Bring the view up to `snapshot` and say what the client must be told.
    /// Without `allow_expunge` (during FETCH, STORE, SEARCH) messages that
    /// disappeared stay, marked gone, until a later call may expunge them.
    /// New messages with a UID above `recent_after` are `\Recent` here.
    pub(super) fn update(
        &mut self,
        snapshot: Arc<Snapshot>,
        allow_expunge: bool,
        recent_after: u32,
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
        let modseqs = self.modseqs;
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
mod tests {
    use super::*;
    use crate::mailbox::growth::{NOT_QUADRATIC, growth};

    /// A view of `n` messages with UIDs 2, 4, 6, ...
    fn view(n: u32) -> MailboxView {
        MailboxView::new(
            Arc::new(Snapshot {
                uidvalidity: 1,
                uidnext: 2 * n + 2,
                messages: (1..=n)
                    .map(|i| MessageMeta {
                        uid: 2 * i,
                        flags: Flags::default(),
                        internal_date: DateTime::<Utc>::default(),
                        modseq: 1,
                    })
                    .collect(),
                highestmodseq: 1,
            }),
            u32::MAX,
        )
    }

    fn set(text: &str) -> SequenceSet {
        SequenceSet::try_from(text).unwrap()
    }

    #[test]
    fn sets_resolve_as_before() {
        let v = view(5); // UIDs 2 4 6 8 10
        assert_eq!(v.resolve(&set("2,1,2:3"), false).unwrap(), vec![0, 1, 2]);
        assert_eq!(v.resolve(&set("*"), false).unwrap(), vec![4]);
        assert_eq!(v.resolve(&set("4:*,1"), false).unwrap(), vec![0, 3, 4]);
        assert_eq!(
            v.resolve(&set("6"), false).unwrap_err(),
            BadSequence {
                number: 6,
                count: 5
            }
        );
        assert_eq!(v.resolve(&set("3:5,1,100:*"), true).unwrap(), vec![1, 4]);
        assert_eq!(v.resolve(&set("*:7"), true).unwrap(), vec![3, 4]);
        assert!(v.resolve(&set("11:20"), true).unwrap().is_empty());
        assert!(view(0).resolve(&set("1:*"), true).unwrap().is_empty());
        assert!(view(0).resolve(&set("*"), false).unwrap().is_empty());
    }

    fn meta(uid: u32, keywords: &[&str]) -> MessageMeta {
        MessageMeta {
            uid,
            flags: Flags {
                keywords: keywords.iter().map(|k| k.to_string()).collect(),
                ..Flags::default()
            },
            internal_date: DateTime::<Utc>::default(),
            modseq: u64::from(uid),
        }
    }

    fn snapshot(messages: Vec<MessageMeta>) -> Arc<Snapshot> {
        Arc::new(Snapshot {
            uidvalidity: 1,
            uidnext: messages.last().map_or(1, |m| m.uid + 1),
            highestmodseq: messages.iter().map(|m| m.modseq).max().unwrap_or(0),
            messages,
        })
    }

    /// Messages above the floor a session claimed are recent to it, new
    /// ones too; the count and the flag agree.
    #[test]
    fn recent_follows_the_claimed_floor() {
        let mut v = MailboxView::new(snapshot(vec![meta(1, &[]), meta(2, &[])]), 1);
        assert_eq!(v.recent(), 1);
        assert!(!v.at(0).unwrap().recent && v.at(1).unwrap().recent);
        let grown = snapshot(vec![meta(1, &[]), meta(2, &[]), meta(3, &[]), meta(4, &[])]);
        // Another session claimed 3 first: only 4 is recent here.
        assert_eq!(
            v.update(grown, true, 3),
            vec![Update::Exists(4), Update::Recent(2)]
        );
        let recent: Vec<u32> = v.iter().filter(|e| e.recent).map(|e| e.uid).collect();
        assert_eq!(recent, vec![2, 4]);
    }

    /// A keyword the client was not told of comes with FLAGS first, once.
    #[test]
    fn new_keywords_are_announced_before_use() {
        let mut v = MailboxView::new(snapshot(vec![meta(1, &["$a"])]), u32::MAX);
        assert!(v.keywords().contains("$a"));
        let changed = snapshot(vec![meta(1, &["$a", "$b"])]);
        let updates = v.update(changed, true, u32::MAX);
        assert_eq!(updates[0], Update::Keywords, "{updates:?}");
        assert!(matches!(updates[1], Update::Flags { uid: 1, .. }));
        let fresh = snapshot(vec![meta(1, &["$a", "$b"]), meta(2, &["$b"])]);
        assert_eq!(
            v.update(fresh, true, u32::MAX),
            vec![Update::Exists(2), Update::Recent(0)]
        );
        let fresh = snapshot(vec![
            meta(1, &["$a", "$b"]),
            meta(2, &["$b"]),
            meta(3, &["NIL"]),
        ]);
        assert_eq!(
            v.update(fresh, true, u32::MAX),
            vec![Update::Keywords, Update::Exists(3), Update::Recent(0)]
        );
        assert!(!v.set_flags(1, Flags::default(), 9), "nothing new");
    }

    /// Held EXPUNGEs keep the message in the view (and its number) until
    /// a command that may announce them.
    #[test]
    fn expunges_wait_until_allowed() {
        let mut v = MailboxView::new(snapshot(vec![meta(1, &[]), meta(2, &[])]), u32::MAX);
        let without_1 = snapshot(vec![meta(2, &[])]);
        assert!(v.update(without_1.clone(), false, u32::MAX).is_empty());
        assert_eq!(v.len(), 2);
        assert!(v.get(1).unwrap().gone);
        assert_eq!(
            v.update(without_1.clone(), true, u32::MAX),
            vec![Update::Expunge { seq: 1, uid: 1 }]
        );
        assert_eq!(v.len(), 1);
    }

    /// A change of mod-sequence alone is news only to a client that
    /// follows them (CONDSTORE), and it comes with the new value.
    #[test]
    fn a_new_modseq_alone_is_an_update_with_condstore() {
        let first = snapshot(vec![meta(1, &[]), meta(2, &[])]);
        let mut later = vec![meta(1, &[]), meta(2, &[])];
        later[1].modseq = 7;
        let later = snapshot(later);
        let mut plain = MailboxView::new(first.clone(), u32::MAX);
        assert!(plain.update(later.clone(), true, u32::MAX).is_empty());
        let mut following = MailboxView::new(first, u32::MAX);
        following.follow_modseqs();
        assert_eq!(
            following.update(later.clone(), true, u32::MAX),
            vec![Update::Flags {
                seq: 2,
                uid: 2,
                flags: Flags::default(),
                recent: false,
                modseq: 7
            }]
        );
        assert_eq!(following.get(2).unwrap().modseq, 7);
        assert_eq!(following.highest_modseq(), 7);
        // What this session's own STORE told it is not news again.
        let mut flagged = vec![meta(1, &[]), meta(2, &[])];
        flagged[0].flags.flagged = true;
        flagged[0].modseq = 8;
        following.set_flags(1, flagged[0].flags.clone(), 8);
        assert_eq!(following.get(1).unwrap().modseq, 8);
        flagged[1].modseq = 7;
        assert!(
            following
                .update(snapshot(flagged), true, u32::MAX)
                .is_empty()
        );
    }

    /// The view as a plain list (what every session held before views
    /// were shared), for comparison under random changes.
    #[derive(Default)]
    struct Model {
        entries: Vec<Entry>,
        high_water: u32,
    }

    impl Model {
        fn update(&mut self, snap: &Snapshot, allow: bool, recent_after: u32) -> Vec<u32> {
            for e in &mut self.entries {
                match snap.messages.iter().find(|m| m.uid == e.uid) {
                    Some(m) if !e.gone => {
                        e.flags = m.flags.clone();
                        e.modseq = m.modseq;
                    }
                    Some(_) => {}
                    None => e.gone = true,
                }
            }
            let mut expunged = Vec::new();
            if allow {
                for i in (0..self.entries.len()).rev() {
                    if self.entries[i].gone {
                        expunged.push(seq(i));
                        self.entries.remove(i);
                    }
                }
            }
            let high_water = self.high_water;
            for m in snap.messages.iter().filter(|m| m.uid > high_water) {
                self.entries.push(Entry {
                    uid: m.uid,
                    flags: m.flags.clone(),
                    internal_date: m.internal_date,
                    gone: false,
                    recent: m.uid > recent_after,
                    modseq: m.modseq,
                });
                self.high_water = m.uid;
            }
            expunged
        }
    }

    /// Random folders, changes, STOREs and EXPUNGEs: the shared view and
    /// the plain list agree on every message, number, flag and EXPUNGE.
    #[test]
    fn shared_view_matches_a_plain_list() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut rand = move |n: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % u64::from(n.max(1))) as u32
        };
        for _round in 0..300 {
            let mut folder: Vec<MessageMeta> = (1..=rand(6)).map(|u| meta(u, &[])).collect();
            let mut uidnext = folder.len() as u32 + 1;
            let mut modseq = u64::from(uidnext);
            let mut view = MailboxView::new(snapshot(folder.clone()), 0);
            let mut model = Model::default();
            model.update(&snapshot(folder.clone()), true, 0);
            for _step in 0..30 {
                match rand(6) {
                    0 => {
                        folder.push(meta(uidnext, &[]));
                        uidnext += 1;
                    }
                    1 if !folder.is_empty() => {
                        folder.remove(rand(folder.len() as u32) as usize);
                    }
                    2 if !folder.is_empty() => {
                        let i = rand(folder.len() as u32) as usize;
                        folder[i].flags.seen ^= true;
                        modseq += 1;
                        folder[i].modseq = modseq;
                    }
                    3 if view.len() > 0 => {
                        // STORE: the client is told new flags.
                        let i = rand(view.len()) as usize;
                        let e = view.at(i).unwrap();
                        let mut flags = e.flags.clone();
                        flags.flagged ^= true;
                        modseq += 1;
                        view.set_flags(e.uid, flags.clone(), modseq);
                        model.entries[i].flags = flags.clone();
                        model.entries[i].modseq = modseq;
                        if let Some(m) = folder.iter_mut().find(|m| m.uid == e.uid) {
                            m.flags = flags;
                            m.modseq = modseq;
                        }
                    }
                    4 if view.len() > 0 => {
                        // This session's EXPUNGE of one message.
                        let uid = view.at(rand(view.len()) as usize).unwrap().uid;
                        folder.retain(|m| m.uid != uid);
                        let i = model.entries.iter().position(|e| e.uid == uid).unwrap();
                        model.entries.remove(i);
                        assert_eq!(view.remove(&[uid]), vec![seq(i)]);
                    }
                    _ => {
                        let snap = Snapshot {
                            uidvalidity: 1,
                            uidnext,
                            highestmodseq: modseq,
                            messages: folder.clone(),
                        };
                        let allow = rand(2) == 0;
                        let recent_after = rand(uidnext);
                        let expected = model.update(&snap, allow, recent_after);
                        let got: Vec<u32> = view
                            .update(Arc::new(snap), allow, recent_after)
                            .into_iter()
                            .filter_map(|u| match u {
                                Update::Expunge { seq, .. } => Some(seq),
                                _ => None,
                            })
                            .collect();
                        assert_eq!(got, expected);
                    }
                }
                let entries: Vec<Entry> = view.iter().collect();
                assert_eq!(entries, model.entries);
                assert_eq!(view.len() as usize, model.entries.len());
                let recent = model.entries.iter().filter(|e| e.recent).count();
                assert_eq!(view.recent() as usize, recent);
            }
        }
    }

    /// Sessions that caught up with one folder version hold one shared
    /// copy of it and nothing of their own.
    #[test]
    fn caught_up_views_share_the_snapshot() {
        let shared = snapshot((1..=100).map(|u| meta(u, &[])).collect());
        let mut views: Vec<MailboxView> = (0..10)
            .map(|_| MailboxView::new(shared.clone(), u32::MAX))
            .collect();
        assert_eq!(Arc::strong_count(&shared), 11);
        let mut grown: Vec<MessageMeta> = (2..=101).map(|u| meta(u, &[])).collect();
        grown[0].flags.seen = true;
        let grown = snapshot(grown);
        for v in &mut views {
            assert!(v.update(grown.clone(), false, u32::MAX).len() > 1);
            assert!(v.own.is_some(), "1 is held until EXPUNGE may be sent");
            assert_eq!(
                v.update(grown.clone(), true, u32::MAX),
                vec![Update::Expunge { seq: 1, uid: 1 }]
            );
            assert!(v.own.is_none() && v.gone.is_empty() && v.told.is_empty());
        }
        assert_eq!(Arc::strong_count(&shared), 1);
        assert_eq!(Arc::strong_count(&grown), 11);
    }

    #[test]
    fn removing_gives_expunge_numbers_highest_first() {
        let mut v = view(5);
        assert_eq!(v.remove(&[4, 10, 4, 99]), vec![5, 2]);
        assert_eq!(v.iter().map(|e| e.uid).collect::<Vec<_>>(), vec![2, 6, 8]);
    }

    /// `UID FETCH 1:*,1:*,...` (a range per message) and a scattered set
    /// were (ranges × messages); now they are n log n.
    #[test]
    fn resolving_many_ranges_is_not_quadratic() {
        let repeated = growth(2_000, |n| {
            let v = view(n as u32);
            let text = vec!["1:*"; n].join(",");
            assert_eq!(v.resolve(&set(&text), true).unwrap().len(), n);
            assert_eq!(v.resolve(&set(&text), false).unwrap().len(), n);
        });
        assert!(repeated < NOT_QUADRATIC, "grew {repeated:.1}x for 4x input");
        let scattered = growth(2_000, |n| {
            let v = view(n as u32);
            let text: Vec<String> = (1..=n).rev().map(|i| format!("{}", 2 * i)).collect();
            assert_eq!(v.resolve(&set(&text.join(",")), true).unwrap().len(), n);
        });
        assert!(
            scattered < NOT_QUADRATIC,
            "grew {scattered:.1}x for 4x input"
        );
    }

    /// EXPUNGE of every other message of a large folder shifted the whole
    /// list once per message.
    #[test]
    fn removing_many_is_not_quadratic() {
        let g = growth(20_000, |n| {
            let mut v = view(n as u32);
            let every_other: Vec<u32> = (1..=n as u32).step_by(2).map(|i| 2 * i).collect();
            assert_eq!(v.remove(&every_other).len(), every_other.len());
        });
        assert!(g < NOT_QUADRATIC, "grew {g:.1}x for 4x input");
    }
}
