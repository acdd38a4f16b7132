//! Who may use what, as the administrator writes it: `[[shared_mailbox]]`
//! entries, `[groups]` and `[users."login"]`. `policy` turns them into
//! decisions; here they are only data.

use serde::{Deserialize, Serialize};

/// One shared mailbox and who may use it (`[[shared_mailbox]]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SharedMailbox {
    /// Its address, e.g. `sales@contoso.com`.
    pub address: String,
    /// Gateway logins that may read it.
    pub readers: Vec<String>,
    /// Gateway logins that may read and change it.
    pub writers: Vec<String>,
    /// Gateway logins that may send as it.
    pub send_as: Vec<String>,
    /// Gateway logins that may send on its behalf.
    pub send_on_behalf: Vec<String>,
}

/// Per-user settings (`[users."login"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserSection {
    /// Read every mailbox (the own one too), change nothing, send nothing.
    pub read_only: bool,
    /// The folder POP3 serves as this user's maildrop, as IMAP names it
    /// ("Archive", or "Shared/sales@contoso.com/INBOX" for a shared
    /// mailbox the user may read); "" means the Inbox.
    pub pop3_maildrop: String,
}
