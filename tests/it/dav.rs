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
    crate::common::assert_script_ok(&out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_grant_ends_access_at_the_next_request_and_is_audited() {
    let gw = TestGateway::start().await;
    let http = reqwest::Client::new();
    let url = format!("http://{}/dav/calendars/{ALICE}/{SALES}-calendar/", gw.dav);
    let propfind = |http: &reqwest::Client| {
        http.request(reqwest::Method::from_bytes(b"PROPFIND").unwrap(), &url)
            .basic_auth(ALICE, Some(PASSWORD))
            .header("Depth", "0")
            .send()
    };
    let before = propfind(&http).await.unwrap();
    assert_eq!(before.status().as_u16(), 207);
    // A write into the shared mailbox's calendar is audited as a use of it.
    let event = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//graphgate tests//EN\r\n\
                 BEGIN:VEVENT\r\nUID:audited-put@example.com\r\nDTSTAMP:20261201T000000Z\r\n\
                 DTSTART:20261211T090000Z\r\nDTEND:20261211T100000Z\r\nSUMMARY:Audited\r\n\
                 END:VEVENT\r\nEND:VCALENDAR\r\n";
    let put = http
        .put(format!("{url}audited.ics"))
        .basic_auth(ALICE, Some(PASSWORD))
        .header("Content-Type", "text/calendar")
        .body(event)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 201);
    gw.mail.set_policy(graphgate::policy::Policy::new(vec![]));
    let after = propfind(&http).await.unwrap();
    assert_eq!(after.status().as_u16(), 403);
    let body = after.text().await.unwrap();
    assert!(
        body.contains("need-privileges") && body.contains(SALES),
        "{body}"
    );
    let log_path = gw.dir.path().join("audit.log");
    let mut log = String::new();
    for _ in 0..50 {
        log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if log.contains("\"dav\"") && log.contains("\"dav-put\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        log.lines().any(|l| l.contains("\"dav\"")
            && l.contains(SALES)
            && l.contains(ALICE)
            && l.contains("refused")),
        "{log}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("\"dav-put\"") && l.contains(SALES) && l.contains("audited.ics")),
        "{log}"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_and_tasks_both_ways_with_sync_after_a_change_in_the_tenant() {
    let gw = TestGateway::start().await;
    let out = gw
        .python("dav_cards.py", &[PASSWORD, ALICE, BOB, SALES])
        .await;
    assert!(out.contains("OK"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_sees_the_exact_xml_and_graphs_410_and_412_are_lived_through() {
    let gw = TestGateway::start().await;
    let script = format!("{}/tests/clients/dav_curl.sh", env!("CARGO_MANIFEST_DIR"));
    let out = tokio::process::Command::new("bash")
        .arg(script)
        .arg(gw.dav.port().to_string())
        .arg(PASSWORD)
        .arg(ALICE)
        .arg(&gw.tenant.base)
        .output()
        .await
        .unwrap();
    crate::common::assert_script_ok(&out);
}
