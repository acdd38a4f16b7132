//! IMAP sync over Graph, end to end: an emulated tenant with a 10,000-message
//! Inbox and 20 ms latency per Graph operation, graphgate's IMAP front over
//! its mail engine, and a plain IMAP client on loopback.
//!
//! P1: header scan (`UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE
//!     BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID)])`)
//!     in estimate and exact size mode, from a cold gateway (login+SELECT
//!     included).
//! P2: full `BODY.PEEK[]` of 2,000 messages after SELECT.
//! P3: re-SELECT with no changes.
//!
//! Each figure is the Graph requests the emulator counted and the wall time
//! as a ratio to the lower bound ⌈requests / 4⌉ × latency (Graph allows four
//! concurrent requests per mailbox). Run: `cargo bench --bench imap_sync`
//! (MESSAGES=… and LATENCY_MS=… change the size and the latency).

#[path = "../tests/it/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::gateway::{PASSWORD, TestGateway};
use common::imap_client::Client;
use common::{ALICE, Tenant, test_config};
use graphgate::config::SizeMode;
use graphgate::mailbox::MailSettings;
use graphgate_emulator::EmulatorConfig;
use serde_json::json;

struct Figure {
    name: String,
    requests: u64,
    wall: Duration,
    latency: Duration,
    note: String,
}

impl Figure {
    fn bound(&self) -> Duration {
        self.latency * (self.requests.div_ceil(4).max(1) as u32)
    }

    fn print(&self) {
        let ratio = self.wall.as_secs_f64() / self.bound().as_secs_f64();
        println!(
            "{:<34} {:>7} req  {:>9.2} s  bound {:>8.2} s  ratio {:>5.2}  {}",
            self.name,
            self.requests,
            self.wall.as_secs_f64(),
            self.bound().as_secs_f64(),
            ratio,
            self.note
        );
    }
}

async fn reset(tenant: &Tenant) {
    tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
}

async fn count(tenant: &Tenant, what: &str) -> u64 {
    let stats = tenant.stats().await;
    match what {
        "requests" => stats["requests"].as_u64().unwrap_or(0),
        _ => stats["by_endpoint"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| k.starts_with("GET") && k.contains(what))
                    .map(|(_, v)| v.as_u64().unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0),
    }
}

const SCAN: &str = "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID)])";

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
    let latency = Duration::from_millis(latency_ms);
    let mut config = EmulatorConfig {
        seed_messages: messages,
        skip_large_seed: true,
        ..test_config()
    };
    // The exact-mode scan downloads every message: more than Graph's
    // 10,000 requests per 10 minutes for a big Inbox. The rate budget is
    // lifted (the tenant's and graphgate's own pacing, `lift_budget`) so
    // the figure measures the concurrency bound, not the wait.
    config.settings.rate_limit_requests = 1_000_000;
    config.settings.latency_ms = latency_ms;
    let tenant = Tenant::start_with(config).await;
    let inbox = tenant.mailbox(ALICE, "inbox").await.len();
    println!(
        "graphgate IMAP sync benchmark: Inbox of {inbox} messages, {latency_ms} ms per Graph operation, 4 concurrent per mailbox"
    );
    let mut figures = Vec::new();

    for mode in [SizeMode::Estimate, SizeMode::Exact] {
        let gw = TestGateway::start_on_configured(
            tenant_handle(&tenant),
            MailSettings {
                size_mode: mode,
                ..MailSettings::default()
            },
            lift_budget,
        )
        .await;
        reset(&gw.tenant).await;
        let started = Instant::now();
        let mut c = Client::connect(gw.imap).await;
        c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
        c.run_ok("SELECT INBOX").await;
        let (fetched, _) = c.run_ok(SCAN).await;
        let wall = started.elapsed();
        assert_eq!(fetched, inbox, "every message scanned");
        let requests = count(&gw.tenant, "requests").await;
        let downloads = count(&gw.tenant, "$value").await;
        figures.push(Figure {
            name: format!("P1 header scan, {mode:?} size"),
            requests,
            wall,
            latency,
            note: format!("{downloads} MIME downloads"),
        });

        if mode == SizeMode::Exact {
            // P3: re-SELECT with nothing changed.
            reset(&gw.tenant).await;
            let started = Instant::now();
            c.run_ok("SELECT INBOX").await;
            figures.push(Figure {
                name: "P3 re-SELECT, no changes".into(),
                requests: count(&gw.tenant, "requests").await,
                wall: started.elapsed(),
                latency,
                note: format!("{} delta requests", count(&gw.tenant, "delta").await),
            });
        }
        c.run_ok("LOGOUT").await;
        gw.stop().await;
    }

    // P2: full bodies of 2,000 messages from a cold cache.
    let n = inbox.min(2_000);
    let gw = TestGateway::start_on_configured(
        tenant_handle(&tenant),
        MailSettings::default(),
        lift_budget,
    )
    .await;
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    c.run_ok("SELECT INBOX").await;
    reset(&gw.tenant).await;
    let started = Instant::now();
    let (fetched, bytes) = c.run_ok(&format!("FETCH 1:{n} (UID BODY.PEEK[])")).await;
    let wall = started.elapsed();
    assert_eq!(fetched, n);
    let downloads = count(&gw.tenant, "$value").await;
    figures.push(Figure {
        name: format!("P2 BODY.PEEK[] of {n}"),
        requests: count(&gw.tenant, "requests").await,
        wall,
        latency,
        note: format!("{downloads} MIME downloads, {} MB", bytes / 1_000_000),
    });
    c.run_ok("LOGOUT").await;
    gw.stop().await;

    for f in &figures {
        f.print();
    }
    tenant.stop().await;
}

/// graphgate paces itself to the same budget as the tenant's.
fn lift_budget(config: &mut graphgate::config::Config) {
    config.mail.request_budget = 1_000_000;
}

/// The same running tenant, for another gateway.
fn tenant_handle(t: &Tenant) -> Tenant {
    Tenant {
        running: None,
        base: t.base.clone(),
        http: t.http.clone(),
    }
}
