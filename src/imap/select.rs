//! SELECT and EXAMINE (RFC 3501 §6.3.1–2): open a folder read-write or
//! read-only and send everything that comes with it (FLAGS, PERMANENTFLAGS,
//! EXISTS, RECENT, UNSEEN, UIDVALIDITY, UIDNEXT). The session has already
//! left the previous folder, as RFC 3501 asks even when this one fails.

use imap_types::mailbox::Mailbox;
use imap_types::response::{Code, Data};

use super::backend::{OpenFolder, UserFolders};
use super::names::from_wire;
use super::reply::{self, Reply, Role};
use super::state::{FolderOf, LoggedIn, Selected};
use super::updates::{nz, send_flag_lists};
use super::view::MailboxView;
use super::wire::Wire;

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
    // EXAMINE shows what is recent without taking it from other sessions.
    let recent_after = folder.claim_recent(MailboxView::top_uid(&snapshot), !read_only);
    let view = MailboxView::new(snapshot, recent_after);
    send_flag_lists(wire, &view, folder.read_only());
    wire.data(Data::Exists(view.len()));
    wire.data(Data::Recent(view.recent()));
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
    tracing::debug!(folder = %name, messages = view.len(), read_only = folder.read_only(), "selected");
    let examined = read_only;
    let code = if folder.read_only() {
        Code::ReadOnly
    } else {
        Code::ReadWrite
    };
    let reply = Reply::ok(format!("{command} completed")).with(code);
    let selected = Selected {
        folder,
        view,
        examined,
    };
    (reply, Some(selected))
}
