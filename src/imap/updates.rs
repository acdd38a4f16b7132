//! The untagged updates a session owes its client about the selected folder
//! (EXPUNGE, EXISTS, FETCH FLAGS), sent before a tagged reply, by NOOP and
//! during IDLE; and the small pieces of untagged data several commands build
//! (flag lists, `* n FETCH (UID u FLAGS (...))`, non-zero numbers).

use std::num::NonZeroU32;

use imap_types::core::{Atom, Vec1};
use imap_types::fetch::MessageDataItem;
use imap_types::flag::{Flag, FlagFetch, FlagPerm};
use imap_types::response::{Code, Data};

use super::backend::OpenFolder;
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
    let recent_after = selected
        .folder
        .claim_recent(MailboxView::top_uid(&snapshot), !selected.examined);
    let updates = selected
        .view
        .update(snapshot, expunges == Expunges::Allowed, recent_after);
    let sent = updates.len();
    for update in updates {
        match update {
            Update::Expunge(seq) => wire.data(Data::Expunge(nz(seq))),
            Update::Exists(n) => wire.data(Data::Exists(n)),
            Update::Recent(n) => wire.data(Data::Recent(n)),
            Update::Keywords => send_flag_lists(wire, &selected.view, selected.folder.read_only()),
            Update::Flags {
                seq,
                uid,
                flags,
                recent,
            } => wire.data(flags_data(seq, uid, &flags, recent)),
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

/// `* n FETCH (UID u FLAGS (...))`.
pub(super) fn flags_data(seq: u32, uid: u32, flags: &Flags, recent: bool) -> Data<'static> {
    let items = vec![
        MessageDataItem::Uid(nz(uid)),
        MessageDataItem::Flags(flag_list(flags, recent)),
    ];
    Data::Fetch {
        seq: nz(seq),
        items: Vec1::try_from(items).unwrap_or_else(|_| Vec1::from(MessageDataItem::Uid(nz(uid)))),
    }
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

/// A message number or UID for the wire, where 0 cannot occur.
pub(super) fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}
