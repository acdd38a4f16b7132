//! The IMAP front over the real mail engine and Graph client, against the
//! emulated tenant, driven by real clients (Python's imaplib) and checked
//! in the tenant itself.

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imaplib_session_covers_the_everyday_commands() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_session.py", &[ALICE, PASSWORD]).await;
    assert!(out.contains("OK"), "{out}");
    // The moved message is in Deleted Items at Microsoft, with its MIME.
    let trash = gw.tenant.mailbox(ALICE, "deleteditems").await;
    assert!(
        trash.iter().any(|m| m["subject"] == "appended with care"),
        "{trash:?}"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_reports_mail_flags_and_expunges_made_by_others() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_idle.py", &[ALICE, PASSWORD]).await;
    assert!(out.contains("OK"), "{out}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uids_survive_a_restart_and_a_move_elsewhere_gives_a_new_uid() {
    let gw = TestGateway::start().await;
    let before = gw.uids(ALICE, "INBOX").await;
    let archive_before = gw.uids(ALICE, "Archive").await;
    let gw = gw.restart().await;
    let after = gw.uids(ALICE, "INBOX").await;
    assert_eq!(
        before, after,
        "same UIDVALIDITY, UIDNEXT and UIDs after a restart"
    );

    // Another client (Outlook on the web) moves the first message away.
    let uids = before["uids"].as_object().unwrap();
    let (first_uid, first_mid) = uids.iter().next().unwrap();
    let token = gw.tenant.alice().await;
    let listed = gw.tenant.mailbox(ALICE, "inbox").await;
    let header = first_mid.as_str().unwrap();
    let wanted = header[header.find('<').unwrap()..].trim();
    let message = listed
        .iter()
        .find(|m| m["internetMessageId"].as_str() == Some(wanted))
        .expect("the message at Microsoft");
    let (status, _, _) = gw
        .tenant
        .call(
            &token,
            "POST",
            &format!("/me/messages/{}/move", message["id"].as_str().unwrap()),
            Some(serde_json::json!({"destinationId": "archive"})),
            &[],
        )
        .await;
    assert_eq!(status, 201);
    let inbox = gw.uids(ALICE, "INBOX").await;
    assert!(inbox["uids"].get(first_uid).is_none(), "gone from INBOX");
    assert_eq!(inbox["uidvalidity"], before["uidvalidity"]);
    let archive = gw.uids(ALICE, "Archive").await;
    let arrived: Vec<u64> = archive["uids"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, mid)| mid.as_str().unwrap().contains(wanted))
        .map(|(uid, _)| uid.parse().unwrap())
        .collect();
    assert_eq!(arrived.len(), 1, "{archive}");
    assert!(
        arrived[0] >= archive_before["uidnext"].as_u64().unwrap(),
        "a new UID in Archive"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_mailboxes_follow_policy_read_only_and_invisible() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_shared.py", &[BOB, CAROL, PASSWORD]).await;
    assert!(out.contains("OK"), "{out}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imapclient_two_sessions_idle_store_expunge_move() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_imapclient.py", &[ALICE, PASSWORD]).await;
    assert!(out.contains("OK"), "{out}");
    gw.stop().await;
}

/// mbsync pulls the Inbox to a Maildir, pushes a flag, a deletion and a new
/// message back (APPEND), finds nothing to do on a third run, and brings a
/// server-side change down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mbsync_pulls_pushes_and_settles() {
    let gw = TestGateway::start().await;
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().to_string_lossy().into_owned();
    let out = gw.python("imap_mbsync.py", &[ALICE, PASSWORD, &dir]).await;
    assert!(out.contains("OK mbsync"), "{out}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_lists_searches_fetches_and_appends() {
    let gw = TestGateway::start().await;
    let tmp = tempfile::tempdir().unwrap();
    let script = format!("{}/tests/clients/imap_curl.sh", env!("CARGO_MANIFEST_DIR"));
    let out = tokio::process::Command::new("bash")
        .arg(script)
        .arg(gw.imap.port().to_string())
        .arg(gw.imaps.port().to_string())
        .arg(&gw.cert)
        .arg(ALICE)
        .arg(PASSWORD)
        .env("TMPDIR_CURL", tmp.path())
        .output()
        .await
        .unwrap();
    crate::common::assert_script_ok(&out);
    gw.stop().await;
}

/// `$value` (MIME download) requests the emulator served.
async fn mime_downloads(gw: &TestGateway) -> u64 {
    let stats = gw.tenant.stats().await;
    stats["by_endpoint"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.contains("$value") && k.starts_with("GET"))
        .map(|(_, v)| v.as_u64().unwrap())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn estimate_mode_scans_headers_without_downloads_and_chunks_add_up() {
    use crate::common::gateway::test_settings;
    use graphgate::config::SizeMode;
    let gw = TestGateway::start_with(graphgate::mailbox::MailSettings {
        size_mode: SizeMode::Estimate,
        ..test_settings()
    })
    .await;
    let out = gw
        .python("imap_header_scan.py", &[ALICE, PASSWORD, "scan"])
        .await;
    assert!(out.contains("scanned"), "{out}");
    assert_eq!(
        mime_downloads(&gw).await,
        0,
        "no MIME downloaded for a header scan"
    );
    let out = gw
        .python("imap_header_scan.py", &[ALICE, PASSWORD, "chunks"])
        .await;
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(v["size"], v["served"]);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exact_mode_downloads_each_message_once() {
    let gw = TestGateway::start().await;
    let out = gw
        .python("imap_header_scan.py", &[ALICE, PASSWORD, "chunks"])
        .await;
    assert!(out.contains("served"), "{out}");
    let inbox = gw.tenant.mailbox(ALICE, "inbox").await.len() as u64;
    assert_eq!(
        mime_downloads(&gw).await,
        inbox,
        "one download per message, however often it is read"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imaplib_covers_the_rest_of_the_command_set() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_commands.py", &[ALICE, PASSWORD]).await;
    assert!(out.contains("OK"), "{out}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_to_sent_of_a_message_just_sent_keeps_one_copy() {
    let gw = TestGateway::start().await;
    let mime = "From: alice@contoso.test\r\nTo: bob@contoso.test\r\nSubject: sent once\r\n\
                Message-ID: <sent-once@contoso.test>\r\n\r\nhello\r\n";
    // graphgate sent it (as SMTP submission does) and noted it.
    let token = gw.tenant.alice().await;
    let (status, _, _) = gw
        .tenant
        .post_raw(
            &token,
            "/me/sendMail",
            "text/plain",
            b64(mime.as_bytes()).into_bytes(),
            &[],
        )
        .await;
    assert_eq!(status, 202);
    gw.mail.note_sent(ALICE, mime.as_bytes());
    let file = gw.dir.path().join("sent.eml");
    std::fs::write(&file, mime).unwrap();
    let first = gw
        .python(
            "imap_append.py",
            &[ALICE, PASSWORD, "Sent Items", file.to_str().unwrap()],
        )
        .await;
    let again = gw
        .python(
            "imap_append.py",
            &[ALICE, PASSWORD, "Sent Items", file.to_str().unwrap()],
        )
        .await;
    assert_eq!(first.trim(), again.trim(), "the same UID both times");
    let sent = gw.tenant.mailbox(ALICE, "sentitems").await;
    let copies = sent
        .iter()
        .filter(|m| m["internetMessageId"] == "<sent-once@contoso.test>")
        .count();
    assert_eq!(copies, 1, "one copy in Sent Items");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_answers_and_body_is_byte_identical_to_graph() {
    use sha2::{Digest, Sha256};
    let gw = TestGateway::start().await;
    // The biggest seeded message (attachments), as Graph serves it.
    let listed = gw.tenant.mailbox(ALICE, "inbox").await;
    let message = listed
        .iter()
        .max_by_key(|m| m["mimeSize"].as_u64().unwrap_or(0))
        .expect("a message");
    let id = message["id"].as_str().unwrap();
    let mid = message["internetMessageId"].as_str().unwrap();
    let token = gw.tenant.alice().await;
    let value = gw
        .tenant
        .http
        .get(gw.tenant.url(&format!("/me/messages/{id}/$value")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let out = gw.python("imap_robust.py", &[ALICE, PASSWORD, mid]).await;
    assert_eq!(
        out.trim(),
        hex::encode(Sha256::digest(&value)),
        "BODY[] == $value"
    );
    gw.stop().await;
}

/// A line-level IMAP client for exact checks between two commands.
struct Raw {
    read: tokio::io::Lines<tokio::io::BufReader<tokio::net::tcp::OwnedReadHalf>>,
    write: tokio::net::tcp::OwnedWriteHalf,
    tag: u32,
}

impl Raw {
    async fn connect(addr: std::net::SocketAddr) -> Raw {
        use tokio::io::AsyncBufReadExt;
        let (r, w) = tokio::net::TcpStream::connect(addr)
            .await
            .unwrap()
            .into_split();
        let mut raw = Raw {
            read: tokio::io::BufReader::new(r).lines(),
            write: w,
            tag: 0,
        };
        raw.read.next_line().await.unwrap();
        raw
    }

    /// Send a command; returns (untagged lines, the tagged line).
    async fn run(&mut self, command: &str) -> (Vec<String>, String) {
        use tokio::io::AsyncWriteExt;
        self.tag += 1;
        let tag = format!("r{}", self.tag);
        self.write
            .write_all(format!("{tag} {command}\r\n").as_bytes())
            .await
            .unwrap();
        let mut lines = Vec::new();
        loop {
            let line = self.read.next_line().await.unwrap().expect("a reply");
            if line.starts_with(&format!("{tag} ")) {
                return (lines, line);
            }
            lines.push(line);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_grant_ends_access_at_the_next_command() {
    let gw = TestGateway::start().await;
    let mut c = Raw::connect(gw.imap).await;
    c.run(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    let (_, ok) = c.run("SELECT \"Shared/sales@contoso.test/INBOX\"").await;
    assert!(ok.contains("OK"), "{ok}");
    let (_, ok) = c.run("FETCH 1 (FLAGS)").await;
    assert!(ok.contains("OK"), "{ok}");
    // The administrator removes alice from sales@ and reloads.
    gw.mail.set_policy(graphgate::policy::Policy::new(vec![]));
    let (_, no) = c.run("FETCH 1 (FLAGS)").await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    let (_, after) = c.run("SEARCH ALL").await;
    assert!(
        after.contains("BAD") || after.contains("NO"),
        "the folder is closed: {after}"
    );
    let (list, _) = c.run("LIST \"\" \"*\"").await;
    assert!(!list.iter().any(|l| l.contains("Shared/")), "{list:?}");
    let (_, no) = c.run("EXAMINE \"Shared/sales@contoso.test/INBOX\"").await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    let log = std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap();
    assert!(log.contains("revoked"), "{log}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adversarial_mailbox_access_is_refused_and_audited() {
    use crate::common::gateway::{APP_ONLY, demo_shared_mailboxes};
    let gw = TestGateway::start().await;
    // The app-only account (carol's mailbox) is made read-only, written in
    // another case than its login: it tries every change to its mailbox.
    let mut config = graphgate::config::Config::default();
    config.shared_mailbox = demo_shared_mailboxes();
    config.users.insert(
        APP_ONLY.to_uppercase(),
        graphgate::config::UserSection {
            read_only: true,
            ..Default::default()
        },
    );
    gw.mail
        .set_policy(graphgate::policy::Policy::from_config(&config).unwrap());
    let audit = gw.dir.path().join("audit.log");
    let out = gw
        .python(
            "imap_adversarial.py",
            &[PASSWORD, &audit.display().to_string(), APP_ONLY],
        )
        .await;
    let results: Vec<serde_json::Value> = serde_json::from_str(out.trim()).unwrap();
    for r in &results {
        eprintln!(
            "case {} -> {} audited={} {}",
            r["case"], r["answer"], r["audited"], r["text"]
        );
    }
    assert!(results.len() >= 40, "{} cases", results.len());
    let names: std::collections::HashSet<&str> =
        results.iter().filter_map(|r| r["case"].as_str()).collect();
    assert_eq!(names.len(), results.len(), "every case has its own name");
    // A name that is not modified UTF-7 names no mailbox (NO [CANNOT]) and
    // never reaches policy; every other refusal is in the audit log.
    let no_name = |r: &serde_json::Value| {
        r["answer"] == "BAD"
            || r["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("[CANNOT]") && t.contains("modified UTF-7"))
    };
    for r in &results {
        assert_eq!(r["refused"], true, "not refused: {r}");
        if !no_name(r) {
            assert_eq!(r["audited"], true, "not audited: {r}");
        }
    }
    let log = std::fs::read_to_string(&audit).unwrap();
    let refusals = log.lines().filter(|l| l.contains("\"refused\"")).count();
    let syntax = results.iter().filter(|r| no_name(r)).count();
    assert!(refusals >= results.len() - syntax, "{refusals}\n{log}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_revoking_full_access_wins_over_local_policy() {
    let gw = TestGateway::start().await;
    let r = gw
        .tenant
        .http
        .delete(format!(
            "{}/_emulator/mailboxes/{SALES}/permissions/{ALICE}/FullAccess",
            gw.tenant.base
        ))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let mut c = Raw::connect(gw.imap).await;
    c.run(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    let (_, no) = c.run("SELECT \"Shared/sales@contoso.test/INBOX\"").await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    let log = std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap();
    assert!(log.contains("refused") && log.contains(SALES), "{log}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_user_reads_but_changes_nothing() {
    let gw = TestGateway::start().await;
    let mut config = graphgate::config::Config::default();
    config.users.insert(
        CAROL.to_string(),
        graphgate::config::UserSection {
            read_only: true,
            ..Default::default()
        },
    );
    gw.mail
        .set_policy(graphgate::policy::Policy::from_config(&config).unwrap());
    let mut c = Raw::connect(gw.imap).await;
    c.run(&format!("LOGIN {CAROL} {PASSWORD}")).await;
    let (lines, ok) = c.run("SELECT INBOX").await;
    assert!(ok.contains("OK [READ-ONLY]"), "{ok} {lines:?}");
    let (_, ok) = c.run("FETCH 1:* (FLAGS BODY.PEEK[HEADER])").await;
    assert!(ok.contains("OK"), "{ok}");
    let (_, no) = c.run("STORE 1 +FLAGS (\\Flagged)").await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    let (_, no) = c.run("CREATE Mine").await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    let (_, no) = c.run("APPEND INBOX {3+}\r\nx\r\n").await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_only_account_reaches_its_mailbox_and_no_other() {
    use crate::common::gateway::APP_ONLY;
    let gw = TestGateway::start().await;
    let mut c = Raw::connect(gw.imap).await;
    let (_, ok) = c.run(&format!("LOGIN {APP_ONLY} {PASSWORD}")).await;
    assert!(ok.contains("OK"), "{ok}");
    let (_, ok) = c.run("SELECT INBOX").await;
    assert!(
        ok.contains("OK [READ-WRITE]"),
        "its own (carol's) mailbox: {ok}"
    );
    // The app token could open any mailbox at Microsoft; policy must not.
    for other in [
        "Shared/alice@contoso.test/INBOX",
        "Shared/bob@contoso.test/INBOX",
        "Shared/sales@contoso.test/INBOX",
    ] {
        let (_, no) = c.run(&format!("EXAMINE \"{other}\"")).await;
        assert!(no.contains("NO [NOPERM]"), "{other}: {no}");
    }
    let log = std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap();
    let refused = log
        .lines()
        .filter(|l| l.contains(APP_ONLY) && l.contains("\"refused\""))
        .count();
    assert_eq!(refused, 3, "{log}");
    gw.stop().await;
}
