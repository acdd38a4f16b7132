//! Access that outlives its grant: removing an account (with the real
//! `graphgate user` binary, another process on the same database), revoking
//! a gateway password, adding a login again, or a policy reload ends that
//! access at the next command of every open IMAP and SMTP session, NOOP,
//! RSET and a running IDLE included. Logins in any case or Unicode form are
//! one account. Clients are raw sockets, so every line is seen.

use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use graphgate::accounts::{Accounts, LoginLimits, Mode};
use graphgate::config::{Config, UserSection};
use graphgate::policy::Policy;
use graphgate::secret::Secret;
use graphgate::store::Store;

use crate::common::gateway::{PASSWORD, TestGateway, demo_shared_mailboxes};
use crate::common::{ALICE, CAROL};

/// How long a reply may take before the test fails.
const WAIT: Duration = Duration::from_secs(20);

/// A line-level client for IMAP or SMTP over loopback.
struct Client {
    read: Lines<BufReader<OwnedReadHalf>>,
    write: OwnedWriteHalf,
    tag: u32,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Client {
        let (r, w) = tokio::net::TcpStream::connect(addr)
            .await
            .unwrap()
            .into_split();
        let mut c = Client {
            read: BufReader::new(r).lines(),
            write: w,
            tag: 0,
        };
        c.line().await.expect("a greeting");
        c
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.write.write_all(bytes).await.unwrap();
    }

    /// The next line, or `None` once the server closed the connection.
    async fn line(&mut self) -> Option<String> {
        let next = tokio::time::timeout(WAIT, self.read.next_line())
            .await
            .expect("the server answers in time");
        next.ok().flatten()
    }

    /// An IMAP command: (untagged lines, the tagged line or "<closed>").
    async fn imap(&mut self, command: &str) -> (Vec<String>, String) {
        self.tag += 1;
        let tag = format!("r{}", self.tag);
        self.send(format!("{tag} {command}\r\n").as_bytes()).await;
        self.until_tagged(&tag).await
    }

    async fn until_tagged(&mut self, tag: &str) -> (Vec<String>, String) {
        let mut lines = Vec::new();
        while let Some(line) = self.line().await {
            if line.starts_with(&format!("{tag} ")) {
                return (lines, line);
            }
            lines.push(line);
        }
        (lines, "<closed>".into())
    }

    /// IMAP LOGIN with the user name as a literal (any UTF-8).
    async fn imap_login(addr: std::net::SocketAddr, user: &str, password: &str) -> Client {
        let mut c = Client::connect(addr).await;
        c.send(format!("l1 LOGIN {{{}}}\r\n", user.len()).as_bytes())
            .await;
        let go = c.line().await.unwrap_or_default();
        assert!(go.starts_with('+'), "{go}");
        c.send(format!("{user} \"{password}\"\r\n").as_bytes())
            .await;
        let (_, ok) = c.until_tagged("l1").await;
        assert!(ok.starts_with("l1 OK"), "login of {user:?}: {ok}");
        c
    }

    /// An SMTP command: the reply's last line.
    async fn smtp(&mut self, command: &str) -> String {
        self.send(format!("{command}\r\n").as_bytes()).await;
        loop {
            let Some(line) = self.line().await else {
                return "<closed>".into();
            };
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return line;
            }
        }
    }

    async fn smtp_login(addr: std::net::SocketAddr, user: &str, password: &str) -> Client {
        let mut c = Client::connect(addr).await;
        let ehlo = c.smtp("EHLO test.example").await;
        assert!(ehlo.starts_with("250"), "{ehlo}");
        let plain =
            base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
        let ok = c.smtp(&format!("AUTH PLAIN {plain}")).await;
        assert!(ok.starts_with("235"), "AUTH of {user}: {ok}");
        c
    }

    /// IDLE started; the server's go-ahead was read.
    async fn idle(&mut self) {
        self.send(b"i1 IDLE\r\n").await;
        loop {
            let line = self.line().await.expect("IDLE's go-ahead");
            if line.starts_with('+') {
                return;
            }
        }
    }

    /// Lines until the connection closes (what an IDLE says on its own).
    async fn rest(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        while let Some(line) = self.line().await {
            lines.push(line);
        }
        lines
    }
}

/// The accounts as another process sees them: its own connection to the
/// same database, its own memory of verifications.
async fn other_process(gw: &TestGateway) -> Accounts {
    let store = Store::open_in(gw.dir.path()).await.unwrap();
    Accounts::new(store, LoginLimits::default())
}

/// `graphgate --config <file> user <args>` on the gateway's data directory.
async fn user_cli(gw: &TestGateway, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("graphgate.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\ndata_dir = {:?}\n",
            gw.dir.path().display().to_string()
        ),
    )
    .unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_graphgate"));
    cmd.current_dir(dir.path())
        .env_remove("GRAPHGATE_CONFIG")
        .env_remove("RUST_LOG");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GRAPHGATE__") {
            cmd.env_remove(name);
        }
    }
    let out = cmd
        .arg("--config")
        .arg(&config)
        .arg("user")
        .args(args)
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "graphgate user {args:?}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// Audit lines that record a session ended for `login`.
fn ended_sessions(gw: &TestGateway, login: &str) -> usize {
    let log = std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap_or_default();
    log.lines()
        .filter(|l| {
            l.contains("\"action\":\"session\"")
                && l.contains("\"refused\"")
                && l.contains(&format!("\"login\":\"{login}\""))
        })
        .count()
}

fn is_bye(lines: &[String], code: &str) -> bool {
    lines
        .iter()
        .any(|l| l.starts_with(&format!("* BYE [{code}]")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_an_account_in_another_process_ends_its_open_sessions() {
    let gw = TestGateway::start().await;
    let mut polling = Client::imap_login(gw.imap, ALICE, PASSWORD).await;
    let (_, ok) = polling.imap("SELECT INBOX").await;
    assert!(ok.contains("OK"), "{ok}");
    let mut idling = Client::imap_login(gw.imap, ALICE, PASSWORD).await;
    idling.imap("SELECT INBOX").await;
    idling.idle().await;
    let mut smtp = Client::smtp_login(gw.smtp, ALICE, PASSWORD).await;
    let (_, ok) = polling.imap("NOOP").await;
    assert!(ok.contains("OK"), "before: {ok}");
    assert!(smtp.smtp("NOOP").await.starts_with("250"));

    let out = user_cli(&gw, &["remove", ALICE]).await;
    assert!(out.contains("Removed"), "{out}");

    // The next command, even NOOP, ends the session.
    let (lines, tagged) = polling.imap("NOOP").await;
    assert!(is_bye(&lines, "AUTHENTICATIONFAILED"), "{lines:?}");
    assert_eq!(tagged, "<closed>");
    // The IDLE ends on its own, without a word from the client.
    let lines = idling.rest().await;
    assert!(is_bye(&lines, "AUTHENTICATIONFAILED"), "{lines:?}");
    // SMTP: 421 4.7.0 to RSET, then the connection closes.
    let reply = smtp.smtp("RSET").await;
    assert!(reply.starts_with("421 4.7.0"), "{reply}");
    assert_eq!(smtp.line().await, None);
    // And no new login.
    let mut again = Client::connect(gw.imap).await;
    let (_, no) = again.imap(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    assert!(no.contains("NO [AUTHENTICATIONFAILED]"), "{no}");
    assert!(
        ended_sessions(&gw, ALICE) >= 3,
        "each ended session is audited"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_password_ends_the_sessions_that_used_it_and_only_those() {
    let gw = TestGateway::start().await;
    let other = other_process(&gw).await;
    // A chosen password whose tag another active one has is refused (one
    // in sixteen, with the store's random tag key): take the next.
    let mut laptop = String::new();
    for n in 0.. {
        laptop = format!("laptop-password-{n}");
        match other
            .set_password(ALICE, "laptop", &Secret::new(&laptop))
            .await
        {
            Ok(_) => break,
            Err(graphgate::accounts::Error::InvalidPassword(_)) if n < 100 => continue,
            Err(e) => panic!("{e}"),
        }
    }
    let laptop = laptop.as_str();
    let mut desk = Client::imap_login(gw.imap, ALICE, PASSWORD).await;
    let mut lap = Client::imap_login(gw.imap, ALICE, laptop).await;
    lap.imap("SELECT INBOX").await;
    let mut lap_smtp = Client::smtp_login(gw.smtp, ALICE, laptop).await;
    let mut desk_smtp = Client::smtp_login(gw.smtp, ALICE, PASSWORD).await;

    user_cli(&gw, &["password", "revoke", ALICE, "laptop"]).await;

    let (lines, tagged) = lap.imap("NOOP").await;
    assert!(
        is_bye(&lines, "AUTHENTICATIONFAILED") && tagged == "<closed>",
        "{lines:?} {tagged}"
    );
    let reply = lap_smtp.smtp("NOOP").await;
    assert!(reply.starts_with("421 4.7.0"), "{reply}");
    let (_, ok) = desk.imap("NOOP").await;
    assert!(ok.contains("OK"), "the other password still works: {ok}");
    assert!(desk_smtp.smtp("RSET").await.starts_with("250"));
    assert_eq!(ended_sessions(&gw, ALICE), 2);

    // Removed and added again with the same password: another account.
    assert!(other.remove(ALICE).await.unwrap());
    other.add(ALICE, ALICE, Mode::Delegated).await.unwrap();
    other
        .set_password(ALICE, "test", &Secret::new(PASSWORD))
        .await
        .unwrap();
    let (lines, _) = desk.imap("NOOP").await;
    assert!(is_bye(&lines, "AUTHENTICATIONFAILED"), "{lines:?}");
    let reply = desk_smtp.smtp("MAIL FROM:<alice@contoso.test>").await;
    assert!(reply.starts_with("421 4.7.0"), "{reply}");
    // A new login is the new account, and works.
    let mut fresh = Client::imap_login(gw.imap, ALICE, PASSWORD).await;
    let (_, ok) = fresh.imap("NOOP").await;
    assert!(ok.contains("OK"), "{ok}");
    gw.stop().await;
}

/// The demo's policy with `login` read-only (written as given).
fn read_only_policy(login: &str) -> Policy {
    let mut config = Config::default();
    config.shared_mailbox = demo_shared_mailboxes();
    config.users.insert(
        login.to_string(),
        UserSection {
            read_only: true,
            ..Default::default()
        },
    );
    Policy::from_config(&config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_that_makes_a_user_read_only_applies_to_their_open_own_mailbox() {
    let gw = TestGateway::start().await;
    let mut c = Client::imap_login(gw.imap, CAROL, PASSWORD).await;
    let (_, ok) = c.imap("SELECT INBOX").await;
    assert!(ok.contains("READ-WRITE"), "{ok}");
    let (_, ok) = c.imap("STORE 1 +FLAGS (\\Flagged)").await;
    assert!(ok.contains("OK"), "{ok}");

    gw.mail.set_policy(read_only_policy("Carol@CONTOSO.test"));

    for command in [
        "STORE 1 -FLAGS (\\Flagged)",
        "UID STORE 1:* +FLAGS (\\Seen)",
        "EXPUNGE",
        "CREATE Archive2",
        "COPY 1 INBOX",
    ] {
        let (_, no) = c.imap(command).await;
        assert!(no.contains("NO [NOPERM]"), "{command}: {no}");
    }
    let (_, ok) = c.imap("FETCH 1 (FLAGS)").await;
    assert!(ok.contains("OK"), "reading goes on: {ok}");
    let (_, ok) = c.imap("SELECT INBOX").await;
    assert!(ok.contains("READ-ONLY"), "{ok}");
    let log = std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap();
    let refused = log
        .lines()
        .filter(|l| l.contains(CAROL) && l.contains("\"write\"") && l.contains("\"refused\""))
        .count();
    assert!(refused >= 5, "{log}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_withdrawn_during_idle_in_a_shared_mailbox_ends_it_with_bye() {
    let gw = TestGateway::start().await;
    let mut c = Client::imap_login(gw.imap, ALICE, PASSWORD).await;
    let (_, ok) = c.imap("SELECT \"Shared/sales@contoso.test/INBOX\"").await;
    assert!(ok.contains("OK"), "{ok}");
    c.idle().await;
    gw.mail.set_policy(Policy::new(vec![]));
    let lines = c.rest().await;
    assert!(is_bye(&lines, "NOPERM"), "{lines:?}");
    let log = std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap();
    assert!(log.contains("revoked"), "{log}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_in_any_case_or_unicode_form_are_one_account_everywhere() {
    let gw = TestGateway::start().await;
    let other = other_process(&gw).await;
    // Added in NFD and upper case, linked to carol's mailbox.
    let nfd = "ZOE\u{308}@Contoso.test";
    let nfc = "zo\u{eb}@contoso.test";
    let account = other.add(nfd, CAROL, Mode::Delegated).await.unwrap();
    assert_eq!(account.login, nfc);
    other
        .set_password(nfd, "test", &Secret::new(PASSWORD))
        .await
        .unwrap();
    // A second add in another spelling is the same login.
    assert!(other.add(nfc, CAROL, Mode::Delegated).await.is_err());
    assert!(
        other
            .add("\u{ff3a}o\u{eb}@contoso.test", CAROL, Mode::Delegated)
            .await
            .is_err()
    );
    // Policy names her in NFC upper case; she logs in in NFC mixed case.
    gw.mail
        .set_policy(read_only_policy("ZO\u{cb}@CONTOSO.TEST"));
    let mut c = Client::imap_login(gw.imap, "Zo\u{eb}@CONTOSO.test", PASSWORD).await;
    let (_, ok) = c.imap("SELECT INBOX").await;
    assert!(ok.contains("READ-ONLY"), "{ok}");
    let (_, no) = c.imap("STORE 1 +FLAGS (\\Flagged)").await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    // The Turkish dotted capital I is not an i: ALİCE is not alice.
    let dotted = "AL\u{130}CE@contoso.test";
    let mut t = Client::connect(gw.imap).await;
    t.send(format!("t1 LOGIN {{{}}}\r\n", dotted.len()).as_bytes())
        .await;
    t.line().await;
    t.send(format!("{dotted} \"{PASSWORD}\"\r\n").as_bytes())
        .await;
    let (_, no) = t.until_tagged("t1").await;
    assert!(no.contains("NO [AUTHENTICATIONFAILED]"), "{no}");
    // The audit log names her in the one form.
    let log = std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap();
    let hers: Vec<&str> = log.lines().filter(|l| l.contains("\"refused\"")).collect();
    assert!(
        !hers.is_empty()
            && hers
                .iter()
                .all(|l| l.contains(&format!("\"login\":\"{nfc}\""))),
        "{log}"
    );
    // Removing her in yet another spelling ends her session.
    assert!(other.remove("zoe\u{308}@CONTOSO.TEST").await.unwrap());
    let (lines, _) = c.imap("NOOP").await;
    assert!(is_bye(&lines, "AUTHENTICATIONFAILED"), "{lines:?}");
    gw.stop().await;
}
