//! The example configuration is the documentation of every key: it must
//! parse, show exactly the defaults, name every key the program knows, and
//! put a comment above each one.

use std::collections::BTreeSet;
use std::path::PathBuf;

use graphgate::config::Config;
use toml::{Table, Value};

fn example_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/graphgate.example.toml")
}

fn example_text() -> String {
    std::fs::read_to_string(example_path()).expect("config/graphgate.example.toml is readable")
}

/// Every leaf key of a table as a dotted path.
fn keys(table: &Table, prefix: &str, out: &mut BTreeSet<String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Table(inner) => keys(inner, &path, out),
            _ => {
                out.insert(path);
            }
        }
    }
}

/// The configuration as a table, with `[emulator.switches]` (which the
/// gateway keeps as a plain table) replaced by the emulator's settings
/// decoded from it, so every switch and its value shows.
fn as_table(config: &Config) -> Table {
    let mut table = match Value::try_from(config).expect("a config serializes") {
        Value::Table(table) => table,
        other => panic!("a config serializes to a table, not {other:?}"),
    };
    let switches: graphgate_emulator::Settings = config
        .decode("emulator.switches", &config.emulator.switches)
        .expect("the switches decode");
    let switches = Value::try_from(switches).expect("the switches serialize");
    match table.get_mut("emulator") {
        Some(Value::Table(emulator)) => emulator.insert("switches".into(), switches),
        other => panic!("[emulator] is a table, not {other:?}"),
    };
    table
}

#[test]
fn the_example_parses_and_shows_exactly_the_defaults() {
    let config =
        Config::load(Some(&example_path()), std::iter::empty()).expect("the example parses");
    assert_eq!(as_table(&config), as_table(&Config::default()));
}

#[test]
fn the_example_names_every_key() {
    let mut known = BTreeSet::new();
    keys(&as_table(&Config::default()), "", &mut known);
    let mut documented = BTreeSet::new();
    keys(
        &example_text().parse::<Table>().unwrap(),
        "",
        &mut documented,
    );
    let missing: Vec<_> = known.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "keys missing from the example: {missing:?}"
    );
    assert_eq!(known, documented);
}

#[test]
fn every_key_in_the_example_has_a_comment_above_it() {
    let text = example_text();
    let mut previous = "";
    for line in text.lines() {
        let line = line.trim();
        let is_key = !line.is_empty()
            && !line.starts_with('#')
            && !line.starts_with('[')
            && line.contains('=');
        if is_key {
            assert!(previous.starts_with('#'), "no comment above `{line}`");
        }
        if !line.is_empty() {
            previous = line;
        }
    }
}

#[test]
fn environment_overrides_apply_on_top_of_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graphgate.toml");
    std::fs::write(
        &file,
        "[imap]\nlisten = \"127.0.0.1:1143\"\n[emulator.switches]\nlatency_ms = 5\n",
    )
    .unwrap();
    let vars = [
        ("GRAPHGATE__IMAP__LISTEN", "127.0.0.1:2143"),
        ("GRAPHGATE__SMTP__LISTEN_TLS", ""),
        ("GRAPHGATE__EMULATOR__SWITCHES__LATENCY_MS", "20"),
        ("GRAPHGATE__EMULATOR__SWITCHES__FAULT_STATUSES", "[503]"),
        ("GRAPHGATE__MICROSOFT__CLOUD", "usgov-high"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let config = Config::load(Some(&file), vars).unwrap();
    assert_eq!(config.imap.listen, Some("127.0.0.1:2143".parse().unwrap()));
    assert_eq!(config.smtp.listen_tls, None);
    let switches: graphgate_emulator::Settings = config
        .decode("emulator.switches", &config.emulator.switches)
        .unwrap();
    assert_eq!(switches.latency_ms, 20);
    assert_eq!(switches.fault_statuses, vec![503]);
    let endpoints = config.microsoft.endpoints().unwrap();
    assert_eq!(endpoints.graph.as_str(), "https://graph.microsoft.us/v1.0");
}

#[test]
fn an_error_in_a_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graphgate.toml");
    std::fs::write(&file, "[imap]\nlisten = \"127.0.0.1:99999\"\n").unwrap();
    let err = Config::load(Some(&file), std::iter::empty()).unwrap_err();
    assert_eq!(err.key(), Some("imap.listen"));
    let text = err.to_string();
    assert!(
        text.starts_with("config key `imap.listen`: \"127.0.0.1:99999\" is not a socket address"),
        "{text}"
    );
    assert!(
        text.ends_with(&format!("(in {})", file.display())),
        "{text}"
    );
}
