//! SELECT and EXAMINE (RFC 3501 §6.3.1–2): open a folder read-write or
//! read-only and send everything that comes with it (FLAGS, PERMANENTFLAGS,
//! EXISTS, RECENT, UNSEEN, UIDVALIDITY, UIDNEXT). The session has already
//! left the previous folder, as RFC 3501 asks even when this one fails.

use imap_types::flag::{Flag, FlagPerm};
use imap_types::mailbox::Mailbox;
use imap_types::response::{Code, Data};

use super::backend::{OpenFolder, UserFolders};
use super::names::from_wire;
use super::reply::{self, Reply, Role};
use super::state::{FolderOf, LoggedIn, Selected};
use super::updates::{flag, nz};
use super::view::MailboxView;
use super::wire::Wire;
use crate::mailbox::flags::{FLAGS, PERMANENT_FLAGS};

/// SELECT, or EXAMINE (`read_only`): the reply, and the folder now selected.
pub(super) async fn select<U: UserFolders>(
    wire: &mut Wire,
    user: &LoggedIn<U>,
    mailbox: &Mailbox<'static>,
    read_only: bool,
) -> (Reply, Option<Selected<FolderOf<U>>>) {
    let command = if read_only { "EXAMINE" } else { "SELECT" };
    let name = match from_wire(mailbox) {
        Ok(name) => name,
        Err(why) => return (why.into(), None),
    };
    let folder = match user.mail.select(&name, read_only).await {
        Ok(folder) => folder,
        Err(e) => return (reply::mail_error(&e, Role::Subject), None),
    };
    let snapshot = match folder.snapshot(true).await {
        Ok(snapshot) => snapshot,
        Err(e) => return (reply::mail_error(&e, Role::Subject), None),
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
    wire.data(Data::Flags(flags.clone()));
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
    wire.status(
        Reply::ok(if read_only {
            "no permanent flags: the folder is read-only"
        } else {
            "flags that last"
        })
        .with(Code::PermanentFlags(permanent))
        .untagged(),
    );
    wire.data(Data::Exists(view.len()));
    wire.data(Data::Recent(0));
    if let Some(seq) = view.first_unseen() {
        wire.status(
            Reply::ok(format!("message {seq} is the first unseen"))
                .with(Code::Unseen(nz(seq)))
                .untagged(),
        );
    }
    wire.status(
        Reply::ok("UIDs valid")
            .with(Code::UidValidity(nz(view.uidvalidity)))
            .untagged(),
    );
    wire.status(
        Reply::ok("predicted next UID")
            .with(Code::UidNext(nz(view.uidnext)))
            .untagged(),
    );
    tracing::debug!(folder = %name, messages = view.len(), read_only, "selected");
    let code = if read_only {
        Code::ReadOnly
    } else {
        Code::ReadWrite
    };
    let reply = Reply::ok(format!("{command} completed")).with(code);
    (reply, Some(Selected { folder, view }))
}
