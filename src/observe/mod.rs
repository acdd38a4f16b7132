//! Logging: one tracing subscriber for the whole process, writing text or
//! JSON lines to stderr and filtered by an env-filter directive (the
//! `--log-level` flag, else `RUST_LOG`, else `log.level` from the config).
//! Secrets are a `Secret` type that formats as `***`; a test here checks that
//! no log path shows one. Prometheus metrics are in `metrics`.

pub mod metrics;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, IsTerminal};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::{Writer, debug_fn};

use crate::config::LogFormat;

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    #[error(
        "{directive:?} is not a log filter ({source}); use a level such as \"info\" or \"debug\", \
         or directives such as \"warn,graphgate=debug\""
    )]
    Filter {
        directive: String,
        source: tracing_subscriber::filter::ParseError,
    },
    #[error("logging was already set up")]
    AlreadySet(#[source] tracing::subscriber::SetGlobalDefaultError),
}

/// The filter to use: an explicit one (the command-line flag) first, then a
/// non-empty `RUST_LOG`, then the configured level.
pub fn choose_filter(flag: Option<&str>, rust_log: Option<&str>, configured: &str) -> String {
    flag.or(rust_log.filter(|v| !v.trim().is_empty()))
        .unwrap_or(configured)
        .to_string()
}

/// Install the process-wide subscriber writing to stderr (in colour only
/// when stderr is a terminal).
pub fn init(directive: &str, format: LogFormat) -> Result<(), ObserveError> {
    let ansi = io::stderr().is_terminal() && format == LogFormat::Text;
    let subscriber = subscriber(directive, format, ansi, io::stderr)?;
    tracing::subscriber::set_global_default(subscriber).map_err(ObserveError::AlreadySet)
}

/// The subscriber `init` installs, writing to `writer` (tests capture it).
pub fn subscriber<W>(
    directive: &str,
    format: LogFormat,
    ansi: bool,
    writer: W,
) -> Result<Box<dyn tracing::Subscriber + Send + Sync>, ObserveError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(directive).map_err(|source| ObserveError::Filter {
        directive: directive.to_string(),
        source,
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi)
        .with_target(true);
    Ok(match format {
        // Every field of every event and span goes through `escaped_field`,
        // so no code path can put a client's raw bytes on a log line.
        LogFormat::Text => Box::new(
            builder
                .fmt_fields(debug_fn(escaped_field).delimited(" "))
                .finish(),
        ),
        // JSON escapes control characters itself (RFC 8259 §7).
        LogFormat::Json => Box::new(builder.json().flatten_event(true).finish()),
    })
}

/// One field of a text log line, `name=value` (the message bare), with
/// control characters escaped.
fn escaped_field(
    writer: &mut Writer<'_>,
    field: &tracing::field::Field,
    value: &dyn std::fmt::Debug,
) -> std::fmt::Result {
    let text = format!("{value:?}");
    if field.name() == "message" {
        writer.write_str(&escape_controls(&text))
    } else {
        write!(writer, "{}={}", field.name(), escape_controls(&text))
    }
}

/// `text` with every control character (C0, DEL, C1) and every bidirectional
/// formatting character written as `\u{..}`: what a client sends (a login,
/// a mailbox name decoded from modified UTF-7, a header) can then neither
/// forge a second log line, nor move the cursor or recolour a terminal, nor
/// reorder what a reader sees.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    fn hidden(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
    }
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hidden(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::{choose_filter, escape_controls, subscriber};
    use crate::config::{Config, LogFormat};
    use crate::secret::Secret;

    /// Collects everything the subscriber writes.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut out) = self.0.lock() {
                out.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Capture {
        type Writer = Capture;
        fn make_writer(&'w self) -> Capture {
            self.clone()
        }
    }

    #[test]
    fn a_secret_never_reaches_a_log_line() {
        const VALUE: &str = "graphgate-secret-value-9f3a";
        let mut config = Config::default();
        config.microsoft.client_secret = Secret::new(VALUE);
        let secret = Secret::new(VALUE);
        for format in [LogFormat::Text, LogFormat::Json] {
            let capture = Capture::default();
            let sub = subscriber("trace", format, false, capture.clone()).unwrap();
            tracing::subscriber::with_default(sub, || {
                tracing::info!(secret = %secret, "display field");
                tracing::info!(secret = ?secret, "debug field");
                tracing::info!(?config, "a whole config");
                tracing::info!("in the message: {secret} {secret:?}");
                let span = tracing::info_span!("session", token = %secret);
                span.in_scope(|| tracing::warn!(microsoft = ?config.microsoft, "inside a span"));
            });
            let out = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
            assert!(out.contains("***"), "{format:?}: {out}");
            assert!(out.contains("inside a span"), "{format:?}: {out}");
            assert!(!out.contains(VALUE), "{format:?} leaked the secret: {out}");
        }
        assert!(!format!("{config:?}").contains(VALUE));
    }

    #[test]
    fn control_characters_from_clients_are_escaped_on_text_lines() {
        let login = "alice\r\n2026-01-01 INFO login ok\u{1b}[2J\u{202e}gpj.exe";
        let capture = Capture::default();
        let sub = subscriber("info", LogFormat::Text, false, capture.clone()).unwrap();
        tracing::subscriber::with_default(sub, || {
            let span = tracing::info_span!("session", peer = %login);
            span.in_scope(|| {
                tracing::warn!(login = %login, name = ?login, "refused {login}");
            });
        });
        let out = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        assert_eq!(out.lines().count(), 1, "one event is one line: {out}");
        for raw in ['\r', '\u{1b}', '\u{202e}'] {
            assert!(!out.contains(raw), "{raw:?} reached the line: {out:?}");
        }
        assert!(out.contains("login=alice\\u{d}\\u{a}2026"), "{out}");
        assert!(out.contains("\\u{202e}"), "{out}");
        assert_eq!(escape_controls("plain Zoë"), "plain Zoë");
        assert_eq!(escape_controls("a\u{7f}b\u{85}"), "a\\u{7f}b\\u{85}");
    }

    #[test]
    fn the_flag_beats_rust_log_which_beats_the_config() {
        assert_eq!(choose_filter(Some("debug"), Some("warn"), "info"), "debug");
        assert_eq!(choose_filter(None, Some("warn"), "info"), "warn");
        assert_eq!(choose_filter(None, Some(" "), "info"), "info");
        assert_eq!(choose_filter(None, None, "info"), "info");
    }

    #[test]
    fn a_bad_filter_is_refused_with_advice() {
        let err = subscriber("info,=[", LogFormat::Text, false, std::io::sink)
            .err()
            .unwrap();
        assert!(err.to_string().contains("is not a log filter"), "{err}");
    }
}
