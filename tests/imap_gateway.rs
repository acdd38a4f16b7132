//! The IMAP front over the real mail engine and Graph client, against the
//! emulated tenant, driven by real clients (Python's imaplib) and checked
//! in the tenant itself.

mod common;

use common::gateway::{PASSWORD, TestGateway};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imaplib_session_covers_the_everyday_commands() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_session.py", &[ALICE, PASSWORD]).await;
    assert!(out.contains("OK"), "{out}");
    // The moved message is in Deleted Items at Microsoft, with its MIME.
    let trash = gw.tenant.mailbox(ALICE, "deleteditems").await;
    assert!(
        trash.iter().any(|m| m["subject"] == "appended with care"),
        "{trash:?}"
    );
    gw.stop().await;
}
