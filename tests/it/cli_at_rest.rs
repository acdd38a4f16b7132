//! Data at rest and the pid file, through the `graphgate` binary: the data
//! directory and every file in it end up readable by graphgate's user only
//! (a looser one from before is tightened with a warning), and
//! `graphgate policy reload` signals only the graphgate server that wrote
//! the pid file.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::cli_demo::{Running, graphgate};

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every path under `dir` (and `dir`) with a mode that others may use.
fn loose(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if mode(&d) & 0o077 != 0 {
            out.push((d.clone(), mode(&d)));
        }
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let path = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(path);
            } else if mode(&path) & 0o077 != 0 {
                out.push((path.clone(), mode(&path)));
            }
        }
    }
    out
}

/// A `serve` configuration in `dir` whose data directory is `dir/data`.
fn serve_config(dir: &Path) -> PathBuf {
    let file = dir.join("graphgate.toml");
    let config = format!(
        "[server]\ndata_dir = {:?}\n[imap]\nlisten = \"127.0.0.1:0\"\nlisten_tls = \"\"\n\
         [smtp]\nlisten = \"127.0.0.1:0\"\nlisten_tls = \"\"\n",
        dir.join("data").display().to_string()
    );
    std::fs::write(&file, config).unwrap();
    file
}

fn serve(file: &Path) -> Running {
    let mut cmd = graphgate();
    cmd.arg("--config")
        .arg(file)
        .args(["--log-format", "json", "serve"]);
    let running = Running::start(cmd);
    running.wait_for_stderr("graphgate is ready");
    running
}

#[test]
fn a_new_data_directory_is_private_and_a_loose_one_is_tightened_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let file = serve_config(dir.path());
    let data = dir.path().join("data");

    // First start: everything graphgate makes is private.
    let mut first = serve(&file);
    assert!(data.join("graphgate.pid").exists());
    assert_eq!(first.terminate().code(), Some(0), "{}", first.stderr());
    assert!(data.join("graphgate.sqlite").exists());
    assert!(data.join("certs/localhost.pem").exists());
    assert_eq!(loose(&data), vec![], "after a first start");
    assert!(
        !first.stderr().contains("readable by other users"),
        "{}",
        first.stderr()
    );

    // Someone loosens it (a restore, a chmod -R): the next start fixes and says so.
    std::fs::write(data.join("audit.log"), b"").unwrap();
    for (path, m) in [
        (data.clone(), 0o755),
        (data.join("graphgate.sqlite"), 0o644),
        (data.join("audit.log"), 0o664),
        (data.join("certs"), 0o755),
        (data.join("certs/localhost-key.pem"), 0o644),
    ] {
        set_mode(&path, m);
    }
    let mut second = serve(&file);
    let stderr = second.stderr();
    for name in ["graphgate.sqlite", "audit.log", "localhost-key.pem"] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains("readable by other users") && l.contains(name)),
            "no warning naming {name}:\n{stderr}"
        );
    }
    assert_eq!(second.terminate().code(), Some(0), "{}", second.stderr());
    assert_eq!(loose(&data), vec![], "after a start on a loose directory");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("graphgate.sqlite")), 0o600);
}

#[test]
fn user_commands_create_a_private_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = serve_config(dir.path());
    let out = graphgate()
        .current_dir(dir.path())
        .arg("--config")
        .arg(&file)
        .args(["user", "add", "zoe@contoso.test"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(data.join("graphgate.sqlite").exists());
    assert_eq!(loose(&data), vec![]);
}

#[test]
fn policy_reload_signals_only_the_graphgate_that_wrote_the_pid_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = serve_config(dir.path());
    let data = dir.path().join("data");
    let reload = || {
        graphgate()
            .arg("--config")
            .arg(&file)
            .args(["policy", "reload"])
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };

    // The server is running: the reload reaches it.
    let mut server = serve(&file);
    let out = reload();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.wait_for_stderr("policy reloaded");
    assert_eq!(server.terminate().code(), Some(0), "{}", server.stderr());

    // A stale pid file naming another program (a reused pid): refused, and
    // that program is not hung up (SIGHUP would end `sleep`).
    let mut other = Command::new("sleep").arg("30").spawn().unwrap();
    std::fs::write(data.join("graphgate.pid"), format!("{}\n", other.id())).unwrap();
    let out = reload();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("not graphgate"), "{stderr}");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(
        other.try_wait().unwrap().is_none(),
        "the other program was signalled"
    );
    let _ = other.kill();
    let _ = other.wait();

    // A pid that is not running at all.
    std::fs::write(data.join("graphgate.pid"), "4194303\n").unwrap();
    let out = reload();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("is not running"), "{stderr}");
}
