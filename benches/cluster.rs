//! One instance against three on one PostgreSQL database, same workload.
//!
//! Clients spread round-robin over the instances: WORKERS short sessions at
//! a time (LOGIN, SELECT INBOX, FETCH FLAGS, a BODY.PEEK[] of a random
//! message, STORE \Flagged on five, NOOP, LOGOUT, over and over) and
//! WATCHERS sessions in IDLE (logged in before the clock starts), as alice and bob, while a message is
//! delivered to one of them every DELIVER_MS. The emulated tenant adds
//! LATENCY_MS per Graph operation and applies Graph's per-mailbox limits.
//!
//! Reported per run: IMAP sessions served and commands done, the IDLE
//! notifications (EXISTS) the watchers got, the Graph requests the tenant
//! counted (delta rounds apart), and those as a ratio to a lower bound
//! measured in the same run: every STORE and every message read costs a
//! request whatever the number of instances (writes + MIME downloads). The
//! last line compares the two runs: sessions served, Graph requests per
//! session, and the requests beyond the bound (reading state), with three
//! instances against one. Each instance keeps its own MIME cache, so three
//! download a message up to three times (in the bound); state reads are
//! what sharing the poller and the delta rounds saves.
//! Run: `cargo bench --bench cluster` (needs PostgreSQL: `tests/setup`
//! installs it; GRAPHGATE_TEST_POSTGRES names a server to use instead).
//! WORKERS, WATCHERS, DURATION_S, LATENCY_MS, DELIVER_MS change the run.

#[path = "../tests/it/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::gateway::{PASSWORD, TestGateway};
use common::imap_client::{Client, exists_of};
use common::{ALICE, BOB, Tenant, endpoint_sum, pg, simple_mime, test_config};
use graphgate::mailbox::MailSettings;
use graphgate_emulator::EmulatorConfig;
use serde_json::json;

const USERS: [&str; 2] = [ALICE, BOB];

#[derive(Default)]
struct Tally {
    sessions: AtomicU64,
    commands: AtomicU64,
    refused: AtomicU64,
    told: AtomicU64,
    /// The first refusal, for the report.
    refusal: parking_lot::Mutex<Option<String>>,
}

/// Short sessions on `addr` as `user` until `until`.
async fn worker(
    addr: std::net::SocketAddr,
    user: &str,
    base: u32,
    until: Instant,
    tally: Arc<Tally>,
) {
    while Instant::now() < until {
        let mut c = Client::connect(addr).await;
        let pick = 1 + rand::random_range(0..base);
        let range = 1 + rand::random_range(0..base.saturating_sub(4).max(1));
        let commands = [
            format!("LOGIN {user} {PASSWORD}"),
            "SELECT INBOX".to_string(),
            "FETCH 1:* (UID FLAGS)".to_string(),
            format!("FETCH {pick} (BODY.PEEK[])"),
            format!(
                "STORE {range}:{} +FLAGS.SILENT (\\Flagged)",
                (range + 4).min(base)
            ),
            "NOOP".to_string(),
            "LOGOUT".to_string(),
        ];
        for command in commands {
            let answer = c.run(&command).await;
            tally.commands.fetch_add(1, Ordering::Relaxed);
            if !answer.ok() {
                tally.refused.fetch_add(1, Ordering::Relaxed);
                tally
                    .refusal
                    .lock()
                    .get_or_insert_with(|| format!("{command}: {} {}", answer.status, answer.text));
            }
        }
        tally.sessions.fetch_add(1, Ordering::Relaxed);
    }
}

/// A session in IDLE on `addr` as `user`, logged in before the clock starts.
async fn idle(addr: std::net::SocketAddr, user: &str) -> (Client, u32) {
    let mut c = Client::connect(addr).await;
    c.run_ok(&format!("LOGIN {user} {PASSWORD}")).await;
    let first = c.run("SELECT INBOX").await.exists().unwrap_or(0);
    c.send("i IDLE").await;
    assert!(c.line().await.starts_with('+'));
    (c, first)
}

/// Count the messages IDLE tells of until `until`.
async fn watcher(mut c: Client, first: u32, until: Instant, tally: Arc<Tally>) {
    // One EXISTS may announce several messages.
    let mut last = first;
    while let Ok(line) = tokio::time::timeout_at(until.into(), c.line()).await {
        last = exists_of(&line).map_or(last, |n| n.max(last));
    }
    tally
        .told
        .fetch_add(u64::from(last - first), Ordering::Relaxed);
    c.send("DONE").await;
    tally.sessions.fetch_add(1, Ordering::Relaxed);
}

struct Outcome {
    sessions: u64,
    requests: u64,
    /// Graph requests beyond the bound: reading state (delta rounds,
    /// folder lists).
    above: u64,
}

async fn run(instances: usize) -> Outcome {
    let env = common::env_or;
    let (workers, watchers) = (env("WORKERS", 12) as usize, env("WATCHERS", 6) as usize);
    let duration = Duration::from_secs(env("DURATION_S", 20));
    let deliver_every = Duration::from_millis(env("DELIVER_MS", 500));
    let mut config = EmulatorConfig {
        seed_messages: 100,
        skip_large_seed: true,
        ..test_config()
    };
    config.settings.latency_ms = env("LATENCY_MS", 20);
    let tenant = Tenant::start_with(config).await;
    let url = pg::database().await;
    let mut gws = Vec::new();
    for _ in 0..instances {
        gws.push(TestGateway::start_instance(&tenant, MailSettings::default(), &url).await);
    }
    let mut base = Vec::new();
    for user in USERS {
        // Seeded Inboxes differ in size; workers pick messages that exist.
        let n = tenant.mailbox(user, "inbox").await.len() as u32;
        assert!(n >= 1, "{user} has an empty Inbox");
        base.push(n);
    }
    let mut idling = Vec::new();
    for i in 0..watchers {
        idling.push(idle(gws[i % instances].imap, USERS[i % 2]).await);
    }
    tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let until = started + duration;
    let mut tasks = Vec::new();
    for (c, first) in idling {
        tasks.push(tokio::spawn(watcher(c, first, until, tally.clone())));
    }
    for i in 0..workers {
        let addr = gws[i % instances].imap;
        tasks.push(tokio::spawn(worker(
            addr,
            USERS[i % 2],
            base[i % 2],
            until,
            tally.clone(),
        )));
    }
    let mut delivered = 0u64;
    // 429s in the first seconds, while the instances learn of each other.
    let mut early_429 = None;
    // The last delivery leaves IDLE time to tell it (poll and a margin).
    while Instant::now() + deliver_every + Duration::from_secs(4) < until {
        tokio::time::sleep(deliver_every).await;
        let user = USERS[delivered as usize % 2];
        tenant
            .deliver(
                user,
                &simple_mime(BOB, user, &format!("cluster bench {delivered}"), "hi"),
            )
            .await;
        delivered += 1;
        if early_429.is_none() && started.elapsed() >= Duration::from_secs(5) {
            early_429 = tenant.stats().await["throttled"].as_u64();
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let wall = started.elapsed().as_secs_f64();
    let stats = tenant.stats().await;
    let requests = stats["requests"].as_u64().unwrap_or(0);
    let writes = endpoint_sum(&stats, |k| !k.starts_with("GET"));
    let downloads = endpoint_sum(&stats, |k| k.starts_with("GET") && k.contains("$value"));
    let deltas = endpoint_sum(&stats, |k| k.contains("delta"));
    let bound = (writes + downloads).max(1);
    let sessions = tally.sessions.load(Ordering::Relaxed);
    let commands = tally.commands.load(Ordering::Relaxed);
    // Each delivery should reach the watchers of its user.
    let due = delivered * (watchers as u64).div_ceil(2);
    println!("{instances} instance(s), {workers} workers + {watchers} IDLE sessions, {wall:.1} s:");
    println!(
        "  sessions served {sessions} ({:.1}/s), commands {commands} (refused {}); IDLE told {} of {due} (deliveries {delivered})",
        sessions as f64 / wall,
        tally.refused.load(Ordering::Relaxed),
        tally.told.load(Ordering::Relaxed),
    );
    if let Some(r) = tally.refusal.lock().as_ref() {
        println!("  first refusal: {r}");
    }
    println!(
        "  Graph requests {requests} ({:.1} per 1,000 sessions; delta {deltas}, writes {writes}, MIME downloads {downloads}); bound {bound}, ratio {:.2}; 429s {} for concurrency, {} for the budget ({} in the first 5 s)",
        1000.0 * requests as f64 / sessions.max(1) as f64,
        requests as f64 / bound as f64,
        stats["throttled_concurrency"].as_u64().unwrap_or(0),
        stats["throttled_rate"].as_u64().unwrap_or(0),
        early_429.unwrap_or(0),
    );
    for gw in gws {
        gw.stop().await;
    }
    tenant.stop().await;
    Outcome {
        sessions,
        requests,
        above: requests.saturating_sub(bound),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!("graphgate: one instance against three on one PostgreSQL database");
    let one = run(1).await;
    let three = run(3).await;
    let per = |o: &Outcome| o.requests as f64 / o.sessions.max(1) as f64;
    println!(
        "three instances against one: sessions served {:.2}x, Graph requests per session {:.2}x; \
         requests beyond the bound (state reads) {} against {} ({:.2}x), per session {:.2}x",
        three.sessions as f64 / one.sessions.max(1) as f64,
        per(&three) / per(&one).max(1e-9),
        three.above,
        one.above,
        three.above as f64 / one.above.max(1) as f64,
        (three.above as f64 / three.sessions.max(1) as f64)
            / (one.above as f64 / one.sessions.max(1) as f64).max(1e-9),
    );
}
