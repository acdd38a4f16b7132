//! A serde deserializer over a parsed TOML tree that knows where it is.
//! Every error it returns carries the dotted key it happened at and, for an
//! unknown key, the keys that would have been accepted, so the configuration
//! errors a person reads can name the key and the fix.

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Expected, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use toml::{Table, Value};

/// What went wrong at one place in the tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    /// Where: table keys from the top, array positions as `[i]`.
    pub path: Vec<String>,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ProblemKind {
    /// `key` is not one of `known` in the table at `path`.
    UnknownKey {
        key: String,
        known: &'static [&'static str],
    },
    /// The value at `path` is unusable; the text says why.
    Invalid(String),
}

impl Problem {
    fn invalid(text: String) -> Problem {
        Problem {
            path: Vec::new(),
            kind: ProblemKind::Invalid(text),
        }
    }

    /// The same problem one level further down from the caller's view.
    fn under(mut self, segment: String) -> Problem {
        self.path.insert(0, segment);
        self
    }

    /// The dotted key the problem is about (for an unknown key, that key).
    pub fn key(&self) -> String {
        let mut path = self.path.clone();
        if let ProblemKind::UnknownKey { key, .. } = &self.kind {
            path.push(key.clone());
        }
        dotted(&path)
    }
}

/// `["emulator", "switches", "fault_statuses", "[1]"]` → `emulator.switches.fault_statuses[1]`.
pub(crate) fn dotted(path: &[String]) -> String {
    let mut out = String::new();
    for segment in path {
        if !out.is_empty() && !segment.starts_with('[') {
            out.push('.');
        }
        out.push_str(segment);
    }
    out
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ProblemKind::UnknownKey { known, .. } => {
                write!(
                    f,
                    "unknown key `{}` (known keys: {})",
                    self.key(),
                    known.join(", ")
                )
            }
            ProblemKind::Invalid(text) => write!(f, "config key `{}`: {text}", self.key()),
        }
    }
}

impl std::error::Error for Problem {}

/// How a value that did not fit reads in an error: strings quoted as in TOML.
fn describe(found: Unexpected<'_>) -> String {
    match found {
        Unexpected::Str(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// Serde names a struct `struct ImapSection`; in a TOML file it is a table.
fn expectation(expected: &dyn Expected) -> String {
    let text = expected.to_string();
    if text.starts_with("struct ") {
        "a table".to_string()
    } else {
        text
    }
}

impl de::Error for Problem {
    fn custom<T: fmt::Display>(msg: T) -> Problem {
        Problem::invalid(msg.to_string())
    }

    fn invalid_type(found: Unexpected<'_>, expected: &dyn Expected) -> Problem {
        Problem::invalid(format!(
            "expected {}, found {}",
            expectation(expected),
            describe(found)
        ))
    }

    fn invalid_value(found: Unexpected<'_>, expected: &dyn Expected) -> Problem {
        Problem::invalid(format!(
            "{} is not {}",
            describe(found),
            expectation(expected)
        ))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Problem {
        Problem::invalid(format!(
            "{variant:?} is not one of: {}",
            expected.join(", ")
        ))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Problem {
        Problem {
            path: Vec::new(),
            kind: ProblemKind::UnknownKey {
                key: field.to_string(),
                known: expected,
            },
        }
    }

    fn missing_field(field: &'static str) -> Problem {
        Problem::invalid(format!("the key `{field}` is missing"))
    }
}

/// Deserialize `T` from a table, with errors that say where.
pub(crate) fn from_table<T: DeserializeOwned>(table: Table) -> Result<T, Problem> {
    T::deserialize(ValueDeserializer(Value::Table(table)))
}

struct ValueDeserializer(Value);

impl<'de> de::Deserializer<'de> for ValueDeserializer {
    type Error = Problem;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        match self.0 {
            Value::String(s) => visitor.visit_string(s),
            Value::Integer(i) => visitor.visit_i64(i),
            Value::Float(f) => visitor.visit_f64(f),
            Value::Boolean(b) => visitor.visit_bool(b),
            Value::Datetime(d) => visitor.visit_string(d.to_string()),
            Value::Array(items) => visitor.visit_seq(Items {
                items: items.into_iter(),
                index: 0,
            }),
            Value::Table(table) => visitor.visit_map(Entries {
                entries: table.into_iter(),
                pending: None,
            }),
        }
    }

    /// A key that is present has a value; absent keys take the default.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Problem> {
        visitor.visit_newtype_struct(self)
    }

    /// Enums in the configuration are plain strings (`cloud = "china"`).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Problem> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            other => Err(de::Error::invalid_type(unexpected(&other), &"a string")),
        }
    }

    /// Where text is wanted, a bare number or boolean is read as its text, so
    /// `GRAPHGATE__MICROSOFT__TENANT=12345` works for a string key.
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        match self.0 {
            Value::Integer(i) => visitor.visit_string(i.to_string()),
            Value::Float(f) => visitor.visit_string(f.to_string()),
            Value::Boolean(b) => visitor.visit_string(b.to_string()),
            other => ValueDeserializer(other).deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Problem> {
        self.deserialize_string(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::String(s) => Unexpected::Str(s),
        Value::Integer(i) => Unexpected::Signed(*i),
        Value::Float(f) => Unexpected::Float(*f),
        Value::Boolean(b) => Unexpected::Bool(*b),
        Value::Datetime(_) => Unexpected::Other("a date-time"),
        Value::Array(_) => Unexpected::Seq,
        Value::Table(_) => Unexpected::Map,
    }
}

struct Entries {
    entries: toml::map::IntoIter<String, Value>,
    /// The entry whose key was handed out and whose value comes next.
    pending: Option<(String, Value)>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = Problem;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Problem> {
        match self.entries.next() {
            Some((key, value)) => {
                let key_de: de::value::StrDeserializer<'_, Problem> =
                    key.as_str().into_deserializer();
                let out = seed.deserialize(key_de)?;
                self.pending = Some((key, value));
                Ok(Some(out))
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Problem> {
        let (key, value) = self
            .pending
            .take()
            .ok_or_else(|| Problem::invalid("a value was read before its key".to_string()))?;
        seed.deserialize(ValueDeserializer(value))
            .map_err(|problem| problem.under(key))
    }
}

struct Items {
    items: std::vec::IntoIter<Value>,
    index: usize,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = Problem;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Problem> {
        let Some(value) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(ValueDeserializer(value))
            .map(Some)
            .map_err(|problem| problem.under(format!("[{index}]")))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::{Problem, from_table};

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

    fn parse(text: &str) -> Result<Top, Problem> {
        from_table(text.parse::<toml::Table>().unwrap())
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
                "config key `inner.port`: expected u16, found \"high\"",
            ),
            (
                "name = 'x'\n[inner]\nport = 70000\n",
                "config key `inner.port`: integer `70000` is not u16",
            ),
            (
                "name = 'x'\n[inner]\nport = 1\nmode = 'tls'\n",
                "config key `inner.mode`: \"tls\" is not one of: plain, implicit-tls",
            ),
            (
                "name = 'x'\nlist = [1, -2]\n[inner]\nport = 1\n",
                "config key `list[1]`: integer `-2` is not u16",
            ),
            (
                "name = 'x'\ninner = 3\n",
                "config key `inner`: expected a table, found integer `3`",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text).unwrap_err().to_string(), want, "for {text:?}");
        }
    }

    #[test]
    fn numbers_are_accepted_where_text_is_wanted() {
        let top = parse("name = 12345\n[inner]\nport = 1\n").unwrap();
        assert_eq!(top.name, "12345");
    }
}
