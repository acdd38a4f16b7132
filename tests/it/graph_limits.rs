//! Graph's limits per mailbox under load, end to end: many IMAP sessions
//! and the poller share Graph's 4 concurrent requests without a 429 (a
//! `$batch` holding a permit per member Graph runs at once), sessions share
//! delta rounds, the request budget is paced (commands wait, then are
//! refused with "try again", and Graph never has to throttle), and a folder
//! IDLEd on is polled faster than the ordinary period. Counts come from
//! the emulated tenant's counters; no test asserts a wall time.

use std::time::{Duration, Instant};

use graphgate::mailbox::MailSettings;
use graphgate_emulator::EmulatorConfig;
use serde_json::{Value, json};

use crate::common::gateway::{PASSWORD, TestGateway, test_settings};
use crate::common::imap_client::{Client, exists_of};
use crate::common::*;

/// A tenant whose alice has `extra` more messages in her Inbox.
async fn tenant_with(extra: usize, switches: Value) -> Tenant {
    let tenant = Tenant::start_with(EmulatorConfig {
        seed_messages: extra,
        skip_large_seed: true,
        ..test_config()
    })
    .await;
    tenant.set(switches).await;
    tenant
}

/// Graph operations of the tenant on endpoints whose template contains `part`.
fn operations(stats: &Value, part: &str) -> u64 {
    stats["by_endpoint"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.contains(part))
                .map(|(_, v)| v.as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

async fn logged_in(gw: &TestGateway) -> Client {
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    c
}

/// `n` sessions of alice, logged in one after the other (logins at once
/// count as failures until verified, and five lock the login for a while).
async fn sessions(gw: &TestGateway, n: usize) -> Vec<Client> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(logged_in(gw).await);
    }
    out
}

/// `work` run for every session at once (each with its number); the
/// results in session order.
async fn at_once<T, F, Fut>(clients: Vec<Client>, work: F) -> Vec<T>
where
    F: Fn(u32, Client) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<_> = (0u32..)
        .zip(clients)
        .map(|(i, c)| tokio::spawn(work(i, c)))
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Settings where only the sessions run delta rounds (the poller waits a
/// minute), so the tenant's delta count is theirs.
fn without_polling(sync_fresh: Duration) -> MailSettings {
    MailSettings {
        poll_interval: Duration::from_secs(60),
        idle_poll_interval: Duration::from_secs(60),
        sync_fresh,
        ..test_settings()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_sessions_batches_and_the_poller_never_exceed_four_requests_at_once() {
    let tenant = tenant_with(60, json!({"latency_ms": 30})).await;
    let gw = TestGateway::start_on(tenant, test_settings()).await;
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let clients = sessions(&gw, 10).await;
    at_once(clients, |i, mut c| async move {
        c.run_ok("SELECT INBOX").await;
        // Each session flags its own five messages: a $batch of five
        // members, of which Graph runs four at once.
        let (first, last) = (i * 5 + 1, i * 5 + 5);
        for round in 0..3 {
            c.run_ok(&format!("STORE {first}:{last} +FLAGS (\\Flagged)"))
                .await;
            c.run_ok(&format!("FETCH {} (BODY.PEEK[])", first + round))
                .await;
            c.run_ok(&format!("STORE {first}:{last} -FLAGS (\\Flagged)"))
                .await;
            c.run_ok("NOOP").await;
        }
        c.run_ok("LOGOUT").await;
    })
    .await;
    let stats = gw.tenant.stats().await;
    assert!(
        stats["batches"].as_u64().unwrap() >= 30,
        "the sessions sent batches: {stats}"
    );
    assert_eq!(
        stats["throttled_concurrency"], 0,
        "Graph never saw more than four requests at once: {stats}"
    );
    assert_eq!(stats["throttled"], 0, "{stats}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_selects_noops_and_statuses_shares_a_few_delta_rounds() {
    let fresh = Duration::from_millis(1500);
    let tenant = tenant_with(0, json!({"latency_ms": 20})).await;
    let gw = TestGateway::start_on(tenant, without_polling(fresh)).await;
    let clients = sessions(&gw, 10).await;
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let started = Instant::now();
    at_once(clients, |i, mut c| async move {
        let (mine, other) = if i % 2 == 0 {
            ("INBOX", "Archive")
        } else {
            ("Archive", "INBOX")
        };
        for n in 0..10 {
            let command = match n % 3 {
                0 => format!("SELECT {mine}"),
                1 => "NOOP".to_string(),
                _ => format!("STATUS {other} (MESSAGES UIDNEXT UNSEEN)"),
            };
            c.run_ok(&command).await;
        }
    })
    .await;
    let elapsed = started.elapsed();
    let stats = gw.tenant.stats().await;
    let deltas = operations(&stats, "delta");
    // Per folder: one round per freshness window the burst lasted, and
    // one more at its end. Sessions arriving while one runs join it.
    let windows = (elapsed.as_secs_f64() / fresh.as_secs_f64()).ceil() as u64;
    let allowed = 2 * (windows + 2);
    assert!(
        deltas <= allowed,
        "100 commands cost {deltas} delta requests (allowed {allowed} for {windows} windows): {stats}"
    );
    assert!(deltas >= 2, "each folder caught up with Graph: {stats}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sees_delivered_mail_within_the_fast_poll_period() {
    let ordinary = Duration::from_secs(60);
    let settings = MailSettings {
        poll_interval: ordinary,
        idle_poll_interval: Duration::from_secs(1),
        ..test_settings()
    };
    let gw = TestGateway::start_with(settings).await;
    let mut c = logged_in(&gw).await;
    let selected = c.run("SELECT INBOX").await;
    let exists = selected.exists().expect("EXISTS");
    c.send("i1 IDLE").await;
    assert!(c.line().await.starts_with('+'), "IDLE goes ahead");
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    gw.tenant
        .deliver(ALICE, &simple_mime(BOB, ALICE, "fast idle", "hello"))
        .await;
    // The ordinary poller comes a minute after SELECT; IDLE's fast one
    // within a second or two of the delivery.
    let seen = tokio::time::timeout(ordinary * 3 / 4, async {
        loop {
            if let Some(n) = exists_of(&c.line().await) {
                return n;
            }
        }
    })
    .await
    .expect("IDLE hears of the delivery before the ordinary poll period has passed");
    assert_eq!(seen, exists + 1);
    let polls = operations(&gw.tenant.stats().await, "delta");
    assert!(
        (1..=2).contains(&polls),
        "seen at the first or second poll after the delivery, not {polls}"
    );
    c.send("DONE").await;
    gw.stop().await;
}

fn small_budget(config: &mut graphgate::config::Config) {
    config.mail.request_budget = 300;
    config.mail.request_budget_window_s = 60;
    config.mail.request_budget_max_wait_s = 1;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_budget_commands_wait_then_are_refused_and_graph_never_throttles() {
    // The tenant enforces the same budget as graphgate's: 300 per minute.
    let tenant = tenant_with(
        400,
        json!({"rate_limit_requests": 300, "rate_limit_window_s": 60}),
    )
    .await;
    let settings = without_polling(Duration::ZERO);
    let gw = TestGateway::start_on_configured(tenant, settings, small_budget).await;
    let mut clients = sessions(&gw, 8).await;
    for c in &mut clients {
        c.run_ok("SELECT INBOX").await;
    }
    let outcomes = at_once(clients, |i, mut c| async move {
        let (mut done, mut refusal) = (0, None);
        // Eight sessions each read their own 50 messages: 400 downloads,
        // more than the budget allows at once.
        for n in 0..50 {
            let answer = c
                .run(&format!("FETCH {} (BODY.PEEK[])", 1 + i + 8 * n))
                .await;
            if answer.ok() {
                done += 1;
            } else {
                refusal = Some(answer.text);
                break;
            }
        }
        (done, refusal)
    })
    .await;
    let done: u32 = outcomes.iter().map(|(d, _)| d).sum();
    let refusals: Vec<String> = outcomes.into_iter().filter_map(|(_, r)| r).collect();
    let stats = gw.tenant.stats().await;
    assert_eq!(
        stats["throttled_rate"], 0,
        "graphgate kept within the budget: {stats}"
    );
    assert!(
        !refusals.is_empty(),
        "some command would have waited too long ({done} done)"
    );
    for r in &refusals {
        assert!(
            r.contains("[UNAVAILABLE]") && r.contains("pacing requests") && r.contains("try again"),
            "{r}"
        );
    }
    // 300 per minute: 57 at once, then paced; commands went on beyond the
    // burst by waiting for it.
    assert!(
        stats["requests"].as_u64().unwrap() > 57,
        "{done} reads done, {stats}"
    );
    gw.stop().await;
}
