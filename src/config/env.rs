//! Environment overrides: `GRAPHGATE__SECTION__KEY=value` sets `section.key`
//! in the TOML tree before it is parsed into types, so an override is
//! checked exactly like the file (nested tables too:
//! `GRAPHGATE__EMULATOR__SWITCHES__LATENCY_MS=20`). A variable has no type,
//! so its text takes the type of the key's default: text for a text key
//! (`GRAPHGATE__MICROSOFT__TENANT=12345` is the tenant "12345"), else what
//! it reads as (a number, a boolean, an array).

use toml::{Table, Value};

/// Variables that start with this are overrides; `GRAPHGATE_CONFIG` and the
/// like (one underscore) are not.
pub const PREFIX: &str = "GRAPHGATE__";

/// One override that was applied: the key path it set and the variable.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Override {
    pub path: Vec<String>,
    pub variable: String,
}

/// A variable that cannot be applied.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BadVariable {
    pub variable: String,
    pub problem: String,
}

/// Apply every `GRAPHGATE__…` variable of `vars` to `table`, in name order
/// so the outcome does not depend on the environment's order.
pub(crate) fn apply(
    table: &mut Table,
    vars: impl IntoIterator<Item = (String, String)>,
    defaults: &Table,
) -> Result<Vec<Override>, BadVariable> {
    let mut vars: Vec<(String, String)> = vars
        .into_iter()
        .filter(|(name, _)| name.starts_with(PREFIX))
        .collect();
    vars.sort();
    let mut applied = Vec::with_capacity(vars.len());
    for (variable, raw) in vars {
        let path: Vec<String> = variable[PREFIX.len()..]
            .split("__")
            .map(str::to_ascii_lowercase)
            .collect();
        if path.iter().any(String::is_empty) {
            return Err(BadVariable {
                variable,
                problem: "every part of the name must be non-empty: GRAPHGATE__SECTION__KEY".into(),
            });
        }
        let value = match default_at(defaults, &path) {
            Some(Value::String(_)) => Value::String(raw),
            _ => scalar(&raw),
        };
        set(table, &path, value).map_err(|problem| BadVariable {
            variable: variable.clone(),
            problem: problem.to_string(),
        })?;
        applied.push(Override { path, variable });
    }
    Ok(applied)
}

/// The default value at `path`, if the key has one.
fn default_at<'t>(defaults: &'t Table, path: &[String]) -> Option<&'t Value> {
    let (last, parents) = path.split_last()?;
    let mut here = defaults;
    for segment in parents {
        here = here.get(segment)?.as_table()?;
    }
    here.get(last)
}

/// Why an override cannot be put where its name says.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum Misplaced {
    #[error("the name has no key after GRAPHGATE__")]
    NoKey,
    #[error("`{at}` is a value, not a table, so it has no key `{next}`")]
    NotATable { at: String, next: String },
}

/// Put `value` at `path`, creating the tables on the way.
fn set(table: &mut Table, path: &[String], value: Value) -> Result<(), Misplaced> {
    let Some((last, parents)) = path.split_last() else {
        return Err(Misplaced::NoKey);
    };
    let mut here = table;
    for (depth, segment) in parents.iter().enumerate() {
        let slot = here
            .entry(segment.clone())
            .or_insert_with(|| Value::Table(Table::new()));
        here = match slot {
            Value::Table(inner) => inner,
            _ => {
                return Err(Misplaced::NotATable {
                    at: path[..=depth].join("."),
                    next: path[depth + 1].clone(),
                });
            }
        };
    }
    here.insert(last.clone(), value);
    Ok(())
}

/// Read a variable's text as TOML would if it were a number, a boolean or an
/// array, and as a string otherwise (no quotes needed for text).
pub(crate) fn scalar(raw: &str) -> Value {
    match raw {
        "true" => return Value::Boolean(true),
        "false" => return Value::Boolean(false),
        _ => {}
    }
    if let Ok(i) = raw.parse::<i64>() {
        return Value::Integer(i);
    }
    let digits = raw.strip_prefix(['+', '-']).unwrap_or(raw);
    if digits.starts_with(|c: char| c.is_ascii_digit())
        && let Ok(f) = raw.parse::<f64>()
    {
        return Value::Float(f);
    }
    if raw.starts_with('[')
        && let Ok(mut parsed) = format!("v = {raw}").parse::<Table>()
        && let Some(array) = parsed.remove("v")
    {
        return array;
    }
    Value::String(raw.to_string())
}

#[cfg(test)]
mod tests {
    use toml::{Table, Value};

    use super::{apply, scalar};

    fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn values_read_as_numbers_booleans_arrays_or_text() {
        let cases = [
            ("20", Value::Integer(20)),
            ("-3", Value::Integer(-3)),
            ("0.25", Value::Float(0.25)),
            ("true", Value::Boolean(true)),
            ("127.0.0.1:1143", Value::String("127.0.0.1:1143".into())),
            ("inf", Value::String("inf".into())),
            ("", Value::String(String::new())),
            (
                "[429, 503]",
                Value::Array(vec![Value::Integer(429), Value::Integer(503)]),
            ),
            ("[not toml", Value::String("[not toml".into())),
        ];
        for (raw, want) in cases {
            assert_eq!(scalar(raw), want, "for {raw:?}");
        }
    }

    #[test]
    fn overrides_create_nested_tables_and_replace_values() {
        let mut table: Table = "[imap]\nlisten = '127.0.0.1:1143'\n".parse().unwrap();
        let applied = apply(
            &mut table,
            vars(&[
                ("GRAPHGATE__IMAP__LISTEN", "0.0.0.0:143"),
                ("GRAPHGATE__EMULATOR__SWITCHES__LATENCY_MS", "20"),
                ("GRAPHGATE_CONFIG", "ignored.toml"),
                ("HOME", "/root"),
            ]),
            &Table::new(),
        )
        .unwrap();
        assert_eq!(applied.len(), 2);
        assert_eq!(table["imap"]["listen"].as_str(), Some("0.0.0.0:143"));
        assert_eq!(
            table["emulator"]["switches"]["latency_ms"].as_integer(),
            Some(20)
        );
    }

    #[test]
    fn a_value_in_the_way_or_an_empty_part_is_refused() {
        let mut table: Table = "[imap]\nlisten = ''\n".parse().unwrap();
        let err = apply(
            &mut table,
            vars(&[("GRAPHGATE__IMAP__LISTEN__PORT", "1")]),
            &Table::new(),
        )
        .unwrap_err();
        assert_eq!(err.variable, "GRAPHGATE__IMAP__LISTEN__PORT");
        assert!(
            err.problem.contains("`imap.listen` is a value"),
            "{}",
            err.problem
        );
        let err = apply(
            &mut table,
            vars(&[("GRAPHGATE____LISTEN", "1")]),
            &Table::new(),
        )
        .unwrap_err();
        assert!(err.problem.contains("non-empty"), "{}", err.problem);
    }

    #[test]
    fn numbers_are_accepted_where_text_is_wanted() {
        let defaults: Table = "[microsoft]\ntenant = ''\n[imap]\nidle_timeout_s = 1800\n"
            .parse()
            .unwrap();
        let mut table = Table::new();
        apply(
            &mut table,
            vars(&[
                ("GRAPHGATE__MICROSOFT__TENANT", "12345"),
                ("GRAPHGATE__IMAP__IDLE_TIMEOUT_S", "60"),
            ]),
            &defaults,
        )
        .unwrap();
        assert_eq!(table["microsoft"]["tenant"].as_str(), Some("12345"));
        assert_eq!(table["imap"]["idle_timeout_s"].as_integer(), Some(60));
    }
}
