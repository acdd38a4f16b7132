//! `graphgate login` and `graphgate doctor`, run as a person would.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use super::harness::{CLIENT_ID, SECRET, SIGNIN_PASSWORD, Setup};
use crate::common::{ALICE, SALES};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_login_keeps_a_sealed_sign_in_and_logs_no_secret() {
    let setup = Setup::new(false).await;
    let (out, err) = setup.login(ALICE).await;
    assert!(out.contains("Signed in as alice@contoso.test"), "{out}");
    assert!(out.contains("/devicelogin"), "the address to open: {out}");
    let tokens = setup.tokens().await;
    let refresh = tokens
        .refresh_tokens()
        .get(ALICE)
        .await
        .unwrap()
        .expect("a stored sign-in");
    // The refresh token's bytes are nowhere in the database file.
    let db = std::fs::read(setup.data_dir().join(graphgate::config::SQLITE_FILE)).unwrap();
    let needle = &refresh.expose().as_bytes()[..24];
    assert!(
        !db.windows(needle.len()).any(|w| w == needle),
        "refresh token in clear in the store"
    );
    // Doctor uses it; neither command's trace-level log holds a secret.
    let doctor = setup.graphgate(&["doctor"]).output().await.unwrap();
    let doctor_err = String::from_utf8_lossy(&doctor.stderr);
    for log in [err.as_str(), &doctor_err] {
        assert!(!log.contains(refresh.expose()), "refresh token in a log");
        assert!(!log.contains("eyJ"), "a JWT in a log");
        assert!(!log.contains(SECRET), "the client secret in a log");
        assert!(!log.contains(SIGNIN_PASSWORD), "a password in a log");
    }
    assert!(!err.is_empty(), "trace logging was on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_reports_everything_working() {
    let setup = Setup::new(true).await;
    setup.login(ALICE).await;
    setup.login(crate::common::BOB).await;
    let out = setup.graphgate(&["doctor"]).output().await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("reads shared mailbox sales@contoso.test"),
        "{text}"
    );
    assert!(
        text.contains("roles: Mail.ReadWrite Mail.Send") || text.contains("Mail.Send"),
        "{text}"
    );
    assert!(text.contains("Everything checked works."), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_names_a_missing_scope_and_what_it_breaks() {
    // alice signs in before shared mailboxes are configured: her sign-in
    // holds no .Shared permission. Then sales@ is configured for her.
    let setup = Setup::new(false).await;
    setup.login(ALICE).await;
    setup.login(crate::common::BOB).await;
    setup.write_config(true, "");
    let out = setup.graphgate(&["doctor"]).output().await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "Mail.Send.Shared missing: {ALICE} cannot send as {SALES}"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Mail.ReadWrite.Shared missing: {ALICE} cannot open {SALES}"
        )),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_explains_a_wrong_client_secret() {
    let setup = Setup::new(false).await;
    let text = std::fs::read_to_string(&setup.config_file)
        .unwrap()
        .replace(SECRET, "not-the-secret");
    std::fs::write(&setup.config_file, text).unwrap();
    let out = setup.graphgate(&["doctor"]).output().await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("client secret in [microsoft] client_secret is wrong or expired"),
        "{text}"
    );
    assert!(
        text.contains("not signed in") || text.contains("graphgate login alice@contoso.test"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_login_with_pkce_in_headless_chromium() {
    let setup = Setup::new(false).await;
    let mut child = setup
        .graphgate(&["login", ALICE, "--browser", "--timeout-s", "90"])
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("login prints the address")
            .unwrap()
            .expect("login prints the address");
        if line.trim().starts_with("http") {
            break line.trim().to_string();
        }
    };
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    let script = format!(
        "{}/tests/clients/browser_login.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let browser = tokio::process::Command::new("python3")
        .arg(script)
        .arg(&url)
        .arg(ALICE)
        .arg(SIGNIN_PASSWORD)
        .output()
        .await
        .unwrap();
    assert!(
        browser.status.success(),
        "browser: {}\n{}",
        String::from_utf8_lossy(&browser.stdout),
        String::from_utf8_lossy(&browser.stderr)
    );
    let mut rest = String::new();
    while let Ok(Some(line)) = lines.next_line().await {
        rest.push_str(&line);
    }
    let done = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        done.status.success(),
        "{rest}\n{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(rest.contains("Signed in as alice@contoso.test"), "{rest}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imap_login_before_the_microsoft_sign_in_says_what_to_run() {
    use graphgate::accounts::{Accounts, LoginLimits};
    use graphgate::secret::Secret;
    use tokio::io::AsyncWriteExt;
    let setup = Setup::new(false).await;
    let accounts = Accounts::new(setup.store().await, LoginLimits::default());
    accounts
        .set_password(ALICE, "test", &Secret::new("gateway-pw-1"))
        .await
        .unwrap();
    let text = std::fs::read_to_string(&setup.config_file).unwrap();
    std::fs::write(
        &setup.config_file,
        format!(
            "{text}\n[imap]\nlisten = \"127.0.0.1:0\"\nlisten_tls = \"\"\n\n[smtp]\nlisten = \"\"\nlisten_tls = \"\"\n"
        ),
    )
    .unwrap();
    let mut serve = setup.graphgate(&["serve"]);
    serve.env("RUST_LOG", "info");
    let mut child = serve.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("serve starts")
            .unwrap()
            .expect("serve starts");
        if line.contains("listening")
            && let Some(at) = line.find("addr=")
        {
            break line[at + 5..]
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
        }
    };
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read).lines();
    read.next_line().await.unwrap().expect("greeting");
    write
        .write_all(format!("a1 LOGIN {ALICE} gateway-pw-1\r\n").as_bytes())
        .await
        .unwrap();
    let answer = loop {
        let line = read.next_line().await.unwrap().expect("an answer");
        if line.starts_with("a1 ") {
            break line;
        }
    };
    assert!(answer.starts_with("a1 NO [UNAVAILABLE]"), "{answer}");
    assert!(
        answer.contains("graphgate login alice@contoso.test"),
        "{answer}"
    );
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_show_and_reload_of_a_running_server() {
    let setup = Setup::new(true).await;
    let text = std::fs::read_to_string(&setup.config_file).unwrap();
    let listeners = "[imap]\nlisten = \"127.0.0.1:0\"\nlisten_tls = \"\"\n\n[smtp]\nlisten = \"\"\nlisten_tls = \"\"\n";
    // Tables of arrays come last in TOML: put the listeners before them.
    let (head, tail) = text.split_once("[[shared_mailbox]]").unwrap();
    std::fs::write(
        &setup.config_file,
        format!("{head}{listeners}\n[[shared_mailbox]]{tail}"),
    )
    .unwrap();
    let show = setup.graphgate(&["policy", "show"]).output().await.unwrap();
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(
        shown.contains("sales@contoso.test")
            && shown.contains("send as         alice@contoso.test"),
        "{shown}"
    );
    let mut serve = setup.graphgate(&["serve"]);
    serve.env("RUST_LOG", "info");
    let mut child = serve.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut wait_for = async |what: &str| loop {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("no {what:?} in time"))
            .unwrap()
            .unwrap_or_else(|| panic!("serve ended before {what:?}"));
        if line.contains(what) {
            return line;
        }
    };
    wait_for("graphgate is ready").await;
    let reload = setup
        .graphgate(&["policy", "reload"])
        .output()
        .await
        .unwrap();
    assert!(
        reload.status.success(),
        "{}",
        String::from_utf8_lossy(&reload.stderr)
    );
    let line = wait_for("policy reloaded").await;
    assert!(line.contains("shared_mailboxes=1"), "{line}");
    // A broken file is refused and the old policy stays.
    std::fs::write(
        &setup.config_file,
        std::fs::read_to_string(&setup.config_file).unwrap()
            + "\n[[shared_mailbox]]\nadress = \"x\"\n",
    )
    .unwrap();
    let reload = setup
        .graphgate(&["policy", "reload"])
        .output()
        .await
        .unwrap();
    assert!(
        !reload.status.success(),
        "the CLI itself refuses the broken file"
    );
    assert!(String::from_utf8_lossy(&reload.stderr).contains("adress"));
    // A SIGHUP from elsewhere (systemctl reload) meets the same file.
    let pid = std::fs::read_to_string(setup.data_dir().join("graphgate.pid")).unwrap();
    let hup = std::process::Command::new("kill")
        .args(["-HUP", pid.trim()])
        .status()
        .unwrap();
    assert!(hup.success());
    let line = wait_for("policy not reloaded").await;
    assert!(line.contains("adress"), "the log names the bad key: {line}");
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_oauth_sign_in_and_names_a_missing_api() {
    let setup = Setup::new(false).await;
    setup.login(ALICE).await;
    setup.login(crate::common::BOB).await;
    setup.write_config(false, "\n[oauth]\nenabled = true\n");
    let out = setup.graphgate(&["doctor"]).output().await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("the app exposes api://{CLIENT_ID}"))
            && text.contains(&format!(
                "clients ask for the scope api://{CLIENT_ID}/Mail.Gateway"
            ))
            && text.contains("no OAuth sign-in yet"),
        "{text}"
    );
    // The app registration stops exposing its API.
    let path = format!("/_emulator/apps/{CLIENT_ID}");
    let mut app = setup.tenant.control_get(&path).await;
    app["identifier_uris"] = serde_json::json!([]);
    let r = setup
        .tenant
        .http
        .put(format!("{}{path}", setup.tenant.base))
        .json(&app)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let out = setup.graphgate(&["doctor"]).output().await.unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!("set the Application ID URI to api://{CLIENT_ID}")),
        "{text}"
    );
}
