//! Opening and closing a folder: SELECT and EXAMINE with everything RFC 3501
//! says comes with them, CLOSE (which expunges silently), UNSELECT, and
//! EXPUNGE / UID EXPUNGE, whose EXPUNGE responses keep this session's
//! sequence numbers right.

use imap_types::core::Atom;
use imap_types::flag::{Flag, FlagPerm};
use imap_types::response::{Code, Data};
use imap_types::sequence::SequenceSet;

use super::backend::{Backend, OpenFolder, UserFolders};
use super::names::from_wire;
use super::reply::{self, Reply, Role};
use super::session::{LOGIN_FIRST, Outcome, Selected, Session, nz};
use super::view::MailboxView;
use crate::mailbox::flags::{FLAGS, PERMANENT_FLAGS};

impl<B: Backend> Session<'_, B> {
    pub(super) async fn select(
        &mut self,
        mailbox: imap_types::mailbox::Mailbox<'static>,
        examine: bool,
    ) -> Outcome {
        let Some(user) = &self.user else {
            return Ok(Reply::bad(LOGIN_FIRST));
        };
        let command = if examine { "EXAMINE" } else { "SELECT" };
        let name = match from_wire(&mailbox) {
            Ok(name) => name,
            Err(why) => return Ok(Reply::bad(why)),
        };
        // RFC 3501: a SELECT, even a failing one, ends the current selection.
        self.selected = None;
        let folder = match user.mail.select(&name, examine).await {
            Ok(folder) => folder,
            Err(e) => return Ok(reply::mail_error(&e, Role::Subject)),
        };
        let snapshot = match folder.snapshot(true).await {
            Ok(snapshot) => snapshot,
            Err(e) => return Ok(reply::mail_error(&e, Role::Subject)),
        };
        let view = MailboxView::new(&snapshot);
        let read_only = folder.read_only();

        // FLAGS: the system flags and every keyword in use.
        let mut flags: Vec<Flag<'static>> = FLAGS.iter().filter_map(|f| flag(f)).collect();
        let mut keywords: Vec<&String> = view
            .entries()
            .iter()
            .flat_map(|e| e.flags.keywords.iter())
            .collect();
        keywords.sort();
        keywords.dedup();
        flags.extend(keywords.iter().filter_map(|k| flag(k)));
        self.wire.data(Data::Flags(flags.clone()));
        let permanent: Vec<FlagPerm<'static>> = if read_only {
            Vec::new()
        } else {
            let mut p: Vec<FlagPerm<'static>> = PERMANENT_FLAGS
                .iter()
                .filter(|f| **f != "\\*")
                .filter_map(|f| flag(f).map(FlagPerm::Flag))
                .collect();
            p.extend(keywords.iter().filter_map(|k| flag(k).map(FlagPerm::Flag)));
            p.push(FlagPerm::Asterisk);
            p
        };
        self.wire.status(
            Reply::ok(if read_only {
                "no permanent flags: the folder is read-only"
            } else {
                "flags that last"
            })
            .with(Code::PermanentFlags(permanent))
            .untagged(),
        );
        self.wire.data(Data::Exists(view.len()));
        self.wire.data(Data::Recent(0));
        if let Some(seq) = view.first_unseen() {
            self.wire.status(
                Reply::ok(format!("message {seq} is the first unseen"))
                    .with(Code::Unseen(nz(seq)))
                    .untagged(),
            );
        }
        self.wire.status(
            Reply::ok("UIDs valid")
                .with(Code::UidValidity(nz(view.uidvalidity)))
                .untagged(),
        );
        self.wire.status(
            Reply::ok("predicted next UID")
                .with(Code::UidNext(nz(view.uidnext)))
                .untagged(),
        );
        tracing::debug!(folder = %name, messages = view.len(), read_only, "selected");
        self.selected = Some(Selected { folder, view });
        let code = if read_only {
            Code::ReadOnly
        } else {
            Code::ReadWrite
        };
        Ok(Reply::ok(format!("{command} completed")).with(code))
    }

    pub(super) async fn close(&mut self) -> Outcome {
        let Some(selected) = self.selected.take() else {
            return Ok(self.not_selected());
        };
        if selected.folder.read_only() {
            return Ok(Reply::ok("CLOSE completed"));
        }
        // Expunge without telling: the client leaves the folder anyway.
        match selected.folder.expunge(None).await {
            Ok(_) => Ok(Reply::ok("CLOSE completed")),
            Err(e) => {
                let mut refusal = reply::mail_error(&e, Role::Subject);
                refusal.text = format!(
                    "the folder is closed, but messages marked \\Deleted were not removed: {}",
                    refusal.text
                );
                Ok(refusal)
            }
        }
    }

    pub(super) fn unselect(&mut self) -> Reply {
        if self.selected.take().is_none() {
            return self.not_selected();
        }
        Reply::ok("UNSELECT completed")
    }

    pub(super) async fn expunge(&mut self, uids: Option<SequenceSet>) -> Outcome {
        let Some(selected) = self.selected.as_mut() else {
            return Ok(self.not_selected());
        };
        if selected.folder.read_only() {
            return Ok(reply::mail_error(
                &selected.folder.write_refused(),
                Role::Subject,
            ));
        }
        let only: Option<Vec<u32>> = match &uids {
            None => None,
            Some(set) => match selected.view.resolve(set, true) {
                Ok(indexes) => Some(
                    indexes
                        .iter()
                        .map(|&i| selected.view.entries()[i].uid)
                        .collect(),
                ),
                Err(bad) => return Ok(Reply::bad(bad.to_string())),
            },
        };
        if only.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Reply::ok("UID EXPUNGE completed: nothing to expunge"));
        }
        let removed = match selected.folder.expunge(only.as_deref()).await {
            Ok(removed) => removed,
            Err(e) => return Ok(reply::mail_error(&e, Role::Subject)),
        };
        for seq in selected.view.remove(&removed) {
            self.wire.data(Data::Expunge(nz(seq)));
        }
        Ok(Reply::ok(if uids.is_some() {
            "UID EXPUNGE completed"
        } else {
            "EXPUNGE completed"
        }))
    }
}

/// A flag atom as an imap-types flag (`None` for one that is not valid).
pub(super) fn flag(atom: &str) -> Option<Flag<'static>> {
    match atom.strip_prefix('\\') {
        Some(system) => Atom::try_from(system.to_string()).ok().map(Flag::system),
        None => Atom::try_from(atom.to_string()).ok().map(Flag::Keyword),
    }
}
