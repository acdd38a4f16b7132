//! `Accounts::authenticate` in-process against a real SQLite store in a
//! temp dir: passwords, revocation, the memory of recent verifications,
//! unknown logins, and the failed-login limits (tiny ones, short windows).

use std::time::Duration;

use graphgate::accounts::{Accounts, LoginError, LoginLimits, Mode, looks_generated};
use graphgate::secret::Secret;

use super::support::{ip, peer, store, with_account};

fn limits(per_user: u32, per_address: u32, window: Duration) -> LoginLimits {
    LoginLimits {
        failures_per_user: per_user,
        failures_per_address: per_address,
        window,
        ..LoginLimits::default()
    }
}

#[tokio::test]
async fn the_right_password_logs_in_and_a_wrong_one_does_not() {
    let (_dir, store) = store().await;
    let accounts = Accounts::new(store, LoginLimits::default());
    with_account(&accounts, "alice@contoso.test", "right-one").await;
    let cases = [
        ("alice@contoso.test", "right-one", true),
        ("ALICE@Contoso.Test", "right-one", true),
        ("alice@contoso.test", "Right-one", false),
        ("alice@contoso.test", "right-one ", false),
        ("alice@contoso.test", "", false),
        ("alice@contoso.tes", "right-one", false),
    ];
    for (login, pw, ok) in cases {
        let outcome = accounts
            .authenticate(login, &Secret::new(pw), ip("192.0.2.1"))
            .await;
        match (ok, outcome) {
            (true, Ok(account)) => assert_eq!(account.login, "alice@contoso.test"),
            (false, Err(LoginError::BadCredentials)) => {}
            (_, other) => panic!("{login:?} / {pw:?}: {other:?}"),
        }
    }
    let used = accounts.passwords("alice@contoso.test").await.unwrap();
    assert!(used[0].last_used_at.is_some());
}

#[tokio::test]
async fn every_active_password_is_tried_and_revoked_ones_are_refused() {
    let (_dir, store) = store().await;
    let accounts = Accounts::new(store, LoginLimits::default());
    let login = "alice@contoso.test";
    with_account(&accounts, login, "first").await;
    let (info, second) = accounts.add_password(login, "thunderbird").await.unwrap();
    assert!(looks_generated(second.expose()));
    let first = Secret::new("first");
    for pw in [&first, &second] {
        accounts.authenticate(login, pw, peer()).await.unwrap();
    }
    // Both are now remembered; revoking by id forgets the remembered one.
    assert!(accounts.revoke_password(login, &info.id).await.unwrap());
    let refused = accounts.authenticate(login, &second, peer()).await;
    assert!(
        matches!(refused, Err(LoginError::BadCredentials)),
        "{refused:?}"
    );
    accounts.authenticate(login, &first, peer()).await.unwrap();
    assert!(accounts.revoke_password(login, "default").await.unwrap());
    assert!(!accounts.revoke_password(login, "default").await.unwrap());
    let refused = accounts.authenticate(login, &first, peer()).await;
    assert!(
        matches!(refused, Err(LoginError::BadCredentials)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_repeated_login_is_answered_without_argon2_until_revoked_elsewhere() {
    let (_dir, store) = store().await;
    let accounts = Accounts::new(store.clone(), LoginLimits::default());
    // Another process on the same store (the CLI, another instance).
    let elsewhere = Accounts::new(store, LoginLimits::default());
    let login = "alice@contoso.test";
    with_account(&accounts, login, "pw").await;
    let pw = Secret::new("pw");

    accounts.authenticate(login, &pw, peer()).await.unwrap();
    let after_first = accounts.stats();
    assert_eq!(after_first.verifications, 1);
    for _ in 0..5 {
        accounts.authenticate(login, &pw, peer()).await.unwrap();
    }
    let after_repeats = accounts.stats();
    assert_eq!(after_repeats.verifications, 1, "no argon2 for repeats");
    assert_eq!(after_repeats.cache_hits, 5);
    // A wrong password is never answered from memory.
    let wrong = accounts
        .authenticate(login, &Secret::new("pW"), peer())
        .await;
    assert!(matches!(wrong, Err(LoginError::BadCredentials)));

    assert!(elsewhere.revoke_password(login, "default").await.unwrap());
    let refused = accounts.authenticate(login, &pw, peer()).await;
    assert!(
        matches!(refused, Err(LoginError::BadCredentials)),
        "{refused:?}"
    );
}

#[tokio::test]
async fn an_unknown_login_spends_one_verification_and_counts_as_a_failure() {
    let (_dir, store) = store().await;
    let accounts = Accounts::new(store, limits(2, 100, Duration::from_secs(60)));
    with_account(&accounts, "alice@contoso.test", "pw").await;
    let before = accounts.stats().verifications;
    let pw = Secret::new("pw");
    for login in ["nobody@contoso.test", "not a login"] {
        let outcome = accounts.authenticate(login, &pw, peer()).await;
        assert!(
            matches!(outcome, Err(LoginError::BadCredentials)),
            "{outcome:?}"
        );
    }
    assert_eq!(accounts.stats().verifications - before, 2);
    // An account without active passwords costs the same.
    accounts
        .add("empty", "empty@contoso.test", Mode::AppOnly)
        .await
        .unwrap();
    let outcome = accounts.authenticate("empty", &pw, peer()).await;
    assert!(matches!(outcome, Err(LoginError::BadCredentials)));
    assert_eq!(accounts.stats().verifications - before, 3);
    // Unknown logins are limited like real ones.
    accounts
        .authenticate("nobody@contoso.test", &pw, peer())
        .await
        .unwrap_err();
    let outcome = accounts
        .authenticate("nobody@contoso.test", &pw, peer())
        .await;
    assert!(
        matches!(outcome, Err(LoginError::TooManyAttempts { .. })),
        "{outcome:?}"
    );
    assert_eq!(
        accounts.stats().verifications - before,
        4,
        "a refusal costs no argon2"
    );
}

#[tokio::test]
async fn a_login_with_too_many_failures_is_refused_until_the_window_passes() {
    let (_dir, store) = store().await;
    let window = Duration::from_secs(1);
    let accounts = Accounts::new(store, limits(3, 100, window));
    with_account(&accounts, "alice@contoso.test", "right").await;
    with_account(&accounts, "bob@contoso.test", "right").await;
    let right = Secret::new("right");
    let wrong = Secret::new("wrong");
    // Failures from several addresses add up for the login.
    for i in 1..=3 {
        let outcome = accounts
            .authenticate("alice@contoso.test", &wrong, ip(&format!("192.0.2.{i}")))
            .await;
        assert!(
            matches!(outcome, Err(LoginError::BadCredentials)),
            "try {i}: {outcome:?}"
        );
    }
    let retry_after = match accounts
        .authenticate("ALICE@contoso.test", &right, ip("198.51.100.1"))
        .await
    {
        Err(LoginError::TooManyAttempts { retry_after }) => retry_after,
        other => panic!("the right password after 3 failures: {other:?}"),
    };
    assert!(
        retry_after <= window && retry_after > Duration::ZERO,
        "{retry_after:?}"
    );
    // Other logins from the same addresses are not held back.
    accounts
        .authenticate("bob@contoso.test", &right, ip("192.0.2.1"))
        .await
        .unwrap();
    tokio::time::sleep(retry_after + Duration::from_millis(50)).await;
    accounts
        .authenticate("alice@contoso.test", &right, ip("192.0.2.1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_address_with_too_many_failures_is_refused_for_every_login() {
    let (_dir, store) = store().await;
    let accounts = Accounts::new(store, limits(100, 3, Duration::from_secs(60)));
    with_account(&accounts, "alice@contoso.test", "right").await;
    let right = Secret::new("right");
    let wrong = Secret::new("wrong");
    let guesser = ip("203.0.113.9");
    for login in ["a@contoso.test", "b@contoso.test", "alice@contoso.test"] {
        let outcome = accounts.authenticate(login, &wrong, guesser).await;
        assert!(
            matches!(outcome, Err(LoginError::BadCredentials)),
            "{login}: {outcome:?}"
        );
    }
    let outcome = accounts
        .authenticate("alice@contoso.test", &right, guesser)
        .await;
    assert!(
        matches!(outcome, Err(LoginError::TooManyAttempts { .. })),
        "{outcome:?}"
    );
    // The same /64 is the same guesser; other addresses are not affected.
    let v6 = accounts.clone();
    for i in 0..3 {
        let addr = ip(&format!("2001:db8:5:6::{i}"));
        v6.authenticate("x@contoso.test", &wrong, addr)
            .await
            .unwrap_err();
    }
    let outcome = v6
        .authenticate("alice@contoso.test", &right, ip("2001:db8:5:6:ffff::1"))
        .await;
    assert!(
        matches!(outcome, Err(LoginError::TooManyAttempts { .. })),
        "{outcome:?}"
    );
    accounts
        .authenticate("alice@contoso.test", &right, ip("198.51.100.7"))
        .await
        .unwrap();
    accounts
        .authenticate("alice@contoso.test", &right, ip("2001:db8:5:7::1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn successful_logins_use_up_none_of_the_budget() {
    let (_dir, store) = store().await;
    let accounts = Accounts::new(store, limits(2, 2, Duration::from_secs(60)));
    with_account(&accounts, "alice@contoso.test", "right").await;
    let right = Secret::new("right");
    let wrong = Secret::new("wrong");
    let thunderbird = ip("192.0.2.20");
    for _ in 0..30 {
        accounts
            .authenticate("alice@contoso.test", &right, thunderbird)
            .await
            .unwrap();
    }
    // One typo is allowed and does not lock the login.
    accounts
        .authenticate("alice@contoso.test", &wrong, thunderbird)
        .await
        .unwrap_err();
    accounts
        .authenticate("alice@contoso.test", &right, thunderbird)
        .await
        .unwrap();
    // A second failure uses up the budget of 2.
    accounts
        .authenticate("alice@contoso.test", &wrong, thunderbird)
        .await
        .unwrap_err();
    let outcome = accounts
        .authenticate("alice@contoso.test", &right, thunderbird)
        .await;
    assert!(
        matches!(outcome, Err(LoginError::TooManyAttempts { .. })),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn account_management_errors_are_precise() {
    let (_dir, store) = store().await;
    let accounts = Accounts::new(store, LoginLimits::default());
    let alice = accounts
        .add(
            "Alice@Contoso.test",
            "Alice.Smith@Contoso.test",
            Mode::Delegated,
        )
        .await
        .unwrap();
    assert_eq!(alice.login, "alice@contoso.test");
    assert_eq!(alice.microsoft_user, "alice.smith@contoso.test");
    assert_eq!(
        accounts.get("ALICE@contoso.test").await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(accounts.list().await.unwrap(), vec![alice]);

    use graphgate::accounts::Error;
    let dup = accounts
        .add("alice@contoso.test", "a@contoso.test", Mode::AppOnly)
        .await;
    assert!(
        matches!(dup, Err(Error::AccountExists(ref l)) if l == "alice@contoso.test"),
        "{dup:?}"
    );
    let bad_upn = accounts
        .add("bob", "bob@contoso\u{7}.test", Mode::AppOnly)
        .await;
    assert!(
        matches!(bad_upn, Err(Error::InvalidMicrosoftUser { .. })),
        "{bad_upn:?}"
    );
    let no_one = accounts.add_password("bob", "x").await;
    assert!(matches!(no_one, Err(Error::NoSuchAccount(_))), "{no_one:?}");
    let no_one = accounts.passwords("bob").await;
    assert!(matches!(no_one, Err(Error::NoSuchAccount(_))), "{no_one:?}");
    let empty = accounts
        .set_password("alice@contoso.test", "x", &Secret::new(""))
        .await;
    assert!(matches!(empty, Err(Error::InvalidPassword(_))), "{empty:?}");

    accounts
        .add_password("alice@contoso.test", "scanner")
        .await
        .unwrap();
    let taken = accounts.add_password("alice@contoso.test", "scanner").await;
    assert!(matches!(taken, Err(Error::LabelInUse { .. })), "{taken:?}");

    assert!(accounts.remove("ALICE@contoso.test").await.unwrap());
    assert!(!accounts.remove("alice@contoso.test").await.unwrap());
    assert_eq!(accounts.get("alice@contoso.test").await.unwrap(), None);
    accounts
        .add("alice@contoso.test", "alice@contoso.test", Mode::Delegated)
        .await
        .unwrap();
    assert!(
        accounts
            .passwords("alice@contoso.test")
            .await
            .unwrap()
            .is_empty()
    );
}
