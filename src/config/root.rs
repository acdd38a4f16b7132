//! The whole configuration, one field per section of the file. Each layer
//! reads its own section and turns it into its settings; this type only
//! holds them.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::access::{SharedMailbox, UserSection};
use super::admin::{AdminSection, MetricsSection};
use super::dav::DavSection;
use super::microsoft::MicrosoftSection;
use super::oauth::OauthSection;
use super::origin::Origin;
use super::pop3::Pop3Section;
use super::sections::{
    AccountsSection, EmulatorSection, ImapSection, LogSection, MailSection, ServerSection,
    SmtpSection, StoreSection, TlsSection,
};

/// The whole configuration. `Config::default()` is what an empty file gives.
/// `Debug` hides secrets; serializing does not (it exists to compare and
/// document configurations), so never log a serialized `Config`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Shared mailboxes and who may use them (`[[shared_mailbox]]`).
    pub shared_mailbox: Vec<SharedMailbox>,
    /// Groups of logins, named in shared-mailbox lists as `@name`.
    pub groups: BTreeMap<String, Vec<String>>,
    /// Per-user settings, by login.
    pub users: BTreeMap<String, UserSection>,
    pub server: ServerSection,
    pub imap: ImapSection,
    pub smtp: SmtpSection,
    pub pop3: Pop3Section,
    pub tls: TlsSection,
    pub microsoft: MicrosoftSection,
    pub log: LogSection,
    pub emulator: EmulatorSection,
    pub store: StoreSection,
    pub accounts: AccountsSection,
    pub mail: MailSection,
    pub admin: AdminSection,
    pub metrics: MetricsSection,
    pub oauth: OauthSection,
    pub dav: DavSection,
    /// Where the values came from (the file, environment variables), so
    /// errors found after loading can say where to fix them.
    #[serde(skip)]
    pub(super) origin: Origin,
}

impl Config {
    /// Every listen address that is on, with its key.
    pub fn listen_addresses(&self) -> Vec<(&'static str, SocketAddr)> {
        [
            ("imap.listen", self.imap.listen),
            ("imap.listen_tls", self.imap.listen_tls),
            ("smtp.listen", self.smtp.listen),
            ("smtp.listen_tls", self.smtp.listen_tls),
            ("pop3.listen", self.pop3.listen),
            ("pop3.listen_tls", self.pop3.listen_tls),
            ("dav.listen", self.dav.listen),
            ("dav.listen_tls", self.dav.listen_tls),
            ("emulator.listen", Some(self.emulator.listen)),
            ("admin.listen", self.admin.listen),
            ("metrics.listen", self.metrics.listen),
        ]
        .into_iter()
        .filter_map(|(key, addr)| addr.map(|a| (key, a)))
        .collect()
    }

    /// Where the emulated tenant is saved.
    pub fn emulator_data_dir(&self) -> PathBuf {
        self.emulator.data_dir_under(&self.server.data_dir)
    }
}
