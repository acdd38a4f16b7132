//! The pid file of `graphgate serve`, and the proof that the process it
//! names is still that server before `graphgate policy reload` signals it.
//! A pid file outlives a crash, and the kernel reuses process ids: a bare
//! `kill -HUP $(cat graphgate.pid)` could hang up an unrelated program
//! (SIGHUP's default action ends a process). The file holds only the pid,
//! as every tool that reads pid files expects; the proof is that the
//! process it names started no later than the file was written (a process
//! that got the pid later cannot have written it) and is named graphgate.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The pid file's name in the data directory.
pub(super) const PID_FILE: &str = "graphgate.pid";

/// Write this process's pid file (private to graphgate's user).
pub(super) fn write(path: &Path) -> std::io::Result<()> {
    let line = format!("{}\n", std::process::id());
    graphgate::files::write_private(path, line.as_bytes())
}

/// Slack between the clock that stamps files and the one that dates
/// processes (boot time in whole seconds, clock ticks).
const CLOCK_SLACK_S: f64 = 2.0;

/// The pid in `path`, once proven to be the graphgate server that wrote it.
pub(super) fn running_server(path: &Path) -> Result<u32> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "no running graphgate serve found ({} is missing)",
            path.display()
        )
    })?;
    let pid: u32 = match text.trim().parse() {
        Ok(pid) if pid > 1 => pid,
        _ => bail!("{} does not hold a process id", path.display()),
    };
    let written = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs_f64());
    let stale = || {
        format!(
            "graphgate serve (pid {pid}) is not running; delete {}",
            path.display()
        )
    };
    #[cfg(target_os = "linux")]
    {
        let Some(started) = started_at(pid) else {
            bail!(stale());
        };
        if written.is_some_and(|w| started > w + CLOCK_SLACK_S) {
            bail!(
                "process {pid} started after {} was written, so it is not graphgate serve; delete the file",
                path.display()
            );
        }
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if name.trim_end() != "graphgate" {
            bail!(
                "process {pid} named in {} is {:?}, not graphgate; delete the file",
                path.display(),
                name.trim_end()
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (written, stale);
        bail!(
            "cannot prove that pid {pid} is graphgate on this system: send SIGHUP to graphgate serve yourself"
        );
    }
    #[allow(unreachable_code)]
    Ok(pid)
}

/// Send SIGHUP to `pid`.
pub(super) fn hang_up(pid: u32) -> Result<()> {
    let pid = libc::pid_t::try_from(pid).context("process id out of range")?;
    // SAFETY: kill(2) with a positive pid and a valid signal number only
    // sends a signal; it touches no memory of ours.
    let sent = unsafe { libc::kill(pid, libc::SIGHUP) };
    if sent != 0 {
        let e = std::io::Error::last_os_error();
        bail!("cannot signal graphgate serve (pid {pid}): {e}");
    }
    Ok(())
}

/// When process `pid` started, in seconds since the Unix epoch (Linux:
/// boot time from `/proc/stat` plus field 22 of `/proc/<pid>/stat`, which
/// counts clock ticks since boot).
fn started_at(pid: u32) -> Option<f64> {
    #[cfg(target_os = "linux")]
    {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // "pid (comm) state ppid …": comm may hold spaces and parentheses,
        // so count fields after the last ')'; state is field 3, starttime 22.
        let after = &stat[stat.rfind(')')? + 1..];
        let ticks: u64 = after.split_ascii_whitespace().nth(22 - 3)?.parse().ok()?;
        let boot: u64 = std::fs::read_to_string("/proc/stat")
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix("btime "))?
            .trim()
            .parse()
            .ok()?;
        // SAFETY: sysconf only reads a system constant.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        if per_second <= 0 {
            return None;
        }
        Some(boot as f64 + ticks as f64 / per_second as f64)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_pid_file_names_this_process_only_while_it_matches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PID_FILE);
        write(&path).unwrap();
        let me = std::process::id();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{me}\n"));
        // The test binary is not called graphgate (its name has a hash)…
        let err = running_server(&path).unwrap_err().to_string();
        assert!(err.contains("not graphgate"), "{err}");
        // …and a file older than the process it names is refused before
        // that: the pid was reused after the file was written.
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        let long_ago = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        file.set_modified(long_ago).unwrap();
        let err = running_server(&path).unwrap_err().to_string();
        assert!(err.contains("started after"), "{err}");
        std::fs::write(&path, "nonsense\n").unwrap();
        let err = running_server(&path).unwrap_err().to_string();
        assert!(err.contains("does not hold a process id"), "{err}");
        assert!(started_at(me).is_some());
    }
}
