//! Changing messages: STORE (FLAGS, +FLAGS, -FLAGS, .SILENT), COPY and MOVE
//! with their UID forms. COPY and MOVE answer with COPYUID (RFC 4315); MOVE
//! (RFC 6851) sends it untagged, then the EXPUNGEs of the moved messages.

use std::num::NonZeroU32;

use imap_types::core::Vec1;
use imap_types::extensions::uidplus::{UidElement, UidSet};
use imap_types::flag::{Flag, StoreResponse, StoreType};
use imap_types::mailbox::Mailbox;
use imap_types::response::{Code, Data};
use imap_types::sequence::SequenceSet;

use super::backend::{Backend, OpenFolder};
use super::names::from_wire;
use super::reply::{self, Extra, Reply, Role};
use super::session::{Outcome, Session, flags_data, nz};
use crate::mailbox::flags::FlagName;
use crate::mailbox::{CopyResult, StoreOp};

impl<B: Backend> Session<'_, B> {
    pub(super) async fn store(
        &mut self,
        set: SequenceSet,
        kind: StoreType,
        response: StoreResponse,
        flags: Vec<Flag<'static>>,
        uid: bool,
    ) -> Outcome {
        let Some(selected) = self.selected.as_mut() else {
            return Ok(self.not_selected());
        };
        if selected.folder.read_only() {
            return Ok(reply::mail_error(
                &selected.folder.write_refused(),
                Role::Subject,
            ));
        }
        let mut names = Vec::with_capacity(flags.len());
        for flag in &flags {
            if let Flag::Extension(_) = flag {
                return Ok(Reply::bad(format!("the flag {flag} cannot be stored")));
            }
            match FlagName::parse(&flag.to_string()) {
                // \Draft is fixed once a message exists (not in PERMANENTFLAGS): ignored.
                Some(FlagName::Draft) => {}
                Some(name) => names.push(name),
                None => return Ok(Reply::bad(format!("the flag {flag} cannot be stored"))),
            }
        }
        let indexes = match selected.view.resolve(&set, uid) {
            Ok(indexes) => indexes,
            Err(bad) => return Ok(Reply::bad(bad.to_string())),
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
                Err(e) => return Ok(reply::mail_error(&e, Role::Subject)),
            };
            for (uid, flags) in changed {
                selected.view.set_flags(uid, flags);
            }
            if response == StoreResponse::Answer {
                for &uid in &targets {
                    if let (Some(seq), Some(entry)) =
                        (selected.view.seq_of(uid), selected.view.get(uid))
                    {
                        self.wire.data(flags_data(seq, uid, &entry.flags));
                    }
                }
            }
        }
        let command = if uid { "UID STORE" } else { "STORE" };
        if expunged && !uid {
            return Ok(Reply::no(format!(
                "{command}: some of the messages were expunged meanwhile; NOOP shows which"
            ))
            .with_extra(Extra::ExpungeIssued));
        }
        Ok(Reply::ok(format!("{command} completed")))
    }

    pub(super) async fn copy(
        &mut self,
        set: SequenceSet,
        mailbox: Mailbox<'static>,
        uid: bool,
        is_move: bool,
    ) -> Outcome {
        let command = match (uid, is_move) {
            (false, false) => "COPY",
            (true, false) => "UID COPY",
            (false, true) => "MOVE",
            (true, true) => "UID MOVE",
        };
        let Some(selected) = self.selected.as_mut() else {
            return Ok(self.not_selected());
        };
        let dest = match from_wire(&mailbox) {
            Ok(dest) => dest,
            Err(why) => return Ok(Reply::bad(why)),
        };
        let indexes = match selected.view.resolve(&set, uid) {
            Ok(indexes) => indexes,
            Err(bad) => return Ok(Reply::bad(bad.to_string())),
        };
        let entries = selected.view.entries();
        if indexes.iter().any(|&i| entries[i].gone) {
            return Ok(Reply::no(format!(
                "{command}: some of the messages were expunged meanwhile; NOOP shows which"
            ))
            .with_extra(Extra::ExpungeIssued));
        }
        let uids: Vec<u32> = indexes.iter().map(|&i| entries[i].uid).collect();
        if uids.is_empty() {
            return Ok(Reply::ok(format!("{command} completed: no messages")));
        }
        if is_move && selected.folder.read_only() {
            return Ok(reply::mail_error(
                &selected.folder.write_refused(),
                Role::Subject,
            ));
        }
        let result = if is_move {
            selected.folder.move_to(&uids, &dest).await
        } else {
            selected.folder.copy(&uids, &dest).await
        };
        let result = match result {
            Ok(result) => result,
            Err(e) => return Ok(reply::mail_error(&e, Role::Target)),
        };
        let code = copyuid(&result);
        if !is_move {
            let reply = Reply::ok(format!("{command} completed"));
            return Ok(match code {
                Some(code) => reply.with(code),
                None => reply,
            });
        }
        let moved = Reply::ok("moved");
        self.wire.status(
            match code {
                Some(code) => moved.with(code),
                None => moved,
            }
            .untagged(),
        );
        for seq in selected.view.remove(&uids) {
            self.wire.data(Data::Expunge(nz(seq)));
        }
        Ok(Reply::ok(format!("{command} completed")))
    }
}

/// `[COPYUID validity source-set destination-set]`, if the UIDs are known.
pub(super) fn copyuid(result: &CopyResult) -> Option<Code<'static>> {
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
