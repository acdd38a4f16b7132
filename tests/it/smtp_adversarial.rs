//! Sending in someone else's name and past the envelope, through real
//! SMTP clients: every attack in `smtp_adversarial.py` is refused, audited
//! and never reaches the tenant; what is allowed still goes (several
//! authorised From addresses, a message without From); and data sent
//! outside a transaction is dropped, not kept.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::*;

const SEND_MAIL: &str = "POST /users/{user-id}/sendMail";
const GET_USER: &str = "GET /users/{user-id}";

fn endpoint_count(stats: &Value, endpoint: &str) -> u64 {
    stats["by_endpoint"][endpoint].as_u64().unwrap_or(0)
}

fn audit_log(gw: &TestGateway) -> String {
    std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap_or_default()
}

async fn find(gw: &TestGateway, upn: &str, message_id: &str) -> Option<Value> {
    gw.tenant
        .mailbox(upn, "inbox")
        .await
        .into_iter()
        .find(|m| m["internetMessageId"] == message_id)
}

async fn mime_of(gw: &TestGateway, upn: &str, m: &Value) -> String {
    gw.tenant
        .control_get_text(&format!(
            "/_emulator/mailboxes/{upn}/messages/{}/mime",
            m["id"].as_str().unwrap()
        ))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adversarial_senders_are_refused_audited_and_never_sent() {
    let gw = TestGateway::start().await;
    let sends_before = endpoint_count(&gw.tenant.stats().await, SEND_MAIL);
    let out = gw.python("smtp_adversarial.py", &[PASSWORD]).await;
    let results: Vec<Value> = serde_json::from_str(out.trim()).unwrap();
    for r in &results {
        eprintln!(
            "case {} ({}) -> {} {}",
            r["case"], r["user"], r["code"], r["text"]
        );
    }
    assert!(results.len() >= 40, "{} cases", results.len());
    for r in &results {
        assert_eq!(r["refused"], true, "not refused: {r}");
    }
    let log = audit_log(&gw);
    let audited: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"action\":\"send\"") && l.contains("\"outcome\":\"refused\""))
        .collect();
    assert_eq!(
        audited.len(),
        results.len(),
        "one refusal audited per case\n{log}"
    );
    for (r, line) in results.iter().zip(&audited) {
        let login = format!("\"login\":\"{}\"", r["user"].as_str().unwrap());
        assert!(line.contains(&login), "{r} audited as {line}");
    }
    let stats = gw.tenant.stats().await;
    assert_eq!(
        endpoint_count(&stats, SEND_MAIL),
        sends_before,
        "no sendMail reached the tenant"
    );
    let outbound = gw.tenant.control_get("/_emulator/outbound").await;
    let text = outbound.to_string();
    assert!(
        !text.contains("dave@example.test") && !text.contains("mallory@example.test"),
        "{text}"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_from_addresses_go_when_each_is_authorised() {
    let gw = TestGateway::start().await;
    gw.python("smtp_send.py", &["multi-from", PASSWORD]).await;
    let m = find(&gw, CAROL, "<two-authors@contoso.test>")
        .await
        .expect("delivered");
    assert_eq!(m["sender"], BOB, "bob sends, on behalf of sales@");
    let mime = mime_of(&gw, CAROL, &m).await;
    assert!(mime.contains("sales@contoso.test"), "{mime}");
    assert!(
        audit_log(&gw).contains("\"action\":\"send-on-behalf\""),
        "the on-behalf part is audited"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_without_from_gets_the_accounts_name_looked_up_once() {
    let gw = TestGateway::start().await;
    let lookups_before = endpoint_count(&gw.tenant.stats().await, GET_USER);
    gw.python("smtp_send.py", &["no-from", PASSWORD]).await;
    let inbox = gw.tenant.mailbox(BOB, "inbox").await;
    for n in [1, 2] {
        let subject = format!("no from {n}");
        let m = inbox
            .iter()
            .find(|m| m["subject"] == subject.as_str())
            .unwrap_or_else(|| panic!("{subject} delivered"));
        assert_eq!(m["from"], ALICE);
        let mime = mime_of(&gw, BOB, m).await;
        assert!(
            mime.contains("From: \"Alice Example\" <alice@contoso.test>"),
            "{mime}"
        );
        assert!(
            mime.contains("\nDate: ") && mime.contains("Message-ID: <"),
            "{mime}"
        );
    }
    let lookups = endpoint_count(&gw.tenant.stats().await, GET_USER) - lookups_before;
    assert_eq!(lookups, 1, "the name is looked up once for both messages");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rcpt_to_decides_whatever_the_header_names() {
    let gw = TestGateway::start().await;
    gw.python("smtp_send.py", &["rcpt-decides", PASSWORD]).await;
    let m = find(&gw, BOB, "<only-bob@contoso.test>")
        .await
        .expect("bob got it");
    let mime = mime_of(&gw, BOB, &m).await.to_ascii_lowercase();
    for other in ["mallory", "eve@", "carol@", "trudy", "oscar"] {
        assert!(!mime.contains(other), "{other} shows in {mime}");
    }
    assert!(find(&gw, CAROL, "<only-bob@contoso.test>").await.is_none());
    let outbound = gw
        .tenant
        .control_get("/_emulator/outbound")
        .await
        .to_string();
    for other in ["mallory", "eve@", "trudy", "oscar"] {
        assert!(!outbound.contains(other), "{other} in {outbound}");
    }
    gw.stop().await;
}

/// A raw SMTP connection for what no library client sends.
struct Wire {
    stream: TcpStream,
    seen: String,
    /// How much of `seen` `reply` has returned.
    taken: usize,
}

impl Wire {
    async fn connect(gw: &TestGateway) -> Wire {
        let stream = TcpStream::connect(gw.smtp).await.unwrap();
        let mut w = Wire {
            stream,
            seen: String::new(),
            taken: 0,
        };
        assert!(w.reply().await.is_some_and(|l| l.starts_with("220 ")));
        w
    }

    async fn send(&mut self, bytes: &[u8]) {
        // The server may have closed already; what it said is still read.
        let _ = self.stream.write_all(bytes).await;
    }

    /// The next reply line, or None when the server closed or said
    /// nothing for ten seconds.
    async fn reply(&mut self) -> Option<String> {
        let mut buf = [0u8; 4096];
        loop {
            if let Some(end) = self.seen[self.taken..].find("\r\n") {
                let line = self.seen[self.taken..self.taken + end].to_string();
                self.taken += end + 2;
                return Some(line);
            }
            match tokio::time::timeout(Duration::from_secs(10), self.stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                _ => return None,
            }
        }
    }

    /// Reply lines up to the one starting with `code`; None if it never comes.
    async fn until(&mut self, code: &str) -> Option<Vec<String>> {
        let mut lines = Vec::new();
        loop {
            let line = self.reply().await?;
            let done = line.starts_with(code);
            lines.push(line);
            if done {
                return Some(lines);
            }
        }
    }

    /// Whether the server closed the connection (EOF or reset) in time.
    async fn closed(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        matches!(
            tokio::time::timeout(Duration::from_secs(10), self.stream.read(&mut buf)).await,
            Ok(Ok(0)) | Ok(Err(_))
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bdat_before_auth_is_dropped_and_a_huge_one_closes_the_connection() {
    let gw = TestGateway::start().await;
    // A small chunk: read and dropped, and the session stays in step.
    let mut w = Wire::connect(&gw).await;
    w.send(b"EHLO x\r\nBDAT 10 LAST\r\n0123456789NOOP\r\n")
        .await;
    let lines = w.until("250 2.0.0 OK").await;
    assert!(
        lines
            .as_ref()
            .is_some_and(|l| l.iter().any(|l| l.starts_with("503 5.5.1"))),
        "{lines:?}"
    );
    // A gigabyte announced before AUTH: refused at once, without waiting
    // for (or keeping) a byte of it.
    let mut w = Wire::connect(&gw).await;
    w.send(b"EHLO x\r\nBDAT 1000000000 LAST\r\n").await;
    let lines = w.until("421 4.7.0").await;
    assert!(
        lines
            .as_ref()
            .is_some_and(|l| l.iter().any(|l| l.starts_with("503 5.5.1"))),
        "{lines:?}"
    );
    assert!(w.closed().await, "the connection is closed");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_after_a_refused_data_is_read_as_commands_and_cut_off() {
    let gw = TestGateway::start().await;
    let mut w = Wire::connect(&gw).await;
    w.send(b"EHLO x\r\n").await;
    assert!(w.until("250 ").await.is_some());
    // No AUTH: DATA is refused; the body a careless client sends anyway is
    // read as commands, then valid commands that are refused here.
    let mut lines: Vec<&[u8]> = vec![
        b"DATA\r\n",
        b"From: someone@example.test\r\n",
        b"Subject: x\r\n",
    ];
    for _ in 0..20 {
        lines.push(b"DATA\r\n");
        lines.push(b"RCPT TO:<a@example.test>\r\n");
    }
    // Postfix's smtpd_hard_error_limit is 20: the 21st error is the last.
    let mut refused = 0;
    for line in lines {
        w.send(line).await;
        let reply = w.reply().await.expect("a reply");
        assert!(reply.starts_with('5'), "{reply}");
        refused += 1;
        if refused == 21 {
            break;
        }
    }
    let last = w.reply().await;
    assert!(
        last.as_deref().is_some_and(|l| l.starts_with("421 4.7.0")),
        "421 after {refused} refused commands, got {last:?}"
    );
    assert!(w.closed().await, "closed");
    gw.stop().await;
}
