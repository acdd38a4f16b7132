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
use common::{ALICE, Tenant, test_config};
use graphgate::config::SizeMode;
use graphgate::mailbox::MailSettings;
use graphgate_emulator::EmulatorConfig;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A minimal IMAP client: send a tagged command, read to its completion,
/// counting untagged FETCH responses and skipping literals.
struct Client {
    stream: BufReader<TcpStream>,
    tag: u32,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let mut c = Client {
            stream: BufReader::new(stream),
            tag: 0,
        };
        let mut greeting = String::new();
        c.stream.read_line(&mut greeting).await.unwrap();
        c
    }

    /// Run `command`; returns (FETCH responses, bytes of literals).
    async fn run(&mut self, command: &str) -> (usize, usize) {
        self.tag += 1;
        let tag = format!("b{}", self.tag);
        let line = format!("{tag} {command}\r\n");
        self.stream
            .get_mut()
            .write_all(line.as_bytes())
            .await
            .unwrap();
        let (mut fetches, mut literal_bytes) = (0, 0);
        loop {
            let mut line = Vec::new();
            let n = self.stream.read_until(b'\n', &mut line).await.unwrap();
            assert!(n > 0, "connection closed during {command}");
            let text = String::from_utf8_lossy(&line);
            if text.starts_with(&format!("{tag} ")) {
                assert!(text.starts_with(&format!("{tag} OK")), "{command}: {text}");
                return (fetches, literal_bytes);
            }
            if text.starts_with("* ") && text.contains(" FETCH ") {
                fetches += 1;
            }
            let mut rest = text.trim_end().to_string();
            // A line may carry several literals; read each and its tail.
            while let Some(size) = literal_size(&rest) {
                let mut buf = vec![0; size];
                self.stream.read_exact(&mut buf).await.unwrap();
                literal_bytes += size;
                let mut tail = Vec::new();
                self.stream.read_until(b'\n', &mut tail).await.unwrap();
                rest = String::from_utf8_lossy(&tail).trim_end().to_string();
            }
        }
    }
}

fn literal_size(line: &str) -> Option<usize> {
    let open = line.rfind('{')?;
    let inner = line[open + 1..].strip_suffix('}')?;
    inner.trim_end_matches('+').parse().ok()
}

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
    // lifted so the figure measures the concurrency bound, not the wait.
    config.settings.rate_limit_requests = 1_000_000;
    config.settings.latency_ms = latency_ms;
    let tenant = Tenant::start_with(config).await;
    let inbox = tenant.mailbox(ALICE, "inbox").await.len();
    println!(
        "graphgate IMAP sync benchmark: Inbox of {inbox} messages, {latency_ms} ms per Graph operation, 4 concurrent per mailbox"
    );
    let mut figures = Vec::new();

    for mode in [SizeMode::Estimate, SizeMode::Exact] {
        let gw = TestGateway::start_on(
            tenant_handle(&tenant),
            MailSettings {
                size_mode: mode,
                ..MailSettings::default()
            },
        )
        .await;
        reset(&gw.tenant).await;
        let started = Instant::now();
        let mut c = Client::connect(gw.imap).await;
        c.run(&format!("LOGIN {ALICE} {PASSWORD}")).await;
        c.run("SELECT INBOX").await;
        let (fetched, _) = c.run(SCAN).await;
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
            c.run("SELECT INBOX").await;
            figures.push(Figure {
                name: "P3 re-SELECT, no changes".into(),
                requests: count(&gw.tenant, "requests").await,
                wall: started.elapsed(),
                latency,
                note: format!("{} delta requests", count(&gw.tenant, "delta").await),
            });
        }
        c.run("LOGOUT").await;
        gw.stop().await;
    }

    // P2: full bodies of 2,000 messages from a cold cache.
    let n = inbox.min(2_000);
    let gw = TestGateway::start_on(tenant_handle(&tenant), MailSettings::default()).await;
    let mut c = Client::connect(gw.imap).await;
    c.run(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    c.run("SELECT INBOX").await;
    reset(&gw.tenant).await;
    let started = Instant::now();
    let (fetched, bytes) = c.run(&format!("FETCH 1:{n} (UID BODY.PEEK[])")).await;
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
    c.run("LOGOUT").await;
    gw.stop().await;

    for f in &figures {
        f.print();
    }
    tenant.stop().await;
}

/// The same running tenant, for another gateway.
fn tenant_handle(t: &Tenant) -> Tenant {
    Tenant {
        running: None,
        base: t.base.clone(),
        http: t.http.clone(),
    }
}
