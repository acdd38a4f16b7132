//! The configuration's `[mail]` section (and the IMAP literal limit, which
//! bounds APPEND) read into `MailSettings`, with an error that names the
//! key. It lives apart from `settings` because the configuration still
//! names `SizeMode` and `MailSettings` (config's side is being removed).

use std::time::Duration;

use super::settings::MailSettings;
use crate::config::{ImapSection, MailSection};

/// A configuration value the mail service cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config key `{key}`: {problem}")]
pub struct SettingsError {
    pub key: &'static str,
    pub problem: String,
}

impl MailSettings {
    /// From `[mail]`; APPEND takes messages up to the IMAP literal limit.
    pub fn from_sections(
        mail: &MailSection,
        imap: &ImapSection,
    ) -> Result<MailSettings, SettingsError> {
        let max_message_bytes =
            usize::try_from(imap.max_literal_bytes).map_err(|_| SettingsError {
                key: "imap.max_literal_bytes",
                problem: format!(
                    "{} does not fit this machine's memory",
                    imap.max_literal_bytes
                ),
            })?;
        Ok(MailSettings {
            size_mode: mail.size_mode,
            poll_interval: Duration::from_secs(mail.poll_interval_s.max(1)),
            tree_ttl: Duration::from_secs(mail.folder_list_ttl_s),
            max_message_bytes,
            ..MailSettings::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sections_give_the_settings_the_gateway_used() {
        let mail = MailSection {
            poll_interval_s: 0,
            folder_list_ttl_s: 7,
            ..MailSection::default()
        };
        let imap = ImapSection::default();
        let settings = MailSettings::from_sections(&mail, &imap).unwrap();
        assert_eq!(settings.poll_interval, Duration::from_secs(1));
        assert_eq!(settings.tree_ttl, Duration::from_secs(7));
        assert_eq!(settings.max_message_bytes, imap.max_literal_bytes as usize);
        assert_eq!(settings.size_mode, mail.size_mode);
    }
}
