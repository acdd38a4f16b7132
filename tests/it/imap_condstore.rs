//! CONDSTORE and QRESYNC (RFC 7162) from outside: raw command lines against
//! the emulated tenant, every response line read back with imap-codec's
//! response parser, and the exact content checked: what a resync reports
//! after another session changed and expunged messages, that an unchanged
//! folder costs one delta round and says nothing, conditional STORE with
//! MODIFIED, VANISHED instead of EXPUNGE; and imapclient as a real client.

use imap_codec::ResponseCodec;
use imap_codec::decode::Decoder;
use serde_json::json;

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::imap_client::{Answer, Client, number_after};
use crate::common::*;

/// Every line of `answer` (untagged, then the tagged one) is one complete
/// IMAP response that imap-codec reads to its last byte.
fn parses(answer: &Answer) {
    let tagged = format!("t {} {}", answer.status, answer.text);
    for line in answer.untagged.iter().chain([&tagged]) {
        let bytes = format!("{line}\r\n");
        match ResponseCodec::default().decode(bytes.as_bytes()) {
            Ok((rest, _)) => assert!(rest.is_empty(), "left over after {line:?}"),
            Err(e) => panic!("imap-codec cannot read {line:?}: {e:?}"),
        }
    }
}

/// Run `command`, which must succeed, and check its grammar.
async fn ok(c: &mut Client, command: &str) -> Answer {
    let answer = c.run(command).await;
    assert!(answer.ok(), "{command}: {} {}", answer.status, answer.text);
    parses(&answer);
    answer
}

async fn login(gw: &TestGateway) -> Client {
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    c
}

fn lines_with<'a>(answer: &'a Answer, word: &str) -> Vec<&'a String> {
    answer
        .untagged
        .iter()
        .filter(|l| l.contains(word))
        .collect()
}

/// The folder's UIDs, ascending.
async fn uids(c: &mut Client) -> Vec<u32> {
    let answer = ok(c, "UID SEARCH ALL").await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qresync_reports_what_changed_and_an_unchanged_folder_costs_one_delta_round() {
    let gw = TestGateway::start().await;
    let mut c = login(&gw).await;
    let enabled = ok(&mut c, "ENABLE QRESYNC").await;
    assert_eq!(enabled.untagged, vec!["* ENABLED QRESYNC"]);
    let selected = ok(&mut c, "SELECT INBOX").await;
    let validity = number_after(&selected.untagged, "[UIDVALIDITY ").unwrap();
    let highest = number_after(&selected.untagged, "[HIGHESTMODSEQ ").unwrap();
    let all = uids(&mut c).await;
    assert!(all.len() >= 4, "{all:?}");

    // Unchanged: the standard SELECT data, CLOSED for the folder left, and
    // nothing more; one delta round at most, nothing else from Graph.
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let again = ok(
        &mut c,
        &format!("SELECT INBOX (QRESYNC ({validity} {highest}))"),
    )
    .await;
    assert_eq!(again.untagged[0], "* OK [CLOSED] previous folder closed");
    assert!(
        lines_with(&again, "VANISHED").is_empty(),
        "{:?}",
        again.untagged
    );
    assert!(
        lines_with(&again, "FETCH").is_empty(),
        "{:?}",
        again.untagged
    );
    // (It may have grown: every delta round records its new link.)
    assert!(number_after(&again.untagged, "[HIGHESTMODSEQ ").unwrap() >= highest);
    let stats = gw.tenant.stats().await;
    let delta = endpoint_sum(&stats, |e| e.contains("/delta"));
    assert!(delta <= 1, "{stats}");
    assert_eq!(stats["requests"].as_u64(), Some(delta), "{stats}");

    // Another session flags one message and expunges another.
    let (flagged, expunged) = (all[1], all[2]);
    let mut other = login(&gw).await;
    ok(&mut other, "SELECT INBOX").await;
    ok(
        &mut other,
        &format!("UID STORE {flagged} +FLAGS (\\Flagged)"),
    )
    .await;
    ok(
        &mut other,
        &format!("UID STORE {expunged} +FLAGS (\\Deleted)"),
    )
    .await;
    ok(&mut other, &format!("UID EXPUNGE {expunged}")).await;
    // Without ENABLE QRESYNC the parameters are an error.
    let refused = other
        .run(&format!("EXAMINE INBOX (QRESYNC ({validity} {highest}))"))
        .await;
    assert_eq!(refused.status, "BAD", "{}", refused.text);
    // (SELECT and EXAMINE leave the folder first, even when they fail.)
    ok(&mut other, "SELECT INBOX").await;

    let resync = ok(
        &mut c,
        &format!("SELECT INBOX (QRESYNC ({validity} {highest}))"),
    )
    .await;
    assert_eq!(
        lines_with(&resync, "VANISHED"),
        vec![&format!("* VANISHED (EARLIER) {expunged}")]
    );
    let fetched = lines_with(&resync, "FETCH");
    assert_eq!(fetched.len(), 1, "{fetched:?}");
    let line = fetched[0];
    assert!(line.contains(&format!("UID {flagged} ")), "{line}");
    assert!(line.contains("\\Flagged"), "{line}");
    let modseq = number_after(&resync.untagged, "MODSEQ (").unwrap();
    assert!(modseq > highest, "{line}");
    let now_highest = number_after(&resync.untagged, "[HIGHESTMODSEQ ").unwrap();
    assert!(now_highest >= modseq);
    // VANISHED comes before the FETCH of changed flags (RFC 7162 §3.2.5).
    let position = |word: &str| resync.untagged.iter().position(|l| l.contains(word));
    assert!(position("VANISHED") < position("FETCH"));

    // The client knew only of the first two messages: nothing it knew vanished.
    let known = ok(
        &mut c,
        &format!(
            "EXAMINE INBOX (QRESYNC ({validity} {highest} {}:{}))",
            all[0], all[1]
        ),
    )
    .await;
    assert!(
        lines_with(&known, "VANISHED").is_empty(),
        "{:?}",
        known.untagged
    );
    // Another UIDVALIDITY: a plain SELECT, nothing of the resync.
    let stale = ok(
        &mut c,
        &format!("SELECT INBOX (QRESYNC ({} {highest}))", validity + 1),
    )
    .await;
    assert!(lines_with(&stale, "VANISHED").is_empty());
    assert!(lines_with(&stale, "FETCH").is_empty());

    // UID FETCH with CHANGEDSINCE and VANISHED says the same.
    let fetch = ok(
        &mut c,
        &format!("UID FETCH 1:* (FLAGS) (CHANGEDSINCE {highest} VANISHED)"),
    )
    .await;
    assert_eq!(
        lines_with(&fetch, "VANISHED"),
        vec![&format!("* VANISHED (EARLIER) {expunged}")]
    );
    assert_eq!(lines_with(&fetch, "FETCH").len(), 1, "{:?}", fetch.untagged);
    // VANISHED needs UID FETCH and CHANGEDSINCE.
    let bad = c.run("FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)").await;
    assert_eq!(bad.status, "BAD");

    // Expunges elsewhere reach this session as VANISHED, never EXPUNGE.
    let gone = all[3];
    ok(
        &mut other,
        &format!("UID STORE {gone} +FLAGS.SILENT (\\Deleted)"),
    )
    .await;
    ok(&mut other, &format!("UID EXPUNGE {gone}")).await;
    let noop = ok(&mut c, "NOOP").await;
    assert_eq!(
        lines_with(&noop, "VANISHED"),
        vec![&format!("* VANISHED {gone}")]
    );
    assert!(
        lines_with(&noop, "EXPUNGE").is_empty(),
        "{:?}",
        noop.untagged
    );
    // ... and this session's own EXPUNGE too.
    let own = all[0];
    ok(
        &mut c,
        &format!("UID STORE {own} +FLAGS.SILENT (\\Deleted)"),
    )
    .await;
    let expunge = ok(&mut c, "EXPUNGE").await;
    assert_eq!(expunge.untagged, vec![format!("* VANISHED {own}")]);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_store_changes_only_what_did_not_change_meanwhile() {
    let gw = TestGateway::start().await;
    let mut c = login(&gw).await;
    let selected = ok(&mut c, "SELECT INBOX (CONDSTORE)").await;
    let highest = number_after(&selected.untagged, "[HIGHESTMODSEQ ").unwrap();
    let all = uids(&mut c).await;

    // Another session changes message 2 after this one knew `highest`.
    let mut other = login(&gw).await;
    ok(&mut other, "SELECT INBOX").await;
    ok(
        &mut other,
        &format!("UID STORE {} +FLAGS ($Changed)", all[1]),
    )
    .await;

    let store = ok(
        &mut c,
        &format!("STORE 1:2 (UNCHANGEDSINCE {highest}) +FLAGS ($Mark1)"),
    )
    .await;
    assert!(store.text.starts_with("[MODIFIED 2]"), "{}", store.text);
    // Message 1 changed, with its new MODSEQ; message 2 did not (the
    // update about the other session's change may come along).
    let fetched = lines_with(&store, "FETCH");
    let first = fetched
        .iter()
        .find(|l| l.starts_with("* 1 FETCH ("))
        .unwrap();
    assert!(
        first.contains("$Mark1") && first.contains("MODSEQ ("),
        "{first}"
    );
    assert!(
        fetched
            .iter()
            .all(|l| !l.starts_with("* 2 ") || !l.contains("$Mark1")),
        "{fetched:?}"
    );

    // The UID form names UIDs; UNCHANGEDSINCE 0 fails for every message.
    let uid_store = ok(
        &mut c,
        &format!(
            "UID STORE {}:{} (UNCHANGEDSINCE 0) +FLAGS (\\Flagged)",
            all[0], all[1]
        ),
    )
    .await;
    assert!(
        uid_store
            .text
            .starts_with(&format!("[MODIFIED {}:{}]", all[0], all[1]))
            || uid_store
                .text
                .starts_with(&format!("[MODIFIED {},{}]", all[0], all[1])),
        "{}",
        uid_store.text
    );
    assert!(
        lines_with(&uid_store, "FETCH").is_empty(),
        "{:?}",
        uid_store.untagged
    );

    // .SILENT still reports the new mod-sequence of what changed.
    let silent = ok(&mut c, "STORE 3 +FLAGS.SILENT ($Mark3)").await;
    let line = lines_with(&silent, "FETCH");
    assert_eq!(line.len(), 1, "{:?}", silent.untagged);
    assert!(line[0].starts_with("* 3 FETCH (UID "), "{}", line[0]);
    assert!(
        line[0].contains("MODSEQ (") && !line[0].contains("FLAGS"),
        "{}",
        line[0]
    );
    // Storing what is already there changes nothing and reports nothing.
    let same = ok(&mut c, "STORE 3 +FLAGS.SILENT ($Mark3)").await;
    assert!(lines_with(&same, "FETCH").is_empty(), "{:?}", same.untagged);

    // SEARCH MODSEQ and FETCH CHANGEDSINCE agree on what changed.
    let search = ok(&mut c, &format!("SEARCH MODSEQ {}", highest + 1)).await;
    let line = search
        .untagged
        .iter()
        .find(|l| l.starts_with("* SEARCH"))
        .unwrap();
    assert!(line.starts_with("* SEARCH 1 2 3 (MODSEQ "), "{line}");
    let changed = ok(&mut c, &format!("FETCH 1:* (UID) (CHANGEDSINCE {highest})")).await;
    assert_eq!(
        lines_with(&changed, "FETCH").len(),
        3,
        "{:?}",
        changed.untagged
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imapclient_follows_mod_sequences() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_condstore.py", &[ALICE, PASSWORD]).await;
    assert!(out.contains("OK condstore"), "{out}");
    gw.stop().await;
}
