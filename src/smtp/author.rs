//! A message without `From:` (scanners, cron, `curl -T`) gets one from
//! the authenticated account, as a submission server does (RFC 6409 §8):
//! the account's display name comes from Microsoft 365 once an hour per
//! account at most, and a lookup that fails costs the name, never the send.

use std::time::{Duration, Instant};

use dashmap::DashMap;

use super::session::Session;
use super::{SmtpProtocol, Submitter};
use crate::accounts::Account;
use crate::mailbox::submit::{Envelope, lacks_from};

/// How long a looked-up name (or the lack of one) is used.
const NAME_TTL: Duration = Duration::from_secs(3600);

/// Display names per login, with when they were looked up.
#[derive(Default)]
pub(super) struct NameCache {
    names: DashMap<String, (Option<String>, Instant)>,
}

impl<S: Submitter> SmtpProtocol<S> {
    /// The account's display name: from the cache while it is fresh,
    /// otherwise one lookup through the submitter.
    async fn display_name(&self, account: &Account) -> Option<String> {
        if let Some(entry) = self.names.names.get(&account.login)
            && entry.1.elapsed() < NAME_TTL
        {
            return entry.0.clone();
        }
        let name = self.submitter.display_name(account).await;
        self.names
            .names
            .insert(account.login.clone(), (name.clone(), Instant::now()));
        name
    }
}

impl<S: Submitter> Session<'_, S> {
    /// The envelope, with the author's display name when the message has
    /// no From (the submission adds one with this name).
    pub(super) async fn with_author_name(
        &self,
        account: &Account,
        mut envelope: Envelope,
        message: &[u8],
    ) -> Envelope {
        if lacks_from(message) {
            envelope.author_name = self.proto.display_name(account).await;
        }
        envelope
    }
}
