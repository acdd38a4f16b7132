//! Loading: the TOML file, then `GRAPHGATE__SECTION__KEY` environment
//! overrides applied to the tree, then decoding into types and the rules
//! across keys. Every error names the key, says what is wrong and what to
//! write instead, and where the bad value came from.

use std::path::Path;

use toml::{Table, Value};

use super::check::check;
use super::decode::{MisfitKind, decode};
use super::env;
use super::error::ConfigError;
use super::origin::Origin;
use super::root::Config;

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
        let defaults = defaults();
        let overrides =
            env::apply(&mut table, vars, &defaults).map_err(|bad| ConfigError::Environment {
                variable: bad.variable,
                problem: bad.problem,
            })?;
        let origin = Origin {
            file: file.map(Path::to_path_buf),
            overrides,
            policy_loaded: false,
        };
        let mut config: Config = decode(Value::Table(table), "").map_err(|misfit| {
            let hint = match misfit.kind {
                MisfitKind::Invalid(_) => default_hint(&defaults, &misfit.key),
                MisfitKind::Unknown { .. } => String::new(),
            };
            origin.error(&misfit.key, format_args!("{misfit}{hint}"))
        })?;
        check(&config, &origin)?;
        config.origin = origin;
        config.load_policy_file()?;
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
        decode(Value::Table(table.clone()), key)
            .map_err(|misfit| self.origin.error(&misfit.key, &misfit))
    }

    /// An error about `key` found after loading (by the part that reads
    /// it), saying where its value came from.
    pub fn key_error(&self, key: &str, message: impl std::fmt::Display) -> ConfigError {
        self.origin.error(key, message)
    }
}

/// The configuration an empty file gives, as a TOML tree.
fn defaults() -> Table {
    match Value::try_from(Config::default()) {
        Ok(Value::Table(table)) => table,
        _ => Table::new(),
    }
}

/// "; the default is X" for a key that has a non-empty default value.
fn default_hint(defaults: &Table, key: &str) -> String {
    let mut here = defaults;
    let mut segments = key.split('.').peekable();
    while let Some(segment) = segments.next() {
        let value = here.get(segment);
        match (value, segments.peek()) {
            (Some(Value::Table(inner)), Some(_)) => here = inner,
            (Some(Value::Table(_) | Value::Array(_)), None) | (None, _) | (Some(_), Some(_)) => {
                return String::new();
            }
            (Some(Value::String(s)), None) if s.is_empty() => return String::new(),
            (Some(value), None) => return format!("; the default is {value}"),
        }
    }
    String::new()
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
        assert_eq!(
            config.imap.listen,
            Some(crate::config::sections::DEFAULT_IMAP)
        );
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
    fn the_store_url_password_is_never_shown() {
        let config = Config::from_toml("[store]\nurl = \"postgres://gg:hunter2@db/gg\"\n").unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
        let err = error("[store]\nurl = \"mysql://gg:hunter2@db/gg\"\n").to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(err.contains("mysql://gg:***@db/gg"), "{err}");
    }

    #[test]
    fn syntax_errors_name_the_file() {
        let err = error("[imap\n");
        assert!(matches!(err, ConfigError::Syntax { .. }), "{err}");
    }
}
