//! The SMTP submission front (RFC 5321, RFC 6409): EHLO with PIPELINING,
//! 8BITMIME, SMTPUTF8, SIZE, ENHANCEDSTATUSCODES, CHUNKING, STARTTLS and
//! AUTH PLAIN/LOGIN; authenticated users only, no relay. Commands, DATA
//! dot-unstuffing and BDAT are parsed by smtp-proto; the message goes to
//! the mailbox layer's submission, and 250 is said only after Graph took it.

mod auth;
mod author;
mod discard;
mod line;
mod reply;
mod session;

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use crate::accounts::sasl::Mechanism;
use crate::accounts::{Account, Accounts, BearerLogins, BearerRefusal, LoginError, SentCount};
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

    /// Whether OAuth bearer-token logins (XOAUTH2, OAUTHBEARER) are offered.
    fn bearer_offered(&self) -> bool {
        false
    }

    /// Log in with a bearer-token SASL response (decoded).
    fn authenticate_bearer(
        &self,
        mechanism: Mechanism,
        response: &[u8],
        peer: IpAddr,
    ) -> impl Future<Output = Result<Account, BearerRefusal>> + Send {
        let _ = (mechanism, response, peer);
        async { Err(BearerRefusal::Login(LoginError::BadCredentials)) }
    }

    /// The account of a login (for trusted clients that do not log in).
    fn account(&self, login: &str) -> impl Future<Output = Option<Account>> + Send;

    /// Whether the session's `account` may go on: `Err(reason)`, logged
    /// and audited, when it was removed (or replaced) or its password
    /// revoked. Asked before every command of an authenticated session.
    fn still_signed_in(
        &self,
        account: &Account,
    ) -> impl Future<Output = Result<(), String>> + Send {
        let _ = account;
        async { Ok(()) }
    }

    /// The account's display name as Microsoft 365 has it, for the From
    /// added to a message without one; `None` when unknown.
    fn display_name(&self, _account: &Account) -> impl Future<Output = Option<String>> + Send {
        async { None }
    }

    /// Count one message of `login` against `per_day` (UTC day) before it
    /// is sent: `Ok(Some(count))` to give back if it is not sent,
    /// `Ok(None)` when the day's messages are used up, `Err` when the
    /// count cannot be had (a temporary failure). Submitters without a
    /// store (fuzzing, tests) count nothing.
    fn count_message(
        &self,
        login: &str,
        per_day: u32,
    ) -> impl Future<Output = Result<Option<SentCount>, String>> + Send {
        let _ = (login, per_day);
        async { Ok(Some(SentCount::nothing())) }
    }

    /// Give back a message `count_message` counted that was not sent.
    fn uncount_message(&self, counted: &SentCount) -> impl Future<Output = ()> + Send {
        let _ = counted;
        async {}
    }

    /// Send; Ok carries the Message-ID. `keep_copy`: leave the copy in
    /// Sent Items.
    fn submit(
        &self,
        account: &Account,
        envelope: &Envelope,
        message: &[u8],
        keep_copy: bool,
    ) -> impl Future<Output = Result<String, SubmitError>> + Send;
}

/// The real gateway: local accounts and Graph submission.
#[derive(Clone)]
pub struct GatewaySubmitter {
    pub accounts: Arc<Accounts>,
    pub mail: Arc<MailService>,
    /// OAuth sign-in (`[oauth]`), when on.
    pub bearer: Option<Arc<BearerLogins>>,
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

    fn bearer_offered(&self) -> bool {
        self.bearer.is_some()
    }

    async fn authenticate_bearer(
        &self,
        mechanism: Mechanism,
        response: &[u8],
        peer: IpAddr,
    ) -> Result<Account, BearerRefusal> {
        match &self.bearer {
            Some(b) => b.authenticate(mechanism, response, peer).await,
            None => Err(BearerRefusal::Login(LoginError::BadCredentials)),
        }
    }

    async fn account(&self, login: &str) -> Option<Account> {
        self.accounts.get(login).await.ok().flatten()
    }

    async fn still_signed_in(&self, account: &Account) -> Result<(), String> {
        self.mail
            .still_signed_in(&self.accounts, account, "smtp")
            .await
    }

    async fn count_message(&self, login: &str, per_day: u32) -> Result<Option<SentCount>, String> {
        self.accounts
            .count_message(login, per_day)
            .await
            .map_err(|e| e.to_string())
    }

    async fn uncount_message(&self, counted: &SentCount) {
        if let Err(e) = self.accounts.uncount_message(counted).await {
            tracing::warn!(error = %e, "cannot give back a message that was not sent to the daily count");
        }
    }

    async fn submit(
        &self,
        account: &Account,
        envelope: &Envelope,
        message: &[u8],
        keep_copy: bool,
    ) -> Result<String, SubmitError> {
        // Message-IDs graphgate adds carry the sender's own domain.
        let domain = account
            .microsoft_user
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or(&self.host);
        let sent = self
            .mail
            .submit(account, envelope, message, domain, keep_copy)
            .await;
        // Sender refusals are audited by the mail service; a message
        // refused for its header (Invalid comes only from those checks)
        // is audited here, so that every refusal leaves a trace.
        if let Err(SubmitError::Invalid(why)) = &sent {
            self.mail
                .audit_refused_message(account, envelope, &why.to_string());
        }
        sent
    }

    async fn display_name(&self, account: &Account) -> Option<String> {
        self.mail.display_name(account).await
    }
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub hostname: String,
    pub max_message_bytes: usize,
    pub max_recipients: usize,
    pub messages_per_day: u32,
    pub allow_plaintext_auth_on_non_loopback: bool,
    /// Client networks that send without AUTH, and the login each uses.
    pub trusted: Vec<(Network, String)>,
    /// Logins whose sent mail is not kept in Sent Items.
    pub no_sent_copy: Vec<String>,
}

/// An address or a CIDR network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Option<Network> {
        let (addr, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.trim().parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Network { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let bits = |ip: IpAddr| -> Option<u128> {
            match (self.addr, ip) {
                (IpAddr::V4(_), IpAddr::V4(v)) => Some(u128::from(u32::from(v)) << 96),
                (IpAddr::V6(_), IpAddr::V6(v)) => Some(u128::from(v)),
                (IpAddr::V4(_), IpAddr::V6(v)) => {
                    v.to_ipv4_mapped().map(|v| u128::from(u32::from(v)) << 96)
                }
                _ => None,
            }
        };
        let (Some(net), Some(ip)) = (bits(self.addr), bits(ip)) else {
            return false;
        };
        // IPv4 sits in the top 32 bits, so the prefix counts from the top either way.
        let width = u32::from(self.prefix);
        if width == 0 {
            return true;
        }
        let mask = u128::MAX << (128 - width);
        net & mask == ip & mask
    }
}

/// A `[smtp]` value the front cannot use; the text names the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error(
        "config key `smtp.trusted_clients[{index}].address`: {address:?} is not an IP address or a network like 192.168.10.0/24"
    )]
    TrustedAddress { index: usize, address: String },
    #[error(
        "config key `smtp.trusted_clients[{index}].account`: name the gateway login this client sends as"
    )]
    TrustedAccount { index: usize },
}

impl TryFrom<&SmtpSection> for SmtpSettings {
    type Error = SettingsError;

    /// From `[smtp]`; the error names the bad key.
    fn try_from(s: &SmtpSection) -> Result<SmtpSettings, SettingsError> {
        let mut trusted = Vec::new();
        for (i, t) in s.trusted_clients.iter().enumerate() {
            let net = Network::parse(&t.address).ok_or_else(|| SettingsError::TrustedAddress {
                index: i,
                address: t.address.clone(),
            })?;
            if t.account.trim().is_empty() {
                return Err(SettingsError::TrustedAccount { index: i });
            }
            trusted.push((net, crate::accounts::normalise_login(t.account.trim())));
        }
        Ok(SmtpSettings {
            hostname: "graphgate".into(),
            max_message_bytes: s.max_message_bytes,
            max_recipients: s.max_recipients.max(1),
            messages_per_day: s.messages_per_day,
            allow_plaintext_auth_on_non_loopback: s.allow_plaintext_auth_on_non_loopback,
            trusted,
            no_sent_copy: s
                .no_sent_copy
                .iter()
                .map(|l| crate::accounts::normalise_login(l.trim()))
                .collect(),
        })
    }
}

pub struct SmtpProtocol<S: Submitter = GatewaySubmitter> {
    settings: SmtpSettings,
    submitter: S,
    /// Display names looked up for From lines graphgate adds, per login.
    names: author::NameCache,
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
            names: author::NameCache::default(),
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

    fn refusal(&self, why: crate::server::Refusal) -> String {
        format!("421 4.7.0 {why}\r\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_match_as_written() {
        let net = Network::parse("192.168.10.0/24").unwrap();
        assert!(net.contains("192.168.10.23".parse().unwrap()));
        assert!(!net.contains("192.168.11.1".parse().unwrap()));
        assert!(net.contains("::ffff:192.168.10.9".parse().unwrap()));
        let one = Network::parse("127.0.0.1").unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        assert!(
            Network::parse("fd00::/8")
                .unwrap()
                .contains("fd12::1".parse().unwrap())
        );
        for bad in ["", "300.1.1.1", "10.0.0.0/33", "host.example"] {
            assert!(Network::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_bad_trusted_client_names_its_key() {
        let section = SmtpSection {
            trusted_clients: vec![crate::config::TrustedClient {
                address: "10.0.0.0/99".into(),
                account: "scanner".into(),
            }],
            ..SmtpSection::default()
        };
        let e = SmtpSettings::try_from(&section).unwrap_err();
        assert!(
            e.to_string().contains("smtp.trusted_clients[0].address"),
            "{e}"
        );
    }
}
