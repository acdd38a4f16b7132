//! ESEARCH (RFC 4731), SEARCHRES (RFC 5182) and ESORT (RFC 5267) from
//! outside: six messages appended to a folder of their own with chosen
//! flags and subjects, then every RETURN option of SEARCH and SORT and their
//! UID forms checked line by line, MODSEQ with CONDSTORE, `$` saved and used
//! by FETCH, STORE, COPY, SEARCH and UID EXPUNGE (empty, after a failed
//! SAVE, after EXPUNGE, after SELECT), and Python's imaplib as a client.

use serde_json::Value;

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::imap_client::{Answer, Client};
use crate::common::*;

/// Flags and subjects of the six messages, in append order. Sorted by
/// subject they are 2, 4, 3, 1, 5, 6; the flagged ones are 1, 3, 5.
const MESSAGES: [(&str, &str); 6] = [
    ("\\Flagged", "delta"),
    ("", "alpha"),
    ("\\Flagged", "charlie"),
    ("\\Seen", "bravo"),
    ("\\Flagged", "echo"),
    ("", "foxtrot"),
];

async fn ok(c: &mut Client, command: &str) -> Answer {
    let answer = c.run(command).await;
    assert!(answer.ok(), "{command}: {} {}", answer.status, answer.text);
    answer
}

/// A session on the folder `Esearch` holding `MESSAGES`; their UIDs.
async fn session(gw: &TestGateway) -> (Client, Vec<u32>) {
    let mut c = Client::connect(gw.imap).await;
    ok(&mut c, &format!("LOGIN {ALICE} {PASSWORD}")).await;
    ok(&mut c, "CREATE Esearch").await;
    for (flags, subject) in MESSAGES {
        let mime = format!(
            "From: carol@contoso.test\r\nTo: alice@contoso.test\r\nSubject: {subject}\r\n\r\n{subject}\r\n"
        );
        ok(
            &mut c,
            &format!("APPEND Esearch ({flags}) {{{}+}}\r\n{mime}", mime.len()),
        )
        .await;
    }
    ok(&mut c, "SELECT Esearch").await;
    let uids = numbers(&only(&ok(&mut c, "UID SEARCH ALL").await), "* SEARCH");
    assert_eq!(uids.len(), 6, "{uids:?}");
    (c, uids)
}

/// The one untagged line of `answer`.
fn only(answer: &Answer) -> String {
    assert_eq!(answer.untagged.len(), 1, "{:?}", answer.untagged);
    answer.untagged[0].clone()
}

fn numbers(line: &str, prefix: &str) -> Vec<u32> {
    line.strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{line}"))
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}

/// What the single ESEARCH line of `command` says after its
/// `(TAG "bN")`, which must name the command's tag.
async fn esearch(c: &mut Client, command: &str) -> String {
    let answer = ok(c, command).await;
    let line = only(&answer);
    let rest = line
        .strip_prefix("* ESEARCH (TAG \"b")
        .unwrap_or_else(|| panic!("{command}: {line}"));
    let (digits, rest) = rest.split_once("\")").unwrap();
    assert!(digits.chars().all(|c| c.is_ascii_digit()), "{line}");
    rest.to_string()
}

async fn searched(c: &mut Client, command: &str) -> Vec<u32> {
    numbers(&only(&ok(c, command).await), "* SEARCH")
}

/// The sequence numbers of the untagged FETCH lines of `answer`.
fn fetched(answer: &Answer) -> Vec<u32> {
    answer
        .untagged
        .iter()
        .filter(|l| l.contains(" FETCH "))
        .map(|l| l[2..].split(' ').next().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esearch_answers_every_return_option_in_rfc_4731_form() {
    let gw = TestGateway::start().await;
    let (mut c, u) = session(&gw).await;
    let caps = only(&ok(&mut c, "CAPABILITY").await);
    for cap in [" ESEARCH", " SEARCHRES", " ESORT"] {
        assert!(caps.contains(cap), "{caps}");
    }
    let e = &mut c;
    assert_eq!(
        esearch(e, "SEARCH RETURN (MIN MAX COUNT ALL) FLAGGED").await,
        " MIN 1 MAX 5 COUNT 3 ALL 1,3,5"
    );
    assert_eq!(esearch(e, "SEARCH RETURN () FLAGGED").await, " ALL 1,3,5");
    assert_eq!(esearch(e, "search return (all) 2:4").await, " ALL 2:4");
    assert_eq!(esearch(e, "SEARCH RETURN (MIN) FLAGGED").await, " MIN 1");
    assert_eq!(esearch(e, "SEARCH RETURN (MAX) FLAGGED").await, " MAX 5");
    assert_eq!(
        esearch(e, "SEARCH RETURN (COUNT) FLAGGED").await,
        " COUNT 3"
    );
    assert_eq!(
        esearch(e, "SEARCH RETURN (COUNT) CHARSET UTF-8 SUBJECT ECHO").await,
        " COUNT 1"
    );
    assert_eq!(
        esearch(e, "UID SEARCH RETURN (MIN MAX ALL) ALL").await,
        format!(" UID MIN {} MAX {} ALL {}:{}", u[0], u[5], u[0], u[5])
    );
    assert_eq!(
        esearch(e, "UID SEARCH RETURN (ALL COUNT) UNFLAGGED").await,
        format!(" UID COUNT 3 ALL {},{},{}", u[1], u[3], u[5])
    );
    // Nothing found: MIN, MAX and ALL left out, COUNT 0.
    assert_eq!(
        esearch(e, "SEARCH RETURN (MIN MAX ALL) KEYWORD none").await,
        ""
    );
    assert_eq!(
        esearch(e, "SEARCH RETURN (COUNT) KEYWORD none").await,
        " COUNT 0"
    );
    assert_eq!(
        esearch(e, "UID SEARCH RETURN () KEYWORD none").await,
        " UID"
    );
    assert_eq!(
        esearch(e, "UID SEARCH RETURN (MIN COUNT) KEYWORD none").await,
        " UID COUNT 0"
    );
    // Without RETURN, SEARCH answers as RFC 3501 says.
    assert_eq!(searched(e, "SEARCH FLAGGED").await, [1, 3, 5]);

    // The tag is quoted as the client wrote it.
    c.send("x.1 SEARCH RETURN (COUNT) ALL").await;
    assert_eq!(c.line().await, "* ESEARCH (TAG \"x.1\") COUNT 6\r\n");
    assert!(c.line().await.starts_with("x.1 OK "));

    for (command, why) in [
        (
            "SEARCH RETURN (PARTIAL 1:5) ALL",
            "unknown SEARCH RETURN option PARTIAL (graphgate knows MIN MAX ALL COUNT SAVE)",
        ),
        (
            "UID SEARCH RETURN MIN ALL",
            "RETURN options are a parenthesised list of atoms: RETURN (MIN COUNT)",
        ),
    ] {
        let refused = c.run(command).await;
        assert_eq!(refused.status, "BAD", "{command}");
        assert_eq!(refused.text, why);
    }
    // THREAD has no RETURN; the criteria stay imap-codec's.
    assert_eq!(
        c.run("THREAD RETURN (ALL) REFERENCES UTF-8 ALL")
            .await
            .status,
        "BAD"
    );
    assert_eq!(c.run("SEARCH RETURN (ALL) NOSUCHKEY").await.status, "BAD");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esearch_reports_the_mod_sequence_of_what_it_returns() {
    let gw = TestGateway::start().await;
    let (mut c, _) = session(&gw).await;
    ok(&mut c, "STORE 2 +FLAGS (\\Answered)").await;
    let answer = ok(&mut c, "FETCH 1:6 (MODSEQ)").await;
    let modseq: Vec<u64> = answer
        .untagged
        .iter()
        .filter(|l| l.contains("MODSEQ ("))
        .map(|l| {
            let at = l.find("MODSEQ (").unwrap() + "MODSEQ (".len();
            l[at..].trim_end_matches("))").parse().unwrap()
        })
        .collect();
    assert_eq!(modseq.len(), 6, "{:?}", answer.untagged);
    let highest = *modseq.iter().max().unwrap();
    assert_eq!(highest, modseq[1], "{modseq:?}");
    let e = &mut c;
    assert_eq!(
        esearch(e, "SEARCH RETURN (MIN) MODSEQ 1").await,
        format!(" MIN 1 MODSEQ {}", modseq[0])
    );
    assert_eq!(
        esearch(e, "SEARCH RETURN (MAX) MODSEQ 1").await,
        format!(" MAX 6 MODSEQ {}", modseq[5])
    );
    assert_eq!(
        esearch(e, "SEARCH RETURN (MIN MAX) MODSEQ 1").await,
        format!(" MIN 1 MAX 6 MODSEQ {}", modseq[0].max(modseq[5]))
    );
    assert_eq!(
        esearch(e, "SEARCH RETURN () MODSEQ 1").await,
        format!(" ALL 1:6 MODSEQ {highest}")
    );
    assert_eq!(
        esearch(e, "SEARCH RETURN (MIN COUNT) MODSEQ 1").await,
        format!(" MIN 1 COUNT 6 MODSEQ {highest}")
    );
    assert_eq!(
        esearch(e, &format!("UID SEARCH RETURN (COUNT) MODSEQ {highest}")).await,
        format!(" UID COUNT 1 MODSEQ {highest}")
    );
    // Nothing found: no MODSEQ.
    assert_eq!(
        esearch(e, &format!("SEARCH RETURN () MODSEQ {}", highest + 1)).await,
        ""
    );
    // Without MODSEQ in the criteria, none in the answer.
    assert_eq!(esearch(e, "SEARCH RETURN (MIN) ALL").await, " MIN 1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_result_is_used_by_dollar_in_every_command() {
    let gw = TestGateway::start().await;
    let (mut c, u) = session(&gw).await;
    // `$` before any SAVE: the empty set, not an error.
    let none = ok(&mut c, "FETCH $ (FLAGS)").await;
    assert!(none.untagged.is_empty(), "{:?}", none.untagged);

    // SAVE alone answers nothing but OK.
    let saved = ok(&mut c, "SEARCH RETURN (SAVE) FLAGGED").await;
    assert!(saved.untagged.is_empty(), "{:?}", saved.untagged);
    assert_eq!(fetched(&ok(&mut c, "FETCH $ (FLAGS)").await), [1, 3, 5]);
    let by_uid = ok(&mut c, "UID FETCH $ (FLAGS)").await;
    assert_eq!(fetched(&by_uid), [1, 3, 5]);
    assert!(
        by_uid.untagged[0].contains(&format!("UID {}", u[0])),
        "{:?}",
        by_uid.untagged
    );
    assert_eq!(searched(&mut c, "SEARCH $").await, [1, 3, 5]);
    assert_eq!(searched(&mut c, "SEARCH OR $ 2").await, [1, 2, 3, 5]);
    assert_eq!(searched(&mut c, "SEARCH NOT $").await, [2, 4, 6]);
    assert_eq!(
        searched(&mut c, "UID SEARCH UID $ SUBJECT echo").await,
        [u[4]]
    );
    // A `$` that is a string stays one.
    assert_eq!(
        searched(&mut c, "SEARCH $ SUBJECT $").await,
        Vec::<u32>::new()
    );

    // MIN and/or MAX alone save only those (RFC 5182 §2.4).
    assert_eq!(
        esearch(&mut c, "SEARCH RETURN (SAVE MIN) FLAGGED").await,
        " MIN 1"
    );
    assert_eq!(searched(&mut c, "SEARCH $").await, [1]);
    assert_eq!(
        esearch(&mut c, "UID SEARCH RETURN (MAX SAVE MIN) FLAGGED").await,
        format!(" UID MIN {} MAX {}", u[0], u[4])
    );
    assert_eq!(searched(&mut c, "SEARCH $").await, [1, 5]);
    assert_eq!(
        esearch(&mut c, "SEARCH RETURN (MIN SAVE COUNT) FLAGGED").await,
        " MIN 1 COUNT 3"
    );
    assert_eq!(searched(&mut c, "SEARCH $").await, [1, 3, 5]);
    // A SEARCH with `$` and SAVE reads the old result, then replaces it.
    ok(&mut c, "SEARCH RETURN (SAVE) OR $ 6").await;
    assert_eq!(searched(&mut c, "SEARCH $").await, [1, 3, 5, 6]);

    // STORE and COPY.
    let stored = ok(&mut c, "STORE $ +FLAGS (\\Answered)").await;
    assert_eq!(fetched(&stored), [1, 3, 5, 6]);
    ok(&mut c, "CREATE Saved").await;
    let copied = ok(&mut c, "COPY $ Saved").await;
    assert!(copied.text.contains("COPYUID"), "{}", copied.text);
    let status = only(&ok(&mut c, "STATUS Saved (MESSAGES)").await);
    assert_eq!(status, "* STATUS Saved (MESSAGES 4)");

    // A BAD SEARCH keeps the result; a SAVE that fails empties it.
    assert_eq!(c.run("SEARCH RETURN (SAVE FOO) ALL").await.status, "BAD");
    assert_eq!(searched(&mut c, "SEARCH $").await, [1, 3, 5, 6]);
    let failed = c.run("SEARCH RETURN (SAVE) CHARSET KOI8-R ALL").await;
    assert_eq!(failed.status, "NO");
    assert!(failed.text.starts_with("[BADCHARSET"), "{}", failed.text);
    assert_eq!(searched(&mut c, "SEARCH $").await, Vec::<u32>::new());
    // An empty result: FETCH, COPY, UID EXPUNGE touch nothing.
    ok(&mut c, "SEARCH RETURN (SAVE) KEYWORD none").await;
    assert!(ok(&mut c, "FETCH $ (FLAGS)").await.untagged.is_empty());
    ok(&mut c, "COPY $ Saved").await;
    ok(&mut c, "UID EXPUNGE $").await;
    assert_eq!(esearch(&mut c, "SEARCH RETURN (COUNT) $").await, " COUNT 0");

    // An expunged message leaves the result; the rest keep their messages
    // under their new numbers.
    ok(&mut c, "SEARCH RETURN (SAVE) FLAGGED").await;
    ok(&mut c, "STORE 3 +FLAGS.SILENT (\\Deleted)").await;
    let expunged = ok(&mut c, "EXPUNGE").await;
    assert_eq!(expunged.untagged, ["* 3 EXPUNGE"]);
    assert_eq!(searched(&mut c, "SEARCH $").await, [1, 4]);
    assert_eq!(searched(&mut c, "UID SEARCH $").await, [u[0], u[4]]);
    // UID EXPUNGE $ removes just those marked \Deleted.
    ok(&mut c, "STORE $ +FLAGS.SILENT (\\Deleted)").await;
    let gone = ok(&mut c, "UID EXPUNGE $").await;
    assert_eq!(gone.untagged, ["* 4 EXPUNGE", "* 1 EXPUNGE"]);
    assert_eq!(searched(&mut c, "SEARCH ALL").await, [1, 2, 3]);

    // Selecting again forgets the result.
    ok(&mut c, "SEARCH RETURN (SAVE) ALL").await;
    ok(&mut c, "SELECT Esearch").await;
    assert!(ok(&mut c, "FETCH $ (FLAGS)").await.untagged.is_empty());
    // MOVE with `$`.
    ok(&mut c, "SEARCH RETURN (SAVE) 1").await;
    let moved = ok(&mut c, "MOVE $ Saved").await;
    assert!(
        moved.untagged.iter().any(|l| l == "* 1 EXPUNGE"),
        "{:?}",
        moved.untagged
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esort_answers_in_sort_order() {
    let gw = TestGateway::start().await;
    let (mut c, u) = session(&gw).await;
    let e = &mut c;
    assert_eq!(
        esearch(e, "SORT RETURN (MIN MAX COUNT ALL) (SUBJECT) UTF-8 ALL").await,
        " MIN 2 MAX 6 COUNT 6 ALL 2,4,3,1,5:6"
    );
    assert_eq!(
        esearch(e, "SORT RETURN () (SUBJECT) UTF-8 FLAGGED").await,
        " ALL 3,1,5"
    );
    assert_eq!(
        esearch(e, "SORT RETURN (ALL) (ARRIVAL) US-ASCII 1:5").await,
        " ALL 1:5"
    );
    assert_eq!(
        esearch(
            e,
            "UID SORT RETURN (MIN MAX) (REVERSE SUBJECT) UTF-8 FLAGGED"
        )
        .await,
        format!(" UID MIN {} MAX {}", u[4], u[2])
    );
    assert_eq!(
        esearch(e, "SORT RETURN (COUNT MIN) (SUBJECT) UTF-8 KEYWORD none").await,
        " COUNT 0"
    );
    // SAVE with SORT keeps what MIN names: the first in sort order.
    assert_eq!(
        esearch(e, "SORT RETURN (SAVE MIN) (SUBJECT) UTF-8 FLAGGED").await,
        " MIN 3"
    );
    assert_eq!(searched(e, "SEARCH $").await, [3]);
    // Without RETURN, SORT answers as RFC 5256 says.
    let plain = only(&ok(e, "SORT (SUBJECT) UTF-8 FLAGGED").await);
    assert_eq!(plain, "* SORT 3 1 5");
    assert_eq!(
        c.run("SORT RETURN (BOGUS) (SUBJECT) UTF-8 ALL")
            .await
            .status,
        "BAD"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imaplib_sees_the_exact_esearch_grammar() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_esearch.py", &[ALICE, PASSWORD]).await;
    let v: Value = serde_json::from_str(out.trim()).expect("JSON from imap_esearch.py");
    let text = |key: &str| {
        v[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} in {v}"))
            .to_string()
    };
    assert_eq!(text("all"), "* ESEARCH (TAG \"E1\") ALL 1,3");
    assert_eq!(text("uid_count"), "* ESEARCH (TAG \"E2\") UID COUNT 3");
    assert_eq!(text("empty"), "* ESEARCH (TAG \"E3\") COUNT 0");
    assert_eq!(text("saved"), "E4 OK SEARCH completed");
    assert_eq!(text("fetch_saved"), "1,3");
    assert_eq!(text("sort"), "* ESEARCH (TAG \"E6\") MIN 3 MAX 1 ALL 3,2,1");
    assert_eq!(text("bad"), "BAD");
}
