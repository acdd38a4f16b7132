//! APPEND on any tenant: where `PUT $value` replaces a non-draft's MIME,
//! and where the tenant refuses it (the emulated tenant's
//! `put_value_drafts_only` switch) and graphgate creates messages from MIME
//! instead, after one probe. Driven by imaplib; checked in the tenant.

use serde_json::{Value, json};

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::*;

/// graphgate's `\Draft` mark, as the tenant stores it (normalised id).
const MARK: &str = "String {c51bcfd6-c358-4156-abeb-5a4c8ca2da1e} Name graphgate-draft";
const FOLDER: &str = "Archive";

/// The APPENDs of one run: (flags, date, MIME); `tag` makes Message-IDs unique.
fn cases(tag: &str) -> Vec<(&'static str, Option<&'static str>, String)> {
    let mime = |n: u32, extra: &str, body: &str| {
        format!(
            "From: Alice <alice@contoso.test>\r\nTo: bob@contoso.test\r\n\
             Subject: route {tag} {n}\r\nMessage-ID: <route-{tag}-{n}@contoso.test>\r\n\
             Date: Thu, 02 Jan 2020 03:04:05 +0000\r\n{extra}\r\n{body}"
        )
    };
    vec![
        (
            "(\\Seen)",
            Some("02-Jan-2020 03:04:05 +0000"),
            mime(1, "X-Odd:   kept\r\n  folded as sent\r\n", "first\r\n"),
        ),
        (
            "()",
            Some("15-Mar-2021 10:00:00 +0100"),
            mime(
                2,
                "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n",
                "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
                 Grüße\r\n--b1\r\nContent-Type: application/octet-stream; name=\"a.bin\"\r\n\
                 Content-Transfer-Encoding: base64\r\n\r\nAAECAwQ=\r\n--b1--\r\n",
            ),
        ),
        (
            "(\\Flagged $Forwarded Work_item)",
            Some("01-Feb-2022 08:30:00 +0000"),
            mime(3, "Keywords: Unasked\r\n", "third\r\n"),
        ),
        (
            "(\\Draft \\Seen)",
            Some("03-Mar-2023 12:00:00 +0000"),
            mime(4, "", "a draft\r\n"),
        ),
        ("(\\Answered)", None, mime(5, "", "fifth\r\n")),
    ]
}

/// Run the cases through imaplib; returns the script's answer.
async fn append_cases(gw: &TestGateway, tag: &str) -> Vec<Value> {
    let mut spec = Vec::new();
    for (n, (flags, date, mime)) in cases(tag).into_iter().enumerate() {
        let file = gw.dir.path().join(format!("{tag}-{n}.eml"));
        std::fs::write(&file, mime).unwrap();
        spec.push(json!({"file": file, "flags": flags, "date": date}));
    }
    let spec_file = gw.dir.path().join(format!("{tag}.json"));
    std::fs::write(&spec_file, serde_json::to_vec(&spec).unwrap()).unwrap();
    let out = gw
        .python(
            "imap_append_route.py",
            &[ALICE, PASSWORD, FOLDER, spec_file.to_str().unwrap()],
        )
        .await;
    serde_json::from_str(out.lines().last().unwrap()).expect("JSON from the script")
}

/// Graph operations served for `method` on endpoints ending in `suffix`.
async fn served(gw: &TestGateway, method: &str, suffix: &str) -> u64 {
    let stats = gw.tenant.stats().await;
    stats["by_endpoint"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with(&format!("{method} ")) && k.ends_with(suffix))
        .map(|(_, v)| v.as_u64().unwrap())
        .sum()
}

/// The request counts an APPEND run cost: (POST create, PUT $value, PATCH, DELETE).
async fn append_requests(gw: &TestGateway) -> (u64, u64, u64, u64) {
    (
        served(gw, "POST", "/mailFolders/{mailFolder-id}/messages").await,
        served(gw, "PUT", "/$value").await,
        served(gw, "PATCH", "/messages/{message-id}").await,
        served(gw, "DELETE", "/messages/{message-id}").await,
    )
}

/// What the tenant holds for each appended message, by Message-ID, checked
/// against the case it came from: exact MIME, date, flags, and whether
/// Exchange calls it a draft (all of them on the MIME route, else only
/// those appended with `\Draft`) with graphgate's mark saying otherwise.
async fn check_tenant(gw: &TestGateway, tag: &str, answer: &[Value], mime_route: bool) {
    let held = gw.tenant.mailbox(ALICE, "archive").await;
    for ((flags, date, mime), got) in cases(tag).iter().zip(answer) {
        let mid = got["message_id"].as_str().unwrap();
        let copies: Vec<&Value> = held
            .iter()
            .filter(|m| m["internetMessageId"] == mid)
            .collect();
        assert_eq!(
            copies.len(),
            1,
            "one item for {mid}, nothing half-made left"
        );
        let m = copies[0];
        let id = m["id"].as_str().unwrap();
        let stored = gw
            .tenant
            .control_get_text(&format!("/_emulator/mailboxes/{ALICE}/messages/{id}/mime"))
            .await;
        assert_eq!(&stored, mime, "the exact bytes at Microsoft");
        let asked_draft = flags.contains("\\Draft");
        assert_eq!(m["isDraft"], mime_route || asked_draft, "{mid}: {m}");
        let mark = m["extendedProperties"][MARK].as_str();
        let want_mark = (mime_route && !asked_draft).then_some("0");
        assert_eq!(mark, want_mark, "{mid}: {m}");
        assert_eq!(m["isRead"], flags.contains("\\Seen"), "{mid}: {m}");
        let flagged = if flags.contains("\\Flagged") {
            "flagged"
        } else {
            "notFlagged"
        };
        assert_eq!(m["flag"], flagged, "{mid}: {m}");
        let categories = if flags.contains("Work_item") {
            json!(["Work item"])
        } else {
            json!([])
        };
        assert_eq!(m["categories"], categories, "{mid}: {m}");
        if let Some(date) = date {
            let want = chrono::DateTime::parse_from_str(date, "%d-%b-%Y %H:%M:%S %z").unwrap();
            let got = chrono::DateTime::parse_from_rfc3339(m["receivedDateTime"].as_str().unwrap())
                .unwrap();
            assert_eq!(
                got, want,
                "{mid}: INTERNALDATE is the delivery time at Microsoft"
            );
        }
    }
}

/// Append the cases as `tag` and check what the tenant then holds.
async fn append_and_check(gw: &TestGateway, tag: &str, mime_route: bool) {
    let answer = append_cases(gw, tag).await;
    assert_eq!(answer.len(), cases(tag).len());
    check_tenant(gw, tag, &answer, mime_route).await;
}

/// A gateway on a tenant that refuses `PUT $value` on non-drafts or not,
/// with the request counters at zero.
async fn start(put_value_drafts_only: bool) -> TestGateway {
    let gw = TestGateway::start().await;
    gw.tenant
        .set(json!({"put_value_drafts_only": put_value_drafts_only}))
        .await;
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    gw
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_puts_the_mime_on_a_received_message_where_the_tenant_allows_it() {
    let gw = start(false).await;
    append_and_check(&gw, "put", false).await;
    assert_eq!(
        append_requests(&gw).await,
        (5, 5, 0, 0),
        "a create and a PUT per APPEND"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_creates_from_mime_after_one_probe_where_put_is_refused() {
    let gw = start(true).await;
    append_and_check(&gw, "mime", true).await;
    assert_eq!(
        append_requests(&gw).await,
        (6, 1, 5, 1),
        "one probe (a create, the refused PUT, a delete), then a MIME create and a PATCH per APPEND"
    );
    let dumpster = gw.tenant.mailbox(ALICE, "recoverableitemsdeletions").await;
    assert_eq!(
        dumpster.len(),
        1,
        "the half-made item was deleted: {dumpster:?}"
    );
    // Later APPENDs, in new sessions, go straight to the working route.
    append_and_check(&gw, "mime2", true).await;
    assert_eq!(
        append_requests(&gw).await,
        (11, 1, 10, 1),
        "no second probe"
    );
    gw.stop().await;
}
