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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vdirsyncer_syncs_a_calendar_both_ways() {
    let gw = TestGateway::start().await;
    let script = format!(
        "{}/tests/clients/dav_vdirsyncer.sh",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = tokio::process::Command::new("bash")
        .arg(script)
        .arg(gw.dav.port().to_string())
        .arg(gw.davs.port().to_string())
        .arg(&gw.cert)
        .arg(PASSWORD)
        .arg(ALICE)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
