//! LIST-EXTENDED (RFC 5258) and STATUS=SIZE (RFC 8438) from outside: raw
//! command lines against the emulated tenant, each response line read back
//! with imap-codec's parser (CHILDINFO, which imap-codec has no syntax for,
//! is checked as text), and the exact rows compared: several patterns,
//! SUBSCRIBED with a name whose folder is gone, RECURSIVEMATCH, the errors,
//! folders a client creates starting unsubscribed; STATUS SIZE and DELETED
//! answered without downloading a message.

use imap_codec::ResponseCodec;
use imap_codec::decode::Decoder;
use serde_json::json;

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::imap_client::{Answer, Client, number_after};
use crate::common::*;

/// Run `command`, which must succeed; every response line but CHILDINFO's
/// must be one complete response for imap-codec.
async fn ok(c: &mut Client, command: &str) -> Answer {
    let answer = c.run(command).await;
    assert!(answer.ok(), "{command}: {} {}", answer.status, answer.text);
    for line in answer.untagged.iter().filter(|l| !l.contains("CHILDINFO")) {
        let bytes = format!("{line}\r\n");
        match ResponseCodec::default().decode(bytes.as_bytes()) {
            Ok((rest, _)) => assert!(rest.is_empty(), "left over after {line:?}"),
            Err(e) => panic!("imap-codec cannot read {line:?}: {e:?}"),
        }
    }
    answer
}

/// The LIST or LSUB rows of `answer`, sorted.
fn rows(answer: &Answer) -> Vec<String> {
    let mut rows: Vec<String> = answer
        .untagged
        .iter()
        .filter(|l| l.starts_with("* LIST ") || l.starts_with("* LSUB "))
        .cloned()
        .collect();
    rows.sort();
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_extended_selects_subscriptions_patterns_and_children() {
    let gw = TestGateway::start().await;
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    let caps = ok(&mut c, "CAPABILITY").await;
    assert!(
        caps.untagged[0].contains(" LIST-EXTENDED "),
        "{:?}",
        caps.untagged
    );
    for name in ["X/b", "X/c/d", "X/gone"] {
        ok(&mut c, &format!("CREATE {name}")).await;
    }
    for name in ["X/b", "X/c/d", "X/gone"] {
        ok(&mut c, &format!("SUBSCRIBE {name}")).await;
    }
    ok(&mut c, "DELETE X/gone").await;

    // Created folders start unsubscribed; a name subscribed to stays so
    // after its folder is deleted (RFC 3501 §6.3.6).
    let lsub = ok(&mut c, "LSUB \"\" X*").await;
    assert_eq!(
        rows(&lsub),
        [
            "* LSUB () \"/\" X/b",
            "* LSUB () \"/\" X/c/d",
            "* LSUB () \"/\" X/gone"
        ]
    );

    // Several patterns: a folder matching any of them, once.
    let several = ok(&mut c, "LIST \"\" (X/% \"X/c/%\" X/b)").await;
    assert_eq!(
        rows(&several),
        [
            "* LIST (\\HasChildren) \"/\" X/c",
            "* LIST (\\HasNoChildren) \"/\" X/b",
            "* LIST (\\HasNoChildren) \"/\" X/c/d",
        ]
    );

    // SUBSCRIBED: only subscribed names, marked, the gone one included.
    let subscribed = ok(&mut c, "LIST (SUBSCRIBED) \"\" X/*").await;
    assert_eq!(
        rows(&subscribed),
        [
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" X/b",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" X/c/d",
            "* LIST (\\NonExistent \\Subscribed) \"/\" X/gone",
        ]
    );
    // Without SUBSCRIBED the gone one is not listed.
    let plain = ok(&mut c, "LIST \"\" X/* RETURN (SUBSCRIBED)").await;
    assert!(
        !plain.untagged.iter().any(|l| l.contains("gone")),
        "{:?}",
        plain.untagged
    );

    // RECURSIVEMATCH: X/c is not subscribed but X/c/d is, and "X/%" does
    // not match it, so X/c comes with CHILDINFO.
    let recursive = ok(
        &mut c,
        "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" X/% RETURN (CHILDREN)",
    )
    .await;
    assert_eq!(
        rows(&recursive),
        [
            "* LIST (\\HasChildren) \"/\" X/c (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" X/b",
            "* LIST (\\NonExistent \\Subscribed) \"/\" X/gone",
        ]
    );
    // When the patterns match the subscribed child, the parent is not listed.
    let both = ok(&mut c, "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (X/c X/c/d)").await;
    assert_eq!(
        rows(&both),
        ["* LIST (\\HasNoChildren \\Subscribed) \"/\" X/c/d"]
    );

    // Errors are BAD with a sentence.
    for (command, why) in [
        ("LIST (RECURSIVEMATCH) \"\" *", "RECURSIVEMATCH needs"),
        ("LIST (BOGUS) \"\" *", "unknown LIST selection option BOGUS"),
        (
            "LIST \"\" * RETURN (BOGUS)",
            "unknown LIST return option BOGUS",
        ),
        ("LIST \"\" ()", "LIST"),
    ] {
        let answer = c.run(command).await;
        assert_eq!(answer.status, "BAD", "{command}: {}", answer.text);
        assert!(answer.text.contains(why), "{command}: {}", answer.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_size_is_the_sum_of_the_sizes_reported_and_costs_no_download() {
    let gw = TestGateway::start().await;
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    let caps = ok(&mut c, "CAPABILITY").await;
    assert!(
        caps.untagged[0].contains(" STATUS=SIZE "),
        "{:?}",
        caps.untagged
    );
    ok(&mut c, "STATUS INBOX (MESSAGES)").await;

    // Before any size was reported: an answer from the store alone.
    gw.tenant
        .control_post("/_emulator/stats/reset", json!({}))
        .await;
    let before = ok(&mut c, "STATUS INBOX (MESSAGES SIZE DELETED)").await;
    let stats = gw.tenant.stats().await;
    assert_eq!(endpoint_sum(&stats, |e| e.contains("$value")), 0, "{stats}");
    let estimate = number_after(&before.untagged, "SIZE ").unwrap();
    assert_eq!(number_after(&before.untagged, "DELETED "), Some(0));

    // Once every RFC822.SIZE was reported, SIZE is exactly their sum.
    ok(&mut c, "SELECT INBOX").await;
    let sizes = ok(&mut c, "FETCH 1:* RFC822.SIZE").await;
    let sum: u64 = sizes
        .untagged
        .iter()
        .filter_map(|l| number_after(std::slice::from_ref(l), "RFC822.SIZE "))
        .sum();
    assert!(sum > 0);
    ok(&mut c, "STORE 1 +FLAGS.SILENT (\\Deleted)").await;
    let after = ok(&mut c, "STATUS INBOX (SIZE DELETED)").await;
    assert_eq!(
        number_after(&after.untagged, "SIZE "),
        Some(sum),
        "{:?}",
        after.untagged
    );
    assert_eq!(number_after(&after.untagged, "DELETED "), Some(1));
    // The estimate given before was never below the exact sum.
    assert!(estimate >= sum, "{estimate} < {sum}");

    // LIST-STATUS takes the same items.
    let listed = ok(&mut c, "LIST \"\" INBOX RETURN (STATUS (SIZE))").await;
    assert_eq!(number_after(&listed.untagged, "SIZE "), Some(sum));
}
