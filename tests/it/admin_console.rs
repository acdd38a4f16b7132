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

/// The value of cookie `name` among a response's `Set-Cookie` headers,
/// with the whole header.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<(String, String)> {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let value = v[name.len() + 1..].split(';').next().unwrap_or_default();
            (value.to_string(), v.to_string())
        })
}

fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    page[at..].split('"').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_over_https_guards_its_cookies_forms_and_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = dir.path().join("graphgate.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\ndata_dir = {data:?}\n\n[imap]\nlisten = \"127.0.0.1:0\"\nlisten_tls = \"\"\n\n\
             [smtp]\nlisten = \"\"\nlisten_tls = \"\"\n\n[admin]\nlisten = \"127.0.0.1:0\"\ntls = \"always\"\n\n\
             [accounts]\nfailures_per_user = 3\n\n\
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
    serve.wait_for_stderr("admin console listening");
    let log = serve.stderr();
    let line = log
        .lines()
        .find(|l| l.contains("admin console listening"))
        .unwrap();
    assert!(line.contains("tls=true"), "{line}");
    let at = line.find("addr=").unwrap() + 5;
    let addr: SocketAddr = line[at..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();

    // Two administrators, added by the CLI beside the running server.
    let mut passwords = Vec::new();
    for name in ["ops", "ops2"] {
        let out = graphgate()
            .arg("--config")
            .arg(&config)
            .args(["admin", "add", name])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pw = text
            .lines()
            .map(str::trim)
            .find(|l| l.len() == 23 && l.matches('-').count() == 3)
            .unwrap_or_else(|| panic!("no password in {text}"))
            .to_string();
        assert!(
            text.contains("The console is at https://127.0.0.1:"),
            "{text}"
        );
        passwords.push(pw);
    }
    let again = graphgate()
        .arg("--config")
        .arg(&config)
        .args(["admin", "add", "OPS"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already an administrator ops"));

    let pem = std::fs::read(dir.path().join("data/certs/localhost.pem")).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = |path: &str| format!("https://{addr}{path}");

    // Not signed in: pages redirect to the sign-in page, changes are refused.
    let r = http.get(url("/accounts")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let r = http
        .post(url("/accounts"))
        .form(&[("csrf", "x"), ("login", "eve"), ("mode", "delegated")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // The sign-in form's own token is a Secure __Host- cookie.
    let sign_in = |name: &'static str, password: String| {
        let http = http.clone();
        let url = url("/login");
        async move {
            let page = http.get(&url).send().await.unwrap();
            let (token, header) =
                set_cookie(&page, "__Host-graphgate-login").expect("login cookie");
            assert!(
                header.contains("Secure") && header.contains("HttpOnly"),
                "{header}"
            );
            let csrf = csrf_of(&page.text().await.unwrap());
            assert_eq!(csrf, token);
            http.post(&url)
                .header("Cookie", format!("__Host-graphgate-login={token}"))
                .form(&[
                    ("name", name),
                    ("password", password.as_str()),
                    ("csrf", csrf.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // A sign-in form without its cookie is refused.
    let page = http.get(url("/login")).send().await.unwrap();
    let csrf = csrf_of(&page.text().await.unwrap());
    let r = http
        .post(url("/login"))
        .form(&[
            ("name", "ops"),
            ("password", passwords[0].as_str()),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    // Guessing ops2's password: three failures, then refused outright.
    for _ in 0..3 {
        let r = sign_in("ops2", "wrong-guess".into()).await;
        assert_eq!(r.status(), 401);
    }
    let r = sign_in("ops2", passwords[1].clone()).await;
    assert_eq!(
        r.status(),
        429,
        "the limit holds even for the right password"
    );
    assert!(r.text().await.unwrap().contains("Too many failed sign-ins"));

    let r = sign_in("ops", passwords[0].clone()).await;
    assert_eq!(r.status(), 303);
    let (session, header) = set_cookie(&r, "__Host-graphgate").expect("the sign-in cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(header.contains(part), "{header}");
    }
    let cookie = format!("__Host-graphgate={session}");
    let page = http
        .get(url("/accounts"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let csrf = csrf_of(&page.text().await.unwrap());

    // A change without the form token of this sign-in is refused.
    let r = http
        .post(url("/accounts"))
        .header("Cookie", &cookie)
        .form(&[
            ("csrf", "0".repeat(64).as_str()),
            ("login", "eve@contoso.test"),
            ("mode", "delegated"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // With it, the account is added and its password shown once.
    let r = http
        .post(url("/accounts"))
        .header("Cookie", &cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "eve@contoso.test"),
            ("mode", "delegated"),
            ("label", "tb"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("id=\"new-password\""));
    // A flash message a link from elsewhere made up is not shown.
    let page = http
        .get(url(
            "/accounts?error=Your+console+expired%2C+sign+in+at+evil.example",
        ))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("eve@contoso.test") && !page.contains("evil.example"),
        "{page}"
    );

    let r = http
        .post(url("/logout"))
        .header("Cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = http
        .get(url("/accounts"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the sign-in ended");
    assert_eq!(serve.terminate().code(), Some(0), "{}", serve.stderr());
}
