//! SUBSCRIBE and UNSUBSCRIBE (RFC 3501 §6.3.6–7): mark a folder for LSUB
//! and `LIST (SUBSCRIBED)`. The subscription list is graphgate's own; Graph
//! has no such notion.

use imap_types::mailbox::Mailbox;

use super::backend::UserFolders;
use super::names::from_wire;
use super::reply::{self, Reply, Role};
use super::state::LoggedIn;

/// SUBSCRIBE (`on`), or UNSUBSCRIBE.
pub(super) async fn subscribe<U: UserFolders>(
    user: &LoggedIn<U>,
    mailbox: Mailbox<'static>,
    on: bool,
) -> Reply {
    let name = match from_wire(&mailbox) {
        Ok(name) => name,
        Err(why) => return why.into(),
    };
    let command = if on { "SUBSCRIBE" } else { "UNSUBSCRIBE" };
    match user.mail.subscribe(&name, on).await {
        Ok(()) => Reply::ok(format!("{command} completed")),
        Err(e) => reply::mail_error(&e, Role::Subject),
    }
}
