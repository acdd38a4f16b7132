//! Three `graphgate serve` processes on one PostgreSQL database; one is
//! killed with SIGKILL while its client APPENDs and while mail arrives
//! (polls and delta rounds run), the others go on, the killed one is
//! started again and rejoins. In the end every instance shows the same
//! UIDs for the same messages, each message of the tenant's Inbox once,
//! and every UID an APPEND was acknowledged with still names its message.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::instances::{append, mime, session_view};
use crate::common::imap_client::Client;
use crate::common::{ALICE, BOB, Tenant, simple_mime};
use crate::postgres::serve::{Deployment, deployment, serve};

/// (Message-ID, UID) of each acknowledged APPEND.
type Acked = Arc<Mutex<Vec<(String, u64)>>>;

/// The UID of `[APPENDUID v uid]` in a tagged OK.
fn appenduid(ok: &str) -> u64 {
    ok.split("[APPENDUID ")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .and_then(|r| r.split(' ').nth(1))
        .and_then(|u| u.parse().ok())
        .unwrap_or_else(|| panic!("no APPENDUID in {ok}"))
}

/// A client of `addr` appending `<label>-0` … `<label>-(n-1)` one after
/// the other, recording each acknowledged one; it panics (ending its task)
/// when the server goes away.
fn appender(
    addr: SocketAddr,
    password: String,
    label: &'static str,
    n: usize,
    acked: Acked,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut c = Client::connect(addr).await;
        c.run_ok(&format!("LOGIN {ALICE} \"{password}\"")).await;
        c.run_ok("SELECT INBOX").await;
        for i in 0..n {
            let tag = format!("{label}-{i}");
            let ok = append(&mut c, &format!("a{i}"), &mime(&tag)).await;
            acked
                .lock()
                .push((format!("<{tag}@contoso.test>"), appenduid(&ok)));
        }
        c.run_ok("LOGOUT").await;
    })
}

/// UID → Message-ID of alice's Inbox through a new session on `addr`.
async fn inbox(addr: SocketAddr, password: &str) -> BTreeMap<u64, String> {
    let mut c = Client::connect(addr).await;
    c.run_ok(&format!("LOGIN {ALICE} \"{password}\"")).await;
    c.run_ok("SELECT INBOX").await;
    let view = session_view(&mut c).await;
    c.run_ok("LOGOUT").await;
    view
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_killed_mid_append_loses_and_duplicates_nothing() {
    let Deployment {
        tenant,
        dir: _dir,
        config,
        password,
        ..
    } = deployment().await;
    let (mut a, a_addr) = serve(&config).await;
    let (mut b, b_addr) = serve(&config).await;
    let (mut c, c_addr) = serve(&config).await;
    let before = inbox(a_addr, &password).await;

    let acked: Acked = Arc::default();
    let on_a = appender(a_addr, password.clone(), "on-a", 20, acked.clone());
    let on_c = appender(c_addr, password.clone(), "on-c", 20, acked.clone());
    let on_b = appender(b_addr, password.clone(), "on-b", 40, acked.clone());
    // Mail arrives meanwhile: the pollers' delta rounds write too.
    let deliveries = {
        let tenant = Tenant {
            running: None,
            base: tenant.base.clone(),
            http: tenant.http.clone(),
        };
        tokio::spawn(async move {
            for i in 0..10 {
                let mime = simple_mime(BOB, ALICE, &format!("arrived-{i}"), "hi");
                tenant.deliver(ALICE, &mime).await;
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
        })
    };
    // B dies with APPENDs in flight, five acknowledged.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked
        .lock()
        .iter()
        .filter(|(id, _)| id.contains("on-b-"))
        .count()
        < 5
    {
        assert!(Instant::now() < deadline, "instance B never appended");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    b.kill().await.unwrap();
    assert!(on_b.await.is_err(), "B's client saw its server go away");
    let (mut b, b_addr) = serve(&config).await;
    let again = appender(b_addr, password.clone(), "on-b-again", 10, acked.clone());
    for task in [on_a, on_c, again, deliveries] {
        task.await.expect("the surviving instances go on");
    }

    // Graph's Inbox, each message once: the views converge on it.
    let graph: BTreeSet<String> = tenant
        .mailbox(ALICE, "inbox")
        .await
        .iter()
        .filter_map(|m| m["internetMessageId"].as_str().map(str::to_string))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    let views = loop {
        let views = [
            inbox(a_addr, &password).await,
            inbox(b_addr, &password).await,
            inbox(c_addr, &password).await,
        ];
        let ids: BTreeSet<String> = views[0].values().cloned().collect();
        if (views[0] == views[1] && views[0] == views[2] && ids == graph)
            || Instant::now() > deadline
        {
            break views;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(views[0], views[1], "instances A and B disagree");
    assert_eq!(views[0], views[2], "instances A and C disagree");
    let view = &views[0];
    let ids: BTreeSet<String> = view.values().cloned().collect();
    assert_eq!(ids.len(), view.len(), "a message under two UIDs: {view:?}");
    assert_eq!(ids, graph, "the Inbox as Graph has it, each message once");
    for (uid, id) in &before {
        assert_eq!(view.get(uid), Some(id), "an old message changed UID");
    }
    let acked = acked.lock().clone();
    assert!(
        acked.len() >= 20 + 20 + 5 + 10,
        "{} acknowledged",
        acked.len()
    );
    for (id, uid) in &acked {
        assert_eq!(
            view.get(uid),
            Some(id),
            "APPENDUID {uid} no longer names {id}"
        );
    }
    for child in [&mut a, &mut b, &mut c] {
        child.kill().await.ok();
    }
    tenant.stop().await;
}
