//! CalDAV and CardDAV from outside: discovery, collections and rights with
//! Python's requests against the DAV front on both listeners.

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::{ALICE, BOB, SALES};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_find_principal_homes_and_collections_with_their_rights() {
    let gw = TestGateway::start().await;
    let out = gw
        .python("dav_discovery.py", &[PASSWORD, ALICE, BOB, SALES])
        .await;
    assert!(out.contains("OK"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_caldav_reads_writes_and_syncs_series_with_exceptions() {
    let gw = TestGateway::start().await;
    let out = gw
        .python("dav_events.py", &[PASSWORD, ALICE, BOB, SALES])
        .await;
    assert!(out.contains("OK"), "{out}");
}
