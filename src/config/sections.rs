//! The sections of the configuration file other than `[microsoft]`: the
//! server's limits and data directory, the IMAP and SMTP listeners, TLS
//! material, logging, the emulated tenant, the store and login limits. Each type's `Default` is the
//! documented default (config/graphgate.example.toml shows the same values).

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const fn loopback(port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))
}

/// Default listen addresses: loopback only, unprivileged ports.
pub const DEFAULT_IMAP: SocketAddr = loopback(1143);
pub const DEFAULT_IMAPS: SocketAddr = loopback(1993);
pub const DEFAULT_SMTP: SocketAddr = loopback(1587);
pub const DEFAULT_SMTPS: SocketAddr = loopback(1465);
pub const DEFAULT_EMULATOR: SocketAddr = loopback(8787);

/// `[server]`: what every listener shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSection {
    /// Where graphgate keeps its state (certificates, the emulator's tenant, …).
    pub data_dir: PathBuf,
    /// Open client connections allowed at once, over all listeners.
    pub max_connections: u32,
    /// Seconds open sessions get to finish after a shutdown begins.
    pub shutdown_grace_s: u64,
    /// Open connections per client address (IPv6: per /64); 0 = no cap.
    pub max_connections_per_address: u32,
    /// Connections per client address that have not logged in yet; 0 = no cap.
    pub max_unauthenticated_per_address: u32,
    /// Loopback clients get the two caps above times this factor.
    pub loopback_limit_factor: u32,
    /// Seconds from accept to a successful login, whatever the client sends.
    pub prelogin_timeout_s: u64,
    /// Sources (addresses or CIDR networks) that must start every
    /// connection with a PROXY protocol header; empty turns it off.
    pub proxy_protocol_from: Vec<String>,
    /// Count every PROXY'd connection as TLS (the proxy terminates TLS).
    pub proxy_protocol_tls_terminated: bool,
    /// A file of its own for `[[shared_mailbox]]` and `[groups]` (the
    /// admin console writes grants there); `None` (`""`): in this file.
    #[serde(with = "optional_path")]
    pub policy_file: Option<PathBuf>,
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            data_dir: PathBuf::from("data"),
            max_connections: 1000,
            shutdown_grace_s: 10,
            max_connections_per_address: 100,
            max_unauthenticated_per_address: 20,
            loopback_limit_factor: 10,
            prelogin_timeout_s: 60,
            proxy_protocol_from: Vec::new(),
            proxy_protocol_tls_terminated: false,
            policy_file: None,
        }
    }
}

impl ServerSection {
    /// Where a self-signed certificate is made when none is configured.
    pub fn cert_dir(&self) -> PathBuf {
        self.data_dir.join("certs")
    }
}

/// `[imap]`: the IMAP listeners; `None` (`""` in the file) turns one off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImapSection {
    /// Plain IMAP with STARTTLS.
    #[serde(with = "optional_addr")]
    pub listen: Option<SocketAddr>,
    /// IMAP over implicit TLS (IMAPS).
    #[serde(with = "optional_addr")]
    pub listen_tls: Option<SocketAddr>,
    /// Largest literal a client may send (the APPEND message size limit).
    pub max_literal_bytes: u32,
    /// Open IMAP sessions one user may have at once.
    pub max_connections_per_user: u32,
    /// Seconds of silence after which a logged-in client is logged out
    /// (RFC 3501: at least 30 minutes); also the longest one IDLE lasts.
    pub idle_timeout_s: u64,
    /// Allow LOGIN and AUTHENTICATE without TLS from other machines.
    pub allow_plaintext_auth_on_non_loopback: bool,
}

impl Default for ImapSection {
    fn default() -> Self {
        ImapSection {
            listen: Some(DEFAULT_IMAP),
            listen_tls: Some(DEFAULT_IMAPS),
            max_literal_bytes: 40 * 1024 * 1024,
            max_connections_per_user: 20,
            idle_timeout_s: 30 * 60,
            allow_plaintext_auth_on_non_loopback: false,
        }
    }
}

/// `[smtp]`: the SMTP submission listeners; `None` turns one off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpSection {
    /// Submission with STARTTLS.
    #[serde(with = "optional_addr")]
    pub listen: Option<SocketAddr>,
    /// Submission over implicit TLS (SMTPS).
    #[serde(with = "optional_addr")]
    pub listen_tls: Option<SocketAddr>,
    /// Largest message accepted (announced as SIZE), in bytes.
    pub max_message_bytes: usize,
    /// Recipients one message may have.
    pub max_recipients: usize,
    /// Messages one account may send per day (UTC); 0 = no limit.
    pub messages_per_day: u32,
    /// Allow AUTH without TLS from other machines (old devices on a trusted network).
    pub allow_plaintext_auth_on_non_loopback: bool,
    /// Devices that cannot authenticate: client addresses, each sending as one account.
    pub trusted_clients: Vec<TrustedClient>,
    /// Accounts whose sent mail is not kept in Sent Items.
    pub no_sent_copy: Vec<String>,
}

/// `[[smtp.trusted_clients]]`: a client address (or network) that may send
/// without AUTH, as `account`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrustedClient {
    /// An IP address or a network in CIDR form ("192.168.10.0/24").
    pub address: String,
    /// The gateway login it sends as.
    pub account: String,
}

impl Default for SmtpSection {
    fn default() -> Self {
        SmtpSection {
            listen: Some(DEFAULT_SMTP),
            listen_tls: Some(DEFAULT_SMTPS),
            max_message_bytes: 35 * 1024 * 1024,
            max_recipients: 500,
            messages_per_day: 10_000,
            allow_plaintext_auth_on_non_loopback: false,
            trusted_clients: Vec::new(),
            no_sent_copy: Vec::new(),
        }
    }
}

/// `[tls]`: the server certificate. Both `None` means "make a self-signed
/// localhost certificate under `<server.data_dir>/certs/` and reuse it".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSection {
    /// PEM certificate chain, leaf first.
    #[serde(with = "optional_path")]
    pub cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    #[serde(with = "optional_path")]
    pub key: Option<PathBuf>,
}

/// `[log]`: what is logged and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSection {
    /// A tracing filter: `info`, `debug`, `warn,graphgate=debug`, …
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `[emulator]`: the emulated Microsoft 365 tenant that `graphgate demo`
/// and `graphgate emulator` run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmulatorSection {
    #[serde(with = "required_addr")]
    pub listen: SocketAddr,
    /// `None` (`""` in the file) means `<server.data_dir>/emulator`.
    #[serde(with = "optional_path")]
    pub data_dir: Option<PathBuf>,
    /// Extra generated messages in alice's Inbox.
    pub seed_messages: usize,
    /// Latency, faults, throttling and token lifetimes of the tenant. The
    /// gateway does not read them: the `graphgate` binary decodes them into
    /// the emulator's settings (`Config::decode`) when it starts the tenant.
    pub switches: toml::Table,
}

impl Default for EmulatorSection {
    fn default() -> Self {
        EmulatorSection {
            listen: DEFAULT_EMULATOR,
            data_dir: None,
            seed_messages: 0,
            switches: toml::Table::new(),
        }
    }
}

impl EmulatorSection {
    /// Where the tenant is saved.
    pub fn data_dir_under(&self, server_data_dir: &Path) -> PathBuf {
        match &self.data_dir {
            Some(dir) => dir.clone(),
            None => server_data_dir.join("emulator"),
        }
    }
}

/// The SQLite file graphgate keeps in `server.data_dir` when `store.url`
/// is empty.
pub const SQLITE_FILE: &str = "graphgate.sqlite";

/// `[store]`: where graphgate keeps accounts, tokens and mail state.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSection {
    /// `""` for the SQLite file `graphgate.sqlite` in `server.data_dir`, else
    /// a `sqlite://` or `postgres://` URL. May hold a password: `Debug`
    /// hides it.
    pub url: String,
}

impl std::fmt::Debug for StoreSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreSection")
            .field("url", &super::redact_url(&self.url))
            .finish()
    }
}

/// `[accounts]`: limits on failed logins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsSection {
    /// Failed logins allowed per login name within the window.
    pub failures_per_user: u32,
    /// Failed logins allowed per client address within the window.
    pub failures_per_address: u32,
    /// The window, in seconds.
    pub failure_window_s: u64,
    /// argon2 verifications (19 MiB each) running at once, process-wide.
    pub max_concurrent_verifications: u32,
    /// Seconds a login waits for a verification slot before it is told to
    /// try again later.
    pub verification_wait_s: u64,
}

impl Default for AccountsSection {
    fn default() -> Self {
        AccountsSection {
            failures_per_user: 5,
            failures_per_address: 20,
            failure_window_s: 60,
            max_concurrent_verifications: 8,
            verification_wait_s: 10,
        }
    }
}

/// `[mail]`: how the mail engine syncs, sizes and caches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSection {
    /// Where RFC822.SIZE comes from: "exact" or "estimate".
    pub size_mode: SizeMode,
    /// Seconds between delta polls of folders a session has selected.
    pub poll_interval_s: u64,
    /// Seconds between delta polls of a folder a session IDLEs on, while
    /// changes keep coming (quiet folders back off to `poll_interval_s`).
    pub idle_poll_interval_s: u64,
    /// Milliseconds a delta round answers SELECT, EXAMINE, NOOP, CHECK and
    /// STATUS of its folder for every session (0: each asks Graph).
    pub sync_fresh_ms: u64,
    /// Graph requests graphgate allows itself per mailbox in
    /// `request_budget_window_s` (Microsoft: 10,000 per 600 s per app and
    /// mailbox); it paces itself below this instead of being throttled.
    pub request_budget: u32,
    pub request_budget_window_s: u64,
    /// Seconds a request may wait for the budget before the command is
    /// refused with "try again" (IMAP NO [UNAVAILABLE], SMTP 451).
    pub request_budget_max_wait_s: u64,
    /// Seconds a mailbox's folder list is reused before Graph is asked again.
    pub folder_list_ttl_s: u64,
    /// Size cap of the on-disk MIME cache, in MiB (0 turns it off).
    pub cache_max_mb: u64,
    /// Seconds a user's proven access to a shared mailbox is trusted before
    /// Microsoft 365 is asked again with that user's token (0: every command).
    pub shared_access_recheck_s: u64,
}

impl Default for MailSection {
    fn default() -> Self {
        MailSection {
            size_mode: SizeMode::Exact,
            poll_interval_s: 20,
            idle_poll_interval_s: 2,
            sync_fresh_ms: 1500,
            request_budget: 10_000,
            request_budget_window_s: 600,
            request_budget_max_wait_s: 20,
            folder_list_ttl_s: 60,
            cache_max_mb: 1024,
            shared_access_recheck_s: 60,
        }
    }
}

/// Where RFC822.SIZE comes from (`mail.size_mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SizeMode {
    /// The length of BODY[] as served: exact, but a header scan downloads
    /// every message once.
    #[default]
    Exact,
    /// From PR_MESSAGE_SIZE (as Exchange Online's IMAP does), with headers
    /// from Graph's internetMessageHeaders: a header scan downloads nothing.
    Estimate,
}

const ADDRESS: &str = "a socket address (host:port)";

/// A listen address that may be `""` (off).
pub(super) mod optional_addr {
    use std::net::SocketAddr;

    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(addr: &Option<SocketAddr>, s: S) -> Result<S::Ok, S::Error> {
        match addr {
            Some(addr) => s.collect_str(addr),
            None => s.serialize_str(""),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
        let text = String::deserialize(d)?;
        if text.trim().is_empty() {
            return Ok(None);
        }
        text.trim().parse().map(Some).map_err(|_| {
            D::Error::custom(format_args!(
                "{text:?} is not a socket address (host:port, or \"\" to turn the listener off)"
            ))
        })
    }
}

/// A listen address that must be given.
pub(crate) mod required_addr {
    use std::net::SocketAddr;

    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(addr: &SocketAddr, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(addr)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
        let text = String::deserialize(d)?;
        text.trim()
            .parse()
            .map_err(|_| D::Error::custom(format_args!("{text:?} is not {}", super::ADDRESS)))
    }
}

/// A file or directory path that may be `""` (not set).
pub(crate) mod optional_path {
    use std::path::PathBuf;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
        match path {
            Some(path) => s.collect_str(&path.display()),
            None => s.serialize_str(""),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
        let text = String::deserialize(d)?;
        Ok((!text.is_empty()).then(|| PathBuf::from(text)))
    }
}
