//! Local accounts from outside: the `graphgate user` commands run as the
//! real binary against a temp data dir, and `Accounts::authenticate` against
//! a real SQLite store — right and wrong passwords, revocation, lower-case
//! logins, and the failed-login limits per login and per client address.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use graphgate::accounts::{Accounts, LoginError, LoginLimits, Mode, looks_generated};
use graphgate::secret::Secret;
use graphgate::store::Store;
use tempfile::TempDir;

// ---------------------------------------------------------------- the CLI

/// A temp directory with a configuration file pointing the data dir into it.
struct Setup {
    dir: TempDir,
    config: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("graphgate.toml");
        let data = dir.path().join("data");
        std::fs::write(
            &config,
            format!("[server]\ndata_dir = {:?}\n", data.display().to_string()),
        )
        .unwrap();
        Setup { dir, config }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `graphgate --config <file> user <args>`.
    fn user(&self, args: &[&str]) -> Output {
        let mut cmd = graphgate(self.dir.path());
        cmd.arg("--config").arg(&self.config).arg("user").args(args);
        cmd.output().unwrap()
    }

    /// Like `user`, but the command must succeed; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.user(args);
        assert!(
            out.status.success(),
            "graphgate user {args:?} failed: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Like `user`, but the command must fail with exit status 1; its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.user(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "graphgate user {args:?} should fail: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stderr)
    }

    async fn accounts(&self) -> Accounts {
        let store = Store::open_in(&self.data_dir()).await.unwrap();
        Accounts::new(store, LoginLimits::default())
    }
}

fn graphgate(cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_graphgate"));
    cmd.current_dir(cwd)
        .env_remove("GRAPHGATE_CONFIG")
        .env_remove("RUST_LOG");
    // Keep the developer's GRAPHGATE__… variables out of the test.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GRAPHGATE__") {
            cmd.env_remove(name);
        }
    }
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The one generated password in a command's output.
fn printed_password(stdout: &str) -> Secret {
    let found: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| looks_generated(l))
        .collect();
    assert_eq!(found.len(), 1, "one password in {stdout}");
    Secret::new(found[0])
}

fn peer() -> IpAddr {
    "192.0.2.10".parse().unwrap()
}

#[tokio::test]
async fn user_add_prints_a_working_gateway_password_once() {
    let setup = Setup::new();
    let out = setup.ok(&["add", "Alice@Contoso.test"]);
    assert!(out.contains("shown only now"), "{out}");
    assert!(out.contains("not the Microsoft 365 password"), "{out}");
    assert!(out.contains("graphgate login alice@contoso.test"), "{out}");
    let password = printed_password(&out);
    assert!(setup.data_dir().join("graphgate.sqlite").exists());

    let accounts = setup.accounts().await;
    let account = accounts
        .authenticate("alice@contoso.test", &password, peer())
        .await
        .unwrap();
    assert_eq!(account.microsoft_user, "alice@contoso.test");
    assert_eq!(account.mode, Mode::Delegated);

    let list = setup.ok(&["list"]);
    let line = list
        .lines()
        .find(|l| l.starts_with("alice@contoso.test"))
        .unwrap_or_else(|| panic!("alice in {list}"));
    assert!(line.contains("delegated"), "{line}");
    assert!(line.contains("default (last used "), "{line}");
    // The password itself is never shown again.
    assert!(!list.contains(password.expose()));
    let passwords = setup.ok(&["password", "list", "alice@contoso.test"]);
    assert!(!passwords.contains(password.expose()));
}

#[test]
fn user_add_app_only_links_the_given_microsoft_user() {
    let setup = Setup::new();
    let out = setup.ok(&[
        "add",
        "scanner",
        "--microsoft-user",
        "Scans@Contoso.test",
        "--app-only",
        "--label",
        "scanner",
    ]);
    assert!(!out.contains("graphgate login"), "{out}");
    assert!(out.contains("Gateway password \"scanner\""), "{out}");
    printed_password(&out);
    let list = setup.ok(&["list"]);
    let line = list.lines().find(|l| l.starts_with("scanner")).unwrap();
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "scanner",
            "scans@contoso.test",
            "app-only",
            "scanner",
            "(never",
            "used)"
        ]
    );
}

#[test]
fn adding_an_existing_login_fails_whatever_its_case() {
    let setup = Setup::new();
    setup.ok(&["add", "alice@contoso.test"]);
    let err = setup.fails(&["add", "ALICE@contoso.test"]);
    assert!(
        err.contains("there is already an account alice@contoso.test"),
        "{err}"
    );
}

#[test]
fn commands_on_an_unknown_login_fail_and_say_so() {
    let setup = Setup::new();
    setup.ok(&["add", "alice@contoso.test"]);
    let cases: &[&[&str]] = &[
        &["remove", "bob@contoso.test"],
        &["password", "add", "bob@contoso.test", "--label", "x"],
        &["password", "revoke", "bob@contoso.test", "default"],
        &["password", "list", "bob@contoso.test"],
    ];
    for args in cases {
        let err = setup.fails(args);
        assert!(
            err.contains("no account bob@contoso.test"),
            "{args:?}: {err}"
        );
    }
    // alice is untouched.
    assert!(setup.ok(&["list"]).contains("alice@contoso.test"));
}

#[test]
fn bad_names_are_refused_and_leave_nothing_behind() {
    let setup = Setup::new();
    let cases: &[(&[&str], &str)] = &[
        (&["add", "al ice"], "cannot be a login name"),
        (
            &["add", "alice", "--microsoft-user", "alice"],
            "is not a Microsoft 365 user name",
        ),
        (
            &[
                "add",
                "alice",
                "--microsoft-user",
                "alice@contoso.test",
                "--label",
                " ",
            ],
            "cannot be a password label",
        ),
    ];
    for (args, message) in cases {
        let err = setup.fails(args);
        assert!(err.contains(message), "{args:?}: {err}");
    }
    assert!(setup.ok(&["list"]).contains("No accounts yet"));
}

#[tokio::test]
async fn passwords_are_added_revoked_by_label_or_id_and_listed() {
    let setup = Setup::new();
    let first = printed_password(&setup.ok(&["add", "alice@contoso.test"]));
    let out = setup.ok(&[
        "password",
        "add",
        "alice@contoso.test",
        "--label",
        "scanner",
    ]);
    assert!(out.contains("shown only now"), "{out}");
    let second = printed_password(&out);
    assert_ne!(first.expose(), second.expose());

    // A label is unique among the active passwords.
    let err = setup.fails(&[
        "password",
        "add",
        "alice@contoso.test",
        "--label",
        "scanner",
    ]);
    assert!(
        err.contains("already has an active password labelled \"scanner\""),
        "{err}"
    );

    let list = setup.ok(&["password", "list", "alice@contoso.test"]);
    let rows: Vec<Vec<&str>> = list
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "{list}");
    assert!(rows.iter().all(|r| r.last() == Some(&"active")), "{list}");
    let default_id = rows.iter().find(|r| r[1] == "default").unwrap()[0].to_string();

    let accounts = setup.accounts().await;
    for password in [&first, &second] {
        accounts
            .authenticate("alice@contoso.test", password, peer())
            .await
            .unwrap();
    }

    setup.ok(&["password", "revoke", "alice@contoso.test", "scanner"]);
    setup.ok(&["password", "revoke", "ALICE@contoso.test", &default_id]);
    let list = setup.ok(&["password", "list", "alice@contoso.test"]);
    assert_eq!(
        list.lines().filter(|l| l.contains(" revoked ")).count(),
        2,
        "{list}"
    );
    let err = setup.fails(&["password", "revoke", "alice@contoso.test", "scanner"]);
    assert!(err.contains("no active password"), "{err}");
    assert!(setup.ok(&["list"]).contains("delegated  none"));

    // Revoked in another process: refused at once, remembered success or not.
    for password in [&first, &second] {
        let refused = accounts
            .authenticate("alice@contoso.test", password, peer())
            .await;
        assert!(
            matches!(refused, Err(LoginError::BadCredentials)),
            "{refused:?}"
        );
    }
    // The label is free again.
    setup.ok(&[
        "password",
        "add",
        "alice@contoso.test",
        "--label",
        "scanner",
    ]);
}

#[tokio::test]
async fn user_remove_removes_the_account_and_its_passwords() {
    let setup = Setup::new();
    let password = printed_password(&setup.ok(&["add", "alice@contoso.test"]));
    setup.ok(&["add", "bob@contoso.test"]);
    let out = setup.ok(&["remove", "Alice@Contoso.test"]);
    assert!(
        out.contains("Removed alice@contoso.test and its 1 gateway password."),
        "{out}"
    );
    let list = setup.ok(&["list"]);
    assert!(!list.contains("alice"), "{list}");
    assert!(list.contains("bob@contoso.test"), "{list}");
    setup.fails(&["remove", "alice@contoso.test"]);

    let accounts = setup.accounts().await;
    let refused = accounts
        .authenticate("alice@contoso.test", &password, peer())
        .await;
    assert!(matches!(refused, Err(LoginError::BadCredentials)));
    // A new account of the same name starts without the old passwords.
    setup.ok(&["add", "alice@contoso.test", "--label", "new"]);
    let list = setup.ok(&["password", "list", "alice@contoso.test"]);
    assert_eq!(list.lines().count(), 2, "{list}");
}

#[test]
fn without_a_config_file_the_data_dir_defaults_to_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = graphgate(dir.path())
        .args(["user", "add", "alice@contoso.test"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("data/graphgate.sqlite").exists());

    // An environment override moves it, like any other key.
    let out = graphgate(dir.path())
        .args(["user", "list"])
        .env("GRAPHGATE__SERVER__DATA_DIR", "elsewhere")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("No accounts yet"));
    assert!(dir.path().join("elsewhere/graphgate.sqlite").exists());

    // A --config that does not exist is an error, not the defaults.
    let out = graphgate(dir.path())
        .args(["--config", "missing.toml", "user", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78), "{}", text(&out.stderr));
}

// ------------------------------------------------- authenticate, in-process

async fn store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_in(dir.path()).await.unwrap();
    (dir, store)
}

fn limits(per_user: u32, per_address: u32, window: Duration) -> LoginLimits {
    LoginLimits {
        failures_per_user: per_user,
        failures_per_address: per_address,
        window,
    }
}

/// An account `login` with the password `pw` labelled "default".
async fn with_account(accounts: &Accounts, login: &str, pw: &str) {
    accounts.add(login, login, Mode::Delegated).await.unwrap();
    accounts
        .set_password(login, "default", &Secret::new(pw))
        .await
        .unwrap();
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
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
