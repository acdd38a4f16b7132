//! IMAP4rev2 (RFC 9051) next to IMAP4rev1: both are advertised, and a
//! session that sends ENABLE IMAP4rev2 gets what RFC 9051 asks of it
//! (no RECENT or `\Recent`, no UNSEEN at SELECT but the folder's LIST line,
//! ESEARCH for every SEARCH, UTF-8 mailbox names, CHARSET still allowed),
//! while an IMAP4rev1 session on the same folder keeps RFC 3501's answers,
//! `\Recent` included: the IMAP4rev2 session takes it from no one.

use imap_codec::ResponseCodec;
use imap_codec::decode::Decoder;

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::imap_client::{Answer, Client};
use crate::common::*;

async fn ok(c: &mut Client, command: &str) -> Answer {
    let answer = c.run(command).await;
    assert!(answer.ok(), "{command}: {} {}", answer.status, answer.text);
    answer
}

async fn logged_in(gw: &TestGateway) -> Client {
    let mut c = Client::connect(gw.imap).await;
    ok(&mut c, &format!("LOGIN {ALICE} {PASSWORD}")).await;
    c
}

async fn append(c: &mut Client, folder: &str, flags: &str, subject: &str) -> Answer {
    let mime = format!("From: carol@contoso.test\r\nSubject: {subject}\r\n\r\n{subject}\r\n");
    ok(
        c,
        &format!("APPEND {folder} ({flags}) {{{}+}}\r\n{mime}", mime.len()),
    )
    .await
}

/// The single ESEARCH line of `answer`, with its `(TAG "...")` cut off.
fn esearch(answer: &Answer) -> String {
    let lines: Vec<&String> = answer
        .untagged
        .iter()
        .filter(|l| l.starts_with("* ESEARCH "))
        .collect();
    assert_eq!(lines.len(), 1, "{:?}", answer.untagged);
    assert!(
        !answer.untagged.iter().any(|l| l.starts_with("* SEARCH")),
        "{:?}",
        answer.untagged
    );
    let rest = lines[0].strip_prefix("* ESEARCH (TAG \"b").unwrap();
    let (_, items) = rest.split_once("\")").unwrap();
    items.trim().to_string()
}

fn parses(line: &str) {
    let wire = format!("{line}\r\n");
    let decoded = ResponseCodec::default().decode(wire.as_bytes());
    assert!(decoded.is_ok(), "imap-codec cannot read {line:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imap4rev2_session_gets_rfc_9051_answers() {
    let gw = TestGateway::start().await;
    let mut rev1 = logged_in(&gw).await;
    let caps = ok(&mut rev1, "CAPABILITY").await;
    let line = caps.untagged[0].to_ascii_uppercase();
    assert!(
        line.contains(" IMAP4REV1 ") && line.contains(" IMAP4REV2 "),
        "{line}"
    );

    let mut rev2 = logged_in(&gw).await;
    let enabled = ok(&mut rev2, "ENABLE IMAP4rev2").await;
    assert_eq!(enabled.untagged, vec!["* ENABLED IMAP4rev2"]);
    ok(&mut rev2, "CREATE \"Rev2 Grüße\"").await;
    append(&mut rev2, "\"Rev2 Grüße\"", "\\Seen", "alpha").await;
    append(&mut rev2, "\"Rev2 Grüße\"", "", "bravo").await;
    append(&mut rev1, "\"Rev2 Gr&APwA3w-e\"", "\\Flagged", "charlie").await;

    // SELECT: EXISTS, the LIST line in UTF-8, no RECENT, no UNSEEN.
    let selected = ok(&mut rev2, "SELECT \"Rev2 Grüße\"").await;
    let u = &selected.untagged;
    assert!(u.contains(&"* 3 EXISTS".to_string()), "{u:?}");
    assert!(
        u.contains(&"* LIST (\\HasNoChildren) \"/\" \"Rev2 Grüße\"".to_string()),
        "{u:?}"
    );
    assert!(!u.iter().any(|l| l.ends_with(" RECENT")), "{u:?}");
    assert!(!u.iter().any(|l| l.contains("[UNSEEN ")), "{u:?}");
    for line in u {
        parses(line);
    }
    assert!(
        selected.text.starts_with("[READ-WRITE]"),
        "{}",
        selected.text
    );

    // The IMAP4rev1 session still finds all three recent: the other took none.
    let rev1_selected = ok(&mut rev1, "SELECT \"Rev2 Gr&APwA3w-e\"").await;
    assert!(
        rev1_selected.untagged.contains(&"* 3 RECENT".to_string()),
        "{:?}",
        rev1_selected.untagged
    );
    assert!(
        rev1_selected
            .untagged
            .iter()
            .any(|l| l.contains("[UNSEEN 2]")),
        "{:?}",
        rev1_selected.untagged
    );
    assert!(
        !rev1_selected
            .untagged
            .iter()
            .any(|l| l.starts_with("* LIST")),
        "{:?}",
        rev1_selected.untagged
    );

    // FETCH shows no \Recent to the IMAP4rev2 session.
    let fetched = ok(&mut rev2, "FETCH 1:* FLAGS").await;
    assert_eq!(fetched.fetches, 3, "{:?}", fetched.untagged);
    assert!(
        !fetched.untagged.iter().any(|l| l.contains("\\Recent")),
        "{:?}",
        fetched.untagged
    );

    // Every SEARCH answers with ESEARCH; an empty result has no ALL.
    let uids = ok(&mut rev1, "UID SEARCH ALL").await;
    let uids: Vec<u32> = uids.untagged[0]
        .strip_prefix("* SEARCH ")
        .unwrap()
        .split(' ')
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(esearch(&ok(&mut rev2, "SEARCH UNSEEN").await), "ALL 2:3");
    assert_eq!(
        esearch(&ok(&mut rev2, "UID SEARCH ALL").await),
        format!("UID ALL {}:{}", uids[0], uids[2])
    );
    assert_eq!(esearch(&ok(&mut rev2, "SEARCH SUBJECT nothing").await), "");
    assert_eq!(
        esearch(&ok(&mut rev2, "SEARCH RETURN (COUNT) FLAGGED").await),
        "COUNT 1"
    );
    // RFC 9051 §6.4.4: US-ASCII and UTF-8 are searched in.
    assert_eq!(
        esearch(&ok(&mut rev2, "SEARCH CHARSET UTF-8 SUBJECT bravo").await),
        "ALL 2"
    );
    // SORT is its own extension and keeps its SORT response.
    let sorted = ok(&mut rev2, "SORT (REVERSE SUBJECT) UTF-8 ALL").await;
    assert_eq!(sorted.untagged, vec!["* SORT 3 2 1"]);

    // A new message: EXISTS alone for IMAP4rev2, EXISTS and RECENT for
    // IMAP4rev1.
    // IMAP4rev1 (the appending session hears of it in APPEND's answer).
    let appended = append(&mut rev1, "\"Rev2 Gr&APwA3w-e\"", "", "delta").await;
    assert!(
        appended.untagged.contains(&"* 4 EXISTS".to_string())
            && appended.untagged.contains(&"* 4 RECENT".to_string()),
        "{:?}",
        appended.untagged
    );
    let noop = ok(&mut rev2, "NOOP").await;
    assert_eq!(noop.untagged, vec!["* 4 EXISTS"]);
    let fetched = ok(&mut rev2, "FETCH 4 FLAGS").await;
    assert!(
        !fetched.untagged[0].contains("\\Recent"),
        "{:?}",
        fetched.untagged
    );

    // Names in UTF-8 both ways; INBOX's LIST line at SELECT.
    let listed = ok(&mut rev2, "LIST \"\" \"Rev2*\"").await;
    assert_eq!(
        listed.untagged,
        vec!["* LIST (\\HasNoChildren) \"/\" \"Rev2 Grüße\""]
    );
    let inbox = ok(&mut rev2, "EXAMINE inbox").await;
    let list: Vec<&String> = inbox
        .untagged
        .iter()
        .filter(|l| l.starts_with("* LIST "))
        .collect();
    assert_eq!(list.len(), 1, "{:?}", inbox.untagged);
    assert!(list[0].ends_with(" \"/\" INBOX"), "{}", list[0]);
    parses(list[0]);

    // Enabling IMAP4rev2 with a folder open drops `\Recent` there too.
    let flags = ok(&mut rev1, "FETCH 4 FLAGS").await;
    assert!(
        flags.untagged[0].contains("\\Recent"),
        "{:?}",
        flags.untagged
    );
    ok(&mut rev1, "ENABLE IMAP4rev2").await;
    let flags = ok(&mut rev1, "FETCH 4 FLAGS").await;
    assert!(
        !flags.untagged[0].contains("\\Recent"),
        "{:?}",
        flags.untagged
    );
    // A second ENABLE names nothing new.
    let again = ok(&mut rev1, "ENABLE IMAP4rev2").await;
    assert_eq!(again.untagged, vec!["* ENABLED"]);

    ok(&mut rev1, "LOGOUT").await;
    ok(&mut rev2, "LOGOUT").await;
    gw.stop().await;
}
