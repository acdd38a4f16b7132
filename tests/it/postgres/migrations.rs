//! The schema steps on PostgreSQL: applied exactly once when eight
//! instances open one fresh database at the same moment, held back while
//! another instance holds the migration lock, and a schema newer than this
//! graphgate refused, by `Store::open` and at `graphgate serve`'s start.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use graphgate::store::{Error, MIGRATION_LOCK, Store, known_schema_version};
use sqlx::{Connection, PgConnection, Row};
use tokio::sync::Barrier;

use crate::common::pg;

/// (version, how many times it is recorded), by version.
async fn recorded_versions(conn: &mut PgConnection) -> Vec<(i64, i64)> {
    sqlx::query("SELECT version, COUNT(*) FROM schema_version GROUP BY version ORDER BY version")
        .fetch_all(conn)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// Whether the migration lock is free now (taken and given back at once).
async fn lock_is_free(conn: &mut PgConnection) -> bool {
    let free: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    if free {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(conn)
            .await
            .unwrap();
    }
    free
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_instances_opening_a_fresh_database_at_once_apply_each_step_once() {
    let url = pg::database().await;
    let start = Arc::new(Barrier::new(8));
    let opens: Vec<_> = (0..8)
        .map(|_| {
            let (url, start) = (url.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                Store::open(&url).await
            })
        })
        .collect();
    let mut stores = Vec::new();
    for open in opens {
        match open.await.unwrap() {
            Ok(store) => stores.push(store),
            Err(e) => panic!("an instance failed to open the store: {e}"),
        }
    }
    // Every instance can use the store.
    for (i, store) in stores.iter().enumerate() {
        store
            .secret_put(&format!("instance-{i}"), b"x")
            .await
            .unwrap();
    }
    assert_eq!(stores[0].secret_names("instance-").await.unwrap().len(), 8);
    let mut conn = pg::connect(&url).await;
    let expected: Vec<(i64, i64)> = (1..=known_schema_version()).map(|v| (v, 1)).collect();
    assert_eq!(recorded_versions(&mut conn).await, expected);
    assert!(lock_is_free(&mut conn).await, "the lock is given back");
    // Opening again later applies nothing.
    Store::open(&url).await.unwrap();
    assert_eq!(recorded_versions(&mut conn).await, expected);
    conn.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_waits_while_another_holds_the_migration_lock() {
    let url = pg::database().await;
    // Another instance, in the middle of migrating.
    let mut other = pg::connect(&url).await;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut other)
        .await
        .unwrap();
    let open = tokio::spawn({
        let url = url.clone();
        async move { Store::open(&url).await }
    });
    // It cannot finish while the lock is held; it has not touched the
    // schema either.
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!open.is_finished(), "Store::open went past the lock");
    let mut look = pg::connect(&url).await;
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&mut look)
    .await
    .unwrap();
    assert_eq!(tables, 0, "nothing is created before the lock is had");
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut other)
        .await
        .unwrap();
    let store = tokio::time::timeout(Duration::from_secs(30), open)
        .await
        .expect("Store::open finishes once the lock is free")
        .unwrap()
        .unwrap();
    assert_eq!(store.secret_get("none").await.unwrap(), None);
    let last: i64 = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
        .fetch_one(&mut look)
        .await
        .unwrap();
    assert_eq!(last, known_schema_version());
    other.close().await.ok();
    look.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_newer_than_this_graphgate_is_refused_with_a_clear_message() {
    let url = pg::database().await;
    drop(Store::open(&url).await.unwrap());
    let newer = known_schema_version() + 1;
    let mut conn = pg::connect(&url).await;
    sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
        .bind(newer)
        .execute(&mut conn)
        .await
        .unwrap();

    match Store::open(&url).await {
        Err(Error::TooNew { found, known }) => {
            assert_eq!((found, known), (newer, known_schema_version()))
        }
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
    assert!(
        lock_is_free(&mut conn).await,
        "a refusal gives the lock back"
    );

    // `graphgate serve` does not start, and says why and what to do.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("graphgate.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\ndata_dir = {:?}\n\n[store]\nurl = {url:?}\n\n[imap]\nlisten = \"127.0.0.1:0\"\n\
             listen_tls = \"\"\n\n[smtp]\nlisten = \"\"\nlisten_tls = \"\"\n",
            dir.path().join("data").display().to_string()
        ),
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_graphgate"))
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .env_remove("RUST_LOG")
            .env_remove("GRAPHGATE_CONFIG")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "serve started: {stderr}");
    for needed in [
        "cannot open graphgate's store".to_string(),
        format!("schema is version {newer}"),
        format!("(version {})", known_schema_version()),
        "newer graphgate has upgraded this database".to_string(),
    ] {
        assert!(stderr.contains(&needed), "{needed:?} not in {stderr}");
    }
    // Nothing was written on the way.
    let expected: Vec<(i64, i64)> = (1..=newer).map(|v| (v, 1)).collect();
    assert_eq!(recorded_versions(&mut conn).await, expected);
    conn.close().await.ok();
}
