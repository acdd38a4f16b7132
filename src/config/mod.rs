//! Typed configuration: the TOML file, then `GRAPHGATE__SECTION__KEY`
//! environment overrides applied to the tree, then parsing into types and
//! checks across keys. Every error names the key, says what is wrong and
//! what to write instead, and where the bad value came from.

mod de;
mod env;
mod microsoft;
mod sections;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::{Table, Value};

pub use env::PREFIX as ENV_PREFIX;
pub use microsoft::{Cloud, EndpointProblem, Endpoints, MicrosoftSection};
pub use sections::{
    AccountsSection, DEFAULT_EMULATOR, DEFAULT_IMAP, DEFAULT_IMAPS, DEFAULT_SMTP, DEFAULT_SMTPS,
    EmulatorSection, ImapSection, LogFormat, LogSection, MailSection, ServerSection, SmtpSection,
    StoreSection, TlsSection, TrustedClient,
};

/// The file `graphgate serve` reads when `--config` is not given.
pub const DEFAULT_FILE: &str = "graphgate.toml";

/// The whole configuration. `Config::default()` is what an empty file gives.
/// `Debug` hides secrets; serializing does not (it exists to compare and
/// document configurations), so never log a serialized `Config`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Shared mailboxes and who may use them (`[[shared_mailbox]]`).
    pub shared_mailbox: Vec<crate::policy::SharedMailbox>,
    /// Groups of logins, named in shared-mailbox lists as `@name`.
    pub groups: std::collections::BTreeMap<String, Vec<String>>,
    /// Per-user settings, by login.
    pub users: std::collections::BTreeMap<String, crate::policy::UserPolicy>,
    pub server: ServerSection,
    pub imap: ImapSection,
    pub smtp: SmtpSection,
    pub tls: TlsSection,
    pub microsoft: MicrosoftSection,
    pub log: LogSection,
    pub emulator: EmulatorSection,
    pub store: StoreSection,
    pub accounts: AccountsSection,
    pub mail: MailSection,
    /// Where the values came from (the file, environment variables), so
    /// errors found after loading can say where to fix them.
    #[serde(skip)]
    origin: Origin,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no configuration file at {}: copy config/graphgate.example.toml to {} and fill in [microsoft] \
         (or pass --config FILE); to try graphgate without a Microsoft 365 tenant, run `graphgate demo`",
        path.display(), path.display()
    )]
    Missing { path: PathBuf },
    #[error("cannot read the configuration file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not valid TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("environment variable {variable}: {problem}")]
    Environment { variable: String, problem: String },
    /// A key with a bad value, an unknown key, or keys that do not fit together.
    #[error("{message}")]
    Key { key: String, message: String },
}

impl ConfigError {
    /// The dotted key the error is about, if it is about one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Key { key, .. } => Some(key),
            _ => None,
        }
    }
}

/// Where the values came from, to tell the reader where to fix one.
#[derive(Debug, Clone, Default)]
struct Origin {
    file: Option<PathBuf>,
    overrides: Vec<env::Override>,
}

impl Origin {
    /// " (from environment variable X)" when an override set `key` or a
    /// table around it, else " (in FILE)", else nothing.
    fn of(&self, key: &str) -> String {
        let by_env = self.overrides.iter().rev().find(|o| {
            let set = o.path.join(".");
            key == set || key.starts_with(&format!("{set}.")) || set.starts_with(&format!("{key}."))
        });
        match (by_env, &self.file) {
            (Some(o), _) => format!(" (from environment variable {})", o.variable),
            (None, Some(file)) => format!(" (in {})", file.display()),
            (None, None) => String::new(),
        }
    }

    fn error(&self, key: &str, message: impl std::fmt::Display) -> ConfigError {
        ConfigError::Key {
            key: key.to_string(),
            message: format!("{message}{}", self.of(key)),
        }
    }
}

impl Config {
    /// Read `file` (if given; it must exist), apply the `GRAPHGATE__…`
    /// variables among `vars`, and check the result.
    pub fn load(
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let table = match file {
            Some(path) => read_table(path)?,
            None => Table::new(),
        };
        Config::build(table, file, vars)
    }

    /// Parse configuration text without environment overrides.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let table = parse_table(text, Path::new("the configuration"))?;
        Config::build(table, None, std::iter::empty())
    }

    fn build(
        mut table: Table,
        file: Option<&Path>,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let overrides = env::apply(&mut table, vars).map_err(|bad| ConfigError::Environment {
            variable: bad.variable,
            problem: bad.problem,
        })?;
        let origin = Origin {
            file: file.map(Path::to_path_buf),
            overrides,
        };
        let mut config: Config = de::from_table(table).map_err(|problem| {
            let key = problem.key();
            let hint = match problem.kind {
                de::ProblemKind::Invalid(_) => default_hint(&problem.path),
                de::ProblemKind::UnknownKey { .. } => String::new(),
            };
            origin.error(&key, format_args!("{problem}{hint}"))
        })?;
        config.check(&origin)?;
        config.origin = origin;
        Ok(config)
    }

    /// Decode `table`, found at `key`, into `T`: for sections the gateway
    /// keeps as plain tables because another part reads them (the
    /// emulator's switches). Errors name the key and where it was set.
    pub fn decode<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
        table: &Table,
    ) -> Result<T, ConfigError> {
        de::from_table(table.clone()).map_err(|problem| {
            let inner = problem.key();
            let full = if inner.is_empty() {
                key.to_string()
            } else {
                format!("{key}.{inner}")
            };
            let text = match &problem.kind {
                de::ProblemKind::UnknownKey { known, .. } => {
                    format!("unknown key `{full}` (known keys: {})", known.join(", "))
                }
                de::ProblemKind::Invalid(text) => format!("config key `{full}`: {text}"),
            };
            self.origin.error(&full, text)
        })
    }

    /// An error about `key` found after loading (by the part that reads
    /// it), saying where its value came from.
    pub fn key_error(&self, key: &str, message: impl std::fmt::Display) -> ConfigError {
        self.origin.error(key, message)
    }

    /// Rules across keys, which the types alone cannot say.
    fn check(&self, origin: &Origin) -> Result<(), ConfigError> {
        if self.server.max_connections == 0 {
            return Err(origin.error(
                "server.max_connections",
                "config key `server.max_connections`: must be at least 1 (the default is 1000)",
            ));
        }
        for (key, value, default) in [
            (
                "imap.max_literal_bytes",
                u64::from(self.imap.max_literal_bytes),
                "41943040",
            ),
            (
                "imap.max_connections_per_user",
                u64::from(self.imap.max_connections_per_user),
                "20",
            ),
            ("imap.idle_timeout_s", self.imap.idle_timeout_s, "1800"),
        ] {
            if value == 0 {
                return Err(origin.error(
                    key,
                    format_args!(
                        "config key `{key}`: must be at least 1 (the default is {default})"
                    ),
                ));
            }
        }
        if let Some(key) = half_pair(&self.tls.cert, "tls.cert", &self.tls.key, "tls.key") {
            return Err(origin.error(
                key,
                format_args!(
                    "config key `{key}`: tls.cert and tls.key go together: set both (PEM files) or \
                     neither (then a self-signed localhost certificate is made in {})",
                    self.server.cert_dir().display()
                ),
            ));
        }
        let ms = &self.microsoft;
        if let Some(key) = half_pair(
            &ms.client_certificate,
            "microsoft.client_certificate",
            &ms.client_key,
            "microsoft.client_key",
        ) {
            return Err(origin.error(
                key,
                format_args!(
                    "config key `{key}`: microsoft.client_certificate and microsoft.client_key go \
                     together: set both (PEM files) or neither (then client_secret is used)"
                ),
            ));
        }
        if let Err(bad) = ms.endpoints() {
            return Err(origin.error(
                bad.key,
                format_args!("config key `{}`: {}", bad.key, bad.problem),
            ));
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            return Err(origin.error(
                "log.level",
                format_args!(
                    "config key `log.level`: {:?} is not a log filter ({e}); use a level such as \
                     \"info\" or \"debug\", or directives such as \"warn,graphgate=debug\"",
                    self.log.level
                ),
            ));
        }
        let url = self.store.url.trim();
        if !url.is_empty()
            && !["sqlite:", "postgres:", "postgresql:"]
                .iter()
                .any(|scheme| url.starts_with(scheme))
        {
            return Err(origin.error(
                "store.url",
                format_args!(
                    "config key `store.url`: {:?} is neither a sqlite:// nor a postgres:// URL; \
                     write \"\" for the SQLite file {} in server.data_dir",
                    crate::store::redact(url),
                    crate::store::SQLITE_FILE
                ),
            ));
        }
        let accounts = &self.accounts;
        for (key, value) in [
            ("accounts.failures_per_user", accounts.failures_per_user),
            (
                "accounts.failures_per_address",
                accounts.failures_per_address,
            ),
        ] {
            if value == 0 {
                return Err(origin.error(
                    key,
                    format_args!(
                        "config key `{key}`: must be at least 1 (failed logins allowed before \
                         refusing); the default is {}",
                        if key.ends_with("user") {
                            AccountsSection::default().failures_per_user
                        } else {
                            AccountsSection::default().failures_per_address
                        }
                    ),
                ));
            }
        }
        if accounts.failure_window_s == 0 {
            return Err(origin.error(
                "accounts.failure_window_s",
                "config key `accounts.failure_window_s`: must be at least 1 (seconds); the default is 60",
            ));
        }
        let listeners = self.listen_addresses();
        for (i, (key, addr)) in listeners.iter().enumerate() {
            if let Some((other, _)) = listeners[..i]
                .iter()
                .find(|(_, a)| a == addr && a.port() != 0)
            {
                return Err(origin.error(
                    key,
                    format_args!(
                        "config key `{key}`: {addr} is also the address of `{other}`; give each \
                         listener its own port"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Every listen address that is on, with its key.
    pub fn listen_addresses(&self) -> Vec<(&'static str, SocketAddr)> {
        [
            ("imap.listen", self.imap.listen),
            ("imap.listen_tls", self.imap.listen_tls),
            ("smtp.listen", self.smtp.listen),
            ("smtp.listen_tls", self.smtp.listen_tls),
            ("emulator.listen", Some(self.emulator.listen)),
        ]
        .into_iter()
        .filter_map(|(key, addr)| addr.map(|a| (key, a)))
        .collect()
    }

    /// The store's URL: `store.url`, or the SQLite file in the data dir.
    /// It may hold a password: show it only through `store::redact`.
    pub fn store_url(&self) -> String {
        let url = self.store.url.trim();
        if url.is_empty() {
            crate::store::sqlite_url(&self.server.data_dir.join(crate::store::SQLITE_FILE))
        } else {
            url.to_string()
        }
    }

    /// Open the configured store (creating the data dir and the SQLite
    /// file when `store.url` is empty) and bring its schema up to date.
    pub async fn open_store(&self) -> Result<crate::store::Store, crate::store::Error> {
        if self.store.url.trim().is_empty() {
            crate::store::Store::open_in(&self.server.data_dir).await
        } else {
            crate::store::Store::open(&self.store_url()).await
        }
    }

    /// Where the emulated tenant is saved.
    /// The policy this configuration describes; the error names the key.
    pub fn policy(&self) -> Result<crate::policy::Policy, String> {
        crate::policy::Policy::from_config(&self.shared_mailbox, &self.groups, &self.users)
    }

    pub fn emulator_data_dir(&self) -> PathBuf {
        self.emulator.data_dir_under(&self.server.data_dir)
    }
}

/// The key of the half that is missing when only one of two is set.
fn half_pair<'k>(
    a: &Option<PathBuf>,
    a_key: &'k str,
    b: &Option<PathBuf>,
    b_key: &'k str,
) -> Option<&'k str> {
    match (a, b) {
        (Some(_), None) => Some(b_key),
        (None, Some(_)) => Some(a_key),
        _ => None,
    }
}

/// "; the default is X" for a key that has a non-empty default value.
fn default_hint(path: &[String]) -> String {
    let Ok(Value::Table(defaults)) = Value::try_from(Config::default()) else {
        return String::new();
    };
    let mut here = &Value::Table(defaults);
    for segment in path {
        let next = match here {
            Value::Table(table) => table.get(segment.as_str()),
            _ => None,
        };
        match next {
            Some(value) => here = value,
            None => return String::new(),
        }
    }
    match here {
        Value::Table(_) | Value::Array(_) => String::new(),
        Value::String(s) if s.is_empty() => String::new(),
        value => format!("; the default is {value}"),
    }
}

fn read_table(path: &Path) -> Result<Table, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ConfigError::Missing {
            path: path.to_path_buf(),
        },
        _ => ConfigError::Read {
            path: path.to_path_buf(),
            source,
        },
    })?;
    parse_table(&text, path)
}

fn parse_table(text: &str, path: &Path) -> Result<Table, ConfigError> {
    text.parse::<Table>().map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::{Config, ConfigError};

    fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn error(text: &str) -> ConfigError {
        Config::from_toml(text).unwrap_err()
    }

    #[test]
    fn an_empty_file_gives_the_defaults() {
        let config = Config::from_toml("").unwrap();
        assert_eq!(config.imap.listen, Some(super::DEFAULT_IMAP));
        assert_eq!(
            config.emulator_data_dir(),
            std::path::Path::new("data/emulator")
        );
    }

    #[test]
    fn a_bad_address_names_the_key_and_the_default() {
        let err = error("[smtp]\nlisten = \"127.0.0.1:99999\"\n");
        assert_eq!(err.key(), Some("smtp.listen"));
        assert_eq!(
            err.to_string(),
            "config key `smtp.listen`: \"127.0.0.1:99999\" is not a socket address (host:port, or \"\" \
             to turn the listener off); the default is \"127.0.0.1:1587\""
        );
    }

    #[test]
    fn an_unknown_key_lists_the_known_ones() {
        let err = error("[imap]\nlisen = \"127.0.0.1:1143\"\n");
        assert_eq!(
            err.to_string(),
            "unknown key `imap.lisen` (known keys: listen, listen_tls, max_literal_bytes, \
             max_connections_per_user, idle_timeout_s, allow_plaintext_auth_on_non_loopback)"
        );
        let err = error("[imapp]\n");
        assert!(
            err.to_string().starts_with(
                "unknown key `imapp` (known keys: shared_mailbox, groups, users, server, imap,"
            ),
            "{err}"
        );
    }

    #[test]
    fn an_empty_listen_address_turns_the_listener_off() {
        let config = Config::from_toml("[imap]\nlisten_tls = \"\"\n").unwrap();
        assert_eq!(config.imap.listen_tls, None);
    }

    #[test]
    fn keys_that_go_together_are_checked() {
        let cases = [
            ("[tls]\ncert = \"a.pem\"\n", "tls.key"),
            (
                "[microsoft]\nclient_key = \"k.pem\"\n",
                "microsoft.client_certificate",
            ),
            ("[microsoft]\ncloud = \"custom\"\n", "microsoft.login_url"),
            ("[server]\nmax_connections = 0\n", "server.max_connections"),
            ("[imap]\nidle_timeout_s = 0\n", "imap.idle_timeout_s"),
            ("[log]\nlevel = \"info,=[\"\n", "log.level"),
            ("[smtp]\nlisten = \"127.0.0.1:1143\"\n", "smtp.listen"),
            ("[store]\nurl = \"mysql://db/gg\"\n", "store.url"),
            (
                "[accounts]\nfailures_per_user = 0\n",
                "accounts.failures_per_user",
            ),
            (
                "[accounts]\nfailures_per_address = 0\n",
                "accounts.failures_per_address",
            ),
            (
                "[accounts]\nfailure_window_s = 0\n",
                "accounts.failure_window_s",
            ),
        ];
        for (text, key) in cases {
            assert_eq!(error(text).key(), Some(key), "for {text:?}");
        }
    }

    #[test]
    fn environment_overrides_win_and_are_named_in_errors() {
        let config = Config::load(
            None,
            vars(&[
                ("GRAPHGATE__IMAP__LISTEN", "127.0.0.1:2143"),
                ("GRAPHGATE__EMULATOR__SWITCHES__LATENCY_MS", "20"),
                ("GRAPHGATE__MICROSOFT__CLIENT_SECRET", "12345"),
            ]),
        )
        .unwrap();
        assert_eq!(config.imap.listen, Some("127.0.0.1:2143".parse().unwrap()));
        assert_eq!(
            config.emulator.switches["latency_ms"].as_integer(),
            Some(20)
        );
        assert_eq!(config.microsoft.client_secret.expose(), "12345");

        let err = Config::load(None, vars(&[("GRAPHGATE__IMAP__LISEN", "x")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown key `imap.lisen` (known keys: listen, listen_tls, max_literal_bytes, \
             max_connections_per_user, idle_timeout_s, allow_plaintext_auth_on_non_loopback) (from \
             environment variable GRAPHGATE__IMAP__LISEN)"
        );
    }

    #[test]
    fn a_missing_file_says_how_to_start() {
        let err = Config::load(
            Some(std::path::Path::new("/nonexistent/graphgate.toml")),
            vars(&[]),
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::Missing { .. }));
        assert!(
            err.to_string()
                .contains("copy config/graphgate.example.toml"),
            "{err}"
        );
    }

    #[test]
    fn the_store_url_defaults_to_sqlite_in_the_data_dir() {
        let cases = [
            ("", "sqlite://data/graphgate.sqlite?mode=rwc"),
            (
                "[server]\ndata_dir = \"/var/lib/gg\"\n",
                "sqlite:///var/lib/gg/graphgate.sqlite?mode=rwc",
            ),
            (
                "[store]\nurl = \"postgres://gg:pw@db/gg\"\n",
                "postgres://gg:pw@db/gg",
            ),
        ];
        for (text, url) in cases {
            assert_eq!(
                Config::from_toml(text).unwrap().store_url(),
                url,
                "{text:?}"
            );
        }
    }

    #[test]
    fn the_store_url_password_is_never_shown() {
        let config = Config::from_toml("[store]\nurl = \"postgres://gg:hunter2@db/gg\"\n").unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
        let err = error("[store]\nurl = \"mysql://gg:hunter2@db/gg\"\n").to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("mysql://gg:***@db/gg"), "{err}");
    }

    #[test]
    fn login_limits_come_from_the_accounts_section() {
        let config = Config::from_toml(
            "[accounts]\nfailures_per_user = 3\nfailures_per_address = 9\nfailure_window_s = 120\n",
        )
        .unwrap();
        let limits = config.accounts.limits();
        assert_eq!(
            (
                limits.failures_per_user,
                limits.failures_per_address,
                limits.window
            ),
            (3, 9, std::time::Duration::from_secs(120))
        );
        let defaults = Config::default().accounts.limits();
        assert_eq!(
            (
                defaults.failures_per_user,
                defaults.failures_per_address,
                defaults.window.as_secs()
            ),
            (5, 20, 60)
        );
    }

    #[test]
    fn syntax_errors_name_the_file() {
        let err = error("[imap\n");
        assert!(matches!(err, ConfigError::Syntax { .. }), "{err}");
    }
}
