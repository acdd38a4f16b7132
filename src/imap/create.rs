//! CREATE, DELETE and RENAME (RFC 3501 §6.3.3–5): the folder commands that
//! change the hierarchy. Names are decoded from modified UTF-7 once, at the
//! edge; the session has already left the selected folder if DELETE names it.
//! CREATE's OK carries the new folder's `[MAILBOXID (...)]` (RFC 8474).

use imap_types::mailbox::Mailbox;

use super::backend::UserFolders;
use super::names::from_wire;
use super::objectid::mailbox_id_code;
use super::reply::{self, Reply, Role};
use super::state::LoggedIn;

/// CREATE a folder.
pub(super) async fn create<U: UserFolders>(user: &LoggedIn<U>, mailbox: Mailbox<'static>) -> Reply {
    let name = match from_wire(&mailbox) {
        Ok(name) => name,
        Err(why) => return why.into(),
    };
    match user.mail.create(&name).await {
        Ok(id) => Reply::ok("CREATE completed").with(mailbox_id_code(id)),
        Err(e) => reply::mail_error(&e, Role::Subject),
    }
}

/// DELETE a folder.
pub(super) async fn delete<U: UserFolders>(user: &LoggedIn<U>, mailbox: Mailbox<'static>) -> Reply {
    let name = match from_wire(&mailbox) {
        Ok(name) => name,
        Err(why) => return why.into(),
    };
    finish("DELETE", user.mail.delete(&name).await)
}

/// RENAME a folder.
pub(super) async fn rename<U: UserFolders>(
    user: &LoggedIn<U>,
    from: Mailbox<'static>,
    to: Mailbox<'static>,
) -> Reply {
    let (from, to) = match (from_wire(&from), from_wire(&to)) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(why), _) | (_, Err(why)) => return why.into(),
    };
    finish("RENAME", user.mail.rename(&from, &to).await)
}

fn finish(command: &str, result: Result<(), crate::mailbox::MailError>) -> Reply {
    match result {
        Ok(()) => Reply::ok(format!("{command} completed")),
        Err(e) => reply::mail_error(&e, Role::Subject),
    }
}
