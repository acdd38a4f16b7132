//! A mailbox a user may use, as one session reaches it: the Graph handle
//! (with the user's tokens), the shared sync engine, and the grant policy
//! gave (own, read or write). Also a folder a name resolved to: the place,
//! the folder tree it was found in, and the folder.

use std::sync::Arc;

use parking_lot::RwLock;

use super::engine::{MailboxEngine, Tree};
use super::error::MailError;
use super::names::{NamedFolder, shared_name};
use crate::audit::Audit;
use crate::graph::Mailbox;
use crate::policy::{Grant, Policy};

/// A mailbox the user may use, with the handle to reach it.
#[derive(Clone)]
pub(crate) struct Place {
    pub graph: Mailbox,
    pub engine: Arc<MailboxEngine>,
    pub grant: Grant,
    pub audit: Audit,
    /// The policy in force (replaced on reload), so a change is judged by
    /// today's grant, not only by the one the session opened with.
    pub policy: Arc<RwLock<Policy>>,
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

    /// Whether a change would be allowed now (no audit: for SELECT's
    /// READ-WRITE or READ-ONLY).
    pub fn can_write_now(&self) -> bool {
        self.grant.can_write()
            && self
                .policy
                .read()
                .recheck(&self.grant)
                .is_ok_and(|g| g.can_write())
    }

    /// May this session change the mailbox? Both the grant it opened with
    /// and policy as it is now must allow writing: a reload that makes the
    /// user read-only applies at once, to their own mailbox too.
    pub fn check_write(&self) -> Result<(), MailError> {
        let now = self.policy.read().recheck(&self.grant);
        if self.grant.can_write() && now.as_ref().is_ok_and(Grant::can_write) {
            Ok(())
        } else {
            let why = match now {
                Err(denied) => format!("{} (the grant was withdrawn)", denied.reason),
                Ok(_) => format!(
                    "{} may only read the mailbox {}",
                    self.grant.login(),
                    self.grant.mailbox()
                ),
            };
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
