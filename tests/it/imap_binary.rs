//! BINARY (RFC 3516) through a raw-socket client that checks the exact
//! bytes: APPEND with literal8, decoded parts, literal8 for NUL, sizes,
//! partials, NIL and NO [UNKNOWN-CTE].

use crate::common::ALICE;
use crate::common::gateway::{PASSWORD, TestGateway};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_parts_come_decoded_and_literal8_carries_nul() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_binary.py", &[ALICE, PASSWORD]).await;
    assert!(out.contains("OK binary"), "{out}");
    gw.stop().await;
}
