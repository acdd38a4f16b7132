//! The admin console, `/metrics` and the health endpoints from outside:
//! `graphgate demo` (the real binary) with its console, driven by a real
//! headless Chromium, scraped by the Prometheus project's text parser,
//! and `graphgate serve` answering `/readyz` with 503 while Microsoft's
//! token endpoint cannot be reached.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cli_demo::{ANY_PORT, Running, address, graphgate};

/// A demo with every listener on an ephemeral port; its stdout lines.
fn demo(data: &Path) -> (Running, Vec<String>) {
    let mut cmd = graphgate();
    cmd.arg("demo").args(ANY_PORT).arg("--data-dir").arg(data);
    let demo = Running::start(cmd);
    let lines = demo.wait_for_stdout("graphgate demo is ready");
    (demo, lines)
}

/// The console's address from the demo's banner.
fn console(lines: &[String]) -> SocketAddr {
    let line = lines
        .iter()
        .find(|l| l.trim_start().starts_with("Admin "))
        .unwrap_or_else(|| panic!("no Admin line in {lines:#?}"));
    let at = line.find("http://").expect("an address") + "http://".len();
    let addr = line[at..].split('/').next().unwrap_or_default();
    addr.parse()
        .unwrap_or_else(|_| panic!("{addr:?} is not an address"))
}

fn python(script: &str, args: &[String]) -> std::process::Output {
    let path = format!("{}/tests/clients/{script}", env!("CARGO_MANIFEST_DIR"));
    Command::new("python3")
        .arg(path)
        .args(args)
        .output()
        .expect("python3 runs")
}

fn assert_ok(what: &str, out: &std::process::Output, demo: &Running) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("OK"),
        "{what}:\n{stdout}\n{}\n--- graphgate's stderr:\n{}",
        String::from_utf8_lossy(&out.stderr),
        demo.stderr()
    );
}

#[test]
fn the_console_in_a_real_browser_changes_what_mail_clients_may_do() {
    let data = tempfile::tempdir().unwrap();
    let (mut demo, lines) = demo(data.path());
    let url = format!("http://{}", console(&lines));
    let cert = data.path().join("certs/localhost.pem");
    let mut args = vec![
        url,
        address(&lines, "imap").port().to_string(),
        address(&lines, "smtps").port().to_string(),
        cert.display().to_string(),
        data.path().join("demo-policy.toml").display().to_string(),
    ];
    // `GRAPHGATE_SCREENSHOTS=docs/admin cargo test --release admin_console`
    // refreshes the screenshots in the docs.
    if let Ok(dir) = std::env::var("GRAPHGATE_SCREENSHOTS") {
        args.push(dir);
    }
    let out = python("admin_console.py", &args);
    assert_ok("the browser test", &out, &demo);
    assert_eq!(demo.terminate().code(), Some(0), "{}", demo.stderr());
}

#[test]
fn metrics_parse_as_prometheus_text_and_count_real_traffic() {
    let data = tempfile::tempdir().unwrap();
    let (mut demo, lines) = demo(data.path());
    let cert = data.path().join("certs/localhost.pem");
    let args = vec![
        format!("http://{}", console(&lines)),
        address(&lines, "imap").port().to_string(),
        address(&lines, "smtps").port().to_string(),
        cert.display().to_string(),
    ];
    let out = python("metrics_scrape.py", &args);
    assert_ok("the metrics scrape", &out, &demo);
    assert_eq!(demo.terminate().code(), Some(0), "{}", demo.stderr());
}

/// One HTTP/1.0 GET; (status, body).
fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

#[test]
fn readyz_says_what_is_missing_while_the_token_endpoint_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on the port of a listener just closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = dir.path().join("graphgate.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\ndata_dir = {data:?}\n\n[imap]\nlisten = \"127.0.0.1:0\"\nlisten_tls = \"\"\n\n\
             [smtp]\nlisten = \"\"\nlisten_tls = \"\"\n\n[metrics]\nlisten = \"127.0.0.1:0\"\n\n\
             [microsoft]\ncloud = \"custom\"\ntenant = \"contoso.test\"\nclient_id = \"00000000-0000-4000-8000-000000000001\"\n\
             login_url = \"http://{closed}\"\ngraph_url = \"http://{closed}/v1.0\"\n",
            data = dir.path().join("data").display().to_string(),
        ),
    )
    .unwrap();
    let mut cmd = graphgate();
    cmd.arg("--config")
        .arg(&config)
        .arg("serve")
        .env("RUST_LOG", "info");
    let mut serve = Running::start(cmd);
    serve.wait_for_stderr("metrics listening");
    let log = serve.stderr();
    let line = log
        .lines()
        .find(|l| l.contains("metrics listening"))
        .unwrap();
    let at = line.find("addr=").unwrap() + 5;
    let addr: SocketAddr = line[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let (status, body) = loop {
        let (status, body) = get(addr, "/readyz");
        if body.contains("token endpoint") || Instant::now() > deadline {
            break (status, body);
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("the Microsoft token endpoint has not answered yet"),
        "{body}"
    );
    assert!(!body.contains("store"), "the store answers: {body}");
    assert_eq!(get(addr, "/livez").0, 200);
    let (status, metrics) = get(addr, "/metrics");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("graphgate_token_refreshes_total{outcome=\"unreachable\"}"),
        "{metrics}"
    );
    assert_eq!(serve.terminate().code(), Some(0), "{}", serve.stderr());
}
