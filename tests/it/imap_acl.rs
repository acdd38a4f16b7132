//! ACL (RFC 4314), read-only, against the emulated tenant with the demo
//! policy (alice writes sales@, bob reads it, carol has no grant): what
//! MYRIGHTS, GETACL and LISTRIGHTS say on one's own folders and on shared
//! ones, that the rights match what the commands then allow, that carol
//! cannot tell sales@ from a mailbox that does not exist, that SETACL and
//! DELETEACL are refused, and imaplib as a real client.

use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::imap_client::{Answer, Client};
use crate::common::*;

const SALES_INBOX: &str = "\"Shared/sales@contoso.test/INBOX\"";

async fn login(gw: &TestGateway, user: &str) -> Client {
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!("LOGIN {user} {PASSWORD}")).await;
    c
}

/// The one untagged line of a successful command.
async fn one_line(c: &mut Client, command: &str) -> String {
    let answer = c.run(command).await;
    assert!(answer.ok(), "{command}: {} {}", answer.status, answer.text);
    assert_eq!(answer.untagged.len(), 1, "{command}: {:?}", answer.untagged);
    answer.untagged[0].clone()
}

async fn refused(c: &mut Client, command: &str) -> Answer {
    let answer = c.run(command).await;
    assert_eq!(answer.status, "NO", "{command}: {}", answer.text);
    assert!(
        answer.untagged.is_empty(),
        "{command}: {:?}",
        answer.untagged
    );
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn myrights_tells_what_the_commands_allow() {
    let gw = TestGateway::start().await;
    let mut alice = login(&gw, ALICE).await;
    let caps = alice.run("CAPABILITY").await;
    assert!(
        caps.untagged[0].contains(" ACL RIGHTS=texk"),
        "{:?}",
        caps.untagged
    );

    // Own folders: everything but posting and administering; INBOX and
    // Sent Items are Microsoft 365's own and cannot be deleted or renamed.
    assert_eq!(
        one_line(&mut alice, "MYRIGHTS INBOX").await,
        "* MYRIGHTS INBOX lrswikte"
    );
    assert_eq!(
        one_line(&mut alice, "MYRIGHTS \"Sent Items\"").await,
        "* MYRIGHTS \"Sent Items\" lrswikte"
    );
    assert_eq!(
        one_line(&mut alice, "MYRIGHTS INBOX/Projects").await,
        "* MYRIGHTS INBOX/Projects lrswikxtecd"
    );
    // A write grant on sales@.
    assert_eq!(
        one_line(&mut alice, &format!("MYRIGHTS {SALES_INBOX}")).await,
        "* MYRIGHTS Shared/sales@contoso.test/INBOX lrswikte"
    );
    assert_eq!(
        one_line(&mut alice, "MYRIGHTS Shared/sales@contoso.test/Orders").await,
        "* MYRIGHTS Shared/sales@contoso.test/Orders lrswikxtecd"
    );
    assert_eq!(
        one_line(&mut alice, "MYRIGHTS Shared/sales@contoso.test").await,
        "* MYRIGHTS Shared/sales@contoso.test lk"
    );
    assert_eq!(
        one_line(&mut alice, "MYRIGHTS Shared").await,
        "* MYRIGHTS Shared l"
    );
    // Lower case INBOX is INBOX.
    assert_eq!(
        one_line(&mut alice, "myrights inbox").await,
        "* MYRIGHTS INBOX lrswikte"
    );
    let missing = refused(&mut alice, "MYRIGHTS Nowhere").await;
    assert!(
        missing.text.starts_with("[NONEXISTENT]"),
        "{}",
        missing.text
    );

    // A read grant: lr, and indeed no flag change is allowed.
    let mut bob = login(&gw, BOB).await;
    assert_eq!(
        one_line(&mut bob, &format!("MYRIGHTS {SALES_INBOX}")).await,
        "* MYRIGHTS Shared/sales@contoso.test/INBOX lr"
    );
    assert_eq!(
        one_line(&mut bob, "MYRIGHTS Shared/sales@contoso.test").await,
        "* MYRIGHTS Shared/sales@contoso.test l"
    );
    let selected = bob.run(&format!("SELECT {SALES_INBOX}")).await;
    assert!(selected.text.contains("[READ-ONLY]"), "{}", selected.text);
    let store = bob.run("STORE 1 +FLAGS (\\Seen)").await;
    assert_eq!(store.status, "NO", "{}", store.text);
    let create = bob.run("CREATE Shared/sales@contoso.test/Mine").await;
    assert_eq!(create.status, "NO", "{}", create.text);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_a_grant_learns_nothing_about_the_mailbox() {
    let gw = TestGateway::start().await;
    let mut carol = login(&gw, CAROL).await;
    let other = "nobody@contoso.test";
    for (command, suffix) in [
        ("MYRIGHTS", ""),
        ("GETACL", ""),
        ("LISTRIGHTS", " carol@contoso.test"),
    ] {
        for folder in ["INBOX", ""] {
            let name = |address: &str| match folder {
                "" => format!("Shared/{address}"),
                f => format!("Shared/{address}/{f}"),
            };
            let sales = refused(&mut carol, &format!("{command} {}{suffix}", name(SALES))).await;
            let nobody = refused(&mut carol, &format!("{command} {}{suffix}", name(other))).await;
            assert!(sales.text.starts_with("[NOPERM]"), "{}", sales.text);
            assert_eq!(sales.text.replace(SALES, other), nobody.text);
        }
    }
    // Her own folders are hers.
    assert_eq!(
        one_line(&mut carol, "MYRIGHTS Receipts").await,
        "* MYRIGHTS Receipts lrswikxtecd"
    );
    // Without shared mailboxes, there is no Shared.
    let shared = refused(&mut carol, "MYRIGHTS Shared").await;
    assert!(shared.text.starts_with("[NONEXISTENT]"), "{}", shared.text);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn getacl_and_listrights_show_only_ones_own_entry_and_setacl_is_refused() {
    let gw = TestGateway::start().await;
    let mut bob = login(&gw, BOB).await;
    assert_eq!(
        one_line(&mut bob, &format!("GETACL {SALES_INBOX}")).await,
        "* ACL Shared/sales@contoso.test/INBOX bob@contoso.test lr"
    );
    assert_eq!(
        one_line(&mut bob, "GETACL INBOX").await,
        "* ACL INBOX bob@contoso.test lrswikte"
    );
    assert_eq!(
        one_line(
            &mut bob,
            &format!("LISTRIGHTS {SALES_INBOX} bob@contoso.test")
        )
        .await,
        "* LISTRIGHTS Shared/sales@contoso.test/INBOX bob@contoso.test lr"
    );
    assert_eq!(
        one_line(
            &mut bob,
            &format!("LISTRIGHTS {SALES_INBOX} alice@contoso.test")
        )
        .await,
        "* LISTRIGHTS Shared/sales@contoso.test/INBOX alice@contoso.test \"\""
    );
    assert_eq!(
        one_line(&mut bob, "LISTRIGHTS INBOX anyone").await,
        "* LISTRIGHTS INBOX anyone \"\""
    );
    for command in [
        format!("SETACL {SALES_INBOX} bob@contoso.test +w"),
        "SETACL INBOX carol@contoso.test lr".to_string(),
        "DELETEACL INBOX bob@contoso.test".to_string(),
    ] {
        let no = refused(&mut bob, &command).await;
        assert!(
            no.text
                .starts_with("[NOPERM] rights are managed by the administrator"),
            "{}",
            no.text
        );
    }
    // Still read-only: nothing changed.
    assert_eq!(
        one_line(&mut bob, &format!("MYRIGHTS {SALES_INBOX}")).await,
        "* MYRIGHTS Shared/sales@contoso.test/INBOX lr"
    );
    // Malformed: BAD with the reason.
    let bad = bob.run("GETACL").await;
    assert_eq!(bad.status, "BAD");
    assert_eq!(bad.text, "GETACL takes a mailbox (RFC 4314)");
    // Before login: BAD, log in first.
    let mut anonymous = Client::connect(gw.imap).await;
    let early = anonymous.run("MYRIGHTS INBOX").await;
    assert_eq!(early.status, "BAD", "{}", early.text);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imaplib_reads_rights() {
    let gw = TestGateway::start().await;
    let out = gw.python("imap_acl.py", &[ALICE, BOB, PASSWORD]).await;
    assert!(out.contains("OK acl"), "{out}");
    gw.stop().await;
}
