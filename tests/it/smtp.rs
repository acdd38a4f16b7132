//! SMTP submission end to end: Python's smtplib and curl against the
//! gateway's SMTP front over the real mail engine and the emulated tenant;
//! delivery checked in each recipient's mailbox through the emulator.

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::*;
use serde_json::Value;

async fn find(gw: &TestGateway, upn: &str, message_id: &str) -> Option<Value> {
    let listed = gw.tenant.mailbox(upn, "inbox").await;
    listed
        .into_iter()
        .find(|m| m["internetMessageId"] == message_id)
}

async fn mime_of(gw: &TestGateway, upn: &str, id: &str) -> String {
    gw.tenant
        .control_get_text(&format!("/_emulator/mailboxes/{upn}/messages/{id}/mime"))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn to_cc_and_envelope_bcc_are_delivered_and_bcc_stays_hidden() {
    let gw = TestGateway::start().await;
    gw.python("smtp_send.py", &["to-cc-bcc", PASSWORD]).await;
    for upn in [BOB, CAROL, SALES] {
        let m = find(&gw, upn, "<tcb@contoso.test>")
            .await
            .unwrap_or_else(|| panic!("{upn} got it"));
        let mime = mime_of(&gw, upn, m["id"].as_str().unwrap()).await;
        assert!(
            !mime.to_ascii_lowercase().contains("\nbcc:"),
            "{upn}: {mime}"
        );
    }
    let sent = gw.tenant.mailbox(ALICE, "sentitems").await;
    assert_eq!(
        sent.iter()
            .filter(|m| m["internetMessageId"] == "<tcb@contoso.test>")
            .count(),
        1,
        "one copy in Sent Items"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_auth_login_and_8bit_and_smtputf8_arrive_intact() {
    let gw = TestGateway::start().await;
    gw.python("smtp_send.py", &["implicit-tls-8bit", PASSWORD])
        .await;
    let m = find(&gw, BOB, "<eightbit@contoso.test>")
        .await
        .expect("8-bit message");
    let mime = mime_of(&gw, BOB, m["id"].as_str().unwrap()).await;
    assert!(
        mime.contains("Grüße aus Köln\r\n.dot-stuffed line\r\n"),
        "{mime}"
    );
    assert!(find(&gw, BOB, "<smtputf8@contoso.test>").await.is_some());
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_as_and_on_behalf_as_the_grants_allow() {
    let gw = TestGateway::start().await;
    gw.python("smtp_send.py", &["send-as", PASSWORD]).await;
    let m = find(&gw, BOB, "<as-sales@contoso.test>")
        .await
        .expect("send-as arrived");
    assert_eq!(m["from"], "sales@contoso.test");
    assert_eq!(
        m["sender"], "sales@contoso.test",
        "send-as shows no other sender"
    );
    gw.python("smtp_send.py", &["on-behalf", PASSWORD]).await;
    let m = find(&gw, CAROL, "<for-sales@contoso.test>")
        .await
        .expect("on-behalf arrived");
    assert_eq!(m["from"], "sales@contoso.test");
    assert_eq!(m["sender"], "bob@contoso.test", "on behalf: Sender is bob");
    let log = std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap();
    assert!(
        log.contains("\"action\":\"send-as\"") && log.contains("\"action\":\"send-on-behalf\""),
        "{log}"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_sender_wrong_password_and_no_auth() {
    let gw = TestGateway::start().await;
    gw.python("smtp_send.py", &["refused", PASSWORD]).await;
    let log = std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("\"login\":\"carol@contoso.test\"")
                && l.contains("\"action\":\"send\"")
                && l.contains("refused")),
        "{log}"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_sends_over_starttls_and_implicit_tls() {
    let gw = TestGateway::start().await;
    let dir = tempfile::tempdir().unwrap();
    let msg = dir.path().join("m.txt");
    for (n, url, extra) in [
        (
            1,
            format!("smtp://127.0.0.1:{}", gw.smtp.port()),
            "--ssl-reqd",
        ),
        (2, format!("smtps://localhost:{}", gw.smtps.port()), ""),
    ] {
        std::fs::write(
            &msg,
            format!("From: alice@contoso.test\r\nTo: bob@contoso.test\r\nSubject: curl {n}\r\nMessage-ID: <curl-{n}@contoso.test>\r\n\r\nhi\r\n"),
        )
        .unwrap();
        let mut cmd = tokio::process::Command::new("curl");
        cmd.arg("-sS").arg("--fail").arg(&url);
        if !extra.is_empty() {
            cmd.arg(extra);
        }
        let out = cmd
            .arg("--cacert")
            .arg(&gw.cert)
            .args(["-k", "--user", &format!("{ALICE}:{PASSWORD}")])
            .args(["--mail-from", ALICE, "--mail-rcpt", BOB, "-T"])
            .arg(&msg)
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            find(&gw, BOB, &format!("<curl-{n}@contoso.test>"))
                .await
                .is_some()
        );
    }
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_ten_percent_graph_faults_every_accepted_message_arrives_once() {
    let gw = TestGateway::start().await;
    gw.tenant
        .set(serde_json::json!({
            "fault_rate": 0.1,
            "fault_statuses": [429, 503, 504],
            "fault_after_ratio": 0.5
        }))
        .await;
    let out = gw
        .python("smtp_many.py", &[PASSWORD, "200", "faulty"])
        .await;
    gw.tenant.set(serde_json::json!({"fault_rate": 0.0})).await;
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    let accepted: Vec<String> = v["accepted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        v["permanent"],
        serde_json::json!([]),
        "no permanent failures"
    );
    assert_eq!(accepted.len(), 200, "every message got through in the end");
    assert!(
        gw.tenant.stats().await["faults"].as_u64().unwrap() > 10,
        "faults happened"
    );
    let inbox = gw.tenant.mailbox(BOB, "inbox").await;
    for mid in &accepted {
        let copies = inbox
            .iter()
            .filter(|m| m["internetMessageId"] == mid.as_str())
            .count();
        assert_eq!(copies, 1, "{mid} delivered {copies} times");
    }
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_twenty_megabyte_message_arrives_with_its_attachments_intact() {
    use sha2::{Digest, Sha256};
    let gw = TestGateway::start().await;
    let out = gw.python("smtp_send.py", &["large", PASSWORD]).await;
    let sums: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    let m = find(&gw, BOB, "<large@contoso.test>")
        .await
        .expect("delivered");
    let mime = gw
        .tenant
        .http
        .get(format!(
            "{}/_emulator/mailboxes/{BOB}/messages/{}/mime",
            gw.tenant.base,
            m["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let parsed = mailparse::parse_mail(&mime).unwrap();
    let mut found = std::collections::BTreeMap::new();
    for part in parsed.parts() {
        if let Some(name) = part.get_content_disposition().params.get("filename") {
            let body = part.get_body_raw().unwrap();
            found.insert(name.clone(), hex::encode(Sha256::digest(&body)));
        }
    }
    assert_eq!(
        found.get("report.bin").map(String::as_str),
        Some(sums[0]),
        "{found:?}"
    );
    assert_eq!(
        found.get("chart.png").map(String::as_str),
        Some(sums[1]),
        "{found:?}"
    );
    let text = String::from_utf8_lossy(&mime);
    assert!(text.contains("the report is attached"));
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_client_address_sends_as_its_account_without_auth() {
    let gw = TestGateway::start().await;
    gw.python("smtp_send.py", &["trusted", PASSWORD]).await;
    let m = find(&gw, BOB, "<scanner@contoso.test>")
        .await
        .expect("delivered");
    assert_eq!(m["from"], "carol@contoso.test");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipients_beyond_the_limit_get_452() {
    let gw = TestGateway::start().await;
    gw.python("smtp_send.py", &["too-many-recipients", PASSWORD])
        .await;
    let out = gw.tenant.control_get("/_emulator/outbound").await;
    assert!(
        out.to_string().contains("person499@example.test"),
        "the first 500 were sent"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sender_spoofing_variants_are_refused_and_audited() {
    let gw = TestGateway::start().await;
    let out = gw.python("smtp_send.py", &["spoof", PASSWORD]).await;
    assert!(out.contains("refusals 13"), "{out}");
    let log = std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap();
    let audited = log
        .lines()
        .filter(|l| l.contains("\"action\":\"send\"") && l.contains("\"refused\""))
        .count();
    assert_eq!(audited, 13, "{log}");
    let outbound = gw.tenant.control_get("/_emulator/outbound").await;
    assert!(
        !outbound.to_string().contains("dave@example.test"),
        "nothing was sent"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_limit_counts_only_sent_mail_and_refuses_once_used_up() {
    let gw = TestGateway::start_configured(|c| c.smtp.messages_per_day = 2).await;
    gw.python("smtp_send.py", &["daily-limit", PASSWORD]).await;
    for (n, arrived) in [(1, true), (2, true), (3, false)] {
        let found = find(&gw, BOB, &format!("<daily-{n}@contoso.test>")).await;
        assert_eq!(found.is_some(), arrived, "message {n}");
    }
    gw.stop().await;
}
