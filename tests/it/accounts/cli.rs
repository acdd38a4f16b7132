//! `graphgate user …` as the real binary: a temp directory with a config
//! file pointing the data dir into it; printed passwords are checked to
//! work by logging in through the library against the same store.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use graphgate::accounts::{Accounts, LoginError, LoginLimits, Mode, looks_generated};
use graphgate::secret::Secret;
use graphgate::store::Store;
use tempfile::TempDir;

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
