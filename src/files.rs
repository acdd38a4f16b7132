//! What graphgate keeps on disk is readable by graphgate's user only: the
//! data directory and everything in it (the SQLite database and its WAL,
//! the message cache, the audit log, the token key, certificates, the pid
//! file) are created 0700 (directories) and 0600 (files). A data directory
//! left looser by an older version, a restore from backup or a careless
//! `chmod` is tightened at start, with a warning that names each path, so
//! the administrator learns that the files were exposed.
//!
//! The binary also sets its umask to 077, so files that libraries create
//! (SQLite's `-wal` and `-shm`, temporary files) come out private too; the
//! functions here set the modes explicitly so the library keeps the promise
//! when it is embedded without that umask.

use std::fs;
use std::io;
use std::path::Path;

/// Mode of the directories graphgate creates.
pub const DIR_MODE: u32 = 0o700;
/// Mode of the files graphgate creates.
pub const FILE_MODE: u32 = 0o600;

/// How many entries `secure_tree` looks at, at most: the message cache is
/// bounded in bytes, not in files, and a start-up check must not take
/// minutes on a huge or hostile tree.
const MAX_ENTRIES: usize = 1_000_000;
/// How deep `secure_tree` descends (the cache is two levels deep).
const MAX_DEPTH: usize = 8;

/// Create `dir` (and missing parents) private, or tighten it if it exists
/// with group or other access.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)?;
    }
    #[cfg(not(unix))]
    fs::create_dir_all(dir)?;
    tighten(dir)
}

/// Open `path` for appending, creating it 0600 (and tightening an existing
/// looser file).
pub fn open_append(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    let file = options.open(path)?;
    tighten(path)?;
    Ok(file)
}

/// Write `contents` to `path`, created 0600 (an existing file is
/// truncated and tightened).
pub fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let mut options = fs::OpenOptions::new();
    options.create(true).write(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    let mut file = options.open(path)?;
    tighten(path)?;
    file.write_all(contents)
}

/// Create an empty private file at `path` unless one exists (so that a
/// program that creates it later, such as SQLite, finds it private).
pub fn touch_private(path: &Path) -> io::Result<()> {
    if path.exists() {
        return tighten(path);
    }
    let mut options = fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    options.open(path).map(drop)
}

/// Make `dir` and everything under it private, warning once per path that
/// was not. Symbolic links are left alone (their own mode means nothing,
/// and following them could change files outside the data directory).
/// Returns how many paths were tightened.
pub fn secure_tree(dir: &Path) -> io::Result<usize> {
    private_dir(dir)?;
    let mut tightened = 0;
    let mut seen = 0;
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((current, depth)) = stack.pop() {
        for entry in fs::read_dir(&current)? {
            let entry = entry?;
            seen += 1;
            if seen > MAX_ENTRIES {
                tracing::warn!(dir = %dir.display(), "stopped checking file modes after {MAX_ENTRIES} entries");
                return Ok(tightened);
            }
            let kind = entry.file_type()?;
            if kind.is_symlink() {
                continue;
            }
            let path = entry.path();
            if loosened(&path)? {
                tightened += 1;
            }
            if kind.is_dir() && depth + 1 < MAX_DEPTH {
                stack.push((path, depth + 1));
            }
        }
    }
    Ok(tightened)
}

/// Tighten `path` if group or others may use it; warn when it was needed.
pub fn tighten(path: &Path) -> io::Result<()> {
    loosened(path).map(drop)
}

#[cfg(unix)]
fn loosened(path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Ok(false);
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 == 0 {
        return Ok(false);
    }
    let wanted = if meta.is_dir() { DIR_MODE } else { FILE_MODE };
    fs::set_permissions(path, fs::Permissions::from_mode(wanted))?;
    tracing::warn!(
        path = %path.display(),
        was = %format!("{mode:04o}"),
        now = %format!("{wanted:04o}"),
        "was readable by other users; made it private to graphgate's user"
    );
    Ok(true)
}

#[cfg(not(unix))]
fn loosened(_path: &Path) -> io::Result<bool> {
    Ok(false)
}

/// The process's umask, so files created by libraries are private too.
/// Only the binary calls this (a library must not change its host's umask).
#[cfg(unix)]
pub fn private_umask() {
    // SAFETY: umask only swaps the process's file mode mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

#[cfg(not(unix))]
pub fn private_umask() {}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn a_loose_tree_is_tightened_and_a_new_one_is_private() {
        let top = tempfile::tempdir().unwrap();
        let data = top.path().join("data");
        private_dir(&data.join("cache/ab")).unwrap();
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("cache/ab")), 0o700);

        fs::write(data.join("graphgate.db"), b"x").unwrap();
        fs::write(data.join("cache/ab/m.eml"), b"x").unwrap();
        fs::set_permissions(&data, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(data.join("graphgate.db"), fs::Permissions::from_mode(0o644)).unwrap();
        fs::set_permissions(data.join("cache"), fs::Permissions::from_mode(0o775)).unwrap();
        fs::set_permissions(
            data.join("cache/ab/m.eml"),
            fs::Permissions::from_mode(0o666),
        )
        .unwrap();
        // A link to a file outside is not followed.
        let outside = top.path().join("outside");
        fs::write(&outside, b"x").unwrap();
        fs::set_permissions(&outside, fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&outside, data.join("link")).unwrap();

        assert_eq!(
            secure_tree(&data).unwrap(),
            3,
            "the top dir is counted by private_dir"
        );
        assert_eq!(mode(&data), 0o700);
        assert_eq!(mode(&data.join("graphgate.db")), 0o600);
        assert_eq!(mode(&data.join("cache")), 0o700);
        assert_eq!(mode(&data.join("cache/ab/m.eml")), 0o600);
        assert_eq!(mode(&outside), 0o644);
        assert_eq!(secure_tree(&data).unwrap(), 0, "nothing left to do");
    }

    #[test]
    fn files_are_created_private() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("audit.log");
        open_append(&log).unwrap();
        assert_eq!(mode(&log), 0o600);
        let pid = dir.path().join("graphgate.pid");
        write_private(&pid, b"1").unwrap();
        assert_eq!(mode(&pid), 0o600);
        let db = dir.path().join("graphgate.db");
        touch_private(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
        fs::set_permissions(&log, fs::Permissions::from_mode(0o644)).unwrap();
        open_append(&log).unwrap();
        assert_eq!(mode(&log), 0o600, "an existing loose file is tightened");
    }
}
