//! What one session has told its client about the selected folder: the
//! messages in sequence-number order with the flags last reported. Comparing
//! it with the shared engine's snapshot gives the untagged EXPUNGE, EXISTS
//! and FETCH (FLAGS) updates, so sequence numbers stay per session and right.

use chrono::{DateTime, Utc};
use imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};

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
}

/// An untagged response owed to the client, in the order to send them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Update {
    /// `* n EXPUNGE`; the numbers already account for earlier ones.
    Expunge(u32),
    /// `* n EXISTS`.
    Exists(u32),
    /// `* n FETCH (UID u FLAGS (...))`.
    Flags { seq: u32, uid: u32, flags: Flags },
    /// The folder's UIDs were reassigned: the session cannot go on.
    UidValidityChanged,
}

/// The selected folder as this session sees it.
#[derive(Debug, Clone, Default)]
pub(super) struct MailboxView {
    entries: Vec<Entry>,
    pub uidvalidity: u32,
    pub uidnext: u32,
    /// The highest UID this session has ever shown: a snapshot's message
    /// with a UID at or below it that the view lacks was removed here (or
    /// is an anomaly) and must not come back with a wrong sequence number.
    high_water: u32,
}

/// A sequence set that does not fit the folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("message sequence number {number} does not exist (the folder has {count} messages)")]
pub(super) struct BadSequence {
    pub number: u32,
    pub count: u32,
}

impl MailboxView {
    pub(super) fn new(snapshot: &Snapshot) -> MailboxView {
        let mut messages = snapshot.messages.clone();
        messages.sort_by_key(|m| m.uid);
        messages.dedup_by_key(|m| m.uid);
        let entries: Vec<Entry> = messages
            .into_iter()
            .map(|m| Entry {
                uid: m.uid,
                flags: m.flags,
                internal_date: m.internal_date,
                gone: false,
            })
            .collect();
        let high_water = entries.last().map_or(0, |e| e.uid);
        MailboxView {
            entries,
            uidvalidity: snapshot.uidvalidity,
            uidnext: snapshot.uidnext.max(high_water.saturating_add(1)),
            high_water,
        }
    }

    pub(super) fn len(&self) -> u32 {
        u32::try_from(self.entries.len()).unwrap_or(u32::MAX)
    }

    pub(super) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    fn index_of(&self, uid: u32) -> Option<usize> {
        self.entries.binary_search_by_key(&uid, |e| e.uid).ok()
    }

    pub(super) fn seq_of(&self, uid: u32) -> Option<u32> {
        self.index_of(uid).map(seq)
    }

    pub(super) fn get(&self, uid: u32) -> Option<&Entry> {
        self.index_of(uid).map(|i| &self.entries[i])
    }

    /// The first message without `\Seen` (for `[UNSEEN n]`).
    pub(super) fn first_unseen(&self) -> Option<u32> {
        self.entries.iter().position(|e| !e.flags.seen).map(seq)
    }

    /// Record flags the client has been told (after STORE).
    pub(super) fn set_flags(&mut self, uid: u32, flags: Flags) {
        if let Some(i) = self.index_of(uid) {
            self.entries[i].flags = flags;
        }
    }

    /// Remove messages this session expunged (or moved away) and return the
    /// EXPUNGE numbers to send, highest first so each stays valid as sent.
    pub(super) fn remove(&mut self, uids: &[u32]) -> Vec<u32> {
        let mut indexes: Vec<usize> = uids.iter().filter_map(|&u| self.index_of(u)).collect();
        indexes.sort_unstable();
        indexes.dedup();
        let mut out = Vec::with_capacity(indexes.len());
        for &i in indexes.iter().rev() {
            self.entries.remove(i);
            out.push(seq(i));
        }
        out
    }

    /// Bring the view up to `snapshot` and say what the client must be told.
    /// Without `allow_expunge` (during FETCH, STORE, SEARCH) messages that
    /// disappeared stay, marked gone, until a later call may expunge them.
    pub(super) fn update(&mut self, snapshot: &Snapshot, allow_expunge: bool) -> Vec<Update> {
        if snapshot.uidvalidity != self.uidvalidity {
            return vec![Update::UidValidityChanged];
        }
        let mut metas: Vec<&MessageMeta> = snapshot.messages.iter().collect();
        if !metas.windows(2).all(|w| w[0].uid < w[1].uid) {
            metas.sort_by_key(|m| m.uid);
            metas.dedup_by_key(|m| m.uid);
        }
        // Walk both lists in UID order.
        let mut changed = Vec::new();
        let mut fresh = Vec::new();
        let mut next = 0;
        for entry in &mut self.entries {
            while next < metas.len() && metas[next].uid < entry.uid {
                if metas[next].uid > self.high_water {
                    fresh.push(metas[next]);
                }
                next += 1;
            }
            if next < metas.len() && metas[next].uid == entry.uid {
                let m = metas[next];
                if !entry.gone && m.flags != entry.flags {
                    entry.flags = m.flags.clone();
                    changed.push(entry.uid);
                }
                next += 1;
            } else {
                entry.gone = true;
            }
        }
        fresh.extend(metas[next..].iter().filter(|m| m.uid > self.high_water));

        let mut updates = Vec::new();
        if allow_expunge {
            let gone: Vec<u32> = self
                .entries
                .iter()
                .filter(|e| e.gone)
                .map(|e| e.uid)
                .collect();
            updates.extend(self.remove(&gone).into_iter().map(Update::Expunge));
        }
        for uid in changed {
            if let Some(i) = self.index_of(uid) {
                updates.push(Update::Flags {
                    seq: seq(i),
                    uid,
                    flags: self.entries[i].flags.clone(),
                });
            }
        }
        if !fresh.is_empty() {
            for m in fresh {
                self.entries.push(Entry {
                    uid: m.uid,
                    flags: m.flags.clone(),
                    internal_date: m.internal_date,
                    gone: false,
                });
                self.high_water = m.uid;
            }
            updates.push(Update::Exists(self.len()));
        }
        self.uidnext = snapshot.uidnext.max(self.high_water.saturating_add(1));
        updates
    }

    /// The messages a sequence set names, as indexes into `entries()` in
    /// ascending order. With `uid`, numbers are UIDs and ones that do not
    /// exist are ignored; otherwise a number past the end is an error.
    pub(super) fn resolve(&self, set: &SequenceSet, uid: bool) -> Result<Vec<usize>, BadSequence> {
        let count = self.len();
        let mut marked = vec![false; self.entries.len()];
        for sequence in set.0.as_ref() {
            let (a, b) = match sequence {
                Sequence::Single(x) => (*x, *x),
                Sequence::Range(x, y) => (*x, *y),
            };
            if uid {
                let top = self.entries.last().map_or(0, |e| e.uid);
                let value = |x: SeqOrUid| match x {
                    SeqOrUid::Value(v) => v.get(),
                    SeqOrUid::Asterisk => top,
                };
                let (lo, hi) = ordered(value(a), value(b));
                if top == 0 {
                    continue;
                }
                let start = self.entries.partition_point(|e| e.uid < lo);
                for (i, e) in self.entries.iter().enumerate().skip(start) {
                    if e.uid > hi {
                        break;
                    }
                    marked[i] = true;
                }
            } else {
                let value = |x: SeqOrUid| match x {
                    SeqOrUid::Value(v) => Some(v.get()),
                    SeqOrUid::Asterisk => None,
                };
                for number in [value(a), value(b)].into_iter().flatten() {
                    if number > count {
                        return Err(BadSequence { number, count });
                    }
                }
                if count == 0 {
                    continue;
                }
                let (lo, hi) = ordered(value(a).unwrap_or(count), value(b).unwrap_or(count));
                for m in &mut marked[(lo - 1) as usize..hi as usize] {
                    *m = true;
                }
            }
        }
        Ok(marked
            .iter()
            .enumerate()
            .filter_map(|(i, &m)| m.then_some(i))
            .collect())
    }
}

fn ordered(a: u32, b: u32) -> (u32, u32) {
    (a.min(b), a.max(b))
}

fn seq(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}
