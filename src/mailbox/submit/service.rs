//! The account's display name as Microsoft 365 has it, for the `From:`
//! graphgate writes into a message submitted without one (RFC 6409 §8).
//! One Graph request, bounded in time; any failure means "no name", never
//! a failed send. Callers cache the answer. Also the audit entry for a
//! message refused for its header.

use std::time::Duration;

use super::Envelope;
use crate::accounts::{Account, Mode};
use crate::mailbox::MailService;

/// Longest wait for the name: a message is not held up for it.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

impl MailService {
    /// `displayName` of the account's own Microsoft 365 user, if Graph says.
    pub async fn display_name(&self, account: &Account) -> Option<String> {
        let lookup = async {
            let tokens = self.credentials_for(account).await.ok()?;
            let mailbox = self.graph.mailbox(
                tokens,
                &account.microsoft_user,
                account.mode == Mode::Delegated,
            );
            match mailbox.owner_display_name().await {
                Ok(name) => name,
                Err(e) => {
                    tracing::info!(user = %account.login, error = %e, "no display name from Microsoft 365; From gets the bare address");
                    None
                }
            }
        };
        tokio::time::timeout(LOOKUP_TIMEOUT, lookup)
            .await
            .ok()
            .flatten()
    }
}

impl MailService {
    /// Record a submission refused for what its header says (a malformed
    /// or ambiguous header, recipients the envelope does not name). Sender
    /// refusals are recorded where they are decided, in `submit`.
    pub fn audit_refused_message(&self, account: &Account, envelope: &Envelope, why: &str) {
        self.context
            .audit
            .refused(&account.login, "send", &envelope.mail_from, why);
    }
}
