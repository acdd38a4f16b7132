//! The fixture itself: each call gives a database of its own, empty, on
//! the one cluster of the test process.

use std::time::Instant;

use sqlx::{Connection, Row};

use crate::common::pg;

/// The names of the tables of the public schema at `url`.
async fn tables(url: &str) -> Vec<String> {
    let mut conn = pg::connect(url).await;
    let rows = sqlx::query(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = 'public' ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.ok();
    rows.iter().map(|r| r.get::<String, _>(0)).collect()
}

#[tokio::test]
async fn each_test_database_is_new_empty_and_its_own() {
    // The first call may start the cluster; time the second on its own.
    let first = pg::database().await;
    let started = Instant::now();
    let second = pg::database().await;
    let create = started.elapsed();
    eprintln!(
        "postgres fixture: a new database in {:.0} ms",
        create.as_secs_f64() * 1000.0
    );
    assert_ne!(first, second);
    assert!(tables(&first).await.is_empty(), "{first} is not empty");
    // What one test writes, another does not see.
    let mut conn = pg::connect(&first).await;
    sqlx::raw_sql("CREATE TABLE only_here (x BIGINT)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    assert_eq!(tables(&first).await, ["only_here"]);
    assert!(tables(&second).await.is_empty(), "{second} sees {first}");
}
