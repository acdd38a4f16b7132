//! Password checks before login: their process-wide cap, failures counted
//! before verification, one verification per attempt whatever the
//! account, and a flood for one login that spares its owner's clients.

use std::net::SocketAddr;

use graphgate::config::Config;

use super::Raw;
use crate::common::gateway::{PASSWORD, TestGateway};
use crate::common::{ALICE, BOB};

/// `n` greeted connections from `from`, then one LOGIN on each, sent all
/// at once, each with its own password (`pw` and the connection's number:
/// a guesser tries different ones, and identical attempts would wait for
/// each other); the tagged answers.
async fn parallel_logins(
    n: usize,
    from: &str,
    to: SocketAddr,
    login: &str,
    pw: &str,
) -> Vec<String> {
    let mut clients = Vec::new();
    for _ in 0..n {
        let mut c = Raw::connect(from, to).await;
        assert!(c.line().await.unwrap().starts_with("* OK"));
        clients.push(c);
    }
    for (i, c) in clients.iter_mut().enumerate() {
        c.send(&format!("a LOGIN {login} {pw}-{i}\r\n")).await;
    }
    let mut answers = Vec::new();
    for mut c in clients {
        loop {
            let line = c.line().await.expect("an answer to LOGIN");
            if line.starts_with("a ") {
                answers.push(line);
                break;
            }
        }
    }
    answers
}

fn count(answers: &[String], code: &str) -> usize {
    answers.iter().filter(|a| a.contains(code)).count()
}

fn two_checks_no_wait(config: &mut Config) {
    config.accounts.max_concurrent_verifications = 2;
    config.accounts.verification_wait_s = 0;
    config.accounts.failures_per_user = 1000;
    config.accounts.failures_per_address = 1000;
}

#[tokio::test]
async fn concurrent_password_checks_never_exceed_the_cap() {
    let gw = TestGateway::start_configured(two_checks_no_wait).await;
    let answers = parallel_logins(30, "127.0.0.2", gw.imap, ALICE, "wrong-password").await;
    let stats = gw.accounts.stats();
    assert!(
        (1..=2).contains(&stats.peak_concurrent_verifications),
        "{stats:?}"
    );
    let busy = count(&answers, "[UNAVAILABLE] too many logins are being checked");
    let failed = count(&answers, "[AUTHENTICATIONFAILED]");
    assert!(busy >= 1, "some logins found no free slot: {answers:?}");
    assert_eq!(busy + failed, 30, "{answers:?}");
    assert_eq!(stats.busy, busy as u64);
    assert_eq!(stats.verifications, failed as u64);
    gw.stop().await;
}

fn five_failures(config: &mut Config) {
    config.accounts.failures_per_user = 5;
    config.accounts.failures_per_address = 5;
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_they_are_verified() {
    let gw = TestGateway::start_configured(five_failures).await;
    let before = gw.accounts.stats().verifications;
    let answers = parallel_logins(50, "127.0.0.2", gw.imap, ALICE, "guess").await;
    let verified = gw.accounts.stats().verifications - before;
    let failed = count(&answers, "[AUTHENTICATIONFAILED]");
    let limited = count(&answers, "too many failed logins");
    assert!(verified <= 5, "{verified} verifications for a limit of 5");
    assert_eq!(
        (failed as u64, limited),
        (verified, 50 - failed),
        "{answers:?}"
    );
    gw.stop().await;
}

fn generous(config: &mut Config) {
    config.accounts.failures_per_user = 1000;
    config.accounts.failures_per_address = 1000;
}

/// The verifications one LOGIN costs, and its tagged answer.
async fn cost(gw: &TestGateway, login: &str, pw: &str) -> (u64, String) {
    let before = gw.accounts.stats().verifications;
    let mut c = Raw::connect("127.0.0.2", gw.imap).await;
    c.line().await.unwrap();
    let answer = c.imap("a", &format!("LOGIN {login} {pw}")).await;
    (gw.accounts.stats().verifications - before, answer)
}

#[tokio::test]
async fn a_login_costs_one_verification_whatever_the_account_and_its_passwords() {
    let gw = TestGateway::start_configured(generous).await;
    let mut last = None;
    for i in 1..graphgate::accounts::MAX_ACTIVE_PASSWORDS {
        let (_, pw) = gw
            .accounts
            .add_password(BOB, &format!("device {i}"))
            .await
            .unwrap();
        last = Some(pw);
    }
    let active = gw.accounts.passwords(BOB).await.unwrap();
    assert_eq!(active.len(), 16);
    let full = gw.accounts.add_password(BOB, "one too many").await;
    assert!(
        matches!(
            full,
            Err(graphgate::accounts::Error::TooManyPasswords { max: 16, .. })
        ),
        "{full:?}"
    );
    let cases = [
        (BOB, "wrong-password", "a NO [AUTHENTICATIONFAILED]"),
        (
            "nobody@contoso.test",
            "wrong-password",
            "a NO [AUTHENTICATIONFAILED]",
        ),
        (ALICE, "wrong-password", "a NO [AUTHENTICATIONFAILED]"),
        (BOB, PASSWORD, "a OK"),
    ];
    for (login, pw, answer) in cases {
        let (spent, said) = cost(&gw, login, pw).await;
        assert!(said.starts_with(answer), "{login}: {said}");
        assert_eq!(spent, 1, "{login} with {pw}");
    }
    let last = last.unwrap();
    let (spent, said) = cost(&gw, BOB, last.expose()).await;
    assert!(said.starts_with("a OK"), "{said}");
    assert_eq!(spent, 1, "the newest of 16 passwords");
    gw.stop().await;
}

fn three_per_login(config: &mut Config) {
    config.accounts.failures_per_user = 3;
    config.accounts.failures_per_address = 100;
}

#[tokio::test]
async fn a_flood_for_alice_from_one_address_does_not_lock_out_her_own_clients() {
    let gw = TestGateway::start_configured(three_per_login).await;
    let login = format!("LOGIN {ALICE} {PASSWORD}");
    // Her laptop at .3 logged in before the flood.
    let mut laptop = Raw::connect("127.0.0.3", gw.imap).await;
    laptop.line().await.unwrap();
    assert!(laptop.imap("a", &login).await.starts_with("a OK"));

    let mut flood = Raw::connect("127.0.0.4", gw.imap).await;
    flood.line().await.unwrap();
    for i in 0..10 {
        let answer = flood
            .imap(&format!("f{i}"), &format!("LOGIN {ALICE} guess{i}"))
            .await;
        assert!(answer.contains(" NO "), "{answer}");
    }
    assert!(
        flood
            .imap("g", &login)
            .await
            .contains("too many failed logins"),
        "the flooding address is refused even with the right password"
    );
    // Her laptop still gets in; a client never seen before does not.
    let mut again = Raw::connect("127.0.0.3", gw.imap).await;
    again.line().await.unwrap();
    let answer = again.imap("b", &login).await;
    assert!(answer.starts_with("b OK"), "{answer}");
    let mut stranger = Raw::connect("127.0.0.6", gw.imap).await;
    stranger.line().await.unwrap();
    let answer = stranger.imap("c", &login).await;
    assert!(answer.contains("too many failed logins"), "{answer}");
    gw.stop().await;
}
