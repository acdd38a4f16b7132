//! What one session has told its client about the selected folder: the
//! messages in sequence-number order with the flags last reported. Comparing
//! it with the shared engine's snapshot gives the untagged EXPUNGE, EXISTS
//! and FETCH (FLAGS) updates, so sequence numbers stay per session and right.

use std::collections::BTreeSet;

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
}

/// An untagged response owed to the client, in the order to send them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Update {
    /// `* n EXPUNGE`; the numbers already account for earlier ones.
    Expunge(u32),
    /// `* n EXISTS`.
    Exists(u32),
    /// `* n RECENT`, sent with every EXISTS (RFC 3501 §7.3.2).
    Recent(u32),
    /// `* FLAGS (...)` and `* OK [PERMANENTFLAGS (...)]` again: keywords
    /// the client was not told of are about to be used (RFC 3501 §7.2.6).
    Keywords,
    /// `* n FETCH (UID u FLAGS (...))`.
    Flags {
        seq: u32,
        uid: u32,
        flags: Flags,
        recent: bool,
    },
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
    /// The keywords the client was told of in FLAGS.
    keywords: BTreeSet<String>,
}

/// A sequence set that does not fit the folder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("message sequence number {number} does not exist (the folder has {count} messages)")]
pub(super) struct BadSequence {
    pub number: u32,
    pub count: u32,
}

impl MailboxView {
    /// The view of a folder just selected; messages with a UID above
    /// `recent_after` are `\Recent` to this session.
    pub(super) fn new(snapshot: &Snapshot, recent_after: u32) -> MailboxView {
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
                recent: m.uid > recent_after,
            })
            .collect();
        let high_water = entries.last().map_or(0, |e| e.uid);
        let keywords = entries
            .iter()
            .flat_map(|e| e.flags.keywords.iter().cloned())
            .collect();
        MailboxView {
            entries,
            uidvalidity: snapshot.uidvalidity,
            uidnext: snapshot.uidnext.max(high_water.saturating_add(1)),
            high_water,
            keywords,
        }
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

    /// The number of messages that are `\Recent` to this session.
    pub(super) fn recent(&self) -> u32 {
        let n = self.entries.iter().filter(|e| e.recent).count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The highest UID a snapshot holds (what a session claims as recent).
    pub(super) fn top_uid(snapshot: &Snapshot) -> u32 {
        snapshot.messages.iter().map(|m| m.uid).max().unwrap_or(0)
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

    pub(super) fn get(&self, uid: u32) -> Option<&Entry> {
        self.index_of(uid).map(|i| &self.entries[i])
    }

    /// The first message without `\Seen` (for `[UNSEEN n]`).
    pub(super) fn first_unseen(&self) -> Option<u32> {
        self.entries.iter().position(|e| !e.flags.seen).map(seq)
    }

    /// Record flags the client is about to be told (after STORE); true
    /// when they hold a keyword the client was not told of in FLAGS.
    pub(super) fn set_flags(&mut self, uid: u32, flags: Flags) -> bool {
        let new = self.learn_keywords(&flags.keywords);
        if let Some(i) = self.index_of(uid) {
            self.entries[i].flags = flags;
        }
        new
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
        let mut doomed = indexes.into_iter().peekable();
        let mut i = 0;
        self.entries.retain(|_| {
            let keep = doomed.next_if_eq(&i).is_none();
            i += 1;
            keep
        });
        out
    }

    /// Bring the view up to `snapshot` and say what the client must be told.
    /// Without `allow_expunge` (during FETCH, STORE, SEARCH) messages that
    /// disappeared stay, marked gone, until a later call may expunge them.
    /// New messages with a UID above `recent_after` are `\Recent` here.
    pub(super) fn update(
        &mut self,
        snapshot: &Snapshot,
        allow_expunge: bool,
        recent_after: u32,
    ) -> Vec<Update> {
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
        let mut new_keywords = false;
        for m in &fresh {
            new_keywords |= learn(&mut self.keywords, &m.flags.keywords);
        }
        for &uid in &changed {
            if let Some(i) = self.index_of(uid) {
                new_keywords |= learn(&mut self.keywords, &self.entries[i].flags.keywords);
            }
        }
        if allow_expunge {
            let gone: Vec<u32> = self
                .entries
                .iter()
                .filter(|e| e.gone)
                .map(|e| e.uid)
                .collect();
            updates.extend(self.remove(&gone).into_iter().map(Update::Expunge));
        }
        if new_keywords {
            updates.push(Update::Keywords);
        }
        for uid in changed {
            if let Some(i) = self.index_of(uid) {
                updates.push(Update::Flags {
                    seq: seq(i),
                    uid,
                    flags: self.entries[i].flags.clone(),
                    recent: self.entries[i].recent,
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
                    recent: m.uid > recent_after,
                });
                self.high_water = m.uid;
            }
            updates.push(Update::Exists(self.len()));
            updates.push(Update::Recent(self.recent()));
        }
        self.uidnext = snapshot.uidnext.max(self.high_water.saturating_add(1));
        updates
    }

    /// The messages a sequence set names, as indexes into `entries()` in
    /// ascending order. With `uid`, numbers are UIDs and ones that do not
    /// exist are ignored; otherwise a number past the end is an error.
    /// The set is normalised first (`Ranges`), so repeated or overlapping
    /// ranges cost nothing extra: O(k log k + k log n + result).
    pub(super) fn resolve(&self, set: &SequenceSet, uid: bool) -> Result<Vec<usize>, BadSequence> {
        let count = self.len();
        let top = self.entries.last().map_or(0, |e| e.uid);
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
                let start = self.entries.partition_point(|e| e.uid < lo);
                let end = self.entries.partition_point(|e| e.uid <= hi);
                out.extend(start..end);
            } else {
                out.extend((lo as usize).saturating_sub(1)..hi as usize);
            }
        }
        Ok(out)
    }
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
            &Snapshot {
                uidvalidity: 1,
                uidnext: 2 * n + 2,
                messages: (1..=n)
                    .map(|i| MessageMeta {
                        uid: 2 * i,
                        flags: Flags::default(),
                        internal_date: DateTime::<Utc>::default(),
                    })
                    .collect(),
            },
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
        }
    }

    fn snapshot(messages: Vec<MessageMeta>) -> Snapshot {
        Snapshot {
            uidvalidity: 1,
            uidnext: messages.last().map_or(1, |m| m.uid + 1),
            messages,
        }
    }

    /// Messages above the floor a session claimed are recent to it, new
    /// ones too; the count and the flag agree.
    #[test]
    fn recent_follows_the_claimed_floor() {
        let mut v = MailboxView::new(&snapshot(vec![meta(1, &[]), meta(2, &[])]), 1);
        assert_eq!(v.recent(), 1);
        assert!(!v.entries()[0].recent && v.entries()[1].recent);
        let grown = snapshot(vec![meta(1, &[]), meta(2, &[]), meta(3, &[]), meta(4, &[])]);
        // Another session claimed 3 first: only 4 is recent here.
        assert_eq!(
            v.update(&grown, true, 3),
            vec![Update::Exists(4), Update::Recent(2)]
        );
        let recent: Vec<u32> = v
            .entries()
            .iter()
            .filter(|e| e.recent)
            .map(|e| e.uid)
            .collect();
        assert_eq!(recent, vec![2, 4]);
    }

    /// A keyword the client was not told of comes with FLAGS first, once.
    #[test]
    fn new_keywords_are_announced_before_use() {
        let mut v = MailboxView::new(&snapshot(vec![meta(1, &["$a"])]), u32::MAX);
        assert!(v.keywords().contains("$a"));
        let changed = snapshot(vec![meta(1, &["$a", "$b"])]);
        let updates = v.update(&changed, true, u32::MAX);
        assert_eq!(updates[0], Update::Keywords, "{updates:?}");
        assert!(matches!(updates[1], Update::Flags { uid: 1, .. }));
        let fresh = snapshot(vec![meta(1, &["$a", "$b"]), meta(2, &["$b"])]);
        assert_eq!(
            v.update(&fresh, true, u32::MAX),
            vec![Update::Exists(2), Update::Recent(0)]
        );
        let fresh = snapshot(vec![
            meta(1, &["$a", "$b"]),
            meta(2, &["$b"]),
            meta(3, &["NIL"]),
        ]);
        assert_eq!(
            v.update(&fresh, true, u32::MAX),
            vec![Update::Keywords, Update::Exists(3), Update::Recent(0)]
        );
        assert!(!v.set_flags(1, Flags::default()), "nothing new");
    }

    /// Held EXPUNGEs keep the message in the view (and its number) until
    /// a command that may announce them.
    #[test]
    fn expunges_wait_until_allowed() {
        let mut v = MailboxView::new(&snapshot(vec![meta(1, &[]), meta(2, &[])]), u32::MAX);
        let without_1 = snapshot(vec![meta(2, &[])]);
        assert!(v.update(&without_1, false, u32::MAX).is_empty());
        assert_eq!(v.len(), 2);
        assert!(v.get(1).unwrap().gone);
        assert_eq!(
            v.update(&without_1, true, u32::MAX),
            vec![Update::Expunge(1)]
        );
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn removing_gives_expunge_numbers_highest_first() {
        let mut v = view(5);
        assert_eq!(v.remove(&[4, 10, 4, 99]), vec![5, 2]);
        assert_eq!(
            v.entries().iter().map(|e| e.uid).collect::<Vec<_>>(),
            vec![2, 6, 8]
        );
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
