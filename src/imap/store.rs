//! STORE and UID STORE (RFC 3501 §6.4.6): set, add or remove flags, then
//! answer with the new flags unless `.SILENT` was asked. Messages another
//! session expunged meanwhile are skipped, and a plain STORE says so with
//! EXPUNGEISSUED.

use imap_types::flag::{Flag, StoreResponse, StoreType};
use imap_types::sequence::SequenceSet;

use super::backend::OpenFolder;
use super::reply::{self, Reply, Role};
use super::state::Selected;
use super::updates::flags_data;
use super::wire::Wire;
use crate::mailbox::StoreOp;
use crate::mailbox::flags::FlagName;

/// STORE, or UID STORE (`uid`).
pub(super) async fn store<F: OpenFolder>(
    wire: &mut Wire,
    selected: &mut Selected<F>,
    set: SequenceSet,
    kind: StoreType,
    response: StoreResponse,
    flags: Vec<Flag<'static>>,
    uid: bool,
) -> Reply {
    if selected.folder.read_only() {
        return reply::mail_error(&selected.folder.write_refused(), Role::Subject);
    }
    let mut names = Vec::with_capacity(flags.len());
    for flag in &flags {
        if let Flag::Extension(_) = flag {
            return reply::flag_refused(flag);
        }
        match FlagName::parse(&flag.to_string()) {
            Some(name) => names.push(name),
            None => return reply::flag_refused(flag),
        }
    }
    let indexes = match selected.view.resolve(&set, uid) {
        Ok(indexes) => indexes,
        Err(bad) => return Reply::bad(bad.to_string()),
    };
    let entries = selected.view.entries();
    let expunged = indexes.iter().any(|&i| entries[i].gone);
    let targets: Vec<u32> = indexes
        .iter()
        .filter(|&&i| !entries[i].gone)
        .map(|&i| entries[i].uid)
        .collect();
    if !targets.is_empty() {
        let op = match kind {
            StoreType::Replace => StoreOp::Replace,
            StoreType::Add => StoreOp::Add,
            StoreType::Remove => StoreOp::Remove,
        };
        let changed = match selected.folder.store(&targets, op, &names).await {
            Ok(changed) => changed,
            Err(e) => return reply::mail_error(&e, Role::Subject),
        };
        for (uid, flags) in changed {
            selected.view.set_flags(uid, flags);
        }
        if response == StoreResponse::Answer {
            for &uid in &targets {
                if let (Some(seq), Some(entry)) =
                    (selected.view.seq_of(uid), selected.view.get(uid))
                {
                    wire.data(flags_data(seq, uid, &entry.flags));
                }
            }
        }
    }
    let command = if uid { "UID STORE" } else { "STORE" };
    if expunged && !uid {
        return reply::expunged_meanwhile(command);
    }
    Reply::ok(format!("{command} completed"))
}
