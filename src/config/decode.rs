//! TOML values into typed sections with errors a person can act on: the
//! dotted key (`serde_path_to_error` tracks it), and for an unknown key the
//! keys that would have been accepted. Serde's own wording is kept, except
//! where it speaks Rust rather than TOML ("struct ImapSection" is "a table").

use serde::de::DeserializeOwned;
use toml::Value;

/// What is wrong with the value at one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Misfit {
    /// Where: table keys from the top, array positions as `[i]`; for an
    /// unknown key, that key.
    pub key: String,
    pub kind: MisfitKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MisfitKind {
    /// The key is not one of `known` (empty: the table takes no keys).
    Unknown { known: Vec<String> },
    /// The value is unusable; the text says why.
    Invalid(String),
}

impl std::fmt::Display for Misfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            MisfitKind::Unknown { known } if known.is_empty() => {
                write!(f, "unknown key `{}` (this table takes no keys)", self.key)
            }
            MisfitKind::Unknown { known } => write!(
                f,
                "unknown key `{}` (known keys: {})",
                self.key,
                known.join(", ")
            ),
            MisfitKind::Invalid(text) => write!(f, "config key `{}`: {text}", self.key),
        }
    }
}

/// Deserialize `T` from `value`, found at `at` (`""` for the whole file).
pub(crate) fn decode<T: DeserializeOwned>(value: Value, at: &str) -> Result<T, Misfit> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let key = match (at, inner.as_str()) {
            (at, ".") => at.to_string(),
            ("", inner) => inner.to_string(),
            (at, inner) if inner.starts_with('[') => format!("{at}{inner}"),
            (at, inner) => format!("{at}.{inner}"),
        };
        let message = e.into_inner().message().to_string();
        let kind = match unknown_field(&message) {
            Some(known) => MisfitKind::Unknown { known },
            None => MisfitKind::Invalid(tableify(&message)),
        };
        Misfit { key, kind }
    })
}

/// Serde says `unknown field `x`, expected one of `a`, `b``, `expected `a``,
/// `expected `a` or `b``, or `there are no fields`: the accepted names.
fn unknown_field(message: &str) -> Option<Vec<String>> {
    let rest = message.strip_prefix("unknown field `")?;
    let (_, expected) = rest.split_once("`, ")?;
    if expected == "there are no fields" {
        return Some(Vec::new());
    }
    let names = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect::<Vec<_>>();
    (!names.is_empty()).then_some(names)
}

/// "…, expected struct ImapSection" → "…, expected a table".
fn tableify(text: &str) -> String {
    match text.find("expected struct ") {
        Some(at) => format!("{}expected a table", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::{Misfit, decode};

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Top {
        name: String,
        inner: Inner,
        #[serde(default)]
        list: Vec<u16>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        port: u16,
        #[serde(default)]
        mode: Mode,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(rename_all = "kebab-case")]
    enum Mode {
        #[default]
        Plain,
        ImplicitTls,
    }

    fn parse(text: &str) -> Result<Top, Misfit> {
        decode(toml::Value::Table(text.parse().unwrap()), "")
    }

    #[test]
    fn reads_a_valid_tree() {
        let top = parse("name = 'x'\nlist = [1, 2]\n[inner]\nport = 25\nmode = 'implicit-tls'\n")
            .unwrap();
        assert_eq!(top.inner.mode, Mode::ImplicitTls);
        assert_eq!(top.list, vec![1, 2]);
    }

    #[test]
    fn errors_name_the_key_and_what_was_wanted() {
        let cases = [
            (
                "name = 'x'\n[inner]\nprot = 25\n",
                "unknown key `inner.prot` (known keys: port, mode)",
            ),
            (
                "name = 'x'\n[inner]\nport = 'high'\n",
                "config key `inner.port`: invalid type: string \"high\", expected u16",
            ),
            (
                "name = 'x'\n[inner]\nport = 70000\n",
                "config key `inner.port`: invalid value: integer `70000`, expected u16",
            ),
            (
                "name = 'x'\n[inner]\nport = 1\nmode = 'tls'\n",
                "config key `inner.mode`: unknown variant `tls`, expected `plain` or `implicit-tls`",
            ),
            (
                "name = 'x'\nlist = [1, -2]\n[inner]\nport = 1\n",
                "config key `list[1]`: invalid value: integer `-2`, expected u16",
            ),
            (
                "name = 'x'\ninner = 3\n",
                "config key `inner`: invalid type: integer `3`, expected a table",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap_err().to_string(), want, "for {text:?}");
        }
    }

    #[test]
    fn a_table_found_below_the_top_is_named_from_where_it_sits() {
        let value = toml::Value::Table("port = 1\nmoed = 'plain'\n".parse().unwrap());
        let err = decode::<Inner>(value, "listeners.main").unwrap_err();
        assert_eq!(err.key, "listeners.main.moed");
        assert_eq!(
            err.to_string(),
            "unknown key `listeners.main.moed` (known keys: port, mode)"
        );
    }

    #[test]
    fn one_or_two_known_keys_are_listed_too() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct One {
            only: u8,
        }
        let value = toml::Value::Table("ony = 1\n".parse().unwrap());
        let err = decode::<One>(value, "").unwrap_err();
        assert_eq!(err.to_string(), "unknown key `ony` (known keys: only)");
    }
}
