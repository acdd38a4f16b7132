//! Where the policy tables (`[[shared_mailbox]]`, `[groups]`) live: in the
//! configuration file, or in a file of their own (`server.policy_file`);
//! and a configuration whose policy comes from new text (the admin console
//! checks an edit with it before writing it).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::access::SharedMailbox;
use super::error::ConfigError;
use super::root::Config;

/// A policy file: only the policy tables.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PolicyTables {
    shared_mailbox: Vec<SharedMailbox>,
    groups: BTreeMap<String, Vec<String>>,
}

impl Config {
    /// The configuration file this was loaded from, if any.
    pub fn file(&self) -> Option<&Path> {
        self.origin.file.as_deref()
    }

    /// The file the policy tables are written in: `server.policy_file`,
    /// else the configuration file; `None` when there is neither.
    pub fn policy_path(&self) -> Option<&Path> {
        self.server.policy_file.as_deref().or(self.file())
    }

    /// Whether the policy has a file of its own.
    pub fn policy_file_is_separate(&self) -> bool {
        self.server.policy_file.is_some()
    }

    /// Read `server.policy_file` (if set) into the policy tables (again:
    /// they are replaced). Policy tables in the configuration file as well
    /// are an error: one place.
    pub fn load_policy_file(&mut self) -> Result<(), ConfigError> {
        let Some(path) = self.server.policy_file.clone() else {
            return Ok(());
        };
        let elsewhere = !self.shared_mailbox.is_empty() || !self.groups.is_empty();
        if elsewhere && !self.origin.policy_loaded {
            return Err(self.key_error(
                "server.policy_file",
                format_args!(
                    "config key `server.policy_file` names {}, so [[shared_mailbox]] and [groups] belong there, \
                     not in the configuration file",
                    path.display()
                ),
            ));
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let tables = policy_tables(&text, &path)?;
        self.shared_mailbox = tables.shared_mailbox;
        self.groups = tables.groups;
        self.origin.policy_loaded = true;
        Ok(())
    }

    /// This configuration with its policy tables taken from `text`, the
    /// new content of `policy_path()`: a whole configuration file, or a
    /// policy file of its own.
    pub fn with_policy_text(&self, text: &str) -> Result<Config, ConfigError> {
        let mut out = self.clone();
        let path = self.policy_path().unwrap_or(Path::new("the policy"));
        if self.policy_file_is_separate() {
            let tables = policy_tables(text, path)?;
            out.shared_mailbox = tables.shared_mailbox;
            out.groups = tables.groups;
        } else {
            let parsed = Config::from_toml(text)?;
            out.shared_mailbox = parsed.shared_mailbox;
            out.groups = parsed.groups;
            out.users = parsed.users;
        }
        Ok(out)
    }
}

fn policy_tables(text: &str, path: &Path) -> Result<PolicyTables, ConfigError> {
    toml::from_str(text).map_err(|e| ConfigError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::Config;

    #[test]
    fn a_separate_policy_file_fills_the_policy_tables() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.toml");
        std::fs::write(
            &path,
            "# who may use sales@\n[[shared_mailbox]]\naddress = \"sales@contoso.test\"\nreaders = [\"bob\"]\n\n[groups]\nteam = [\"alice\"]\n",
        )
        .unwrap();
        let mut config = Config::from_toml(&format!(
            "[server]\npolicy_file = {:?}\n",
            path.display().to_string()
        ))
        .unwrap();
        assert_eq!(config.shared_mailbox[0].readers, ["bob"]);
        assert_eq!(config.groups["team"], ["alice"]);
        assert_eq!(config.policy_path(), Some(path.as_path()));

        let edited = config
            .with_policy_text(
                "[[shared_mailbox]]\naddress = \"sales@contoso.test\"\nwriters = [\"carol\"]\n",
            )
            .unwrap();
        assert_eq!(edited.shared_mailbox[0].writers, ["carol"]);
        assert!(edited.groups.is_empty());
        let err = config.with_policy_text("[server]\nx = 1\n").unwrap_err();
        assert!(err.to_string().contains("unknown field"), "{err}");

        // Read again: the same tables, not an error.
        config.load_policy_file().unwrap();
        assert_eq!(config.shared_mailbox.len(), 1);

        // Policy tables in the configuration file too: one place only.
        let err = Config::from_toml(&format!(
            "[server]\npolicy_file = {:?}\n\n[[shared_mailbox]]\naddress = \"x@contoso.test\"\n",
            path.display().to_string()
        ))
        .unwrap_err();
        assert!(err.to_string().contains("belong there"), "{err}");
    }
}
