//! The pid file of `graphgate serve`, and the proof that the process it
//! names is still that server before `graphgate policy reload` signals it.
//! A pid file outlives a crash, and the kernel reuses process ids: a bare
//! `kill -HUP $(cat graphgate.pid)` could hang up an unrelated program
//! (SIGHUP's default action ends a process). So the file holds the pid and
//! the process's start time (field 22 of `/proc/<pid>/stat`, in clock
//! ticks since boot), and the signal goes only to a process whose start
//! time matches and whose name is graphgate's.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The pid file's name in the data directory.
pub(super) const PID_FILE: &str = "graphgate.pid";

/// Write this process's pid file (private to graphgate's user).
pub(super) fn write(path: &Path) -> std::io::Result<()> {
    let pid = std::process::id();
    let line = match start_time(pid) {
        Some(start) => format!("{pid} {start}\n"),
        None => format!("{pid}\n"),
    };
    graphgate::files::write_private(path, line.as_bytes())
}

/// The pid in `path`, once proven to be the graphgate server that wrote it.
pub(super) fn running_server(path: &Path) -> Result<u32> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "no running graphgate serve found ({} is missing)",
            path.display()
        )
    })?;
    let mut words = text.split_ascii_whitespace();
    let pid: u32 = match words.next().map(str::parse) {
        Some(Ok(pid)) if pid > 1 => pid,
        _ => bail!("{} does not hold a process id", path.display()),
    };
    let written_start: Option<u64> = words.next().and_then(|w| w.parse().ok());
    let stale = || {
        format!(
            "graphgate serve (pid {pid}) is not running; delete {}",
            path.display()
        )
    };
    #[cfg(target_os = "linux")]
    {
        let Some(start) = start_time(pid) else {
            bail!(stale());
        };
        if written_start.is_some_and(|w| w != start) {
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
        let _ = (written_start, stale);
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

/// When process `pid` started, in clock ticks since boot (Linux).
fn start_time(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // "pid (comm) state ppid …": comm may hold spaces and parentheses,
        // so count fields after the last ')'; state is field 3, starttime 22.
        let after = &stat[stat.rfind(')')? + 1..];
        after.split_ascii_whitespace().nth(22 - 3)?.parse().ok()
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
        // The test binary is not called graphgate (its name has a hash)…
        let err = running_server(&path).unwrap_err().to_string();
        assert!(err.contains("not graphgate"), "{err}");
        // …and a start time that does not match is refused before that.
        let start = start_time(me).unwrap();
        std::fs::write(&path, format!("{me} {}\n", start + 1)).unwrap();
        let err = running_server(&path).unwrap_err().to_string();
        assert!(err.contains("started after"), "{err}");
        std::fs::write(&path, "nonsense\n").unwrap();
        let err = running_server(&path).unwrap_err().to_string();
        assert!(err.contains("does not hold a process id"), "{err}");
    }
}
