//! STORE and UID STORE (RFC 3501 §6.4.6): set, add or remove flags, then
//! answer with the new flags unless `.SILENT` was asked. A message another
//! session expunged before this one was told changes in this session's
//! view only, and the command succeeds (RFC 2180 §4.2.1).

use imap_types::flag::{Flag, StoreResponse, StoreType};
use imap_types::sequence::SequenceSet;

use super::backend::OpenFolder;
use super::reply::{self, Reply, Role};
use super::state::Selected;
use super::updates::{flags_data, send_flag_lists};
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
    let op = match kind {
        StoreType::Replace => StoreOp::Replace,
        StoreType::Add => StoreOp::Add,
        StoreType::Remove => StoreOp::Remove,
    };
    let (gone, live): (Vec<_>, Vec<_>) = indexes
        .iter()
        .filter_map(|&i| selected.view.at(i))
        .partition(|e| e.gone);
    let mut gone: Vec<u32> = gone.into_iter().map(|e| e.uid).collect();
    let targets: Vec<u32> = live.into_iter().map(|e| e.uid).collect();
    // Every keyword STORE names joins FLAGS, even one only removed (as in
    // Dovecot, whose clients expect it there afterwards).
    let mut new_keywords = selected
        .view
        .learn_keywords(names.iter().filter_map(|n| match n {
            FlagName::Keyword(k) => Some(k),
            _ => None,
        }));
    if !targets.is_empty() {
        let changed = match selected.folder.store(&targets, op, &names).await {
            Ok(changed) => changed,
            Err(e) => return reply::mail_error(&e, Role::Subject),
        };
        let answered: std::collections::HashSet<u32> = changed.iter().map(|(u, _)| *u).collect();
        // Removed by someone else since the view was last brought up to
        // date: like the ones already known gone.
        gone.extend(targets.iter().filter(|u| !answered.contains(u)));
        for (uid, flags) in changed {
            new_keywords |= selected.view.set_flags(uid, flags);
        }
    }
    // Expunged by another session, and this one may not say so yet: the
    // change succeeds in this session's view only (RFC 2180 §4.2.1), so
    // the client sees what it asked for until the EXPUNGE arrives.
    for &uid in &gone {
        if let Some(entry) = selected.view.get(uid) {
            let flags = op.apply(&entry.flags, &names);
            new_keywords |= selected.view.set_flags(uid, flags);
        }
    }
    if new_keywords {
        send_flag_lists(wire, &selected.view, selected.folder.read_only());
    }
    if response == StoreResponse::Answer {
        for &i in &indexes {
            if let Some(entry) = selected.view.at(i) {
                wire.data(flags_data(seq_of(i), entry.uid, &entry.flags, entry.recent));
            }
        }
    }
    let command = if uid { "UID STORE" } else { "STORE" };
    Reply::ok(format!("{command} completed"))
}

fn seq_of(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}
