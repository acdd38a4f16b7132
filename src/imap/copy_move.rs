//! COPY and MOVE (RFC 3501 §6.4.7, RFC 6851) with their UID forms. Both
//! answer with COPYUID (RFC 4315); MOVE sends it untagged, then the EXPUNGEs
//! of the moved messages, and needs a folder open read-write.

use std::num::NonZeroU32;

use imap_types::core::Vec1;
use imap_types::extensions::uidplus::{UidElement, UidSet};
use imap_types::mailbox::Mailbox;
use imap_types::response::Code;

use super::backend::OpenFolder;
use super::names::from_wire;
use super::reply::{self, Reply, Role};
use super::searchres::Target;
use super::state::Selected;
use super::updates::send_removed;
use super::wire::Wire;
use crate::mailbox::CopyResult;

/// COPY, or MOVE (`is_move`); UID COPY / UID MOVE with `uid`.
pub(super) async fn copy<F: OpenFolder>(
    wire: &mut Wire,
    selected: &mut Selected<F>,
    set: Target,
    mailbox: Mailbox<'static>,
    uid: bool,
    is_move: bool,
) -> Reply {
    let command = match (uid, is_move) {
        (false, false) => "COPY",
        (true, false) => "UID COPY",
        (false, true) => "MOVE",
        (true, true) => "UID MOVE",
    };
    let dest = match from_wire(&mailbox) {
        Ok(dest) => dest,
        Err(why) => return why.into(),
    };
    let indexes = match selected.resolve(&set, uid) {
        Ok(indexes) => indexes,
        Err(bad) => return Reply::bad(bad.to_string()),
    };
    let entries: Vec<_> = indexes
        .iter()
        .filter_map(|&i| selected.view.at(i))
        .collect();
    if entries.iter().any(|e| e.gone) {
        return reply::expunged_meanwhile(command);
    }
    let uids: Vec<u32> = entries.iter().map(|e| e.uid).collect();
    if uids.is_empty() {
        return Reply::ok(format!("{command} completed: no messages"));
    }
    if is_move && selected.folder.read_only() {
        return reply::mail_error(&selected.folder.write_refused(), Role::Subject);
    }
    let result = if is_move {
        selected.folder.move_to(&uids, &dest).await
    } else {
        selected.folder.copy(&uids, &dest).await
    };
    let result = match result {
        Ok(result) => result,
        Err(e) => return reply::mail_error(&e, Role::Target),
    };
    let code = copyuid(&result);
    if !is_move {
        let reply = Reply::ok(format!("{command} completed"));
        return match code {
            Some(code) => reply.with(code),
            None => reply,
        };
    }
    let moved = Reply::ok("moved");
    wire.status(
        match code {
            Some(code) => moved.with(code),
            None => moved,
        }
        .untagged(),
    );
    send_removed(wire, selected, &uids);
    Reply::ok(format!("{command} completed"))
}

/// `[COPYUID validity source-set destination-set]`, if the UIDs are known.
fn copyuid(result: &CopyResult) -> Option<Code<'static>> {
    let uid_validity = NonZeroU32::new(result.uidvalidity)?;
    let mut pairs = result.pairs.clone();
    pairs.sort_unstable();
    let source = uid_set(pairs.iter().map(|p| p.0))?;
    let destination = uid_set(pairs.iter().map(|p| p.1))?;
    Some(Code::CopyUid {
        uid_validity,
        source,
        destination,
    })
}

/// UIDs in the given order as a UID set, runs of consecutive ones as ranges.
fn uid_set(uids: impl Iterator<Item = u32>) -> Option<UidSet> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for uid in uids {
        match runs.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(uid) => *end = uid,
            _ => runs.push((uid, uid)),
        }
    }
    let elements: Vec<UidElement> = runs
        .into_iter()
        .filter_map(|(a, b)| {
            let a = NonZeroU32::new(a)?;
            let b = NonZeroU32::new(b)?;
            Some(if a == b {
                UidElement::Single(a)
            } else {
                UidElement::Range(a, b)
            })
        })
        .collect();
    Vec1::try_from(elements).ok().map(UidSet)
}
