//! The `graphgate` binary from outside: `demo` and `emulator` start on
//! ephemeral loopback ports, every listener answers, SIGTERM stops them
//! cleanly; `serve` reads its file and names bad keys; placeholders and
//! `cert generate` behave.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};

const START_DEADLINE: Duration = Duration::from_secs(20);
const IO_DEADLINE: Duration = Duration::from_secs(5);

pub(crate) fn graphgate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_graphgate"));
    cmd.env_remove("GRAPHGATE_CONFIG").env_remove("RUST_LOG");
    cmd
}

/// A graphgate process started by a test; killed if the test fails.
pub(crate) struct Running {
    child: Child,
    stdout: Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl Running {
    pub(crate) fn start(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("graphgate starts");
        let (tx, stdout) = channel();
        let out = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().expect("piped stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = err.read(&mut buf) {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Running {
            child,
            stdout,
            stderr,
        }
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Stdout lines up to and including `ready`.
    pub(crate) fn wait_for_stdout(&self, ready: &str) -> Vec<String> {
        let deadline = Instant::now() + START_DEADLINE;
        let mut lines = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) if line == ready => return lines,
                Ok(line) => lines.push(line),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no {ready:?} in time; stderr:\n{}", self.stderr())
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "graphgate ended before {ready:?}; stdout: {lines:?}\nstderr:\n{}",
                        self.stderr()
                    )
                }
            }
        }
    }

    pub(crate) fn wait_for_stderr(&self, text: &str) {
        let deadline = Instant::now() + START_DEADLINE;
        while !self.stderr().contains(text) {
            assert!(
                Instant::now() < deadline,
                "no {text:?} in time; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Send SIGTERM and wait (with a deadline) for the exit status.
    pub(crate) fn terminate(&mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let deadline = Instant::now() + IO_DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "no exit after SIGTERM; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The address in the banner line that contains `scheme://`.
pub(crate) fn address(lines: &[String], scheme: &str) -> SocketAddr {
    let marker = format!(" {scheme}://");
    let line = lines
        .iter()
        .find(|l| l.contains(&marker))
        .unwrap_or_else(|| panic!("no {scheme}:// line in {lines:#?}"));
    let rest = &line[line.find(&marker).unwrap() + marker.len()..];
    let addr = rest.split_whitespace().next().unwrap_or_default();
    addr.parse()
        .unwrap_or_else(|_| panic!("{addr:?} in {line:?} is not an address"))
}

fn first_line(addr: SocketAddr) -> String {
    let stream = TcpStream::connect_timeout(&addr, IO_DEADLINE).expect("connect");
    stream.set_read_timeout(Some(IO_DEADLINE)).unwrap();
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .expect("a greeting");
    line
}

fn http_status_line(addr: SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect_timeout(&addr, IO_DEADLINE).expect("connect");
    stream.set_read_timeout(Some(IO_DEADLINE)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .expect("an HTTP answer");
    line
}

/// TLS handshake with the generated certificate as the only trust anchor,
/// then the greeting.
fn tls_first_line(addr: SocketAddr, cert: &Path) -> String {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(cert).expect("the certificate file") {
        roots
            .add(c.expect("a certificate"))
            .expect("a usable certificate");
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use tokio::io::AsyncBufReadExt;
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let name = ServerName::try_from("localhost").unwrap();
        let tls = tokio::time::timeout(IO_DEADLINE, connector.connect(name, tcp))
            .await
            .expect("handshake in time")
            .expect("the handshake succeeds with the generated certificate");
        let mut line = String::new();
        tokio::time::timeout(
            IO_DEADLINE,
            tokio::io::BufReader::new(tls).read_line(&mut line),
        )
        .await
        .expect("greeting in time")
        .expect("greeting");
        line
    })
}

pub(crate) const ANY_PORT: [&str; 20] = [
    "--imap",
    "127.0.0.1:0",
    "--imaps",
    "127.0.0.1:0",
    "--smtp",
    "127.0.0.1:0",
    "--smtps",
    "127.0.0.1:0",
    "--emulator",
    "127.0.0.1:0",
    "--admin",
    "127.0.0.1:0",
    "--pop3",
    "127.0.0.1:0",
    "--pop3s",
    "127.0.0.1:0",
    "--dav",
    "127.0.0.1:0",
    "--davs",
    "127.0.0.1:0",
];

#[test]
fn demo_listens_everywhere_and_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = graphgate();
    cmd.arg("demo")
        .args(ANY_PORT)
        .arg("--data-dir")
        .arg(data.path());
    let started = Instant::now();
    let mut demo = Running::start(cmd);
    let lines = demo.wait_for_stdout("graphgate demo is ready");
    let startup = started.elapsed();

    let emulator = address(&lines, "http");
    assert!(http_status_line(emulator, "/_emulator/stats").starts_with("HTTP/1.1 "));
    let imap = first_line(address(&lines, "imap"));
    assert!(imap.starts_with("* "), "{imap:?}");
    let smtp = first_line(address(&lines, "smtp"));
    assert!(smtp.starts_with("220 "), "{smtp:?}");
    let cert = data.path().join("certs/localhost.pem");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(&cert.display().to_string())),
        "{lines:#?}"
    );
    let imaps = tls_first_line(address(&lines, "imaps"), &cert);
    assert!(imaps.starts_with("* OK [CAPABILITY IMAP4REV1"), "{imaps:?}");
    let smtps = tls_first_line(address(&lines, "smtps"), &cert);
    assert!(smtps.starts_with("220 "), "{smtps:?}");
    for needed in [
        "contoso.test",
        "graphgate-demo",
        "/devicelogin",
        "sales@contoso.test",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(needed)),
            "{needed:?} not in {lines:#?}"
        );
    }

    let status = demo.terminate();
    assert_eq!(status.code(), Some(0), "stderr:\n{}", demo.stderr());
    // Generous for a loaded test machine; `graphgate demo` itself is ready in milliseconds.
    assert!(
        startup < Duration::from_secs(5),
        "demo took {startup:?} to be ready"
    );
}

#[test]
fn the_emulator_alone_answers_http_and_stops_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = graphgate();
    cmd.args([
        "emulator",
        "--emulator",
        "127.0.0.1:0",
        "--seed-messages",
        "5",
        "--data-dir",
    ])
    .arg(data.path());
    let mut tenant = Running::start(cmd);
    let lines = tenant.wait_for_stdout("graphgate emulator is ready");
    assert!(http_status_line(address(&lines, "http"), "/").starts_with("HTTP/1.1 "));
    assert_eq!(
        tenant.terminate().code(),
        Some(0),
        "stderr:\n{}",
        tenant.stderr()
    );
}

#[test]
fn serve_runs_from_its_file_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graphgate.toml");
    let config = format!(
        "[server]\ndata_dir = {:?}\n[imap]\nlisten = \"127.0.0.1:0\"\nlisten_tls = \"127.0.0.1:0\"\n\
         [smtp]\nlisten = \"127.0.0.1:0\"\nlisten_tls = \"\"\n",
        dir.path().join("data").display().to_string()
    );
    std::fs::write(&file, config).unwrap();
    let mut cmd = graphgate();
    cmd.arg("--config")
        .arg(&file)
        .args(["--log-format", "json", "serve"]);
    let mut serve = Running::start(cmd);
    serve.wait_for_stderr("graphgate is ready");
    assert!(dir.path().join("data/certs/localhost-key.pem").exists());
    assert_eq!(
        serve.terminate().code(),
        Some(0),
        "stderr:\n{}",
        serve.stderr()
    );
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("graphgate runs")
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn serve_names_an_unknown_key_and_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graphgate.toml");
    std::fs::write(&file, "[imap]\nlisen = \"127.0.0.1:1143\"\n").unwrap();
    let out = run(graphgate().arg("--config").arg(&file).arg("serve"));
    assert_eq!(out.status.code(), Some(78));
    let err = stderr_of(&out);
    assert!(
        err.contains(
            "unknown key `imap.lisen` (known keys: listen, listen_tls, max_literal_bytes,"
        ),
        "{err}"
    );
}

#[test]
fn serve_applies_environment_overrides_and_names_them_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("graphgate.toml");
    std::fs::write(&file, "[imap]\nlisten = \"127.0.0.1:1143\"\n").unwrap();
    let out = run(graphgate()
        .arg("--config")
        .arg(&file)
        .arg("serve")
        .env("GRAPHGATE__IMAP__LISTEN", "127.0.0.1:99999"));
    assert_eq!(out.status.code(), Some(78));
    let err = stderr_of(&out);
    assert!(
        err.contains("config key `imap.listen`: \"127.0.0.1:99999\" is not a socket address"),
        "{err}"
    );
    assert!(err.contains("GRAPHGATE__IMAP__LISTEN"), "{err}");
}

#[test]
fn serve_without_a_config_file_says_how_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(graphgate().arg("serve").current_dir(dir.path()));
    assert_eq!(out.status.code(), Some(78));
    let err = stderr_of(&out);
    assert!(
        err.contains("copy config/graphgate.example.toml to graphgate.toml"),
        "{err}"
    );
    assert!(err.contains("graphgate demo"), "{err}");
}

#[test]
fn cert_generate_writes_a_pair_and_keeps_it_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("certs");
    let generate = || {
        let mut cmd = graphgate();
        cmd.args(["cert", "generate", "--host", "mail.example.test", "--out"])
            .arg(&out_dir);
        cmd
    };
    let out = run(&mut generate());
    assert!(out.status.success(), "{}", stderr_of(&out));
    let cert = out_dir.join("localhost.pem");
    assert!(cert.exists() && out_dir.join("localhost-key.pem").exists());
    let first = std::fs::read(&cert).unwrap();

    let out = run(&mut generate());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_of(&out).contains("--force"), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(&cert).unwrap(), first);

    let out = run(generate().arg("--force"));
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_ne!(std::fs::read(&cert).unwrap(), first);
}

#[test]
fn the_first_client_to_reach_the_demo_can_log_in_at_once() {
    // Before, the listeners opened before the demo users were made, and a
    // client that connected in that moment was told its password was wrong.
    let data = tempfile::tempdir().unwrap();
    let imap = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut cmd = graphgate();
    cmd.args(["demo", "--imap"])
        .arg(imap.to_string())
        .args(&ANY_PORT[2..])
        .arg("--data-dir")
        .arg(data.path());
    let mut demo = Running::start(cmd);
    let deadline = Instant::now() + START_DEADLINE;
    let stream = loop {
        match TcpStream::connect_timeout(&imap, Duration::from_millis(200)) {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => panic!("the demo's IMAP port never opened: {e}\n{}", demo.stderr()),
        }
    };
    stream.set_read_timeout(Some(IO_DEADLINE)).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("* OK"), "{line:?}");
    (&stream)
        .write_all(b"a LOGIN alice@contoso.test graphgate-demo\r\n")
        .unwrap();
    let mut answer = String::new();
    while !answer.starts_with("a ") {
        answer.clear();
        reader.read_line(&mut answer).unwrap();
    }
    assert!(answer.starts_with("a OK"), "{answer:?}\n{}", demo.stderr());
    assert_eq!(demo.terminate().code(), Some(0), "{}", demo.stderr());
}
