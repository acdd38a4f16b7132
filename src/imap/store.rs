//! STORE and UID STORE (RFC 3501 §6.4.6): set, add or remove flags, then
//! answer with the new flags unless `.SILENT` was asked. A message another
//! session expunged before this one was told changes in this session's
//! view only, and the command succeeds (RFC 2180 §4.2.1).
//!
//! With `(UNCHANGEDSINCE m)` (RFC 7162 §3.1.3) a message changed after `m`
//! is left alone and named in `[MODIFIED set]`; the test and the change
//! happen under the folder's round lock, so no change of this instance
//! slips in between. Once CONDSTORE is enabled every FETCH response
//! carries MODSEQ, and a message this STORE changed is reported even with
//! `.SILENT` (its new mod-sequence, as RFC 7162 §3.1.3 asks).

use std::collections::HashSet;

use imap_types::flag::{Flag, StoreResponse, StoreType};
use imap_types::response::Code;

use super::backend::OpenFolder;
use super::enable::start_condstore;
use super::reply::{self, Reply, Role};
use super::searchres::Target;
use super::state::Selected;
use super::updates::{flags_data, send_flag_lists, uid_set};
use super::wire::Wire;
use crate::mailbox::StoreOp;
use crate::mailbox::flags::FlagName;

/// What a STORE asks for, besides the messages.
#[derive(Debug)]
pub(super) struct Change {
    pub kind: StoreType,
    pub response: StoreResponse,
    pub flags: Vec<Flag<'static>>,
    pub unchanged_since: Option<u64>,
}

/// STORE, or UID STORE (`uid`).
pub(super) async fn store<F: OpenFolder>(
    wire: &mut Wire,
    selected: &mut Selected<F>,
    set: Target,
    change: Change,
    uid: bool,
) -> Reply {
    let Change {
        kind,
        response,
        flags,
        unchanged_since,
    } = change;
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
    let indexes = match selected.resolve(&set, uid) {
        Ok(indexes) => indexes,
        Err(bad) => return Reply::bad(bad.to_string()),
    };
    if unchanged_since.is_some() {
        start_condstore(wire, selected);
    }
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
    let mut modified: Vec<u32> = Vec::new();
    let mut changed: HashSet<u32> = HashSet::new();
    if !targets.is_empty() {
        let stored = match selected
            .folder
            .store(&targets, op, &names, unchanged_since)
            .await
        {
            Ok(stored) => stored,
            Err(e) => return reply::mail_error(&e, Role::Subject),
        };
        let answered: HashSet<u32> = stored
            .messages
            .iter()
            .map(|(u, _, _)| *u)
            .chain(stored.modified.iter().copied())
            .collect();
        // Removed by someone else since the view was last brought up to
        // date: like the ones already known gone.
        gone.extend(targets.iter().filter(|u| !answered.contains(u)));
        for (uid, flags, modseq) in stored.messages {
            let before = selected.view.get(uid).map(|e| e.modseq);
            if before != Some(modseq) {
                changed.insert(uid);
            }
            new_keywords |= selected.view.set_flags(uid, flags, modseq);
        }
        modified = stored.modified;
    }
    // Expunged by another session, and this one may not say so yet: the
    // change succeeds in this session's view only (RFC 2180 §4.2.1), so
    // the client sees what it asked for until the EXPUNGE arrives.
    for &uid in &gone {
        if let Some(entry) = selected.view.get(uid) {
            let flags = op.apply(&entry.flags, &names);
            new_keywords |= selected.view.set_flags(uid, flags, entry.modseq);
        }
    }
    if new_keywords {
        send_flag_lists(wire, &selected.view, selected.folder.read_only());
    }
    let modseqs = selected.enabled.condstore;
    let skipped: HashSet<u32> = modified.iter().copied().collect();
    for &i in &indexes {
        let Some(entry) = selected.view.at(i) else {
            continue;
        };
        if skipped.contains(&entry.uid) {
            continue;
        }
        let modseq = Some(entry.modseq).filter(|_| modseqs);
        if response == StoreResponse::Answer {
            let data = flags_data(
                seq_of(i),
                entry.uid,
                Some(&entry.flags),
                entry.recent,
                modseq,
            );
            wire.data(data);
        } else if modseqs && changed.contains(&entry.uid) {
            wire.data(flags_data(seq_of(i), entry.uid, None, false, modseq));
        }
    }
    let command = if uid { "UID STORE" } else { "STORE" };
    let reply = Reply::ok(format!("{command} completed"));
    if modified.is_empty() {
        return reply;
    }
    // UIDs for UID STORE, sequence numbers for STORE.
    let numbers: Vec<u32> = match uid {
        true => modified,
        false => indexes
            .iter()
            .filter_map(|&i| selected.view.at(i).map(|e| (i, e.uid)))
            .filter(|(_, u)| skipped.contains(u))
            .map(|(i, _)| seq_of(i))
            .collect(),
    };
    match uid_set(&numbers) {
        Some(set) => Reply::ok(format!(
            "{command} completed, except where changed meanwhile"
        ))
        .with(Code::Modified(set)),
        None => reply,
    }
}

fn seq_of(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}
