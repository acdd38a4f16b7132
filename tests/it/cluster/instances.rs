//! Three gateway instances (each its own store pool, engines and memory) on
//! one PostgreSQL database and one tenant: UIDs are given in the database,
//! so every instance shows the same UID for the same message, whatever
//! APPEND, MOVE and EXPUNGE run through them at once. Polling and IDLE
//! across instances: polling.rs.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::gateway::{PASSWORD, TestGateway, test_settings};
use crate::common::imap_client::Client;
use crate::common::{ALICE, BOB, Tenant, pg};
use graphgate::mailbox::MailSettings;

pub(super) async fn three(tenant: &Tenant, url: &str, settings: MailSettings) -> Vec<TestGateway> {
    let mut out = Vec::new();
    // One after the other: the first adds the test accounts for all.
    for _ in 0..3 {
        out.push(TestGateway::start_instance(tenant, settings.clone(), url).await);
    }
    out
}

/// `APPEND INBOX` of `mime` with a non-synchronising literal; the tagged
/// OK's text.
pub(super) async fn append(c: &mut Client, tag: &str, mime: &str) -> String {
    c.send(&format!("{tag} APPEND INBOX {{{}+}}", mime.len()))
        .await;
    // The literal (`send` adds its closing CRLF), then the command's end.
    c.send(mime.trim_end_matches("\r\n")).await;
    c.send("").await;
    loop {
        let line = c.line().await;
        if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
            assert!(rest.starts_with("OK"), "APPEND: {line}");
            return rest.to_string();
        }
    }
}

/// UID → Message-ID of alice's Inbox as one instance shows it.
async fn uids(gw: &TestGateway) -> BTreeMap<u64, String> {
    let v = gw.uids(ALICE, "INBOX").await;
    v["uids"]
        .as_object()
        .expect("uids")
        .iter()
        .map(|(k, v)| (k.parse().unwrap(), v.as_str().unwrap().to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_appends_through_three_instances_get_one_uid_each() {
    let url = pg::database().await;
    let tenant = Tenant::start().await;
    let gws = three(&tenant, &url, test_settings()).await;
    let before = uids(&gws[0]).await;
    // Two clients per instance, ten APPENDs each, all at once.
    let mut tasks = Vec::new();
    for (i, gw) in gws.iter().enumerate() {
        for j in 0..2 {
            let addr = gw.imap;
            tasks.push(tokio::spawn(async move {
                let mut c = Client::connect(addr).await;
                c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
                c.run_ok("SELECT INBOX").await;
                for k in 0..10 {
                    let mime = format!(
                        "From: {BOB}\r\nTo: {ALICE}\r\nSubject: cluster {i}-{j}-{k}\r\n\
                         Message-ID: <cluster-{i}-{j}-{k}@contoso.test>\r\n\r\nhello\r\n"
                    );
                    append(&mut c, &format!("a{k}"), &mime).await;
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let views = [
        uids(&gws[0]).await,
        uids(&gws[1]).await,
        uids(&gws[2]).await,
    ];
    assert_eq!(views[0], views[1], "instances 1 and 2 disagree");
    assert_eq!(views[0], views[2], "instances 1 and 3 disagree");
    let view = &views[0];
    assert_eq!(view.len(), before.len() + 60, "{view:?}");
    let ids: BTreeSet<&String> = view.values().collect();
    assert_eq!(ids.len(), view.len(), "a message under two UIDs: {view:?}");
    for i in 0..3 {
        for j in 0..2 {
            for k in 0..10 {
                let id = format!("<cluster-{i}-{j}-{k}@contoso.test>");
                assert!(view.values().any(|v| v.contains(&id)), "{id} missing");
            }
        }
    }
    // The old messages kept their UIDs.
    for (uid, id) in &before {
        assert_eq!(view.get(uid), Some(id));
    }
    for gw in gws {
        gw.stop().await;
    }
    tenant.stop().await;
}

/// UID → Message-ID of the selected folder as session `c` sees it now (a
/// NOOP first, to hear what changed), from ENVELOPE.
pub(super) async fn session_view(c: &mut Client) -> BTreeMap<u64, String> {
    c.run_ok("NOOP").await;
    let answer = c.run("UID FETCH 1:* (UID ENVELOPE)").await;
    assert!(answer.ok(), "UID FETCH: {}", answer.text);
    answer
        .untagged
        .iter()
        .filter(|l| l.contains(" FETCH "))
        .map(|l| {
            let uid = l
                .split("UID ")
                .nth(1)
                .and_then(|r| r.split([' ', ')']).next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no UID in {l}"));
            let id = l
                .rfind('<')
                .and_then(|open| l[open..].find('>').map(|close| &l[open..=open + close]))
                .unwrap_or_else(|| panic!("no Message-ID in {l}"));
            (uid, id.to_string())
        })
        .collect()
}

pub(super) fn mime(tag: &str) -> String {
    format!(
        "From: {BOB}\r\nTo: {ALICE}\r\nSubject: {tag}\r\n\
         Message-ID: <{tag}@contoso.test>\r\n\r\nhello\r\n"
    )
}

/// The UID of the message with Message-ID `<tag@contoso.test>` in `view`.
pub(super) fn uid_of(view: &BTreeMap<u64, String>, tag: &str) -> u64 {
    let id = format!("<{tag}@contoso.test>");
    *view
        .iter()
        .find(|(_, v)| v.contains(&id))
        .unwrap_or_else(|| panic!("{id} not in {view:?}"))
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn append_move_and_expunge_on_three_instances_agree() {
    let url = pg::database().await;
    let tenant = Tenant::start().await;
    let gws = three(&tenant, &url, test_settings()).await;
    // Thirty messages to work on, appended through instance 1.
    let mut setup = Client::connect(gws[0].imap).await;
    setup.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
    setup.run_ok("CREATE Kept").await;
    setup.run_ok("SELECT INBOX").await;
    for n in 0..30 {
        append(&mut setup, &format!("s{n}"), &mime(&format!("seed-{n}"))).await;
    }
    let before = uids(&gws[0]).await;
    // One session per instance, all at once: instance 1 appends ten,
    // instance 2 moves seed 0-9 to Kept, instance 3 expunges seed 10-19.
    let mut sessions = Vec::new();
    for gw in &gws {
        let mut c = Client::connect(gw.imap).await;
        c.run_ok(&format!("LOGIN {ALICE} {PASSWORD}")).await;
        c.run_ok("SELECT INBOX").await;
        sessions.push(c);
    }
    let moves: Vec<u64> = (0..10)
        .map(|n| uid_of(&before, &format!("seed-{n}")))
        .collect();
    let expunges: Vec<u64> = (10..20)
        .map(|n| uid_of(&before, &format!("seed-{n}")))
        .collect();
    let mut it = sessions.into_iter();
    let (mut a, mut b, mut c) = (it.next().unwrap(), it.next().unwrap(), it.next().unwrap());
    let appending = tokio::spawn(async move {
        for n in 0..10 {
            append(&mut a, &format!("n{n}"), &mime(&format!("new-{n}"))).await;
        }
        a
    });
    let moving = tokio::spawn(async move {
        for uid in moves {
            b.run_ok(&format!("UID MOVE {uid} Kept")).await;
        }
        b
    });
    let expunging = tokio::spawn(async move {
        for uid in expunges {
            c.run_ok(&format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)"))
                .await;
            c.run_ok(&format!("UID EXPUNGE {uid}")).await;
        }
        c
    });
    let mut sessions = [
        appending.await.unwrap(),
        moving.await.unwrap(),
        expunging.await.unwrap(),
    ];
    // Fresh sessions on every instance see one Inbox: seed 20-29 under
    // their old UIDs, the ten new ones under new UIDs, nothing else.
    let views = [
        uids(&gws[0]).await,
        uids(&gws[1]).await,
        uids(&gws[2]).await,
    ];
    assert_eq!(views[0], views[1], "instances 1 and 2 disagree");
    assert_eq!(views[0], views[2], "instances 1 and 3 disagree");
    let inbox = &views[0];
    let old_max = *before.keys().max().unwrap();
    for n in 20..30 {
        let tag = format!("seed-{n}");
        assert_eq!(
            uid_of(inbox, &tag),
            uid_of(&before, &tag),
            "{tag} changed UID"
        );
    }
    for n in 0..10 {
        assert!(uid_of(inbox, &format!("new-{n}")) > old_max);
    }
    for n in 0..20 {
        let id = format!("<seed-{n}@contoso.test>");
        assert!(
            !inbox.values().any(|v| v.contains(&id)),
            "{id} still in the Inbox"
        );
    }
    let ids: BTreeSet<&String> = inbox.values().collect();
    assert_eq!(
        ids.len(),
        inbox.len(),
        "a message under two UIDs: {inbox:?}"
    );
    assert_eq!(inbox.len(), before.len() - 20 + 10, "{inbox:?}");
    // The sessions that did the work, each on its own instance, see the
    // same (the numbers they were told of, the UIDs everyone gives).
    for (i, s) in sessions.iter_mut().enumerate() {
        let seen: BTreeMap<u64, String> = session_view(s).await;
        let expected: BTreeMap<u64, String> = inbox
            .iter()
            .map(|(uid, v)| {
                (
                    *uid,
                    v.trim().trim_start_matches("Message-ID: ").to_string(),
                )
            })
            .collect();
        assert_eq!(seen, expected, "session on instance {} differs", i + 1);
    }
    // Kept holds the ten moved ones, under one UID each, on every instance.
    let kept = [
        gws[0].uids(ALICE, "Kept").await,
        gws[1].uids(ALICE, "Kept").await,
        gws[2].uids(ALICE, "Kept").await,
    ];
    assert_eq!(kept[0]["uids"], kept[1]["uids"]);
    assert_eq!(kept[0]["uids"], kept[2]["uids"]);
    let kept = kept[0]["uids"].as_object().unwrap();
    assert_eq!(kept.len(), 10, "{kept:?}");
    for n in 0..10 {
        let id = format!("<seed-{n}@contoso.test>");
        assert!(
            kept.values().any(|v| v.as_str().unwrap().contains(&id)),
            "{id} not in Kept"
        );
    }
    for gw in gws {
        gw.stop().await;
    }
    tenant.stop().await;
}
