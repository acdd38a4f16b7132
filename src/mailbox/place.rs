//! A mailbox a user may use, as one session reaches it: the Graph handle
//! (with the user's tokens), the shared sync engine, and the grant policy
//! gave (own, read or write). Also a folder a name resolved to: the place,
//! the folder tree it was found in, and the folder.

use std::sync::Arc;

use super::engine::{MailboxEngine, Tree};
use super::error::MailError;
use super::names::{NamedFolder, shared_name};
use crate::audit::Audit;
use crate::graph::Mailbox;
use crate::policy::Grant;

/// A mailbox the user may use, with the handle to reach it.
#[derive(Clone)]
pub(crate) struct Place {
    pub graph: Mailbox,
    pub engine: Arc<MailboxEngine>,
    pub grant: Grant,
    pub audit: Audit,
}

impl Place {
    /// The address of the mailbox.
    pub fn mailbox(&self) -> &str {
        self.grant.mailbox()
    }

    /// The full IMAP name of `folder` (a name inside this mailbox).
    pub fn full_name(&self, folder: &str) -> String {
        if self.grant.is_own() {
            folder.to_string()
        } else {
            shared_name(self.grant.mailbox(), folder)
        }
    }

    pub fn check_write(&self) -> Result<(), MailError> {
        if self.grant.can_write() {
            Ok(())
        } else {
            let why = format!(
                "{} may only read the mailbox {}",
                self.grant.login(),
                self.grant.mailbox()
            );
            self.audit
                .refused(self.grant.login(), "write", self.grant.mailbox(), &why);
            Err(MailError::NoPermission(why.into()))
        }
    }
}

/// A folder a name resolved to.
pub(crate) struct Resolved {
    pub place: Place,
    pub tree: Arc<Tree>,
    pub folder: NamedFolder,
}
