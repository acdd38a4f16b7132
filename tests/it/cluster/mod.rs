//! Several gateway instances on one store, as issue 14 runs them: each
//! instance its own pool, registry and memory, all on one PostgreSQL
//! database (and, for the single-instance default, on one SQLite file).
//! Token refresh happens once per expiry for the whole cluster, and the
//! failed-login and daily-sending limits count across instances.

mod instances;
mod logins;
mod tokens;

use std::path::PathBuf;
use std::process::Command;

/// A throwaway PostgreSQL cluster on loopback (`tests/pg`), stopped when
/// dropped. Small on purpose: the shared PostgreSQL fixture replaces it.
pub struct Pg {
    dir: tempfile::TempDir,
    pub url: String,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/pg")
}

impl Pg {
    pub fn start() -> Pg {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(script())
            .arg("start")
            .arg(dir.path())
            .output()
            .expect("tests/pg runs");
        assert!(
            out.status.success(),
            "tests/pg start failed (is PostgreSQL installed? tests/setup installs it): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            url.starts_with("postgres://127.0.0.1:")
                || url.starts_with("postgres://postgres@127.0.0.1:"),
            "{url}"
        );
        Pg { dir, url }
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = Command::new(script())
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}
