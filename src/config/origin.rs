//! Where a configuration's values came from (the file, or environment
//! variables that override it), so that every error can tell a person where
//! to fix the value, even when a layer finds it long after loading.

use std::path::PathBuf;

use super::env::Override;
use super::error::ConfigError;

/// Where the values came from, to tell the reader where to fix one.
#[derive(Debug, Clone, Default)]
pub(super) struct Origin {
    pub(super) file: Option<PathBuf>,
    pub(super) overrides: Vec<Override>,
    /// The policy tables came from `server.policy_file` (reading it again
    /// replaces them).
    pub(super) policy_loaded: bool,
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

    /// An error about `key`: `message`, and where the value came from.
    pub(super) fn error(&self, key: &str, message: impl std::fmt::Display) -> ConfigError {
        ConfigError::Key {
            key: key.to_string(),
            message: format!("{message}{}", self.of(key)),
        }
    }
}
