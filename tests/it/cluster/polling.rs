//! Polling and IDLE across three instances on one PostgreSQL database:
//! one instance's poll reaches every instance's IDLE; a folder watched from
//! all three is polled by one, and another takes over when it stops; the
//! rounds that sessions ask for are shared; Graph's per-mailbox limits are
//! kept together.

use std::time::{Duration, Instant};

use graphgate::mailbox::MailSettings;

use super::instances::{append, mime, three};
use crate::common::gateway::{PASSWORD, TestGateway, test_settings};
use crate::common::imap_client::{Client, exists_of};
use crate::common::{ALICE, BOB, Tenant, endpoint_sum, pg, simple_mime};

/// Delta requests the tenant served so far.
async fn delta_requests(tenant: &Tenant) -> u64 {
    endpoint_sum(&tenant.stats().await, |k| k.contains("/messages/delta()"))
}

/// Read lines until `* n EXISTS` with n at least `want`, or time out.
async fn until_exists(c: &mut Client, want: u32, within: Duration) -> bool {
    tokio::time::timeout(within, async {
        loop {
            if exists_of(&c.line().await).is_some_and(|n| n >= want) {
                return;
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idle_on_every_instance_hears_of_mail_one_poller_found() {
    let url = pg::database().await;
    let tenant = Tenant::start().await;
    // Polling once a second, IDLE or not: one poller makes about six delta
    // rounds in six seconds, three would make eighteen.
    let period = Duration::from_secs(1);
    let settings = MailSettings {
        poll_interval: period,
        idle_poll_interval: period,
        ..test_settings()
    };
    let gws = three(&tenant, &url, settings).await;
    let mut clients = Vec::new();
    let mut first = 0;
    for gw in &gws {
        let mut c = Client::connect(gw.imap).await;
        c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
        first = c.run("SELECT INBOX").await.exists().expect("EXISTS");
        c.send("i IDLE").await;
        assert!(c.line().await.starts_with('+'));
        clients.push(c);
    }
    // Let the instances settle who polls, then count a quiet while.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let start = delta_requests(&tenant).await;
    let t = Instant::now();
    tokio::time::sleep(Duration::from_secs(6)).await;
    let polls = delta_requests(&tenant).await - start;
    let elapsed = t.elapsed().as_secs_f64();
    // One poller makes at most elapsed / period + 1 rounds (one more for
    // a round a lease change lets slip in); three make three times as many.
    let one_poller = (elapsed / period.as_secs_f64()).ceil() as u64 + 2;
    assert!(
        polls <= one_poller,
        "{polls} delta requests in {elapsed:.1} s: more than one poller's {one_poller}"
    );
    // Mail arrives: every instance's IDLE hears of it, the poller's through
    // its own round, the others' through the store's notification (within
    // the poll period and a second; the limit here leaves room for a loaded
    // machine, the figure is printed).
    tenant
        .deliver(ALICE, &simple_mime(BOB, ALICE, "to every instance", "hi"))
        .await;
    let delivered = Instant::now();
    for (i, c) in clients.iter_mut().enumerate() {
        assert!(
            until_exists(c, first + 1, Duration::from_secs(10)).await,
            "instance {i} never told its IDLE client"
        );
        eprintln!(
            "instance {i}: IDLE told of the delivery {:.2} s after it",
            delivered.elapsed().as_secs_f64()
        );
    }
    for c in &mut clients {
        c.send("DONE").await;
    }
    for gw in gws {
        gw.stop().await;
    }
    tenant.stop().await;
}

/// The folder names of LIST "" "*", quoted for a command.
async fn folders(c: &mut Client) -> Vec<String> {
    let answer = c.run("LIST \"\" \"*\"").await;
    assert!(answer.ok(), "LIST: {}", answer.text);
    answer
        .untagged
        .iter()
        .filter(|l| l.starts_with("* LIST ") && !l.contains("\\Noselect"))
        .filter_map(|l| {
            let name = l.rsplit_once(") \"/\" ")?.1.trim();
            Some(if name.starts_with('"') {
                name.to_string()
            } else {
                format!("\"{name}\"")
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_keep_together_to_graphs_four_requests_per_mailbox() {
    let url = pg::database().await;
    let tenant = Tenant::start().await;
    // Slow answers, so that requests overlap.
    tenant.set(serde_json::json!({"latency_ms": 150})).await;
    let gws = three(&tenant, &url, test_settings()).await;
    // Three sessions per instance, each asking STATUS of its own folders
    // over and over: every STATUS is a delta round of that folder, so an
    // instance on its own would send three requests at once and three
    // instances nine, over Graph's four.
    let mut sessions = Vec::new();
    for gw in &gws {
        for _ in 0..3 {
            let mut c = Client::connect(gw.imap).await;
            c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
            sessions.push(c);
        }
    }
    // Alice's own folders: every session uses her mailbox from the start
    // (a shared mailbox first used later is shared out later too).
    let names: Vec<String> = folders(&mut sessions[0])
        .await
        .into_iter()
        .filter(|n| !n.contains('@'))
        .collect();
    assert!(names.len() >= 3, "{names:?}");
    // `strict`: every STATUS must succeed (before the instances know of
    // each other, Graph may refuse some).
    let run = |sessions: Vec<Client>, for_how_long: Duration, strict: bool| {
        let names = names.clone();
        sessions
            .into_iter()
            .enumerate()
            .map(move |(k, mut c)| {
                let names = names.clone();
                tokio::spawn(async move {
                    let until = Instant::now() + for_how_long;
                    let mut i = k;
                    while Instant::now() < until {
                        let name = &names[i % names.len()];
                        let answer = c.run(&format!("STATUS {name} (MESSAGES)")).await;
                        assert!(!strict || answer.ok(), "STATUS {name}: {}", answer.text);
                        i += 3;
                    }
                    c
                })
            })
            .collect::<Vec<_>>()
    };
    // The instances learn of each other: each says every 2 s which
    // mailboxes it used, so after two rounds all know all. (Until then
    // they may go over; Graph's 429 and Retry-After are obeyed.)
    let mut back = Vec::new();
    for t in run(sessions, Duration::from_secs(11), false) {
        back.push(t.await.unwrap());
    }
    tenant
        .control_post("/_emulator/stats/reset", serde_json::json!({}))
        .await;
    let mut done = Vec::new();
    for t in run(back, Duration::from_secs(4), true) {
        done.push(t.await.unwrap());
    }
    let stats = tenant.stats().await;
    let requests = stats["requests"].as_u64().unwrap_or(0);
    assert!(requests > 10, "the load ran: {stats}");
    assert_eq!(
        stats["throttled_concurrency"].as_u64(),
        Some(0),
        "more than four requests at once for one mailbox: {stats}"
    );
    drop(done);
    for gw in gws {
        gw.stop().await;
    }
    tenant.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idle_everywhere_hears_every_delivery_while_sessions_sync_everywhere() {
    let url = pg::database().await;
    let tenant = Tenant::start().await;
    let settings = MailSettings {
        sync_fresh: Duration::from_millis(300),
        ..test_settings()
    };
    let gws = three(&tenant, &url, settings).await;
    let mut watchers = Vec::new();
    let mut first = 0;
    for gw in &gws {
        let mut c = Client::connect(gw.imap).await;
        c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
        first = c.run("SELECT INBOX").await.exists().expect("EXISTS");
        c.send("i IDLE").await;
        assert!(c.line().await.starts_with('+'));
        watchers.push(c);
    }
    // Busy sessions on every instance run delta rounds of their own and
    // change flags (writes of every instance, in the same folder).
    let until = Instant::now() + Duration::from_secs(8);
    let mut busy = Vec::new();
    for gw in &gws {
        let addr = gw.imap;
        busy.push(tokio::spawn(async move {
            let mut c = Client::connect(addr).await;
            c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
            let mut k = 0;
            while Instant::now() < until {
                k += 1;
                let sign = if k % 2 == 0 { '+' } else { '-' };
                c.run_ok("SELECT INBOX").await;
                c.run_ok(&format!("STORE 1:5 {sign}FLAGS.SILENT (\\Flagged)"))
                    .await;
                c.run_ok("NOOP").await;
            }
        }));
    }
    let n = 20;
    for i in 0..n {
        tenant
            .deliver(ALICE, &simple_mime(BOB, ALICE, &format!("burst {i}"), "hi"))
            .await;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    for (i, c) in watchers.iter_mut().enumerate() {
        assert!(
            until_exists(c, first + n, Duration::from_secs(15)).await,
            "instance {} did not tell its IDLE client of all {n} deliveries",
            i + 1
        );
    }
    for t in busy {
        t.await.unwrap();
    }
    for c in &mut watchers {
        c.send("DONE").await;
    }
    for gw in gws {
        gw.stop().await;
    }
    tenant.stop().await;
}

/// A client of `gw` in IDLE on alice's Inbox, and the EXISTS it started at.
async fn idling(gw: &TestGateway) -> (Client, u32) {
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    let first = c.run("SELECT INBOX").await.exists().expect("EXISTS");
    c.send("i IDLE").await;
    assert!(c.line().await.starts_with('+'));
    (c, first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_poll_moves_on_when_its_instance_stops_and_cut_listeners_come_back() {
    let url = pg::database().await;
    let tenant = Tenant::start().await;
    let period = Duration::from_secs(1);
    let settings = MailSettings {
        poll_interval: period,
        idle_poll_interval: period,
        ..test_settings()
    };
    let mut gws = three(&tenant, &url, settings).await;
    // Instance 1 watches first, so it takes the Inbox's poll lease.
    let (c1, _) = idling(&gws[0]).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (mut c2, first) = idling(&gws[1]).await;
    let (mut c3, _) = idling(&gws[2]).await;
    let mut db = pg::connect(&url).await;
    let holders: Vec<String> =
        sqlx::query_scalar("SELECT holder FROM mail_pollers WHERE mailbox = $1")
            .bind(ALICE)
            .fetch_all(&mut db)
            .await
            .unwrap();
    assert_eq!(holders.len(), 1, "one lease for the Inbox: {holders:?}");

    // Instance 1 stops without a word (its lease stays until it expires):
    // another instance takes the poll over, and both IDLE clients left
    // hear of new mail.
    drop(c1);
    gws.remove(0).stop().await;
    let stopped = Instant::now();
    tenant
        .deliver(
            ALICE,
            &simple_mime(BOB, ALICE, "after the poller left", "hi"),
        )
        .await;
    for (i, c) in [&mut c2, &mut c3].into_iter().enumerate() {
        assert!(
            until_exists(c, first + 1, Duration::from_secs(20)).await,
            "instance {} never told its IDLE client once the poller stopped",
            i + 2
        );
    }
    eprintln!(
        "the poll moved on: IDLE told {:.1} s after the poller stopped",
        stopped.elapsed().as_secs_f64()
    );
    let holder: String = sqlx::query_scalar("SELECT holder FROM mail_pollers WHERE mailbox = $1")
        .bind(ALICE)
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_ne!(holder, holders[0], "another instance holds the lease");

    // The listening connections are cut (as by a database restart): the
    // instances listen again (catching up with what they missed), and a
    // change made through one instance (an APPEND) still reaches the
    // other's IDLE, whether by its notification or by the catch-up.
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert!(!cut.is_empty(), "the instances listen");
    let mut writer = Client::connect(gws[0].imap).await;
    writer.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    writer.run_ok("SELECT INBOX").await;
    append(&mut writer, "w", &mime("while-nobody-listened")).await;
    assert!(
        until_exists(&mut c3, first + 2, Duration::from_secs(20)).await,
        "the other instance never caught up after its listener was cut"
    );
    for c in [&mut c2, &mut c3] {
        c.send("DONE").await;
    }
    for gw in gws {
        gw.stop().await;
    }
    tenant.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn selects_on_three_instances_share_one_delta_round_per_fresh_period() {
    let url = pg::database().await;
    let tenant = Tenant::start().await;
    let fresh = Duration::from_secs(1);
    // The poller stays away (a minute between polls): every round here is
    // one a SELECT or NOOP asked for.
    let settings = MailSettings {
        sync_fresh: fresh,
        poll_interval: Duration::from_secs(60),
        idle_poll_interval: Duration::from_secs(60),
        ..test_settings()
    };
    let gws = three(&tenant, &url, settings).await;
    let mut sessions = Vec::new();
    for gw in &gws {
        let mut c = Client::connect(gw.imap).await;
        c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
        c.run_ok("SELECT INBOX").await;
        sessions.push(c);
    }
    let start = delta_requests(&tenant).await;
    let t = Instant::now();
    let until = t + Duration::from_secs(6);
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|mut c| {
            tokio::spawn(async move {
                while Instant::now() < until {
                    c.run_ok("SELECT INBOX").await;
                    c.run_ok("NOOP").await;
                }
                c
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let rounds = delta_requests(&tenant).await - start;
    let elapsed = t.elapsed().as_secs_f64();
    // About one round per fresh period for the cluster (a round that
    // started just before a period ended and the first of the next may
    // both count), not one per instance: three instances that do not
    // share make about three per period.
    let periods = (elapsed / fresh.as_secs_f64()).ceil() as u64;
    eprintln!("{rounds} delta requests in {elapsed:.1} s");
    assert!(
        rounds <= 2 * periods,
        "{rounds} delta requests in {elapsed:.1} s: instances repeat each other's rounds"
    );
    for gw in gws {
        gw.stop().await;
    }
    tenant.stop().await;
}
