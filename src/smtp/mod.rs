//! The SMTP submission front (RFC 5321, RFC 6409): EHLO with PIPELINING,
//! 8BITMIME, SMTPUTF8, SIZE, ENHANCEDSTATUSCODES, CHUNKING, STARTTLS and
//! AUTH PLAIN/LOGIN; authenticated users only, no relay. Commands, DATA
//! dot-unstuffing and BDAT are parsed by smtp-proto; the message goes to
//! the mailbox layer's submission, and 250 is said only after Graph took it.

mod reply;
mod session;

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use dashmap::DashMap;

use crate::accounts::{Account, Accounts, LoginError};
use crate::config::SmtpSection;
use crate::mailbox::MailService;
use crate::mailbox::submit::{Envelope, SubmitError};
use crate::secret::Secret;
use crate::server::{Connection, Protocol, Shutdown};

/// What a session needs below it: passwords and sending.
pub trait Submitter: Send + Sync + 'static {
    fn authenticate(
        &self,
        login: &str,
        password: &Secret,
        peer: IpAddr,
    ) -> impl Future<Output = Result<Account, LoginError>> + Send;

    /// Send; Ok carries the Message-ID.
    fn submit(
        &self,
        account: &Account,
        envelope: &Envelope,
        message: &[u8],
    ) -> impl Future<Output = Result<String, SubmitError>> + Send;
}

/// The real gateway: local accounts and Graph submission.
#[derive(Clone)]
pub struct GatewaySubmitter {
    pub accounts: Arc<Accounts>,
    pub mail: Arc<MailService>,
    pub host: String,
}

impl Submitter for GatewaySubmitter {
    async fn authenticate(
        &self,
        login: &str,
        password: &Secret,
        peer: IpAddr,
    ) -> Result<Account, LoginError> {
        self.accounts.authenticate(login, password, peer).await
    }

    async fn submit(
        &self,
        account: &Account,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<String, SubmitError> {
        // Message-IDs graphgate adds carry the sender's own domain.
        let domain = account
            .microsoft_user
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or(&self.host);
        self.mail.submit(account, envelope, message, domain).await
    }
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub hostname: String,
    pub max_message_bytes: usize,
    pub max_recipients: usize,
    pub messages_per_day: u32,
    pub allow_plaintext_auth_on_non_loopback: bool,
}

impl From<&SmtpSection> for SmtpSettings {
    fn from(s: &SmtpSection) -> Self {
        SmtpSettings {
            hostname: "graphgate".into(),
            max_message_bytes: s.max_message_bytes,
            max_recipients: s.max_recipients.max(1),
            messages_per_day: s.messages_per_day,
            allow_plaintext_auth_on_non_loopback: s.allow_plaintext_auth_on_non_loopback,
        }
    }
}

pub struct SmtpProtocol<S: Submitter = GatewaySubmitter> {
    settings: SmtpSettings,
    submitter: S,
    /// Messages sent per account today: (UTC day, count).
    sent_today: DashMap<String, (i64, u32)>,
}

impl<S: Submitter> SmtpProtocol<S> {
    pub fn new(settings: SmtpSettings, submitter: S) -> SmtpProtocol<S> {
        if settings.allow_plaintext_auth_on_non_loopback {
            tracing::warn!(
                "smtp.allow_plaintext_auth_on_non_loopback is on: passwords may cross the network unencrypted"
            );
        }
        SmtpProtocol {
            settings,
            submitter,
            sent_today: DashMap::new(),
        }
    }

    /// Count one message for `login`; false when the day's limit is reached.
    fn take_daily(&self, login: &str) -> bool {
        let limit = self.settings.messages_per_day;
        if limit == 0 {
            return true;
        }
        let day = chrono::Utc::now().timestamp() / 86_400;
        let mut entry = self.sent_today.entry(login.to_string()).or_insert((day, 0));
        if entry.0 != day {
            *entry = (day, 0);
        }
        if entry.1 >= limit {
            return false;
        }
        entry.1 += 1;
        true
    }

    /// Give back a count taken for a message that was not sent.
    fn return_daily(&self, login: &str) {
        if let Some(mut entry) = self.sent_today.get_mut(login) {
            entry.1 = entry.1.saturating_sub(1);
        }
    }
}

impl<S: Submitter> Protocol for SmtpProtocol<S> {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn serve(&self, conn: Connection, shutdown: Shutdown) {
        session::run(self, conn, shutdown).await;
    }
}
