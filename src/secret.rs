//! `Secret`: a string that must never reach a log line, such as a client
//! secret, a token or a password. `Debug` and `Display` print `***`, so a
//! secret formatted by accident (in a log field, an error, a `{:?}` of a
//! config struct) gives nothing away; `expose()` is the one way to read it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret string. Serde reads and writes it as a plain string (it has to
/// come from somewhere), but every formatting path hides it.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself. Call this only where the value is used (an HTTP
    /// form field, a hash), never to format it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(value.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn formatting_hides_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{s:>10}"), "***");
        assert_eq!(format!("{:?}", Some(&s)), "Some(***)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn serde_reads_and_writes_a_plain_string() {
        #[derive(serde::Deserialize, serde::Serialize)]
        struct App {
            client_secret: Secret,
        }
        let app: App = toml::from_str("client_secret = \"s3cret\"").unwrap();
        assert_eq!(app.client_secret.expose(), "s3cret");
        assert_eq!(
            toml::to_string(&app).unwrap().trim(),
            "client_secret = \"s3cret\""
        );
    }
}
