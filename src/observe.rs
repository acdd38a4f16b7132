//! Logging: one tracing subscriber for the whole process, writing text or
//! JSON lines to stderr and filtered by an env-filter directive (the
//! `--log-level` flag, else `RUST_LOG`, else `log.level` from the config).
//! Secrets are a `Secret` type that formats as `***`; a test here checks that
//! no log path shows one.

use std::io::{self, IsTerminal};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

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
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(builder.json().flatten_event(true).finish()),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::{choose_filter, subscriber};
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
