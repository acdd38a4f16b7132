//! Sending exactly once at the edges, through smtplib and imaplib against
//! the emulated tenant: devices that reuse one Message-ID for every
//! message, Graph answers lost before or after the send, a Sent Items copy
//! filed late, a send-as user who may not read the shared mailbox, and
//! `no_sent_copy` next to older messages with the same Message-ID.

use serde_json::{Value, json};

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::*;

/// Submit `mime` as `user` through smtplib; the reply code and text.
async fn submit(gw: &TestGateway, user: &str, from: &str, to: &str, mime: &str) -> String {
    let file = gw
        .dir
        .path()
        .join(format!("{}.eml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, mime).unwrap();
    let out = gw
        .python(
            "smtp_once.py",
            &[user, PASSWORD, from, to, file.to_str().unwrap()],
        )
        .await;
    out.trim().to_string()
}

/// A scanner's message: the same Message-ID, subject and recipient every
/// time, only the page differs.
fn scan(from: &str, mid: &str, page: &str) -> String {
    format!(
        "From: {from}\r\nTo: bob@contoso.test\r\nSubject: Scanned document\r\n\
         Message-ID: {mid}\r\nDate: Wed, 02 Dec 2026 09:00:00 +0000\r\n\r\n{page}\r\n"
    )
}

/// The bodies of `upn`'s messages in `folder` with Message-ID `mid`.
async fn bodies(gw: &TestGateway, upn: &str, folder: &str, mid: &str) -> Vec<String> {
    let mut out = Vec::new();
    for m in gw.tenant.mailbox(upn, folder).await {
        if m["internetMessageId"] == mid {
            let id = m["id"].as_str().unwrap();
            let mime = gw
                .tenant
                .control_get_text(&format!("/_emulator/mailboxes/{upn}/messages/{id}/mime"))
                .await;
            let body = mime
                .split_once("\r\n\r\n")
                .map(|(_, b)| b.trim().to_string())
                .unwrap_or_default();
            out.push(body);
        }
    }
    out.sort();
    out
}

fn lose_send_answers(after: f64) -> Value {
    json!({"fault_rate": 1.0, "fault_statuses": [504], "fault_after_ratio": after, "fault_match": "sendMail"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_message_id_is_not_taken_for_sent_when_the_answer_is_lost() {
    let gw = TestGateway::start().await;
    let mid = "<scan@printer.contoso.test>";
    let first = submit(&gw, ALICE, ALICE, BOB, &scan(ALICE, mid, "page A")).await;
    assert_eq!(first, "250");
    // The next scan's answer is lost before Graph sent it: page A's copy in
    // Sent Items has the same Message-ID, but it is not this message.
    gw.tenant.set(lose_send_answers(0.0)).await;
    let lost = submit(&gw, ALICE, ALICE, BOB, &scan(ALICE, mid, "page B")).await;
    assert!(lost.starts_with("451 "), "{lost}");
    gw.tenant.set(json!({"fault_rate": 0.0})).await;
    let retry = submit(&gw, ALICE, ALICE, BOB, &scan(ALICE, mid, "page B")).await;
    assert_eq!(retry, "250", "the client's retry goes");
    // A third scan whose answer is lost after Graph sent it is recognised.
    gw.tenant.set(lose_send_answers(1.0)).await;
    let third = submit(&gw, ALICE, ALICE, BOB, &scan(ALICE, mid, "page C")).await;
    gw.tenant.set(json!({"fault_rate": 0.0})).await;
    assert_eq!(third, "250", "its own copy is in Sent Items");
    assert_eq!(
        bodies(&gw, BOB, "inbox", mid).await,
        ["page A", "page B", "page C"],
        "each page delivered exactly once"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_a_lost_answer_is_not_sent_again_when_the_copy_shows_up_late() {
    let gw = TestGateway::start().await;
    let mid = "<late-copy@contoso.test>";
    let mime = scan(ALICE, mid, "only once");
    // Graph sends it, the answer is lost, and Exchange files the copy
    // later than graphgate looks for it: 451, the client will retry.
    gw.tenant.set(lose_send_answers(1.0)).await;
    gw.tenant.set(json!({"sent_copy_delay_ms": 5000})).await;
    let lost = submit(&gw, ALICE, ALICE, BOB, &mime).await;
    assert!(lost.starts_with("451 "), "{lost}");
    gw.tenant
        .set(json!({"fault_rate": 0.0, "sent_copy_delay_ms": 0}))
        .await;
    eventually(20, "the late copy in Sent Items", || async {
        !bodies(&gw, ALICE, "sentitems", mid).await.is_empty()
    })
    .await;
    let retry = submit(&gw, ALICE, ALICE, BOB, &mime).await;
    assert_eq!(retry, "250");
    assert_eq!(
        bodies(&gw, BOB, "inbox", mid).await,
        ["only once"],
        "the retry was answered from the copy, not sent twice"
    );
    gw.stop().await;
}

async fn revoke_full_access(gw: &TestGateway) {
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_as_without_full_access_and_a_lost_answer_is_250_and_delivered_once() {
    let gw = TestGateway::start().await;
    revoke_full_access(&gw).await;
    let mid = "<as-sales-lost@contoso.test>";
    gw.tenant.set(lose_send_answers(1.0)).await;
    let reply = submit(&gw, ALICE, SALES, BOB, &scan(SALES, mid, "for sales")).await;
    gw.tenant.set(json!({"fault_rate": 0.0})).await;
    assert_eq!(
        reply, "250",
        "the copy in alice's own Sent Items confirms it"
    );
    assert_eq!(bodies(&gw, BOB, "inbox", mid).await, ["for sales"]);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_send_as_without_full_access_is_drafted_in_the_users_own_mailbox() {
    let gw = TestGateway::start().await;
    revoke_full_access(&gw).await;
    let mid = "<as-sales-large@contoso.test>";
    // 3.5 MiB of base64 in lines of 76: over the one-request limit.
    let attachment = format!("{}\r\n", "QUJD".repeat(19)).repeat(48 * 1024);
    let mime = format!(
        "From: sales@contoso.test\r\nTo: bob@contoso.test\r\nSubject: big report\r\n\
         Message-ID: {mid}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nsee the report\r\n\
         --b\r\nContent-Type: application/octet-stream; name=r.bin\r\n\
         Content-Disposition: attachment; filename=r.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n\
         {attachment}--b--\r\n"
    );
    let reply = submit(&gw, ALICE, SALES, BOB, &mime).await;
    assert_eq!(reply, "250");
    let inbox = gw.tenant.mailbox(BOB, "inbox").await;
    let got: Vec<&Value> = inbox
        .iter()
        .filter(|m| m["internetMessageId"] == mid)
        .collect();
    assert_eq!(got.len(), 1, "delivered once");
    assert_eq!(got[0]["from"], SALES, "sent as sales");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_sent_copy_removes_only_the_copy_this_send_made() {
    let gw = TestGateway::start().await;
    let mid = "<scan@carol-device.contoso.test>";
    // Yesterday's scan, identical, and a different page from just now,
    // both with the device's one Message-ID, are in carol's Sent Items.
    let deliver = |date: Option<&'static str>, mime: String| {
        let url = match date {
            Some(d) => format!(
                "{}/_emulator/mailboxes/{CAROL}/deliver?folder=sentitems&date={d}",
                gw.tenant.base
            ),
            None => format!(
                "{}/_emulator/mailboxes/{CAROL}/deliver?folder=sentitems",
                gw.tenant.base
            ),
        };
        let http = gw.tenant.http.clone();
        async move {
            let r = http.post(url).body(mime).send().await.unwrap();
            assert_eq!(r.status(), 201);
            let v: Value = r.json().await.unwrap();
            v["id"].as_str().unwrap().to_string()
        }
    };
    let yesterday = deliver(Some("2026-01-01T08:00:00Z"), scan(CAROL, mid, "the page")).await;
    let other = deliver(None, scan(CAROL, mid, "another page")).await;
    let reply = submit(&gw, CAROL, CAROL, BOB, &scan(CAROL, mid, "the page")).await;
    assert_eq!(reply, "250");
    assert_eq!(bodies(&gw, BOB, "inbox", mid).await, ["the page"]);
    let left: Vec<String> = gw
        .tenant
        .mailbox(CAROL, "sentitems")
        .await
        .iter()
        .filter(|m| m["internetMessageId"] == mid)
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    let mut want = vec![yesterday, other];
    want.sort();
    let mut left = left;
    left.sort();
    assert_eq!(
        left, want,
        "the older messages stay, this send's copy is gone"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_to_sent_of_another_message_with_a_reused_message_id_is_stored() {
    let gw = TestGateway::start().await;
    let mid = "<scan@alice-device.contoso.test>";
    let sent = scan(ALICE, mid, "page sent");
    assert_eq!(submit(&gw, ALICE, ALICE, BOB, &sent).await, "250");
    let g = &gw;
    let append = |mime: String| async move {
        let file = g
            .dir
            .path()
            .join(format!("{}.eml", uuid::Uuid::new_v4().simple()));
        std::fs::write(&file, mime).unwrap();
        g.python(
            "imap_append.py",
            &[ALICE, PASSWORD, "Sent Items", file.to_str().unwrap()],
        )
        .await
    };
    // The device files a different page under the same Message-ID: stored.
    append(scan(ALICE, mid, "page filed")).await;
    assert_eq!(
        bodies(&gw, ALICE, "sentitems", mid).await,
        ["page filed", "page sent"]
    );
    // Filing the message that was sent is answered with Exchange's copy.
    append(sent.replace("\r\n\r\n", "\r\nBcc: carol@contoso.test\r\n\r\n")).await;
    assert_eq!(
        bodies(&gw, ALICE, "sentitems", mid).await,
        ["page filed", "page sent"],
        "no second copy of the message sent"
    );
    gw.stop().await;
}
