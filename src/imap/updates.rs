//! The untagged updates a session owes its client about the selected folder
//! (EXPUNGE, EXISTS, FETCH FLAGS), sent before a tagged reply, by NOOP and
//! during IDLE; and the small pieces of untagged data several commands build
//! (flag lists, `* n FETCH (UID u FLAGS (...))`, non-zero numbers). Once the
//! client enabled them, expunges go as VANISHED (QRESYNC) and flag updates
//! carry MODSEQ (CONDSTORE).

use std::num::{NonZeroU32, NonZeroU64};

use imap_types::core::{Atom, Vec1};
use imap_types::fetch::MessageDataItem;
use imap_types::flag::{Flag, FlagFetch, FlagPerm};
use imap_types::response::{Code, Data};
use imap_types::sequence::{SeqOrUid, Sequence, SequenceSet};

use super::backend::OpenFolder;
use super::ranges::Ranges;
use super::reply::{self, Extra, Reply};
use super::state::Selected;
use super::view::{MailboxView, Update};
use super::wire::{Wire, WireError};
use crate::mailbox::MailError;
use crate::mailbox::flags::{FLAGS, Flags, PERMANENT_FLAGS};

/// What catching up with the folder came to.
#[derive(Debug)]
pub(super) enum Synced {
    /// This many updates were queued.
    Sent(usize),
    /// The folder could not be read; nothing was sent.
    Unreadable(MailError),
    /// The folder's UIDs were reassigned: BYE was sent and the session is over.
    Closed,
}

/// Whether the updates may include EXPUNGE (RFC 3501 §7.4.1: not during
/// FETCH, STORE or SEARCH, whose numbers the client is still reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expunges {
    Allowed,
    Held,
}

/// Catch the view up with the folder and queue the updates owed: EXPUNGE
/// (unless held), FETCH (FLAGS) and EXISTS. `sync` asks the folder to
/// refresh from Graph first (NOOP, CHECK).
pub(super) async fn catch_up<F: OpenFolder>(
    wire: &mut Wire,
    selected: &mut Selected<F>,
    sync: bool,
    expunges: Expunges,
) -> Result<Synced, WireError> {
    let snapshot = match selected.folder.snapshot(sync).await {
        Ok(snapshot) => snapshot,
        Err(e) => return Ok(Synced::Unreadable(e)),
    };
    // IMAP4rev2 has no `\Recent` (RFC 9051 Appendix E): nothing is
    // recent to such a session, and it takes nothing from the others.
    let recent_after = match selected.enabled.rev2 {
        true => u32::MAX,
        false => selected
            .folder
            .claim_recent(MailboxView::top_uid(&snapshot), !selected.examined),
    };
    let updates = selected.view.update(
        snapshot,
        expunges == Expunges::Allowed,
        recent_after,
        selected.enabled.condstore,
    );
    let sent = updates.len();
    let enabled = selected.enabled;
    // With QRESYNC, the expunged messages go as one VANISHED (RFC 7162
    // §3.2.10), where the first EXPUNGE would have been.
    let vanished: Vec<u32> = match enabled.qresync {
        true => updates
            .iter()
            .filter_map(|u| match u {
                Update::Expunge { uid, .. } => Some(*uid),
                _ => None,
            })
            .collect(),
        false => Vec::new(),
    };
    let mut vanished = Some(vanished).filter(|v| !v.is_empty());
    for update in updates {
        match update {
            Update::Expunge { seq, .. } => match enabled.qresync {
                true => {
                    if let Some(data) = vanished.take().and_then(|v| vanished_data(&v, false)) {
                        wire.data(data);
                    }
                }
                false => wire.data(Data::Expunge(nz(seq))),
            },
            Update::Exists(n) => wire.data(Data::Exists(n)),
            Update::Recent(n) => {
                if !enabled.rev2 {
                    wire.data(Data::Recent(n));
                }
            }
            Update::Keywords => send_flag_lists(wire, &selected.view, selected.folder.read_only()),
            Update::Flags {
                seq,
                uid,
                flags,
                recent,
                modseq,
            } => {
                let modseq = Some(modseq).filter(|_| enabled.condstore);
                wire.data(flags_data(seq, uid, Some(&flags), recent, modseq));
            }
            Update::UidValidityChanged => {
                tracing::warn!("UIDVALIDITY changed under an open session");
                wire.status(reply::bye(
                    Some(Extra::Unavailable.code()),
                    "the folder was synchronised from scratch and its UIDs changed; reconnect",
                ));
                let _ = wire.flush().await;
                return Ok(Synced::Closed);
            }
        }
        wire.flush_if_full().await?;
    }
    Ok(Synced::Sent(sent))
}

/// Remove the messages this session expunged or moved away from its view
/// and tell the client: EXPUNGE per message, highest number first, or one
/// VANISHED of their UIDs with QRESYNC (RFC 7162 §3.2.10).
pub(super) fn send_removed<F>(wire: &mut Wire, selected: &mut Selected<F>, uids: &[u32]) {
    let shown: Vec<u32> = match selected.enabled.qresync {
        true => uids
            .iter()
            .copied()
            .filter(|&u| selected.view.get(u).is_some())
            .collect(),
        false => Vec::new(),
    };
    let seqs = selected.view.remove(uids);
    if selected.enabled.qresync {
        if let Some(data) = vanished_data(&shown, false) {
            wire.data(data);
        }
    } else {
        for seq in seqs {
            wire.data(Data::Expunge(nz(seq)));
        }
    }
}

/// `* FLAGS (...)` and `* OK [PERMANENTFLAGS (...)]`: the system flags and
/// every keyword the client has been told of (SELECT, and again whenever a
/// message gets a keyword the client has not seen, RFC 3501 §7.2.6).
pub(super) fn send_flag_lists(wire: &mut Wire, view: &MailboxView, read_only: bool) {
    let keywords: Vec<Flag<'static>> = view.keywords().iter().filter_map(|k| flag(k)).collect();
    let mut flags: Vec<Flag<'static>> = FLAGS.iter().filter_map(|f| flag(f)).collect();
    flags.extend(keywords.iter().cloned());
    wire.data(Data::Flags(flags));
    let permanent: Vec<FlagPerm<'static>> = if read_only {
        Vec::new()
    } else {
        let mut p: Vec<FlagPerm<'static>> = PERMANENT_FLAGS
            .iter()
            .filter(|f| **f != "\\*")
            .filter_map(|f| flag(f).map(FlagPerm::Flag))
            .collect();
        p.extend(keywords.into_iter().map(FlagPerm::Flag));
        p.push(FlagPerm::Asterisk);
        p
    };
    wire.status(
        Reply::ok(if read_only {
            "no permanent flags: the folder is read-only"
        } else {
            "flags that last"
        })
        .with(Code::PermanentFlags(permanent))
        .untagged(),
    );
}

/// `* n FETCH (UID u FLAGS (...) MODSEQ (m))`, FLAGS and MODSEQ when given.
pub(super) fn flags_data(
    seq: u32,
    uid: u32,
    flags: Option<&Flags>,
    recent: bool,
    modseq: Option<u64>,
) -> Data<'static> {
    let mut items = vec![MessageDataItem::Uid(nz(uid))];
    if let Some(flags) = flags {
        items.push(MessageDataItem::Flags(flag_list(flags, recent)));
    }
    if let Some(modseq) = modseq.and_then(nz64) {
        items.push(MessageDataItem::ModSeq(modseq));
    }
    Data::Fetch {
        seq: nz(seq),
        items: Vec1::try_from(items).unwrap_or_else(|_| Vec1::from(MessageDataItem::Uid(nz(uid)))),
    }
}

/// `* VANISHED (EARLIER) uids` (`None` when there are none).
pub(super) fn vanished_data(uids: &[u32], earlier: bool) -> Option<Data<'static>> {
    let known_uids = uid_set(uids)?;
    Some(Data::Vanished {
        earlier,
        known_uids,
    })
}

/// A set of UIDs (or numbers) as compact ranges (`None` when empty).
pub(super) fn uid_set(uids: &[u32]) -> Option<SequenceSet> {
    let ranges: Vec<Sequence> = Ranges::new(uids.iter().filter(|&&u| u > 0).map(|&u| (u, u)))
        .iter()
        .map(|(lo, hi)| match lo == hi {
            true => Sequence::Single(SeqOrUid::Value(nz(lo))),
            false => Sequence::Range(SeqOrUid::Value(nz(lo)), SeqOrUid::Value(nz(hi))),
        })
        .collect();
    Vec1::try_from(ranges).ok().map(SequenceSet)
}

/// Flags as FETCH shows them, `\Recent` last when it is recent to the
/// session.
pub(super) fn flag_list(flags: &Flags, recent: bool) -> Vec<FlagFetch<'static>> {
    let mut list: Vec<FlagFetch<'static>> = flags
        .atoms()
        .into_iter()
        .filter_map(|atom| {
            Flag::try_from(atom.as_str())
                .ok()
                .map(|f| FlagFetch::Flag(imap_types::IntoStatic::into_static(f)))
        })
        .collect();
    if recent {
        list.push(FlagFetch::Recent);
    }
    list
}

/// A flag atom as an imap-types flag (`None` for one that is not valid).
pub(super) fn flag(atom: &str) -> Option<Flag<'static>> {
    match atom.strip_prefix('\\') {
        Some(system) => Atom::try_from(system.to_string()).ok().map(Flag::system),
        None => Atom::try_from(atom.to_string()).ok().map(Flag::Keyword),
    }
}

/// A mod-sequence for the wire (`None` for 0, which has none yet).
pub(super) fn nz64(n: u64) -> Option<NonZeroU64> {
    NonZeroU64::new(n)
}

/// A message number or UID for the wire, where 0 cannot occur.
pub(super) fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}
