//! What an IMAP compliance tester (and Dovecot's behaviour) asks of the
//! IMAP front, through Python's imaplib and raw sockets against the emulated
//! tenant: names that are not modified UTF-7, LIST patterns of atom
//! characters, 64 KiB command lines, UIDVALIDITY of re-created folders,
//! COPY and MOVE into the selected folder, SEARCH by address.

use crate::common::gateway::{PASSWORD, TestGateway, test_settings};
use crate::common::*;

/// What the `mode` of the client printed (it fails the test if it fails).
async fn client(gw: &TestGateway, mode: &str) -> String {
    gw.python("imap_compliance.py", &[ALICE, PASSWORD, mode])
        .await
}

/// Run `mode` of the client, which prints OK when every check passed.
async fn passes(gw: TestGateway, mode: &str) {
    let out = client(&gw, mode).await;
    assert!(out.contains("OK"), "{out}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_are_not_modified_utf7_get_no_and_any_list_pattern_ok() {
    passes(TestGateway::start().await, "names").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_lines_of_64_kib_work_before_and_after_login() {
    passes(TestGateway::start().await, "lines").await;
}

/// The UIDVALIDITYs one run of the `uidvalidity` client saw.
async fn recreated(gw: &TestGateway) -> serde_json::Value {
    let out = client(gw, "uidvalidity").await;
    serde_json::from_str(out.trim()).expect("JSON from the uidvalidity client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_created_again_gets_a_larger_uidvalidity_also_after_a_restart() {
    let gw = TestGateway::start().await;
    let first = recreated(&gw).await;
    let gw = gw.restart().await;
    let second = recreated(&gw).await;
    let mut all: Vec<u64> = Vec::new();
    for round in [&first, &second] {
        let created: Vec<u64> = round["created"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        // RENAME keeps it.
        assert_eq!(
            round["renamed"].as_u64(),
            created.last().copied(),
            "{round}"
        );
        all.extend(created);
    }
    assert!(
        all.windows(2).all(|w| w[0] < w[1]),
        "each creation larger than every one before, across a restart: {all:?}"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_and_move_into_the_selected_folder_give_new_uids() {
    let gw = TestGateway::start().await;
    let out = client(&gw, "self").await;
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON");
    let subject = v["subject"].as_str().unwrap();
    // At Microsoft: the two copies in the Inbox, nothing in Deleted Items.
    let inbox = gw.tenant.mailbox(ALICE, "inbox").await;
    let copies = inbox.iter().filter(|m| m["subject"] == subject).count();
    assert_eq!(copies, 2, "{inbox:?}");
    let trash = gw.tenant.mailbox(ALICE, "deleteditems").await;
    assert!(
        !trash.iter().any(|m| m["subject"] == subject),
        "a MOVE into the same folder leaves nothing in Deleted Items"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_by_address_matches_normalised_addresses_and_names() {
    passes(TestGateway::start().await, "search").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_by_address_is_the_same_from_graphs_headers() {
    use graphgate::config::SizeMode;
    let settings = graphgate::mailbox::MailSettings {
        size_mode: SizeMode::Estimate,
        ..test_settings()
    };
    passes(TestGateway::start_with(settings).await, "search").await;
}
