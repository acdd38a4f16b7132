//! UTF8=ACCEPT (RFC 6855) through Python's imaplib, which turns to UTF-8
//! mailbox names once it is enabled, next to a session that did not enable
//! it; APPEND with the UTF8 data extension on a raw socket.

use crate::common::ALICE;
use crate::common::gateway::{PASSWORD, TestGateway};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf8_names_travel_as_utf8_once_enabled() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_utf8.py", &[ALICE, PASSWORD]).await;
    assert!(out.contains("utf8 ok"), "{out}");
    gw.stop().await;
}
