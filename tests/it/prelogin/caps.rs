//! Per-address connection caps and the absolute pre-login deadline.

use std::time::Duration;

use graphgate::config::Config;

use super::Raw;
use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::{ALICE, BOB};

fn three_per_address(config: &mut Config) {
    config.server.max_connections_per_address = 3;
    config.server.max_unauthenticated_per_address = 3;
    config.server.loopback_limit_factor = 1;
}

async fn greeted(from: &str, to: std::net::SocketAddr) -> Raw {
    let mut c = Raw::connect(from, to).await;
    let greeting = c.line().await.expect("a greeting");
    assert!(greeting.starts_with("* OK"), "{greeting}");
    c
}

#[tokio::test]
async fn connections_over_the_per_address_cap_are_refused_while_other_addresses_get_in() {
    let gw = TestGateway::start_configured(three_per_address).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(greeted("127.0.0.2", gw.imap).await);
    }
    let mut refused = Raw::connect("127.0.0.2", gw.imap).await;
    let said = refused.closed_within(Duration::from_secs(20)).await;
    let said = said.expect("the fourth connection is closed");
    assert!(
        said.len() == 1 && said[0].starts_with("* BYE [UNAVAILABLE] too many connections"),
        "{said:?}"
    );
    // The cap is per address, over every listener.
    let mut smtp = Raw::connect("127.0.0.2", gw.smtp).await;
    let reply = smtp.line().await.expect("a refusal");
    assert!(
        reply.starts_with("421 4.7.0 too many connections"),
        "{reply}"
    );
    assert_eq!(smtp.line().await, None);
    let _other = greeted("127.0.0.3", gw.imap).await;
    // A connection that ends gives its slot back.
    let mut leaving = held.pop().unwrap();
    assert!(leaving.imap("z", "LOGOUT").await.starts_with("z OK"));
    drop(leaving);
    let mut back = None;
    for _ in 0..50 {
        let mut c = Raw::connect("127.0.0.2", gw.imap).await;
        if c.line().await.is_some_and(|l| l.starts_with("* OK")) {
            back = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(back.is_some(), "a slot came back after LOGOUT");
    gw.stop().await;
}

fn two_unauthenticated(config: &mut Config) {
    config.server.max_connections_per_address = 10;
    config.server.max_unauthenticated_per_address = 2;
    config.server.loopback_limit_factor = 1;
}

#[tokio::test]
async fn connections_that_have_not_logged_in_have_a_lower_cap() {
    let gw = TestGateway::start_configured(two_unauthenticated).await;
    let mut first = greeted("127.0.0.2", gw.imap).await;
    let _second = greeted("127.0.0.2", gw.imap).await;
    let mut third = Raw::connect("127.0.0.2", gw.imap).await;
    let said = third.closed_within(Duration::from_secs(20)).await.unwrap();
    assert!(
        said.len() == 1 && said[0].contains("have not logged in"),
        "{said:?}"
    );
    // Logging in frees the unauthenticated slot (not the connection's).
    let ok = first.imap("a", &format!("LOGIN {ALICE} {PASSWORD}")).await;
    assert!(ok.starts_with("a OK"), "{ok}");
    let _fourth = greeted("127.0.0.2", gw.imap).await;
    let _elsewhere = greeted("127.0.0.3", gw.imap).await;
    gw.stop().await;
}

fn short_deadline(config: &mut Config) {
    config.server.prelogin_timeout_s = 2;
}

/// NOOP every 300 ms until the server closes; what it said.
async fn noop_until_closed(mut c: Raw, imap: bool) -> Vec<String> {
    let mut said = Vec::new();
    for i in 0.. {
        let noop = if imap {
            format!("n{i} NOOP\r\n")
        } else {
            "NOOP\r\n".to_string()
        };
        c.send(&noop).await;
        match c.line().await {
            Some(line) => said.push(line),
            None => return said,
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    said
}

#[tokio::test]
async fn the_prelogin_deadline_is_absolute_and_commands_do_not_extend_it() {
    let gw = TestGateway::start_configured(short_deadline).await;
    let imap = greeted("127.0.0.2", gw.imap).await;
    // 127.0.0.2 is a trusted SMTP client (it needs no AUTH); .5 is not.
    let mut smtp = Raw::connect("127.0.0.5", gw.smtp).await;
    assert!(smtp.line().await.unwrap().starts_with("220 "));
    assert!(smtp.smtp("EHLO client").await.starts_with("250 "));
    let mut user = greeted("127.0.0.3", gw.imap).await;
    let ok = user.imap("a", &format!("LOGIN {BOB} {PASSWORD}")).await;
    assert!(ok.starts_with("a OK"), "{ok}");

    let both = async {
        tokio::join!(
            noop_until_closed(imap, true),
            noop_until_closed(smtp, false)
        )
    };
    let (imap_said, smtp_said) = tokio::time::timeout(Duration::from_secs(40), both)
        .await
        .expect("both clients are cut off although they keep sending NOOP");
    assert!(
        imap_said.iter().any(|l| l.starts_with("n0 OK")),
        "{imap_said:?}"
    );
    let last = imap_said.last().unwrap();
    assert!(last.starts_with("* BYE"), "{imap_said:?}");
    let last = smtp_said.last().unwrap();
    assert!(last.starts_with("421 4.7.0"), "{smtp_said:?}");
    // The deadline is for logging in: the logged-in session goes on.
    let ok = user.imap("b", "NOOP").await;
    assert!(ok.starts_with("b OK"), "{ok}");
    gw.stop().await;
}
