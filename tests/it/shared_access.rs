//! Microsoft 365 has the last word on a shared mailbox for every user of it,
//! not only the first: alice and bob both use sales@ through one shared sync
//! engine; when Exchange withdraws bob's FullAccess, bob reads nothing more
//! (not the folder list, not a message alice already cached, not the
//! poller's news), and alice keeps getting new mail. Driven over raw IMAP
//! sockets so both sessions (and IDLE) are under the test's control.

use std::time::Duration;

use graphgate::mailbox::MailSettings;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

use crate::common::gateway::{PASSWORD, TestGateway, test_settings};
use crate::common::*;

const SALES_INBOX: &str = "\"Shared/sales@contoso.test/INBOX\"";

/// A bare IMAP client over one TCP connection.
struct Client {
    read: tokio::io::Lines<tokio::io::BufReader<tokio::net::tcp::OwnedReadHalf>>,
    write: tokio::net::tcp::OwnedWriteHalf,
    tag: u32,
}

impl Client {
    async fn login(addr: std::net::SocketAddr, user: &str) -> Client {
        let (r, w) = tokio::net::TcpStream::connect(addr)
            .await
            .unwrap()
            .into_split();
        let mut c = Client {
            read: tokio::io::BufReader::new(r).lines(),
            write: w,
            tag: 0,
        };
        c.line().await;
        let (_, ok) = c.run(&format!("LOGIN {user} {PASSWORD}")).await;
        assert!(ok.contains("OK"), "{ok}");
        c
    }

    async fn line(&mut self) -> String {
        tokio::time::timeout(Duration::from_secs(30), self.read.next_line())
            .await
            .expect("the gateway answers")
            .unwrap()
            .expect("a line")
    }

    async fn send(&mut self, line: &str) {
        self.write
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
    }

    /// Send a command; returns (untagged lines, the tagged line).
    async fn run(&mut self, command: &str) -> (Vec<String>, String) {
        self.tag += 1;
        let tag = format!("s{}", self.tag);
        self.send(&format!("{tag} {command}")).await;
        let mut lines = Vec::new();
        loop {
            let line = self.line().await;
            if line.starts_with(&format!("{tag} ")) {
                return (lines, line);
            }
            lines.push(line);
        }
    }
}

async fn withdraw_full_access(gw: &TestGateway, user: &str) {
    let r = gw
        .tenant
        .http
        .delete(format!(
            "{}/_emulator/mailboxes/{SALES}/permissions/{user}/FullAccess",
            gw.tenant.base
        ))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
}

fn audit_refusals_of(gw: &TestGateway, user: &str) -> usize {
    let log = std::fs::read_to_string(gw.dir.path().join("audit.log")).unwrap_or_default();
    log.lines()
        .filter(|l| l.contains("refused") && l.contains(user) && l.contains(SALES))
        .count()
}

/// alice and bob have sales@ INBOX open; alice has read message 1, so its
/// MIME is in the cache every user of sales@ shares.
async fn both_reading_sales(gw: &TestGateway) -> (Client, Client) {
    let mut alice = Client::login(gw.imap, ALICE).await;
    let (_, ok) = alice.run(&format!("SELECT {SALES_INBOX}")).await;
    assert!(ok.contains("OK"), "{ok}");
    let (lines, ok) = alice.run("FETCH 1 (BODY.PEEK[])").await;
    assert!(ok.contains("OK") && !lines.is_empty(), "{ok} {lines:?}");
    let mut bob = Client::login(gw.imap, BOB).await;
    let (_, ok) = bob.run(&format!("EXAMINE {SALES_INBOX}")).await;
    assert!(ok.contains("OK"), "{ok}");
    let (lines, ok) = bob.run("FETCH 1 (FLAGS)").await;
    assert!(ok.contains("OK") && !lines.is_empty(), "{ok} {lines:?}");
    (alice, bob)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchange_withdrawing_bobs_full_access_ends_his_reading_and_alice_keeps_her_mail() {
    // Every command proves access again, so the test needs no waiting.
    let gw = TestGateway::start_with(MailSettings {
        shared_access_recheck: Duration::ZERO,
        ..test_settings()
    })
    .await;
    let (mut alice, mut bob) = both_reading_sales(&gw).await;
    withdraw_full_access(&gw, BOB).await;

    // The body alice's session put in the shared cache is not bob's to read.
    let (lines, no) = bob.run("FETCH 1 (BODY.PEEK[])").await;
    assert!(no.contains("NO [NOPERM]"), "{no} {lines:?}");
    assert!(
        !lines.iter().any(|l| l.contains("BODY[]")),
        "no content: {lines:?}"
    );
    // The folder was closed by the refusal: nothing more from it.
    let (_, after) = bob.run("FETCH 1 (FLAGS)").await;
    assert!(after.contains("BAD") || after.contains("NO"), "{after}");
    let (_, no) = bob.run(&format!("SELECT {SALES_INBOX}")).await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    let (_, no) = bob.run(&format!("STATUS {SALES_INBOX} (MESSAGES)")).await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    let (list, ok) = bob.run("LIST \"\" \"*\"").await;
    assert!(ok.contains("OK"), "{ok}");
    assert!(
        !list.iter().any(|l| l.contains(SALES)),
        "the shared folder tree is not listed for bob: {list:?}"
    );
    let (_, ok) = bob.run("SELECT INBOX").await;
    assert!(ok.contains("OK"), "bob's own mailbox is his: {ok}");
    assert!(
        audit_refusals_of(&gw, BOB) >= 3,
        "bob's refusals are audited"
    );

    // alice's IDLE hears of new mail in sales@: the poller does not give up
    // on the mailbox because bob's token is refused there.
    alice.tag += 1;
    let tag = format!("s{}", alice.tag);
    alice.send(&format!("{tag} IDLE")).await;
    assert!(alice.line().await.starts_with('+'));
    gw.tenant
        .deliver(
            SALES,
            &simple_mime(CAROL, SALES, "after bob left", "for alice"),
        )
        .await;
    loop {
        let line = alice.line().await;
        if line.contains("EXISTS") {
            break;
        }
    }
    alice.send("DONE").await;
    loop {
        let line = alice.line().await;
        if line.starts_with(&format!("{tag} ")) {
            assert!(line.contains("OK"), "{line}");
            break;
        }
    }
    let (lines, ok) = alice.run("FETCH 1 (BODY.PEEK[])").await;
    assert!(ok.contains("OK") && !lines.is_empty(), "{ok}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_for_bob_ends_his_access_before_his_proof_expires() {
    // A long recheck: only the 403 Exchange gives bob's own request can end
    // his access before the hour is over.
    let gw = TestGateway::start_with(MailSettings {
        shared_access_recheck: Duration::from_secs(3600),
        ..test_settings()
    })
    .await;
    let (_alice, mut bob) = both_reading_sales(&gw).await;
    withdraw_full_access(&gw, BOB).await;
    // NOOP asks Graph with bob's token: refused.
    let (_, no) = bob.run("NOOP").await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    // And the body in the shared cache stays out of his reach.
    let (lines, no) = bob.run("FETCH 1 (BODY.PEEK[])").await;
    assert!(no.contains("NO") || no.contains("BAD"), "{no}");
    assert!(
        !lines.iter().any(|l| l.contains("BODY[]")),
        "no content: {lines:?}"
    );
    let (_, no) = bob.run(&format!("EXAMINE {SALES_INBOX}")).await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_given_back_by_exchange_is_honoured_at_the_next_proof() {
    let gw = TestGateway::start_with(MailSettings {
        shared_access_recheck: Duration::ZERO,
        ..test_settings()
    })
    .await;
    let (_alice, mut bob) = both_reading_sales(&gw).await;
    withdraw_full_access(&gw, BOB).await;
    let (_, no) = bob.run(&format!("EXAMINE {SALES_INBOX}")).await;
    assert!(no.contains("NO [NOPERM]"), "{no}");
    let r = gw
        .tenant
        .http
        .put(format!(
            "{}/_emulator/mailboxes/{SALES}/permissions/{BOB}/FullAccess",
            gw.tenant.base
        ))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let (_, ok) = bob.run(&format!("EXAMINE {SALES_INBOX}")).await;
    assert!(ok.contains("OK"), "{ok}");
    gw.stop().await;
}
