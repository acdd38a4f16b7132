//! What an IDLE session costs the gateway: SESSIONS (10,000) clients log in,
//! SELECT a MESSAGES-message (10,000) Inbox and IDLE, and the resident
//! memory of the `graphgate demo` process (gateway and emulated tenant, its
//! own process, started from the built binary) is read from /proc before and
//! after. The bound measured in the same run is what a session costs that
//! has only logged in (LOGGED_IN, 1,000 of them, opened first): the part of
//! an IDLE session that is its view of the folder is the difference. The
//! budget the project set is 10,000 such sessions in 1 GiB.
//!
//! COMPRESSED (1,000) more sessions do the same after COMPRESS DEFLATE
//! (RFC 4978): what one of them costs beyond a plain IDLE session is the
//! compression's share (its inflater; a session gives its compressor back
//! when it waits for its client).
//!
//! Then one message is delivered and the bench times how long every
//! session takes to see `* n EXISTS` (the first one waits for the poller,
//! the rest for the fan-out), with the gateway's CPU time for that change.
//! Run: `cargo bench --bench idle_memory` (SESSIONS, MESSAGES, LOGGED_IN,
//! COMPRESSED to change the sizes; SESSIONS is capped by the open-files
//! limit).

use std::net::{SocketAddr, TcpListener};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use graphgate::server::Deflate;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::sync::{Notify, Semaphore};

const USER: &str = "alice@contoso.test";
const PASSWORD: &str = "graphgate-demo";

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn free_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    l.local_addr().expect("its address")
}

/// Resident memory of `pid`, in bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// CPU time `pid` has used (user and system), in seconds.
fn cpu_s(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat(5); 12 and 13 here.
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    (ticks(11) + ticks(12)) / hz
}

/// The soft limit on open files of this process (the child inherits it).
fn open_files_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024)
}

/// A session's connection: plain, or under COMPRESS=DEFLATE.
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

struct Session {
    reader: BufReader<Box<dyn Io>>,
}

impl Session {
    async fn line(&mut self) -> String {
        let mut line = String::new();
        let n = self.reader.read_line(&mut line).await.expect("read");
        assert!(n > 0, "the gateway closed a session");
        line
    }

    async fn until(&mut self, prefix: &str) -> String {
        loop {
            let line = self.line().await;
            if line.starts_with(prefix) {
                return line;
            }
            if let Some(rest) = line.strip_suffix("}\r\n")
                && let Some((_, n)) = rest.rsplit_once('{')
                && let Ok(n) = n.parse::<usize>()
            {
                let mut literal = vec![0; n];
                self.reader.read_exact(&mut literal).await.expect("literal");
            }
        }
    }

    async fn send(&mut self, line: &str) {
        let io = self.reader.get_mut();
        io.write_all(line.as_bytes()).await.expect("write");
        io.flush().await.expect("flush");
    }

    async fn command(&mut self, tag: &str, command: &str) {
        self.send(&format!("{tag} {command}\r\n")).await;
        let done = self.until(&format!("{tag} ")).await;
        assert!(done.starts_with(&format!("{tag} OK")), "{command}: {done}");
    }

    async fn open(imap: SocketAddr, select: bool, compress: bool) -> Session {
        let stream = TcpStream::connect(imap).await.expect("connect");
        let mut s = Session {
            reader: BufReader::with_capacity(4096, Box::new(stream)),
        };
        s.line().await;
        s.command("a", &format!("LOGIN {USER} {PASSWORD}")).await;
        if compress {
            s.command("z", "COMPRESS DEFLATE").await;
            assert!(s.reader.buffer().is_empty(), "nothing after COMPRESS's OK");
            let plain = s.reader.into_inner();
            s = Session {
                reader: BufReader::with_capacity(4096, Box::new(Deflate::new(plain, Vec::new()))),
            };
        }
        if select {
            s.command("b", "SELECT INBOX").await;
            s.send("c IDLE\r\n").await;
            s.until("+").await;
        }
        s
    }
}

async fn start(dir: &std::path::Path, messages: usize) -> (Child, SocketAddr, SocketAddr) {
    let config = dir.join("bench.toml");
    std::fs::write(
        &config,
        "[server]\nmax_connections = 30000\nmax_connections_per_address = 0\n\
         max_unauthenticated_per_address = 0\n\
         [imap]\nmax_connections_per_user = 30000\n[log]\nlevel = \"warn\"\n",
    )
    .expect("write the config");
    let (imap, emulator) = (free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_graphgate"))
        .arg("demo")
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(["--seed-messages", &messages.to_string()])
        .args(["--imap", &imap.to_string()])
        .args(["--imaps", &free_port().to_string()])
        .args(["--smtp", &free_port().to_string()])
        .args(["--smtps", &free_port().to_string()])
        .args(["--emulator", &emulator.to_string()])
        .args([
            "--admin", "off", "--pop3", "off", "--pop3s", "off", "--dav", "off", "--davs", "off",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start graphgate demo");
    let mut out = BufReader::new(child.stdout.take().expect("stdout")).lines();
    while let Some(line) = out.next_line().await.expect("demo output") {
        if line.trim() == "graphgate demo is ready" {
            break;
        }
    }
    // Keep draining what it prints.
    tokio::spawn(async move { while let Ok(Some(_)) = out.next_line().await {} });
    (child, imap, emulator)
}

/// Open `n` sessions, `parallel` at a time.
async fn open_many(imap: SocketAddr, n: usize, select: bool, compress: bool) -> Vec<Session> {
    let gate = Arc::new(Semaphore::new(64));
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let gate = gate.clone();
            tokio::spawn(async move {
                let _slot = gate.acquire_owned().await.expect("open");
                Session::open(imap, select, compress).await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.expect("session"));
    }
    out
}

async fn settle(pid: u32) -> u64 {
    tokio::time::sleep(Duration::from_secs(2)).await;
    rss(pid)
}

fn mib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let messages = env_or("MESSAGES", 10_000);
    // Two descriptors per session on this machine (client and gateway).
    let room = open_files_limit().saturating_sub(500) / 2;
    let logged_in = env_or("LOGGED_IN", 1_000).min(room / 4);
    let compressed = env_or("COMPRESSED", 1_000).min(room / 4);
    let sessions = env_or("SESSIONS", 10_000).min(room - logged_in - compressed);
    let dir = tempfile::tempdir().expect("temp dir");
    let (child, imap, emulator) = start(dir.path(), messages).await;
    let pid = child.id().expect("pid");
    println!(
        "graphgate IDLE memory: {sessions} sessions IDLE on a {messages}-message Inbox; bound: {logged_in} sessions only logged in"
    );
    // The first SELECT lists the folder; its cost is not a session's.
    let first = Session::open(imap, true, false).await;
    let start_rss = settle(pid).await;
    let _plain = open_many(imap, logged_in, false, false).await;
    let plain_rss = settle(pid).await;
    let t = Instant::now();
    let idle = open_many(imap, sessions, true, false).await;
    let opened = t.elapsed();
    let idle_rss = settle(pid).await;
    let deflated = open_many(imap, compressed, true, true).await;
    // Each waits in IDLE, its compressor given back.
    let deflated_rss = settle(pid).await;
    let per_plain = plain_rss.saturating_sub(start_rss) as f64 / logged_in.max(1) as f64;
    let per_idle = idle_rss.saturating_sub(plain_rss) as f64 / sessions.max(1) as f64;
    let budget = 1024.0 * 1024.0 * 1024.0 / 10_000.0;
    println!(
        "  process before sessions {:.0} MiB; with {logged_in} logged in {:.0} MiB; with {sessions} IDLE more {:.0} MiB (opened in {:.1} s)",
        mib(start_rss as f64),
        mib(plain_rss as f64),
        mib(idle_rss as f64),
        opened.as_secs_f64(),
    );
    println!(
        "  per IDLE session {:.1} KiB; per logged-in session {:.1} KiB (bound); ratio {:.2}; budget 1 GiB / 10,000 = {:.0} KiB ({:.0}% used)",
        per_idle / 1024.0,
        per_plain / 1024.0,
        per_idle / per_plain.max(1.0),
        budget / 1024.0,
        100.0 * per_idle / budget,
    );

    println!(
        "  10,000 IDLE sessions at this rate: {:.0} MiB for the process (budget 1,024 MiB)",
        mib(start_rss as f64 + 10_000.0 * per_idle),
    );
    let per_deflated = deflated_rss.saturating_sub(idle_rss) as f64 / compressed.max(1) as f64;
    println!(
        "  per IDLE session under COMPRESS=DEFLATE ({compressed} measured) {:.1} KiB: {:.1} KiB more than a plain one",
        per_deflated / 1024.0,
        (per_deflated - per_idle) / 1024.0,
    );

    // One delivery: how long until every session has seen it.
    let seen = Arc::new(AtomicUsize::new(0));
    let all = Arc::new(Notify::new());
    let mut sessions_all = idle;
    sessions_all.extend(deflated);
    sessions_all.push(first);
    let total = sessions_all.len();
    let firsts = Arc::new(parking_lot::Mutex::new(Vec::with_capacity(total)));
    for mut s in sessions_all {
        let (seen, all, firsts) = (seen.clone(), all.clone(), firsts.clone());
        tokio::spawn(async move {
            loop {
                let line = s.line().await;
                if line.ends_with("EXISTS\r\n") {
                    firsts.lock().push(Instant::now());
                    if seen.fetch_add(1, Ordering::SeqCst) + 1 == total {
                        all.notify_one();
                    }
                    break;
                }
            }
            // Hold the session open until the bench ends.
            std::future::pending::<()>().await;
        });
    }
    let cpu_before = cpu_s(pid);
    let sent = Instant::now();
    let http = reqwest::Client::new();
    let r = http
        .post(format!(
            "http://{emulator}/_emulator/mailboxes/{USER}/deliver"
        ))
        .body(
            "From: bob@contoso.test\r\nTo: alice@contoso.test\r\nSubject: fan-out\r\n\r\nhello\r\n",
        )
        .send()
        .await
        .expect("deliver");
    assert!(r.status().is_success(), "delivery: {}", r.status());
    tokio::time::timeout(Duration::from_secs(120), all.notified())
        .await
        .expect("every session sees the delivery");
    let cpu = cpu_s(pid) - cpu_before;
    let mut times = firsts.lock().clone();
    times.sort();
    let first_at = times
        .first()
        .map_or(0.0, |t| t.duration_since(sent).as_secs_f64());
    let last_at = times
        .last()
        .map_or(0.0, |t| t.duration_since(sent).as_secs_f64());
    println!(
        "  one delivery: first session told after {first_at:.2} s (the poller), all {total} after {last_at:.2} s; fan-out {:.2} s, gateway CPU {cpu:.2} s ({:.0} us per session)",
        last_at - first_at,
        cpu * 1e6 / total as f64,
    );
    drop(child);
}
