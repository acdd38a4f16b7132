//! Many IMAP clients on one mailbox: the Graph request economy under load.
//!
//! Ten clients (CLIENTS) log in as alice and, for DURATION_S seconds, repeat
//! a mix of what mail clients do: SELECT, FETCH FLAGS, a BODY.PEEK[] of a
//! random message, STORE on five (a `$batch`), STATUS of another folder,
//! APPEND, NOOP, and the
//! removal of what they appended (UID STORE \Deleted, UID EXPUNGE). The
//! emulated tenant applies Graph's per-mailbox limits (4 concurrent
//! requests, 10,000 per 10 minutes) and adds LATENCY_MS per operation.
//!
//! Reported: commands done (and refused), Graph operations the tenant
//! counted, its 429s for concurrency and for the request budget, and the
//! operations as a ratio to a lower bound from the same run: every change
//! costs its own operation and every message read costs one download, so
//! the bound is the tenant's write operations plus its MIME downloads;
//! everything above it is reading state (delta rounds, folder lists).
//! Two runs: 20 ms latency for 20 s, then no latency for 10 s (where the
//! budget, not the latency, is the limit).
//! Run: `cargo bench --bench imap_load` (CLIENTS, DURATION_S, LATENCY_MS
//! change the first run; FAST_S the second, 0 skips it).

#[path = "../tests/it/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::gateway::{PASSWORD, TestGateway};
use common::imap_client::Client;
use common::{ALICE, Tenant, endpoint_sum, test_config};
use graphgate::mailbox::MailSettings;
use graphgate_emulator::EmulatorConfig;
use serde_json::json;

/// What the clients did, summed.
#[derive(Default)]
struct Tally {
    commands: AtomicU64,
    refused: AtomicU64,
    unavailable: AtomicU64,
    /// Command latencies in µs (for percentiles).
    latencies: parking_lot::Mutex<Vec<u64>>,
}

impl Tally {
    fn note(&self, started: Instant, answer: &common::imap_client::Answer) {
        self.commands.fetch_add(1, Ordering::Relaxed);
        if !answer.ok() {
            self.refused.fetch_add(1, Ordering::Relaxed);
            if answer.text.contains("UNAVAILABLE") {
                self.unavailable.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latencies
            .lock()
            .push(started.elapsed().as_micros() as u64);
    }
}

/// One client's loop until `until`. `base` messages at the start of INBOX
/// are never removed, so their sequence numbers stay valid.
async fn client(mut c: Client, base: u32, until: Instant, tally: Arc<Tally>) {
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let pick = 1 + rand::random_range(0..base);
        let range = 1 + rand::random_range(0..base.saturating_sub(5).max(1));
        let flag = if n.is_multiple_of(2) {
            "+FLAGS"
        } else {
            "-FLAGS"
        };
        let message = format!(
            "From: bench@contoso.test\r\nTo: {ALICE}\r\nSubject: load {n}\r\nMessage-ID: <{}@bench.test>\r\n\r\nhello\r\n",
            uuid::Uuid::new_v4().simple()
        );
        let commands = [
            "SELECT INBOX".to_string(),
            "FETCH 1:* (UID FLAGS)".to_string(),
            format!("FETCH {pick} (BODY.PEEK[])"),
            format!("STORE {range}:{} {flag} (\\Flagged)", range + 4),
            "STATUS Archive (MESSAGES UNSEEN UIDNEXT)".to_string(),
            format!("APPEND INBOX {{{}+}}\r\n{message}", message.len()),
            "NOOP".to_string(),
        ];
        let mut appended = None;
        for command in commands {
            if Instant::now() >= until {
                break;
            }
            let started = Instant::now();
            let answer = c.run(&command).await;
            tally.note(started, &answer);
            if command.starts_with("APPEND") && answer.ok() {
                appended = appenduid(&answer.text);
            }
        }
        if let Some(uid) = appended {
            for command in [
                format!("UID STORE {uid} +FLAGS (\\Deleted)"),
                format!("UID EXPUNGE {uid}"),
            ] {
                let started = Instant::now();
                let answer = c.run(&command).await;
                tally.note(started, &answer);
            }
        }
    }
    c.run("LOGOUT").await;
}

/// The UID of `OK [APPENDUID v uid] ...`.
fn appenduid(text: &str) -> Option<u32> {
    let rest = text.split("APPENDUID ").nth(1)?;
    let uid = rest.split_whitespace().nth(1)?;
    uid.trim_end_matches(']').parse().ok()
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

async fn run(clients: usize, duration: Duration, latency_ms: u64) {
    let mut config = EmulatorConfig {
        seed_messages: 200,
        skip_large_seed: true,
        ..test_config()
    };
    config.settings.latency_ms = latency_ms;
    let tenant = Tenant::start_with(config).await;
    let gw = TestGateway::start_on(
        Tenant {
            running: None,
            base: tenant.base.clone(),
            http: tenant.http.clone(),
        },
        MailSettings::default(),
    )
    .await;
    let base = tenant.mailbox(ALICE, "inbox").await.len() as u32;
    // Sessions log in first (a login costs an argon2 hash, and logins at
    // once may wait for a verification slot); the clock measures the work.
    let mut sessions = Vec::new();
    for _ in 0..clients {
        let mut c = Client::connect(gw.imap).await;
        c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
        sessions.push(c);
    }
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let until = started + duration;
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|c| tokio::spawn(client(c, base, until, tally.clone())))
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let wall = started.elapsed();
    let stats = gw.tenant.stats().await;
    let get = |k: &str| stats[k].as_u64().unwrap_or(0);
    let writes = endpoint_sum(&stats, |k| !k.starts_with("GET"));
    let downloads = endpoint_sum(&stats, |k| k.starts_with("GET") && k.contains("$value"));
    let deltas = endpoint_sum(&stats, |k| k.contains("delta"));
    let requests = get("requests");
    let bound = (writes + downloads).max(1);
    let commands = tally.commands.load(Ordering::Relaxed);
    let mut lat = tally.latencies.lock().clone();
    lat.sort_unstable();
    println!(
        "{clients} clients, one mailbox, {latency_ms} ms per Graph operation, {:.1} s:",
        wall.as_secs_f64()
    );
    println!(
        "  commands {commands} ({:.0}/s; refused {}, of which NO [UNAVAILABLE] {}); latency p50 {:.1} ms, p99 {:.1} ms",
        commands as f64 / wall.as_secs_f64(),
        tally.refused.load(Ordering::Relaxed),
        tally.unavailable.load(Ordering::Relaxed),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
    );
    println!(
        "  Graph operations {requests} ({:.2} per command; delta {deltas}, writes {writes}, MIME downloads {downloads}); bound {bound}, ratio {:.2}",
        requests as f64 / commands.max(1) as f64,
        requests as f64 / bound as f64
    );
    println!(
        "  429: {} for concurrency, {} for the request budget (HTTP requests {}, batches {})",
        get("throttled_concurrency"),
        get("throttled_rate"),
        get("http_requests"),
        get("batches"),
    );
    gw.stop().await;
    tenant.stop().await;
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let env = common::env_or;
    let clients = env("CLIENTS", 10) as usize;
    println!("graphgate IMAP load benchmark");
    run(
        clients,
        Duration::from_secs(env("DURATION_S", 20)),
        env("LATENCY_MS", 20),
    )
    .await;
    let fast = env("FAST_S", 10);
    if fast > 0 {
        run(clients, Duration::from_secs(fast), 0).await;
    }
}
