//! Why no token could be had, in sentences a person can act on: Microsoft
//! busy, sign in again, consent missing, configuration wrong, declined.
//! Failures that come from another error (the network, the store, a key
//! file, a certificate) keep it as their `source()`.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::KeyError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Microsoft or the network is having trouble; it passes.
    #[error("{0}")]
    Unavailable(String),
    /// The user must sign in again; the text names the command.
    #[error("{0}")]
    SignInRequired(String),
    /// An administrator must grant consent; the text has the address.
    #[error("{0}")]
    ConsentRequired(String),
    /// The configuration or app registration is wrong; the text names the key.
    #[error("{0}")]
    Configuration(String),
    /// The person declined the sign-in.
    #[error("{0}")]
    Denied(String),
    /// `[microsoft]` gives no usable sign-in or Graph address.
    #[error(transparent)]
    Endpoints(#[from] KeyError),
    /// Microsoft's sign-in service could not be reached.
    #[error("cannot reach Microsoft's sign-in service at {host}: {source}")]
    Unreachable {
        host: String,
        #[source]
        source: Arc<reqwest::Error>,
    },
    /// The HTTP client could not be set up, or an answer was cut off.
    #[error("{0}")]
    Http(#[source] Arc<reqwest::Error>),
    /// The sign-in service answered with something it does not document.
    #[error("unexpected {what} answer: {source}")]
    Answer {
        /// `token`, `device code`.
        what: &'static str,
        #[source]
        source: Arc<serde_json::Error>,
    },
    /// graphgate's store failed while reading or writing a sign-in.
    #[error("graphgate's store failed: {0}")]
    Store(#[source] Arc<crate::store::Error>),
    /// The token key file (or its directory) cannot be read or written.
    #[error("cannot {doing} {}: {source}", path.display())]
    TokenKeyFile {
        /// `read the token key`, `create`, `write the token key`, ...
        doing: &'static str,
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    /// `microsoft.client_certificate` is not a PEM certificate.
    #[error("config key `microsoft.client_certificate`: {} is not a PEM certificate ({source})", path.display())]
    Certificate {
        path: PathBuf,
        #[source]
        source: Arc<rustls_pki_types::pem::Error>,
    },
    /// `microsoft.client_key` cannot be read.
    #[error("config key `microsoft.client_key`: cannot read {} ({source})", path.display())]
    KeyFile {
        path: PathBuf,
        #[source]
        source: Arc<std::io::Error>,
    },
    /// `microsoft.client_key` is not an RSA key in PEM.
    #[error("config key `microsoft.client_key`: {} is not an RSA private key in PEM ({source})", path.display())]
    Key {
        path: PathBuf,
        #[source]
        source: Arc<jsonwebtoken::errors::Error>,
    },
    /// The client assertion (certificate credential) could not be signed.
    #[error("cannot sign the client assertion: {0}")]
    Assertion(#[source] Arc<jsonwebtoken::errors::Error>),
    /// The loopback listener for a browser sign-in cannot be opened.
    #[error("cannot listen on 127.0.0.1 for the sign-in redirect: {0}")]
    Listen(#[source] Arc<std::io::Error>),
    /// The loopback listener failed while waiting for the browser.
    #[error("{0}")]
    Redirect(#[source] Arc<std::io::Error>),
}

impl Error {
    /// Worth retrying later (Microsoft busy, network down), as opposed to
    /// needing a person (sign in again, consent, fix the configuration).
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unavailable(_)
            | Error::Unreachable { .. }
            | Error::Http(_)
            | Error::Answer { .. }
            | Error::Store(_)
            | Error::Listen(_)
            | Error::Redirect(_) => true,
            Error::SignInRequired(_)
            | Error::ConsentRequired(_)
            | Error::Configuration(_)
            | Error::Denied(_)
            | Error::Endpoints(_)
            | Error::TokenKeyFile { .. }
            | Error::Certificate { .. }
            | Error::KeyFile { .. }
            | Error::Key { .. }
            | Error::Assertion(_) => false,
        }
    }

    /// graphgate's store failed.
    pub fn store(e: crate::store::Error) -> Error {
        Error::Store(Arc::new(e))
    }
}
