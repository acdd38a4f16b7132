//! NAMESPACE (RFC 2342): the personal namespace is the root with `/` as the
//! delimiter; the shared namespace (`Shared/`) is listed only for users that
//! policy grants a shared mailbox, so others never learn it exists.

use imap_types::core::{IString, QuotedChar};
use imap_types::extensions::namespace::Namespace;
use imap_types::response::Data;

use super::backend::UserFolders;
use super::reply::Reply;
use super::state::LoggedIn;
use super::wire::Wire;
use crate::mailbox::names::{DELIMITER, SHARED_PREFIX};

/// NAMESPACE for a logged-in user.
pub(super) fn namespace<U: UserFolders>(wire: &mut Wire, user: &LoggedIn<U>) -> Reply {
    // The shared namespace only for users policy grants a shared mailbox.
    let has_shared = user.mail.has_shared();
    let delimiter = QuotedChar::try_from(DELIMITER).ok();
    let space = |prefix: String| {
        IString::try_from(prefix)
            .ok()
            .map(|prefix| Namespace::new(prefix, delimiter))
    };
    let personal = space(String::new()).into_iter().collect();
    let shared = if has_shared {
        space(format!("{SHARED_PREFIX}{DELIMITER}"))
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    wire.data(Data::Namespace {
        personal,
        other: Vec::new(),
        shared,
    });
    Reply::ok("NAMESPACE completed")
}
