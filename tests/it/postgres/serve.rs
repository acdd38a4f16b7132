//! `graphgate serve` with `[store] url` on PostgreSQL, from outside: the
//! real binary adds the account (`graphgate user add`), signs it in with a
//! device code against the emulated tenant (`graphgate login`), and serves
//! IMAP; a raw client logs in, SELECTs INBOX, APPENDs and FETCHes, and the
//! folder state graphgate keeps is then in PostgreSQL.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use sqlx::{Connection, Row};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::auth::harness::approve;
use crate::common::imap_client::Client;
use crate::common::{ALICE, Tenant, pg};

const CLIENT_ID: &str = "00000000-0000-4000-8000-000000000001";
const SECRET: &str = "graphgate-demo-secret";
const DEADLINE: Duration = Duration::from_secs(30);

/// `graphgate --config <file> <args>`, with piped output.
fn graphgate(config: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_graphgate"));
    cmd.arg("--config")
        .arg(config)
        .args(args)
        .env_remove("GRAPHGATE_CONFIG")
        .env_remove("GRAPHGATE_TOKEN_KEY")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// A configuration: the emulated tenant, the store at `url`, only a plain
/// IMAP listener on an ephemeral loopback port.
fn write_config(dir: &Path, tenant: &Tenant, url: &str) -> PathBuf {
    let file = dir.join("graphgate.toml");
    let text = format!(
        "[server]\ndata_dir = {data:?}\n\n[store]\nurl = {url:?}\n\n\
         [microsoft]\ncloud = \"custom\"\ntenant = \"contoso.test\"\nclient_id = \"{CLIENT_ID}\"\n\
         client_secret = \"{SECRET}\"\nlogin_url = \"{base}\"\ngraph_url = \"{base}/v1.0\"\n\n\
         [imap]\nlisten = \"127.0.0.1:0\"\nlisten_tls = \"\"\n\n[smtp]\nlisten = \"\"\nlisten_tls = \"\"\n",
        data = dir.join("data").display().to_string(),
        base = tenant.base,
    );
    std::fs::write(&file, text).unwrap();
    file
}

/// `graphgate user add LOGIN`: the generated password it shows once.
async fn add_user(config: &Path, login: &str) -> String {
    let out = tokio::time::timeout(
        DEADLINE,
        graphgate(config, &["user", "add", login]).output(),
    )
    .await
    .expect("user add finishes")
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "user add: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // "Gateway password … for LOGIN:", a blank line, then the password.
    let mut lines = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Gateway password"));
    lines
        .find(|l| l.starts_with("    "))
        .map(|l| l.trim().to_string())
        .unwrap_or_else(|| panic!("no password in {stdout}"))
}

/// `graphgate login LOGIN`, approved on the tenant's sign-in pages.
async fn sign_in(config: &Path, tenant: &Tenant, login: &str) {
    let mut child = graphgate(config, &["login", login]).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let code = loop {
        let line = tokio::time::timeout(DEADLINE, lines.next_line())
            .await
            .expect("login prints the code")
            .unwrap()
            .expect("login prints the code");
        if let Some(at) = line.find("enter the code ") {
            break line[at + 15..].trim().to_string();
        }
    };
    approve(&tenant.base, &code, login).await;
    while let Ok(Some(_)) = lines.next_line().await {}
    let done = tokio::time::timeout(DEADLINE, child.wait_with_output())
        .await
        .expect("login ends")
        .unwrap();
    assert!(
        done.status.success(),
        "login: {}",
        String::from_utf8_lossy(&done.stderr)
    );
}

/// `graphgate serve`, and the address its IMAP listener logged.
pub(crate) async fn serve(config: &Path) -> (Child, SocketAddr) {
    let mut child = graphgate(config, &["serve"]).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    let addr = loop {
        let line = tokio::time::timeout(DEADLINE, lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("serve does not listen in time:\n{seen}"))
            .unwrap()
            .unwrap_or_else(|| panic!("serve ended:\n{seen}"));
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("listening")
            && let Some(at) = line.find("addr=")
        {
            break line[at + 5..]
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches(['}', ':'])
                .parse()
                .unwrap();
        }
    };
    // Keep draining the log so the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

/// What `graphgate serve` on PostgreSQL needs, made as an administrator
/// would: the emulated tenant, a new database, a configuration naming both
/// (in `dir`), alice added (her gateway password) and signed in.
pub(crate) struct Deployment {
    pub tenant: Tenant,
    pub url: String,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub password: String,
}

pub(crate) async fn deployment() -> Deployment {
    graphgate::tls::install_crypto_provider();
    let tenant = Tenant::start().await;
    let url = pg::database().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &tenant, &url);
    let password = add_user(&config, ALICE).await;
    sign_in(&config, &tenant, ALICE).await;
    Deployment {
        tenant,
        url,
        dir,
        config,
        password,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_postgres_logs_in_selects_appends_and_fetches() {
    let Deployment {
        tenant,
        url,
        dir: _dir,
        config,
        password,
    } = deployment().await;
    let (mut server, addr) = serve(&config).await;

    let mut imap = Client::connect(addr).await;
    imap.run_ok(&format!("LOGIN {ALICE} \"{password}\"")).await;
    let selected = imap.run("SELECT INBOX").await;
    assert!(
        selected.ok(),
        "SELECT: {} {}",
        selected.status,
        selected.text
    );
    let before = selected.exists().expect("SELECT reports EXISTS");
    let uidvalidity: u32 = selected
        .untagged
        .iter()
        .find_map(|l| {
            let rest = l.split("[UIDVALIDITY ").nth(1)?;
            rest.split(']').next()?.parse().ok()
        })
        .expect("SELECT reports UIDVALIDITY");

    let subject = format!("stored in PostgreSQL {}", uuid::Uuid::new_v4().simple());
    let message = crate::common::simple_mime(ALICE, ALICE, &subject, "kept by graphgate");
    let appended = imap
        .run(&format!(
            "APPEND INBOX (\\Seen) {{{}+}}\r\n{message}",
            message.len()
        ))
        .await;
    assert!(
        appended.ok(),
        "APPEND: {} {}",
        appended.status,
        appended.text
    );
    // [APPENDUID <uidvalidity> <uid>]
    let appenduid = appended
        .text
        .split("[APPENDUID ")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .unwrap_or_else(|| panic!("no APPENDUID in {}", appended.text))
        .to_string();
    let mut parts = appenduid.split(' ');
    let (Some(v), Some(uid)) = (parts.next(), parts.next()) else {
        panic!("APPENDUID {appenduid}")
    };
    assert_eq!(v.parse::<u32>().unwrap(), uidvalidity);
    let uid: u32 = uid.parse().unwrap();

    let noop = imap.run("NOOP").await;
    assert!(noop.ok());
    let fetched = imap
        .run(&format!("UID FETCH {uid} (UID FLAGS ENVELOPE BODY.PEEK[])"))
        .await;
    assert!(fetched.ok(), "FETCH: {} {}", fetched.status, fetched.text);
    assert_eq!(fetched.fetches, 1, "{:?}", fetched.untagged);
    let line = fetched.untagged.join("\n");
    for needed in [format!("UID {uid}"), "\\Seen".to_string(), subject.clone()] {
        assert!(line.contains(&needed), "{needed:?} not in {line}");
    }
    assert_eq!(
        fetched.literal_bytes,
        message.len(),
        "BODY[] is the message"
    );
    let after = imap.run("SELECT INBOX").await;
    assert_eq!(after.exists(), Some(before + 1));
    imap.run_ok("LOGOUT").await;

    // What graphgate keeps about the folder lives in PostgreSQL.
    let mut db = pg::connect(&url).await;
    let deadline = std::time::Instant::now() + DEADLINE;
    let rows = loop {
        let rows = sqlx::query(
            "SELECT f.uidvalidity, f.uidnext, COUNT(m.uid)
         FROM mail_folders f JOIN mail_messages m
           ON m.mailbox = f.mailbox AND m.folder_id = f.folder_id
         WHERE f.mailbox = $1 AND f.uidvalidity = $2
         GROUP BY f.uidvalidity, f.uidnext",
        )
        .bind(ALICE)
        .bind(i64::from(uidvalidity))
        .fetch_all(&mut db)
        .await
        .unwrap();
        let written = rows.len() == 1 && rows[0].get::<i64, _>(2) == i64::from(before + 1);
        if written || std::time::Instant::now() > deadline {
            break rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(rows.len(), 1, "the Inbox's state is in PostgreSQL");
    let uidnext: i64 = rows[0].get(1);
    let messages: i64 = rows[0].get(2);
    assert!(
        uidnext > i64::from(uid),
        "UIDNEXT {uidnext} after UID {uid}"
    );
    assert_eq!(messages, i64::from(before + 1));
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_messages WHERE mailbox = $1 AND uid = $2 AND is_read = 1",
    )
    .bind(ALICE)
    .bind(i64::from(uid))
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(stored, 1, "the appended message, \\Seen, under its UID");
    let sealed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM secrets WHERE name = $1")
        .bind(format!("refresh-token:{ALICE}"))
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(sealed, 1, "the sign-in is sealed in PostgreSQL");
    db.close().await.ok();

    server.kill().await.ok();
    tenant.stop().await;
}
