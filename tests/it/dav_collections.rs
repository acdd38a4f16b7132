//! Collections made, changed and deleted by CalDAV and CardDAV clients
//! (MKCALENDAR, extended MKCOL, PROPPATCH, DELETE), checked in the
//! emulated tenant too.

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::{ALICE, BOB, SALES};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_make_rename_and_delete_calendars_task_lists_and_address_books() {
    let gw = TestGateway::start().await;
    let out = gw
        .python("dav_collections.py", &[PASSWORD, ALICE, BOB, SALES])
        .await;
    assert!(out.contains("OK"), "{out}");
}

/// caldav-server-tester 1.7.0 probes MKCALENDAR, events and tasks, search
/// and sync from a real client library; the features graphgate supports
/// must come out "full" (about 10 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caldav_server_tester_finds_the_features_graphgate_supports() {
    let gw = TestGateway::start().await;
    let out = gw
        .python("dav_collections_conformance.py", &[PASSWORD, ALICE])
        .await;
    assert!(out.contains("OK"), "{out}");
}
