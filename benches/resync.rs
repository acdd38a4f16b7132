//! A client reconnecting to an unchanged 10,000-message Inbox and finding
//! out what changed: QRESYNC (`SELECT INBOX (QRESYNC (v m))`, RFC 7162)
//! next to the plain resync of a client without it (`SELECT INBOX`, then
//! `UID FETCH 1:* (FLAGS)`), and with one message flagged elsewhere
//! meanwhile. Each resync runs on a new connection after the folder's
//! freshness period, so SELECT asks Graph for one delta round as a client
//! coming back later would.
//!
//! Figures: Graph requests, bytes the client received, and the wall time as
//! a ratio to the lower bound measured in the same run: a bare `SELECT
//! INBOX` on a new connection (which every resync includes). Run:
//! `cargo bench --bench resync` (MESSAGES=… and LATENCY_MS=… change the
//! folder's size and the latency per Graph operation).

#[path = "../tests/it/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::gateway::{PASSWORD, TestGateway};
use common::imap_client::{Answer, Client, number_after};
use common::{ALICE, Tenant, endpoint_sum, test_config};
use graphgate::mailbox::MailSettings;
use graphgate_emulator::EmulatorConfig;
use serde_json::json;

/// What one resync cost.
struct Cost {
    requests: u64,
    delta: u64,
    bytes: usize,
    wall: Duration,
}

/// Bytes of an answer as received: its lines with CRLF, literals, the
/// tagged line.
fn bytes(answer: &Answer) -> usize {
    answer.untagged.iter().map(|l| l.len() + 2).sum::<usize>()
        + answer.literal_bytes
        + answer.status.len()
        + answer.text.len()
        + 8
}

/// Log in on a new connection and run `commands` after the folder's
/// freshness period, counting what they cost (login excluded).
async fn resync(gw: &TestGateway, commands: &[String]) -> (Cost, Vec<Answer>) {
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    tokio::time::sleep(MailSettings::default().sync_fresh + Duration::from_millis(100)).await;
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let started = Instant::now();
    let mut answers = Vec::new();
    for command in commands {
        let answer = c.run(command).await;
        assert!(answer.ok(), "{command}: {}", answer.text);
        answers.push(answer);
    }
    let wall = started.elapsed();
    let stats = gw.tenant.stats().await;
    c.run_ok("LOGOUT").await;
    let cost = Cost {
        requests: stats["requests"].as_u64().unwrap_or(0),
        delta: endpoint_sum(&stats, |e| e.contains("/delta")),
        bytes: answers.iter().map(bytes).sum(),
        wall,
    };
    (cost, answers)
}

fn print(name: &str, cost: &Cost, bound: &Cost) {
    println!(
        "{name:<44} {:>3} req ({} delta)  {:>9} bytes  {:>7.1} ms  ratio {:>5.2}",
        cost.requests,
        cost.delta,
        cost.bytes,
        cost.wall.as_secs_f64() * 1000.0,
        cost.wall.as_secs_f64() / bound.wall.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let messages: usize = std::env::var("MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let latency_ms: u64 = std::env::var("LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let mut config = EmulatorConfig {
        seed_messages: messages,
        skip_large_seed: true,
        ..test_config()
    };
    config.settings.latency_ms = latency_ms;
    let tenant = Tenant::start_with(config).await;
    let gw = TestGateway::start_on(tenant, MailSettings::default()).await;
    // The first SELECT lists the folder; the client notes what QRESYNC needs.
    let mut first = Client::connect(gw.imap).await;
    first.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    first.run_ok("ENABLE QRESYNC").await;
    let selected = first.run("SELECT INBOX").await;
    let validity = number_after(&selected.untagged, "[UIDVALIDITY ").unwrap();
    let highest = number_after(&selected.untagged, "[HIGHESTMODSEQ ").unwrap();
    let count = selected.exists().unwrap();
    println!(
        "graphgate resync benchmark: Inbox of {count} messages, {latency_ms} ms per Graph operation"
    );

    let qresync = vec![
        "ENABLE QRESYNC".to_string(),
        format!("SELECT INBOX (QRESYNC ({validity} {highest}))"),
    ];
    let plain = vec![
        "SELECT INBOX".to_string(),
        "UID FETCH 1:* (FLAGS)".to_string(),
    ];
    let (bound, _) = resync(&gw, &["SELECT INBOX".to_string()]).await;
    let (quick, answers) = resync(&gw, &qresync).await;
    let said: usize = answers[1]
        .untagged
        .iter()
        .filter(|l| l.contains("VANISHED") || l.contains("FETCH"))
        .count();
    assert_eq!(said, 0, "an unchanged folder resyncs to nothing");
    let (full, answers) = resync(&gw, &plain).await;
    assert_eq!(answers[1].fetches, count as usize);

    // One message flagged elsewhere: QRESYNC reports exactly it.
    first.run_ok("UID STORE 5 +FLAGS (\\Flagged)").await;
    let (one, answers) = resync(&gw, &qresync).await;
    assert_eq!(answers[1].fetches, 1, "{:?}", answers[1].untagged);
    first.run_ok("LOGOUT").await;

    print("bound: SELECT INBOX on a new connection", &bound, &bound);
    print("QRESYNC, unchanged", &quick, &bound);
    print(
        "plain SELECT + UID FETCH 1:* (FLAGS), unchanged",
        &full,
        &bound,
    );
    print("QRESYNC, one message flagged elsewhere", &one, &bound);
    println!(
        "QRESYNC sends {:.4} of the plain resync's bytes ({} vs {})",
        quick.bytes as f64 / full.bytes as f64,
        quick.bytes,
        full.bytes
    );
    gw.stop().await;
}
