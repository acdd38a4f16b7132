//! POP3 from outside: Python's poplib (the exact grammar) checked against
//! the same mailbox over IMAP, on the gateway as `App` assembles it.

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::{BOB, SALES};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poplib_reads_deletes_and_resyncs_as_rfc_1939_says() {
    let gw = TestGateway::start_configured(|config| {
        config.users.insert(
            BOB.into(),
            graphgate::config::UserSection {
                pop3_maildrop: format!("Shared/{SALES}/INBOX"),
                ..Default::default()
            },
        );
    })
    .await;
    let script = format!(
        "{}/tests/clients/pop3_poplib.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = tokio::process::Command::new("python3")
        .arg(script)
        .arg(gw.pop3.port().to_string())
        .arg(gw.pop3s.port().to_string())
        .arg(gw.imap.port().to_string())
        .arg(&gw.cert)
        .arg(PASSWORD)
        .output()
        .await
        .unwrap();
    crate::common::assert_script_ok(&out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_fetchmail_and_getmail_fetch_once_by_uidl() {
    let gw = TestGateway::start().await;
    let script = format!(
        "{}/tests/clients/pop3_fetchers.sh",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = tokio::process::Command::new("bash")
        .arg(script)
        .arg(gw.pop3.port().to_string())
        .arg(gw.pop3s.port().to_string())
        .arg(&gw.cert)
        .arg(crate::common::ALICE)
        .arg(PASSWORD)
        .output()
        .await
        .unwrap();
    crate::common::assert_script_ok(&out);
}
