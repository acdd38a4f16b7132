//! Several sessions on one folder, as real clients use it (Thunderbird's
//! five connections, a phone, practice software): RFC 3501 and RFC 2180
//! semantics on the raw wire, and a bounded stress run of random commands
//! in which every session's view is tracked and checked.

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_see_recent_keywords_and_expunges_as_rfc_3501_and_2180_say() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_semantics.py", &[ALICE, PASSWORD]).await;
    assert!(out.contains("OK"), "{out}");
    gw.stop().await;
}

/// The short version of the stress test (the README gives the long one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_clients_on_one_folder_never_see_a_protocol_error_or_a_wrong_view() {
    let gw = TestGateway::start().await;
    let out = gw
        .python(
            "imap_stress.py",
            &[ALICE, PASSWORD, "--clients", "4", "--seconds", "8"],
        )
        .await;
    let counts: serde_json::Value =
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    // It did real work: every kind of command ran many times.
    assert!(counts["commands"].as_u64().unwrap_or(0) > 200, "{counts}");
    assert!(counts["appends"].as_u64().unwrap_or(0) > 10, "{counts}");
    assert!(counts["idle"].as_u64().unwrap_or(0) > 5, "{counts}");
    gw.stop().await;
}
