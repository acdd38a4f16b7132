//! Typed configuration: the file's sections as plain data, loaded with
//! environment overrides and checked across keys, with errors that name the
//! key and where its value came from. This module is a leaf: it knows no
//! other part of graphgate; each part turns its own section into its
//! settings (`TryFrom<&Section>`, failing with a `KeyError`).

mod access;
mod admin;
mod check;
mod dav;
mod decode;
mod env;
mod error;
mod load;
mod microsoft;
mod oauth;
mod origin;
mod policy_file;
mod pop3;
mod redact;
mod root;
mod sections;

pub use access::{SharedMailbox, UserSection};
pub use admin::{AdminSection, AdminTls, MetricsSection};
pub use dav::DavSection;
pub use env::PREFIX as ENV_PREFIX;
pub use error::{ConfigError, KeyError};
pub use microsoft::{Cloud, Endpoints, MicrosoftSection};
pub use oauth::OauthSection;
pub use pop3::{Pop3Delete, Pop3Section};
pub(crate) use redact::redact_url;
pub use root::Config;
pub use sections::{
    AccountsSection, EmulatorSection, ImapSection, LogFormat, LogSection, MailSection, SQLITE_FILE,
    ServerSection, SizeMode, SmtpSection, StoreSection, TlsSection, TrustedClient,
};

/// The file `graphgate serve` reads when `--config` is not given.
pub const DEFAULT_FILE: &str = "graphgate.toml";
