//! SMTP submission throughput: 1,000 messages of 10 KB over 50 concurrent
//! connections, against the emulated tenant at 20 ms per Graph operation
//! and Graph's 4 concurrent requests per mailbox. The ceiling is what the
//! tenant allows one mailbox: 4 requests in flight, each taking the
//! latency, one `sendMail` per message; the figure is the share of that
//! ceiling reached, and every message must arrive exactly once.
//! Run: `cargo bench --bench smtp_throughput` (MESSAGES, CONNECTIONS,
//! LATENCY_MS change the load).

#[path = "../tests/it/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use common::gateway::{PASSWORD, TestGateway};
use common::{ALICE, BOB, Tenant, test_config};
use graphgate::mailbox::MailSettings;
use graphgate_emulator::EmulatorConfig;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Client {
        let mut c = Client {
            stream: BufReader::new(TcpStream::connect(addr).await.expect("connect")),
        };
        c.expect("220").await;
        c.send("EHLO bench.example").await;
        c.expect("250 ").await;
        let plain =
            base64::engine::general_purpose::STANDARD.encode(format!("\0{ALICE}\0{PASSWORD}"));
        c.send(&format!("AUTH PLAIN {plain}")).await;
        c.expect("235").await;
        c
    }

    async fn send(&mut self, line: &str) {
        self.stream
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
    }

    /// Read reply lines until the last one; it must start with `code`.
    async fn expect(&mut self, code: &str) -> String {
        loop {
            let mut line = String::new();
            self.stream.read_line(&mut line).await.unwrap();
            assert!(!line.is_empty(), "connection closed");
            if line.as_bytes().get(3) == Some(&b'-') {
                continue;
            }
            assert!(line.starts_with(code.trim()), "wanted {code}, got {line}");
            return line;
        }
    }

    /// Send one message; retried on 4xx as a real client would.
    async fn message(&mut self, id: &str, body: &str) -> u32 {
        let mut tries = 0;
        loop {
            tries += 1;
            self.send(&format!("MAIL FROM:<{ALICE}>")).await;
            self.expect("250").await;
            self.send(&format!("RCPT TO:<{BOB}>")).await;
            self.expect("250").await;
            self.send("DATA").await;
            self.expect("354").await;
            let msg = format!(
                "From: {ALICE}\r\nTo: {BOB}\r\nSubject: bench {id}\r\nMessage-ID: <{id}@contoso.test>\r\n\r\n{body}\r\n.\r\n"
            );
            self.stream
                .get_mut()
                .write_all(msg.as_bytes())
                .await
                .unwrap();
            let mut line = String::new();
            self.stream.read_line(&mut line).await.unwrap();
            if line.starts_with("250") {
                return tries;
            }
            assert!(line.starts_with('4'), "refused for good: {line}");
        }
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let env = common::env_or;
    let messages = env("MESSAGES", 1000) as usize;
    let connections = env("CONNECTIONS", 50) as usize;
    let latency_ms = env("LATENCY_MS", 20);
    let mut config = EmulatorConfig {
        skip_large_seed: true,
        ..test_config()
    };
    config.settings.latency_ms = latency_ms;
    config.settings.rate_limit_requests = 1_000_000;
    let tenant = Tenant::start_with(config).await;
    // The tenant's budget is lifted to measure the concurrency ceiling;
    // graphgate's own pacing follows it.
    let gw = TestGateway::start_on_configured(
        Tenant {
            running: None,
            base: tenant.base.clone(),
            http: tenant.http.clone(),
        },
        MailSettings::default(),
        |config| config.mail.request_budget = 1_000_000,
    )
    .await;
    let body: String =
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n".repeat(10_000 / 66);
    // The ceiling, measured in the same run: the same messages sent
    // straight to Graph's sendMail with 4 in flight, as fast as the tenant
    // lets one mailbox go (latency plus its own work per message).
    let token = gw.tenant.alice().await;
    let ceiling_started = Instant::now();
    let queue = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let queue = queue.clone();
            let http = gw.tenant.http.clone();
            let url = gw.tenant.url("/me/sendMail");
            let token = token.clone();
            let body = body.clone();
            tokio::spawn(async move {
                loop {
                    let n = queue.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if n >= messages {
                        return;
                    }
                    let mime = format!(
                        "From: {ALICE}\r\nTo: {BOB}\r\nSubject: ceiling {n}\r\nMessage-ID: <ceiling-{n}@contoso.test>\r\n\r\n{body}\r\n"
                    );
                    let r = http
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "text/plain")
                        .body(base64::engine::general_purpose::STANDARD.encode(mime))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 202);
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let ceiling_wall = ceiling_started.elapsed();
    let before = gw.tenant.mailbox(BOB, "inbox").await.len();
    gw.tenant
        .control_post("/_emulator/stats/reset", serde_json::json!({}))
        .await;
    // Sessions connect and log in first (a login costs an argon2 hash);
    // the clock measures sending.
    let per = messages.div_ceil(connections);
    let mut clients = Vec::new();
    for _ in 0..connections {
        clients.push(Client::connect(gw.smtp).await);
    }
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(c, mut client)| {
            let body = body.clone();
            tokio::spawn(async move {
                let mut retries = 0;
                for i in 0..per {
                    let n = c * per + i;
                    if n >= messages {
                        break;
                    }
                    retries += client.message(&format!("bench-{n}"), &body).await - 1;
                }
                client.send("QUIT").await;
                retries
            })
        })
        .collect();
    let mut retries = 0;
    for t in tasks {
        retries += t.await.unwrap();
    }
    let wall = started.elapsed();
    let stats = gw.tenant.stats().await;
    let inbox = gw.tenant.mailbox(BOB, "inbox").await;
    let arrived = inbox.len() - before;
    let mut duplicates = 0;
    for n in 0..messages {
        let id = format!("<bench-{n}@contoso.test>");
        let copies = inbox
            .iter()
            .filter(|m| m["internetMessageId"] == id.as_str())
            .count();
        assert!(copies >= 1, "{id} lost");
        duplicates += copies - 1;
    }
    let bound = Duration::from_millis(latency_ms) * (messages.div_ceil(4) as u32);
    let ceiling_per_s = messages as f64 / ceiling_wall.as_secs_f64();
    let rate = messages as f64 / wall.as_secs_f64();
    println!(
        "graphgate SMTP throughput: {messages} x 10 KB over {connections} connections, {latency_ms} ms per Graph operation"
    );
    println!(
        "  through graphgate {:.1} messages/s (wall {:.2} s); the tenant's ceiling for one mailbox, measured now with sendMail straight to Graph, 4 in flight: {:.1}/s (wall {:.2} s; latency bound {:.2} s)",
        rate,
        wall.as_secs_f64(),
        ceiling_per_s,
        ceiling_wall.as_secs_f64(),
        bound.as_secs_f64()
    );
    println!("  {:.1}% of the ceiling", 100.0 * rate / ceiling_per_s);
    println!(
        "  Graph requests {}, throttled {}, client retries {retries}, arrived {arrived}, lost 0, duplicates {duplicates}",
        stats["requests"], stats["throttled"]
    );
    gw.stop().await;
    tenant.stop().await;
}
