//! Unit tests of `view.rs`.

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
        v.update(grown, true, 3, false),
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
    let updates = v.update(changed, true, u32::MAX, false);
    assert_eq!(updates[0], Update::Keywords, "{updates:?}");
    assert!(matches!(updates[1], Update::Flags { uid: 1, .. }));
    let fresh = snapshot(vec![meta(1, &["$a", "$b"]), meta(2, &["$b"])]);
    assert_eq!(
        v.update(fresh, true, u32::MAX, false),
        vec![Update::Exists(2), Update::Recent(0)]
    );
    let fresh = snapshot(vec![
        meta(1, &["$a", "$b"]),
        meta(2, &["$b"]),
        meta(3, &["NIL"]),
    ]);
    assert_eq!(
        v.update(fresh, true, u32::MAX, false),
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
    assert!(
        v.update(without_1.clone(), false, u32::MAX, false)
            .is_empty()
    );
    assert_eq!(v.len(), 2);
    assert!(v.get(1).unwrap().gone);
    assert_eq!(
        v.update(without_1.clone(), true, u32::MAX, false),
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
    assert!(
        plain
            .update(later.clone(), true, u32::MAX, false)
            .is_empty()
    );
    let mut following = MailboxView::new(first, u32::MAX);
    assert_eq!(
        following.update(later.clone(), true, u32::MAX, true),
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
            .update(snapshot(flagged), true, u32::MAX, true)
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
                        .update(Arc::new(snap), allow, recent_after, false)
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
        assert!(v.update(grown.clone(), false, u32::MAX, false).len() > 1);
        assert!(v.own.is_some(), "1 is held until EXPUNGE may be sent");
        assert_eq!(
            v.update(grown.clone(), true, u32::MAX, false),
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
