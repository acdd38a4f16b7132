//! PostgreSQL for the tests: `database()` gives each test a fresh, empty
//! database of its own on one cluster shared by the whole test process.
//! The cluster is the server `GRAPHGATE_TEST_POSTGRES` names (CI starts one
//! for every test binary), or else one this process starts with `tests/pg`
//! in a temp directory on first use and stops when it exits.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

/// The variable that names a running server (any database on it).
pub const SERVER_ENV: &str = "GRAPHGATE_TEST_POSTGRES";

/// The server's URL, or why there is none (the same answer for every test).
static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
/// The directory of the cluster this process started, to stop at exit.
static STARTED: OnceLock<PathBuf> = OnceLock::new();
static NEXT: AtomicU32 = AtomicU32::new(0);

/// The URL of a new, empty database for one test.
pub async fn database() -> String {
    let server = tokio::task::spawn_blocking(server)
        .await
        .expect("the PostgreSQL start-up does not panic");
    let server = match server {
        Ok(url) => url,
        Err(why) => panic!("no PostgreSQL for the tests: {why}"),
    };
    let name = format!(
        "gg_{}_{}_{:08x}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    );
    let mut admin = connect(&server).await;
    // The name is ours: letters, digits and underscores.
    let create = format!("CREATE DATABASE {name}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    admin.close().await.ok();
    with_database(&server, &name)
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let mut url = url::Url::parse(url).expect("a PostgreSQL URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// A connection to `url`, retried for a few seconds (a cluster that has
/// just started may still refuse the first ones).
pub async fn connect(url: &str) -> PgConnection {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match PgConnection::connect(url).await {
            Ok(conn) => return conn,
            Err(e) if Instant::now() > deadline => panic!("cannot connect to {url}: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// The server's URL: from the environment, or a cluster started once.
fn server() -> Result<String, String> {
    SERVER
        .get_or_init(|| match std::env::var(SERVER_ENV) {
            Ok(url) if !url.trim().is_empty() => Ok(url.trim().to_string()),
            _ => start_cluster(),
        })
        .clone()
}

/// `tests/pg start` in a new temp directory; its URL.
fn start_cluster() -> Result<String, String> {
    let dir = tempfile::Builder::new()
        .prefix("graphgate-test-pg-")
        .tempdir()
        .map_err(|e| format!("cannot make a temp directory: {e}"))?
        .keep();
    let started = Instant::now();
    let out = Command::new(pg_script())
        .arg("start")
        .arg(&dir)
        .output()
        .map_err(|e| format!("cannot run tests/pg: {e}"))?;
    let _ = STARTED.set(dir.clone());
    // Stopped however the test process ends normally, failed tests too.
    // SAFETY: registers a plain function with no arguments, once.
    unsafe {
        libc::atexit(stop_cluster);
    }
    if !out.status.success() {
        return Err(format!(
            "`tests/pg start {}` failed: {}{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    eprintln!(
        "tests: started PostgreSQL for this test process in {:.2} s at {url}",
        started.elapsed().as_secs_f64()
    );
    Ok(url)
}

fn pg_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/pg")
}

/// Stop the cluster this process started and remove its directory.
extern "C" fn stop_cluster() {
    if let Some(dir) = STARTED.get() {
        let _ = Command::new(pg_script()).arg("stop").arg(dir).status();
        let _ = std::fs::remove_dir_all(dir);
    }
}
