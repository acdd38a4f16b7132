//! Three gateway instances (each its own store pool, engines and memory) on
//! one PostgreSQL database and one tenant: UIDs are given in the database,
//! so every instance shows the same UID for the same message; one instance's
//! poll reaches another's IDLE; and a folder watched from all three is
//! polled by one of them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::common::gateway::{PASSWORD, TestGateway, test_settings};
use crate::common::imap_client::{Client, exists_of};
use crate::common::{ALICE, BOB, Tenant, pg, simple_mime};
use graphgate::mailbox::MailSettings;

async fn three(tenant: &Tenant, url: &str, settings: MailSettings) -> Vec<TestGateway> {
    let mut out = Vec::new();
    // One after the other: the first adds the test accounts for all.
    for _ in 0..3 {
        out.push(TestGateway::start_instance(tenant, settings.clone(), url).await);
    }
    out
}

/// `APPEND INBOX` of `mime` with a non-synchronising literal; the tagged
/// OK's text.
pub(super) async fn append(c: &mut Client, tag: &str, mime: &str) -> String {
    c.send(&format!("{tag} APPEND INBOX {{{}+}}", mime.len()))
        .await;
    // The literal (`send` adds its closing CRLF), then the command's end.
    c.send(mime.trim_end_matches("\r\n")).await;
    c.send("").await;
    loop {
        let line = c.line().await;
        if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
            assert!(rest.starts_with("OK"), "APPEND: {line}");
            return rest.to_string();
        }
    }
}

/// UID → Message-ID of alice's Inbox as one instance shows it.
async fn uids(gw: &TestGateway) -> BTreeMap<u64, String> {
    let v = gw.uids(ALICE, "INBOX").await;
    v["uids"]
        .as_object()
        .expect("uids")
        .iter()
        .map(|(k, v)| (k.parse().unwrap(), v.as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_through_three_instances_get_one_uid_each() {
    let url = pg::database().await;
    let tenant = Tenant::start().await;
    let gws = three(&tenant, &url, test_settings()).await;
    let before = uids(&gws[0]).await;
    // Two clients per instance, ten APPENDs each, all at once.
    let mut tasks = Vec::new();
    for (i, gw) in gws.iter().enumerate() {
        for j in 0..2 {
            let addr = gw.imap;
            tasks.push(tokio::spawn(async move {
                let mut c = Client::connect(addr).await;
                c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
                c.run_ok("SELECT INBOX").await;
                for k in 0..10 {
                    let mime = format!(
                        "From: {BOB}\r\nTo: {ALICE}\r\nSubject: cluster {i}-{j}-{k}\r\n\
                         Message-ID: <cluster-{i}-{j}-{k}@contoso.test>\r\n\r\nhello\r\n"
                    );
                    append(&mut c, &format!("a{k}"), &mime).await;
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let views = [
        uids(&gws[0]).await,
        uids(&gws[1]).await,
        uids(&gws[2]).await,
    ];
    assert_eq!(views[0], views[1], "instances 1 and 2 disagree");
    assert_eq!(views[0], views[2], "instances 1 and 3 disagree");
    let view = &views[0];
    assert_eq!(view.len(), before.len() + 60, "{view:?}");
    let ids: BTreeSet<&String> = view.values().collect();
    assert_eq!(ids.len(), view.len(), "a message under two UIDs: {view:?}");
    for i in 0..3 {
        for j in 0..2 {
            for k in 0..10 {
                let id = format!("<cluster-{i}-{j}-{k}@contoso.test>");
                assert!(view.values().any(|v| v.contains(&id)), "{id} missing");
            }
        }
    }
    // The old messages kept their UIDs.
    for (uid, id) in &before {
        assert_eq!(view.get(uid), Some(id));
    }
    for gw in gws {
        gw.stop().await;
    }
    tenant.stop().await;
}

/// UID → Message-ID of the selected folder as session `c` sees it now (a
/// NOOP first, to hear what changed), from ENVELOPE.
pub(super) async fn session_view(c: &mut Client) -> BTreeMap<u64, String> {
    c.run_ok("NOOP").await;
    let answer = c.run("UID FETCH 1:* (UID ENVELOPE)").await;
    assert!(answer.ok(), "UID FETCH: {}", answer.text);
    answer
        .untagged
        .iter()
        .filter(|l| l.contains(" FETCH "))
        .map(|l| {
            let uid = l
                .split("UID ")
                .nth(1)
                .and_then(|r| r.split([' ', ')']).next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no UID in {l}"));
            let id = l
                .rfind('<')
                .and_then(|open| l[open..].find('>').map(|close| &l[open..=open + close]))
                .unwrap_or_else(|| panic!("no Message-ID in {l}"));
            (uid, id.to_string())
        })
        .collect()
}

pub(super) fn mime(tag: &str) -> String {
    format!(
        "From: {BOB}\r\nTo: {ALICE}\r\nSubject: {tag}\r\n\
         Message-ID: <{tag}@contoso.test>\r\n\r\nhello\r\n"
    )
}

/// The UID of the message with Message-ID `<tag@contoso.test>` in `view`.
pub(super) fn uid_of(view: &BTreeMap<u64, String>, tag: &str) -> u64 {
    let id = format!("<{tag}@contoso.test>");
    *view
        .iter()
        .find(|(_, v)| v.contains(&id))
        .unwrap_or_else(|| panic!("{id} not in {view:?}"))
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn append_move_and_expunge_on_three_instances_agree() {
    let url = pg::database().await;
    let tenant = Tenant::start().await;
    let gws = three(&tenant, &url, test_settings()).await;
    // Thirty messages to work on, appended through instance 1.
    let mut setup = Client::connect(gws[0].imap).await;
    setup.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    setup.run_ok("CREATE Kept").await;
    setup.run_ok("SELECT INBOX").await;
    for n in 0..30 {
        append(&mut setup, &format!("s{n}"), &mime(&format!("seed-{n}"))).await;
    }
    let before = uids(&gws[0]).await;
    // One session per instance, all at once: instance 1 appends ten,
    // instance 2 moves seed 0-9 to Kept, instance 3 expunges seed 10-19.
    let mut sessions = Vec::new();
    for gw in &gws {
        let mut c = Client::connect(gw.imap).await;
        c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
        c.run_ok("SELECT INBOX").await;
        sessions.push(c);
    }
    let moves: Vec<u64> = (0..10)
        .map(|n| uid_of(&before, &format!("seed-{n}")))
        .collect();
    let expunges: Vec<u64> = (10..20)
        .map(|n| uid_of(&before, &format!("seed-{n}")))
        .collect();
    let mut it = sessions.into_iter();
    let (mut a, mut b, mut c) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    let appending = tokio::spawn(async move {
        for n in 0..10 {
            append(&mut a, &format!("n{n}"), &mime(&format!("new-{n}"))).await;
        }
        a
    });
    let moving = tokio::spawn(async move {
        for uid in moves {
            b.run_ok(&format!("UID MOVE {uid} Kept")).await;
        }
        b
    });
    let expunging = tokio::spawn(async move {
        for uid in expunges {
            c.run_ok(&format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)"))
                .await;
            c.run_ok(&format!("UID EXPUNGE {uid}")).await;
        }
        c
    });
    let mut sessions = [
        appending.await.unwrap(),
        moving.await.unwrap(),
        expunging.await.unwrap(),
    ];
    // Fresh sessions on every instance see one Inbox: seed 20-29 under
    // their old UIDs, the ten new ones under new UIDs, nothing else.
    let views = [
        uids(&gws[0]).await,
        uids(&gws[1]).await,
        uids(&gws[2]).await,
    ];
    assert_eq!(views[0], views[1], "instances 1 and 2 disagree");
    assert_eq!(views[0], views[2], "instances 1 and 3 disagree");
    let inbox = &views[0];
    let old_max = *before.keys().max().unwrap();
    for n in 20..30 {
        let tag = format!("seed-{n}");
        assert_eq!(
            uid_of(inbox, &tag),
            uid_of(&before, &tag),
            "{tag} changed UID"
        );
    }
    for n in 0..10 {
        assert!(uid_of(inbox, &format!("new-{n}")) > old_max);
    }
    for n in 0..20 {
        let id = format!("<seed-{n}@contoso.test>");
        assert!(
            !inbox.values().any(|v| v.contains(&id)),
            "{id} still in the Inbox"
        );
    }
    let ids: BTreeSet<&String> = inbox.values().collect();
    assert_eq!(
        ids.len(),
        inbox.len(),
        "a message under two UIDs: {inbox:?}"
    );
    assert_eq!(inbox.len(), before.len() - 20 + 10, "{inbox:?}");
    // The sessions that did the work, each on its own instance, see the
    // same (the numbers they were told of, the UIDs everyone gives).
    for (i, s) in sessions.iter_mut().enumerate() {
        let seen: BTreeMap<u64, String> = session_view(s).await;
        let expected: BTreeMap<u64, String> = inbox
            .iter()
            .map(|(uid, v)| {
                (
                    *uid,
                    v.trim().trim_start_matches("Message-ID: ").to_string(),
                )
            })
            .collect();
        assert_eq!(seen, expected, "session on instance {} differs", i + 1);
    }
    // Kept holds the ten moved ones, under one UID each, on every instance.
    let kept = [
        gws[0].uids(ALICE, "Kept").await,
        gws[1].uids(ALICE, "Kept").await,
        gws[2].uids(ALICE, "Kept").await,
    ];
    assert_eq!(kept[0]["uids"], kept[1]["uids"]);
    assert_eq!(kept[0]["uids"], kept[2]["uids"]);
    let kept = kept[0]["uids"].as_object().unwrap();
    assert_eq!(kept.len(), 10, "{kept:?}");
    for n in 0..10 {
        let id = format!("<seed-{n}@contoso.test>");
        assert!(
            kept.values().any(|v| v.as_str().unwrap().contains(&id)),
            "{id} not in Kept"
        );
    }
    for gw in gws {
        gw.stop().await;
    }
    tenant.stop().await;
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
    let delta = |stats: &serde_json::Value| {
        stats["by_endpoint"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| k.contains("/messages/delta()"))
                    .map(|(_, v)| v.as_u64().unwrap_or(0))
                    .sum::<u64>()
            })
            .unwrap_or(0)
    };
    let start = delta(&tenant.stats().await);
    let t = Instant::now();
    tokio::time::sleep(Duration::from_secs(6)).await;
    let polls = delta(&tenant.stats().await) - start;
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
    let delta = |stats: &serde_json::Value| {
        stats["by_endpoint"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| k.contains("/messages/delta()"))
                    .map(|(_, v)| v.as_u64().unwrap_or(0))
                    .sum::<u64>()
            })
            .unwrap_or(0)
    };
    let start = delta(&tenant.stats().await);
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
    let rounds = delta(&tenant.stats().await) - start;
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
