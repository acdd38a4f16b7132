//! OBJECTID (RFC 8474) against the emulated tenant: EMAILID survives a
//! MOVE and SEARCH EMAILID finds the message at its new place, messages of
//! one conversation (a copy and its original) share a THREADID that SEARCH
//! THREADID finds, and
//! MAILBOXID is the same in CREATE's OK, SELECT, STATUS, and after RENAME.

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::imap_client::{Answer, Client};
use crate::common::*;

async fn login(gw: &TestGateway) -> Client {
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    c
}

async fn ok(c: &mut Client, command: &str) -> Answer {
    let answer = c.run(command).await;
    assert!(answer.ok(), "{command}: {} {}", answer.status, answer.text);
    answer
}

/// The id in `KEY (id)` of `line`.
fn id_after(line: &str, key: &str) -> String {
    let at = line
        .find(&format!("{key} ("))
        .unwrap_or_else(|| panic!("{key} in {line}"))
        + key.len()
        + 2;
    let id: String = line[at..].chars().take_while(|&c| c != ')').collect();
    assert!(
        (1..=255).contains(&id.len())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
        "{id}"
    );
    id
}

/// The numbers of `* SEARCH ...`.
fn found(answer: &Answer) -> Vec<u32> {
    let line = answer
        .untagged
        .iter()
        .find(|l| l.starts_with("* SEARCH"))
        .expect("a SEARCH response");
    line["* SEARCH".len()..]
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}

async fn append(c: &mut Client, folder: &str, message: &str) {
    c.send(&format!("A APPEND {folder} {{{}+}}", message.len()))
        .await;
    // The literal, then the end of the command line.
    c.send(message).await;
    let line = c.line().await;
    assert!(line.starts_with("A OK"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emailid_survives_a_move_and_search_finds_it() {
    let gw = TestGateway::start().await;
    let mut c = login(&gw).await;
    let caps = ok(&mut c, "CAPABILITY").await;
    assert!(
        caps.untagged[0].contains(" OBJECTID"),
        "{:?}",
        caps.untagged
    );
    ok(&mut c, "SELECT INBOX").await;
    let fetched = ok(&mut c, "FETCH 1 (UID EMAILID THREADID)").await;
    let line = &fetched.untagged[0];
    assert!(line.starts_with("* 1 FETCH (UID "), "{line}");
    let email = id_after(line, "EMAILID");
    assert!(email.starts_with('M'), "{email}");
    assert!(id_after(line, "THREADID").starts_with('T'), "{line}");
    // Only EMAILID: a FETCH response with it (and the UID).
    let only = ok(&mut c, "FETCH 1 EMAILID").await;
    assert_eq!(id_after(&only.untagged[0], "EMAILID"), email);

    ok(&mut c, "MOVE 1 Receipts").await;
    ok(&mut c, "SELECT Receipts").await;
    let search = ok(&mut c, &format!("UID SEARCH EMAILID {email}")).await;
    let uids = found(&search);
    assert_eq!(uids.len(), 1, "{:?}", search.untagged);
    let moved = ok(&mut c, &format!("UID FETCH {} (EMAILID)", uids[0])).await;
    assert_eq!(id_after(&moved.untagged[0], "EMAILID"), email);
    // Under NOT and OR too; an unknown id finds nothing.
    let others = found(&ok(&mut c, &format!("SEARCH NOT EMAILID {email}")).await);
    let all = found(&ok(&mut c, "SEARCH ALL").await);
    assert_eq!(others.len() + 1, all.len());
    assert!(found(&ok(&mut c, "SEARCH EMAILID Mnothing").await).is_empty());
    // A key before a literal, and the literal's content left alone.
    let literal = ok(
        &mut c,
        &format!("UID SEARCH EMAILID {email} NOT SUBJECT {{10+}}\r\nEMAILID M1"),
    )
    .await;
    assert_eq!(found(&literal), uids);
    let bad = c.run("SEARCH EMAILID M=x").await;
    assert_eq!(bad.status, "BAD", "{}", bad.text);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_of_one_conversation_share_a_threadid() {
    let gw = TestGateway::start().await;
    let mut c = login(&gw).await;
    let message = |n: u32, subject: &str, references: &str| {
        format!(
            "From: a{n}@example.org\r\nTo: alice@contoso.test\r\nSubject: {subject}\r\n\
             Message-ID: <m{n}@example.org>\r\n{references}\r\nText {n}.\r\n"
        )
    };
    let refs = "In-Reply-To: <m1@example.org>\r\nReferences: <m1@example.org>\r\n";
    // Two replies to one message, and a message of its own.
    for m in [
        message(2, "Re: plans", refs),
        message(3, "Re: plans", refs),
        message(4, "other", ""),
    ] {
        append(&mut c, "Travel", &m).await;
    }
    let selected = ok(&mut c, "SELECT Travel").await;
    let count = selected.exists().unwrap();
    // A copy is in the conversation of its original (and a new message).
    ok(&mut c, &format!("COPY {} Travel", count - 2)).await;
    let fetched = ok(&mut c, &format!("FETCH {}:* (EMAILID THREADID)", count - 2)).await;
    let lines: Vec<&String> = fetched
        .untagged
        .iter()
        .filter(|l| l.contains(" FETCH ") && l.contains("THREADID"))
        .collect();
    assert_eq!(lines.len(), 4, "{:?}", fetched.untagged);
    let threads: Vec<String> = lines.iter().map(|l| id_after(l, "THREADID")).collect();
    let emails: Vec<String> = lines.iter().map(|l| id_after(l, "EMAILID")).collect();
    // The emulator does not thread APPENDed replies by their References
    // (it sees only their own Message-ID), so the replies are not compared;
    // a copy and its original are one conversation there as at Microsoft.
    assert_ne!(threads[0], threads[2], "{lines:?}");
    assert_eq!(threads[0], threads[3], "{lines:?}");
    assert_ne!(emails[0], emails[3]);
    let search = ok(&mut c, &format!("SEARCH THREADID {}", threads[0])).await;
    assert_eq!(found(&search), vec![count - 2, count + 1]);
    // The keys work with RETURN options, and in SORT and THREAD.
    let counted = ok(
        &mut c,
        &format!("SEARCH RETURN (COUNT MIN) THREADID {}", threads[0]),
    )
    .await;
    assert_eq!(counted.untagged.len(), 1, "{:?}", counted.untagged);
    assert!(
        counted.untagged[0].ends_with(&format!(") MIN {} COUNT 2", count - 2)),
        "{:?}",
        counted.untagged
    );
    let sorted = ok(
        &mut c,
        &format!("SORT (REVERSE ARRIVAL) UTF-8 THREADID {}", threads[0]),
    )
    .await;
    // A copy keeps its original's arrival: the tie goes in folder order.
    assert_eq!(
        sorted.untagged,
        vec![format!("* SORT {} {}", count - 2, count + 1)]
    );
    // THREAD: the original and its copy, one subject, one thread; OR
    // with an EMAILID of another conversation adds a thread of its own
    // (first: the folder's older message, threads go by their first date).
    let threaded = ok(
        &mut c,
        &format!(
            "THREAD ORDEREDSUBJECT UTF-8 OR THREADID {} EMAILID {}",
            threads[0], emails[2]
        ),
    )
    .await;
    assert_eq!(
        threaded.untagged,
        vec![format!("* THREAD ({})({} {})", count, count - 2, count + 1)]
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailboxid_is_kept_across_rename() {
    let gw = TestGateway::start().await;
    let mut c = login(&gw).await;
    let created = ok(&mut c, "CREATE Plans").await;
    let id = id_after(&created.text, "[MAILBOXID");
    assert!(id.starts_with('F'), "{}", created.text);
    let status = ok(&mut c, "STATUS Plans (MESSAGES MAILBOXID)").await;
    assert_eq!(
        status.untagged,
        vec![format!("* STATUS Plans (MESSAGES 0 MAILBOXID ({id}))")]
    );
    let selected = ok(&mut c, "SELECT Plans").await;
    assert!(
        selected
            .untagged
            .contains(&format!("* OK [MAILBOXID ({id})] folder id")),
        "{:?}",
        selected.untagged
    );
    ok(&mut c, "UNSELECT").await;
    ok(&mut c, "RENAME Plans Travel/Plans").await;
    let status = ok(&mut c, "STATUS Travel/Plans (MAILBOXID)").await;
    assert_eq!(
        status.untagged,
        vec![format!("* STATUS Travel/Plans (MAILBOXID ({id}))")]
    );
    // LIST-STATUS (RFC 5819) returns it too.
    let listed = ok(
        &mut c,
        "LIST \"\" \"Travel/P*\" RETURN (STATUS (MESSAGES MAILBOXID))",
    )
    .await;
    assert_eq!(
        listed.untagged,
        vec![
            "* LIST (\\HasNoChildren) \"/\" Travel/Plans".to_string(),
            format!("* STATUS Travel/Plans (MESSAGES 0 MAILBOXID ({id}))"),
        ]
    );
    let only = ok(&mut c, "LIST \"\" Travel/Plans RETURN (STATUS (MAILBOXID))").await;
    assert_eq!(
        only.untagged[1],
        format!("* STATUS Travel/Plans (MAILBOXID ({id}))")
    );
    let examined = ok(&mut c, "EXAMINE Travel/Plans").await;
    assert!(
        examined.untagged.iter().any(|l| l.contains(&id)),
        "{:?}",
        examined.untagged
    );
    // Another folder has another id.
    let inbox = ok(&mut c, "STATUS INBOX (MAILBOXID)").await;
    assert_ne!(id_after(&inbox.untagged[0], "MAILBOXID"), id);
    gw.stop().await;
}
