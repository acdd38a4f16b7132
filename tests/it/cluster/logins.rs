//! Failed-login limits and the daily sending limit across three instances
//! on one PostgreSQL database: each instance its own pool and memory, so
//! only the store can make them agree.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use graphgate::accounts::{Accounts, LoginError, LoginLimits, Mode};
use graphgate::secret::Secret;
use graphgate::store::Store;

const ALICE: &str = "alice@contoso.test";
const BOB: &str = "bob@contoso.test";

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// Three instances on `url` with the same limits; alice's and bob's
/// password is "right".
async fn instances(url: &str, per_user: u32, per_address: u32) -> Vec<Accounts> {
    let limits = LoginLimits {
        failures_per_user: per_user,
        failures_per_address: per_address,
        window: Duration::from_secs(60),
        ..LoginLimits::default()
    };
    let mut all = Vec::new();
    for _ in 0..3 {
        let store = Store::open(url).await.unwrap();
        all.push(Accounts::new(store, limits.clone()));
    }
    for login in [ALICE, BOB] {
        if all[0].get(login).await.unwrap().is_none() {
            all[0].add(login, login, Mode::Delegated).await.unwrap();
            all[0]
                .set_password(login, "default", &Secret::new("right"))
                .await
                .unwrap();
        }
    }
    all
}

fn verifications(all: &[Accounts]) -> u64 {
    all.iter().map(|a| a.stats().verifications).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failed_logins_and_sent_messages_count_across_instances_on_postgres() {
    let url = crate::common::pg::database().await;
    let right = Secret::new("right");
    let wrong = Secret::new("wrong");

    // Failures for alice on three instances, from three addresses, add up
    // for her login: the fourth try is refused everywhere, right password
    // or not, from an address she never used.
    let all = instances(&url, 3, 100).await;
    for (i, a) in all.iter().enumerate() {
        let outcome = a
            .authenticate(ALICE, &wrong, ip(&format!("192.0.2.{i}")))
            .await;
        assert!(
            matches!(outcome, Err(LoginError::BadCredentials)),
            "{outcome:?}"
        );
    }
    for a in &all {
        let outcome = a.authenticate(ALICE, &right, ip("198.51.100.1")).await;
        assert!(
            matches!(outcome, Err(LoginError::TooManyAttempts { retry_after }) if retry_after <= Duration::from_secs(60)),
            "{outcome:?}"
        );
    }

    // An address where bob logged in (on instance 0) is known to the
    // others: his own client still gets in on instance 2 during a flood
    // of guesses for him on instance 1.
    let home = ip("192.0.2.200");
    all[0].authenticate(BOB, &right, home).await.unwrap();
    for i in 0..6 {
        let _ = all[1]
            .authenticate(BOB, &wrong, ip(&format!("203.0.113.{i}")))
            .await;
    }
    let outcome = all[2].authenticate(BOB, &right, ip("198.51.100.9")).await;
    assert!(
        matches!(outcome, Err(LoginError::TooManyAttempts { .. })),
        "{outcome:?}"
    );
    all[2].authenticate(BOB, &right, home).await.unwrap();

    // Instances with a limit of 5 failures per address.
    let all = instances(&url, 3, 5).await;

    // 60 guesses from one address at once, spread over the instances,
    // against a per-address limit of 5: 5 verifications in all.
    let before = verifications(&all);
    let guesser = ip("203.0.113.77");
    let guesses = futures::future::join_all((0..60).map(|i| {
        let a = all[i % 3].clone();
        let pw = Secret::new(format!("guess-{i}"));
        async move {
            a.authenticate(&format!("user{i}@contoso.test"), &pw, guesser)
                .await
        }
    }))
    .await;
    let refused = guesses
        .iter()
        .filter(|g| matches!(g, Err(LoginError::TooManyAttempts { .. })))
        .count();
    println!(
        "60 concurrent guesses over 3 instances, limit 5 per address: {} argon2 verifications, {refused} refused by the limit",
        verifications(&all) - before
    );
    assert_eq!(verifications(&all) - before, 5);
    assert_eq!(refused, 55);

    // The hot path: a remembered successful login reads the counters once
    // and writes nothing; a failure is one upsert.
    let a = &all[0];
    a.authenticate(BOB, &right, home).await.unwrap();
    let db = Store::open(&url).await.unwrap();
    let counters = || async {
        let rows: Vec<(String, i64, i64)> =
            sqlx::query_as("SELECT key, window_start, count FROM counters ORDER BY key")
                .fetch_all(db.pool())
                .await
                .unwrap();
        rows
    };
    let before = counters().await;
    let n = 200u32;
    let t = Instant::now();
    for _ in 0..n {
        a.authenticate(BOB, &right, home).await.unwrap();
    }
    let remembered = t.elapsed() / n;
    assert_eq!(
        counters().await,
        before,
        "successful logins wrote no counter"
    );
    println!("a remembered login on PostgreSQL: {remembered:?} each ({n} in a row)");

    // Messages per day: 30 sends at once over the instances against 10.
    let counted = futures::future::join_all((0..30).map(|i| {
        let a = all[i % 3].clone();
        async move { a.count_message(ALICE, 10).await.unwrap() }
    }))
    .await;
    let sent: Vec<_> = counted.into_iter().flatten().collect();
    assert_eq!(sent.len(), 10, "the day's 10, over every instance");
    // One not sent after all, given back on another instance: one more.
    all[2].uncount_message(&sent[0]).await.unwrap();
    assert!(all[1].count_message(ALICE, 10).await.unwrap().is_some());
    assert!(all[0].count_message(ALICE, 10).await.unwrap().is_none());
}
