//! A POP3 client collecting a 10,000-message maildrop: login, UIDL and
//! LIST, each timed and counted in Graph requests, next to the lower bound
//! measured in the same run: the same facts over IMAP on a new connection
//! (LOGIN, SELECT INBOX, UID FETCH 1:* (RFC822.SIZE)). The folder was
//! listed once before (as a gateway that has run for a while has), so both
//! sides pay one delta round.
//!
//! Run: `cargo bench --bench pop3_listing` (MESSAGES=… LATENCY_MS=…,
//! SIZE_MODE=exact|estimate; estimate is the default here because exact
//! sizes of 10,000 never-downloaded messages cost 10,000 downloads on any
//! protocol).

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
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A minimal POP3 client: one command, its answer's lines.
struct Pop3 {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Pop3 {
    async fn connect(addr: std::net::SocketAddr) -> Pop3 {
        let (r, w) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut p = Pop3 {
            reader: BufReader::new(r),
            writer: w,
        };
        let greeting = p.line().await;
        assert!(greeting.starts_with("+OK"), "{greeting}");
        p
    }

    async fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).await.unwrap();
        line.trim_end().to_string()
    }

    /// Send `command`; its status line and, when `multi`, the lines up to
    /// the end marker.
    async fn run(&mut self, command: &str, multi: bool) -> Vec<String> {
        self.writer
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .unwrap();
        let status = self.line().await;
        assert!(status.starts_with("+OK"), "{command}: {status}");
        let mut out = vec![status];
        if multi {
            loop {
                let line = self.line().await;
                if line == "." {
                    break;
                }
                out.push(line);
            }
        }
        out
    }
}

/// Graph requests since the last reset, and the reset.
async fn requests(gw: &TestGateway) -> u64 {
    let n = gw.tenant.stats().await["requests"].as_u64().unwrap_or(0);
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    n
}

fn print(name: &str, wall: Duration, requests: u64, bound: Duration) {
    println!(
        "{name:<48} {:>4} req  {:>8.1} ms  ratio {:>5.2}",
        requests,
        wall.as_secs_f64() * 1000.0,
        wall.as_secs_f64() / bound.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let messages = env("MESSAGES", 10_000) as usize;
    let latency_ms = env("LATENCY_MS", 20);
    let size_mode = match std::env::var("SIZE_MODE").as_deref() {
        Ok("exact") => SizeMode::Exact,
        _ => SizeMode::Estimate,
    };
    let mut config = EmulatorConfig {
        seed_messages: messages,
        skip_large_seed: true,
        ..test_config()
    };
    config.settings.latency_ms = latency_ms;
    let tenant = Tenant::start_with(config).await;
    let settings = MailSettings {
        size_mode,
        ..MailSettings::default()
    };
    let fresh = settings.sync_fresh;
    let gw = TestGateway::start_on(tenant, settings).await;
    // The gateway lists the folder once, as one that has been running has.
    let mut first = Client::connect(gw.imap).await;
    first.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    let count = first.run("SELECT INBOX").await.exists().unwrap();
    first.run_ok("LOGOUT").await;
    println!(
        "graphgate POP3 listing benchmark: maildrop of {count} messages, {latency_ms} ms per Graph operation, sizes {size_mode:?}"
    );

    // The bound: the same facts over IMAP, on a new connection.
    tokio::time::sleep(fresh + Duration::from_millis(100)).await;
    requests(&gw).await;
    let started = Instant::now();
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    c.run_ok("SELECT INBOX").await;
    let sizes = c.run("UID FETCH 1:* (RFC822.SIZE)").await;
    assert_eq!(sizes.fetches, count as usize);
    let bound = started.elapsed();
    let bound_requests = requests(&gw).await;
    c.run_ok("LOGOUT").await;

    tokio::time::sleep(fresh + Duration::from_millis(100)).await;
    requests(&gw).await;
    let started = Instant::now();
    let mut p = Pop3::connect(gw.pop3).await;
    p.run(&format!("USER {ALICE}"), false).await;
    p.run(&format!("PASS {PASSWORD}"), false).await;
    let login = started.elapsed();
    let login_requests = requests(&gw).await;
    let t = Instant::now();
    let uidl = p.run("UIDL", true).await;
    let uidl_wall = t.elapsed();
    let uidl_requests = requests(&gw).await;
    assert_eq!(uidl.len() - 1, count as usize);
    let t = Instant::now();
    let list = p.run("LIST", true).await;
    let list_wall = t.elapsed();
    let list_requests = requests(&gw).await;
    assert_eq!(list.len() - 1, count as usize);
    let total = started.elapsed();
    p.run("QUIT", false).await;

    print(
        "bound: IMAP LOGIN + SELECT + UID FETCH 1:* (RFC822.SIZE)",
        bound,
        bound_requests,
        bound,
    );
    print(
        "POP3 USER + PASS (the maildrop's listing)",
        login,
        login_requests,
        bound,
    );
    print("POP3 UIDL", uidl_wall, uidl_requests, bound);
    print("POP3 LIST", list_wall, list_requests, bound);
    print(
        "POP3 login + UIDL + LIST",
        total,
        login_requests + uidl_requests + list_requests,
        bound,
    );
    gw.stop().await;
}
