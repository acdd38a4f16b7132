//! What can be wrong with a configuration: the file (missing, unreadable,
//! not TOML), an environment variable, or a key. Each layer that turns its
//! section into its settings reports a bad value as a `KeyError`, which
//! names the key as the file does.

use std::path::PathBuf;

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

/// A value one part of graphgate cannot use, found when that part turns its
/// section into its settings (`TryFrom<&Section>`): the dotted key and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config key `{key}`: {problem}")]
pub struct KeyError {
    pub key: String,
    pub problem: String,
}

impl KeyError {
    pub fn new(key: impl Into<String>, problem: impl Into<String>) -> KeyError {
        KeyError {
            key: key.into(),
            problem: problem.into(),
        }
    }
}
