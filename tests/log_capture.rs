//! What the login path writes to the log, captured by a subscriber of the
//! test's own. It is a test binary of its own: in the shared one, other
//! tests drive the same login code on other threads at the same moment, and
//! the scoped subscriber then missed every event now and then (seen in full
//! runs only), which made the test fail for reasons of tracing's call-site
//! bookkeeping, not of graphgate.

use graphgate::accounts::{Accounts, LoginLimits};
use graphgate::secret::Secret;

#[path = "it/accounts/support.rs"]
#[allow(dead_code)]
mod support;

use support::{peer, store, with_account};

/// Collects what a log subscriber writes.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for Captured {
    type Writer = Captured;
    fn make_writer(&'w self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn a_password_typed_into_the_user_field_never_reaches_the_log() {
    let (_dir, store) = store().await;
    let accounts = Accounts::new(store, LoginLimits::default());
    with_account(&accounts, "alice@contoso.test", "right-one").await;
    let captured = Captured::default();
    let subscriber = graphgate::observe::subscriber(
        "info",
        graphgate::config::LogFormat::Text,
        false,
        captured.clone(),
    )
    .unwrap();
    let _guard = tracing::subscriber::set_default(subscriber);
    // The user typed the password where the login goes, twice, then got it
    // right but mistyped the password.
    for login in ["Tr0ub4dor&3-horse", "Tr0ub4dor&3-horse"] {
        let refused = accounts
            .authenticate(login, &Secret::new("whatever"), peer())
            .await;
        assert!(refused.is_err());
    }
    let refused = accounts
        .authenticate("alice@contoso.test", &Secret::new("wrong"), peer())
        .await;
    assert!(refused.is_err());
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!log.contains("Tr0ub4dor"), "{log}");
    let fingerprints: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split("login=").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter(|name| name.starts_with("unknown#"))
        .collect();
    assert_eq!(fingerprints.len(), 2, "{log}");
    assert_eq!(
        fingerprints[0], fingerprints[1],
        "one name, one fingerprint"
    );
    assert!(
        log.contains("login=alice@contoso.test"),
        "an account is named: {log}"
    );
}
