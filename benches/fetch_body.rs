//! How fast a cached message's `BODY[]` is served: one SIZE_MB (25) MB
//! message is delivered to the emulated tenant, fetched once (the download
//! into the cache, reported apart), then `UID FETCH n BODY.PEEK[]` RUNS (5)
//! times over IMAP on loopback. The bound measured in the same run is the
//! same number of bytes written from memory to a loopback socket and read
//! the same way (what any server could do at best here); the figure is
//! given in MB/s next to it and as a ratio. Run:
//! `cargo bench --bench fetch_body`.

#[path = "../tests/it/common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use common::gateway::{PASSWORD, TestGateway};
use common::{ALICE, BOB, Tenant, test_config};
use graphgate::mailbox::MailSettings;
use graphgate_emulator::EmulatorConfig;

/// A message of about `bytes` bytes: a text part of 76-character lines.
fn big_mime(bytes: usize) -> String {
    let mut mime = format!(
        "From: {BOB}\r\nTo: {ALICE}\r\nSubject: big body\r\nMessage-ID: <big@contoso.test>\r\n\r\n"
    );
    let line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ab\r\n";
    while mime.len() < bytes {
        mime.push_str(line);
    }
    mime
}

/// Read one response line into `line` (cleared first).
async fn read_line(reader: &mut BufReader<TcpStream>, line: &mut Vec<u8>) {
    line.clear();
    let n = reader.read_until(b'\n', line).await.expect("read");
    assert!(n > 0, "the gateway closed the connection");
}

/// Run `command`, reading literals into `sink`; the literal bytes read.
async fn run(
    reader: &mut BufReader<TcpStream>,
    tag: &str,
    command: &str,
    sink: &mut [u8],
) -> usize {
    let text = format!("{tag} {command}\r\n");
    reader
        .get_mut()
        .write_all(text.as_bytes())
        .await
        .expect("write");
    let mut literal = 0;
    let mut line = Vec::new();
    loop {
        read_line(reader, &mut line).await;
        if line.starts_with(format!("{tag} ").as_bytes()) {
            assert!(
                line.starts_with(format!("{tag} OK").as_bytes()),
                "{command}: {}",
                String::from_utf8_lossy(&line)
            );
            return literal;
        }
        let text = String::from_utf8_lossy(&line);
        if let Some(open) = text
            .trim_end()
            .strip_suffix('}')
            .and_then(|t| t.rfind('{').map(|i| &t[i + 1..]))
            && let Ok(n) = open.parse::<usize>()
        {
            let mut left = n;
            while left > 0 {
                let chunk = left.min(sink.len());
                reader
                    .read_exact(&mut sink[..chunk])
                    .await
                    .expect("literal");
                left -= chunk;
            }
            literal += n;
        }
    }
}

/// Loopback at its best: `bytes` written from memory, read in the same
/// chunks as the IMAP client reads.
async fn loopback(bytes: usize, sink: &mut [u8]) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let data = vec![b'x'; bytes];
    let writer = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.expect("accept");
        s.write_all(&data).await.expect("write");
    });
    let mut reader = BufReader::new(TcpStream::connect(addr).await.expect("connect"));
    let t = Instant::now();
    let mut left = bytes;
    while left > 0 {
        let chunk = left.min(sink.len());
        reader.read_exact(&mut sink[..chunk]).await.expect("read");
        left -= chunk;
    }
    let took = t.elapsed();
    writer.await.expect("writer");
    took
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mb_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64().max(1e-9)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let size = common::env_or("SIZE_MB", 25) as usize * 1_000_000;
    let runs = common::env_or("RUNS", 5).max(1) as usize;
    let tenant = Tenant::start_with(EmulatorConfig {
        skip_large_seed: true,
        ..test_config()
    })
    .await;
    tenant.deliver(ALICE, &big_mime(size)).await;
    let gw = TestGateway::start_on(
        Tenant {
            running: None,
            base: tenant.base.clone(),
            http: tenant.http.clone(),
        },
        MailSettings::default(),
    )
    .await;
    let mut sink = vec![0u8; 64 * 1024];
    let mut c = BufReader::new(TcpStream::connect(gw.imap).await.expect("connect"));
    let mut line = Vec::new();
    read_line(&mut c, &mut line).await;
    run(&mut c, "a", &format!("LOGIN {ALICE} {PASSWORD}"), &mut sink).await;
    run(&mut c, "b", "SELECT INBOX", &mut sink).await;
    let fetch = "FETCH * BODY.PEEK[]";
    let t = Instant::now();
    let served = run(&mut c, "c0", fetch, &mut sink).await;
    let cold = t.elapsed();
    assert!(served >= size, "the whole message came: {served} bytes");
    let mut warm = Vec::new();
    let mut bound = Vec::new();
    for i in 0..runs {
        let t = Instant::now();
        assert_eq!(
            run(&mut c, &format!("c{}", i + 1), fetch, &mut sink).await,
            served
        );
        warm.push(t.elapsed());
        bound.push(loopback(served, &mut sink).await);
    }
    let (warm, bound) = (median(warm), median(bound));
    println!(
        "graphgate BODY[] of a cached {:.1} MB message, median of {runs}",
        served as f64 / 1e6
    );
    println!(
        "  first FETCH (download into the cache) {:.2} s; cached {:.3} s = {:.0} MB/s; loopback socket bound {:.3} s = {:.0} MB/s; ratio {:.2}",
        cold.as_secs_f64(),
        warm.as_secs_f64(),
        mb_s(served, warm),
        bound.as_secs_f64(),
        mb_s(served, bound),
        warm.as_secs_f64() / bound.as_secs_f64().max(1e-9),
    );
    gw.stop().await;
    tenant.stop().await;
}
