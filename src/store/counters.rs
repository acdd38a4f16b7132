//! Counters of events per key within a window, kept in the store so that
//! every gateway instance on it counts together: failed logins
//! (`accounts::limits`), messages sent per account and day
//! (`accounts::daily`), and marks of when something last happened (a row
//! with count 0). Each take is one atomic upsert whatever the backend: on
//! PostgreSQL the row lock of `INSERT ... ON CONFLICT DO UPDATE` orders
//! concurrent takes of one key, on SQLite the write lock does.
//!
//! A window starts with the first event counted after the previous window
//! expired; the caller says where a new window starts and which windows
//! have expired, so the same table serves windows that follow the first
//! event (logins) and calendar days (sending). Times are in milliseconds.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Error, Store};

/// Keys one statement takes, reads or gives back (the SQL below has that
/// many slots; longer lists go in several statements).
const SLOTS: usize = 3;

/// The take of `n` keys: `$1` the start of a new window, `$2` the newest
/// window start that counts as expired, then (key, cap) pairs. A key whose
/// window has expired starts a new one with count 1; a key with `cap`
/// events in its window is not counted and comes back with `refused = 1`.
/// Every right-hand side reads the row as it was before this statement.
macro_rules! take_sql {
    ($values:literal) => {
        concat!(
            "INSERT INTO counters (key, window_start, count, cap, refused) VALUES ",
            $values,
            " ON CONFLICT (key) DO UPDATE SET
               window_start = CASE WHEN counters.window_start <= $2
                                   THEN excluded.window_start ELSE counters.window_start END,
               count = CASE WHEN counters.window_start <= $2 THEN 1
                            WHEN counters.count >= excluded.cap THEN counters.count
                            ELSE counters.count + 1 END,
               refused = CASE WHEN counters.window_start > $2 AND counters.count >= excluded.cap
                              THEN 1 ELSE 0 END,
               cap = excluded.cap
             RETURNING key, window_start, count, refused"
        )
    };
}

const TAKE: [&str; SLOTS] = [
    take_sql!("($3, $1, 1, $4, 0)"),
    take_sql!("($3, $1, 1, $4, 0), ($5, $1, 1, $6, 0)"),
    take_sql!("($3, $1, 1, $4, 0), ($5, $1, 1, $6, 0), ($7, $1, 1, $8, 0)"),
];

/// One key's window: when it started and how many events it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counted {
    pub key: String,
    pub start: i64,
    pub count: i64,
}

/// What a take did to one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Taken {
    pub window: Counted,
    /// The key was at its cap: nothing was counted.
    pub refused: bool,
}

fn counted(r: &AnyRow) -> Result<Counted, Error> {
    Ok(Counted {
        key: r.try_get(0)?,
        start: r.try_get(1)?,
        count: r.try_get(2)?,
    })
}

impl Store {
    /// Count one event now under each (key, cap) of `takes` (distinct
    /// keys), in one statement for up to three keys. `start` is where a
    /// new window begins; a window that began at or before `expired` is
    /// over. A key already at its cap is left as it is and comes back
    /// refused; the caller gives back the others if it wants all or none.
    pub(crate) async fn counter_take(
        &self,
        takes: &[(&str, i64)],
        start: i64,
        expired: i64,
    ) -> Result<Vec<Taken>, Error> {
        let mut out = Vec::with_capacity(takes.len());
        for chunk in takes.chunks(SLOTS) {
            let mut q = sqlx::query(TAKE[chunk.len() - 1]).bind(start).bind(expired);
            for (key, cap) in chunk {
                q = q.bind(*key).bind(*cap);
            }
            for r in q.fetch_all(self.pool()).await? {
                out.push(Taken {
                    window: counted(&r)?,
                    refused: r.try_get::<i64, _>(3)? != 0,
                });
            }
        }
        Ok(out)
    }

    /// Give back one event of each (key, window start) taken earlier, if
    /// that window is still the key's current one (a window that has
    /// since expired and begun anew does not hold it).
    pub(crate) async fn counter_give_back(&self, taken: &[(&str, i64)]) -> Result<(), Error> {
        for chunk in taken.chunks(SLOTS) {
            let mut q = sqlx::query(
                "UPDATE counters SET count = count - 1
                 WHERE count > 0 AND ((key = $1 AND window_start = $2)
                    OR (key = $3 AND window_start = $4) OR (key = $5 AND window_start = $6))",
            );
            for i in 0..SLOTS {
                // Unused slots name no key ("" is never one).
                let (key, start) = chunk.get(i).copied().unwrap_or(("", 0));
                q = q.bind(key).bind(start);
            }
            q.execute(self.pool()).await?;
        }
        Ok(())
    }

    /// The windows of `keys` that exist (expired ones too: the caller
    /// knows its windows), in one indexed read for up to four keys.
    pub(crate) async fn counter_read(&self, keys: &[&str]) -> Result<Vec<Counted>, Error> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(SLOTS + 1) {
            let mut q = sqlx::query(
                "SELECT key, window_start, count FROM counters WHERE key IN ($1, $2, $3, $4)",
            );
            for i in 0..=SLOTS {
                q = q.bind(chunk.get(i).copied().unwrap_or(""));
            }
            for r in q.fetch_all(self.pool()).await? {
                out.push(counted(&r)?);
            }
        }
        Ok(out)
    }

    /// Mark that `key` happened at `at` (a row with count 0, its window
    /// start the time).
    pub(crate) async fn counter_mark(&self, key: &str, at: i64) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO counters (key, window_start, count, cap, refused) VALUES ($1, $2, 0, 0, 0)
             ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start",
        )
        .bind(key)
        .bind(at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Delete the rows of keys starting with `prefix` whose window began
    /// at or before `expired`; how many went.
    pub(crate) async fn counter_sweep(&self, prefix: &str, expired: i64) -> Result<u64, Error> {
        let r = sqlx::query("DELETE FROM counters WHERE key LIKE $1 AND window_start <= $2")
            .bind(format!("{prefix}%"))
            .bind(expired)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        (dir, store)
    }

    /// (count, refused) of `key` after one take at `now` with a window of
    /// 100 that follows the first event.
    async fn take(store: &Store, key: &str, cap: i64, now: i64) -> (i64, bool) {
        let t = store
            .counter_take(&[(key, cap)], now, now - 100)
            .await
            .unwrap();
        assert_eq!(t.len(), 1);
        (t[0].window.count, t[0].refused)
    }

    #[tokio::test]
    async fn takes_count_up_to_the_cap_and_windows_start_anew() {
        let (_dir, store) = store().await;
        // (at, expected count, refused)
        let cases = [
            (0, 1, false),
            (10, 2, false),
            (20, 3, false),
            (30, 3, true),
            (99, 3, true),
            // The window began at 0: at 100 it is over.
            (100, 1, false),
            (150, 2, false),
        ];
        for (at, count, refused) in cases {
            assert_eq!(take(&store, "k", 3, at).await, (count, refused), "at {at}");
        }
        let read = store.counter_read(&["k", "other"]).await.unwrap();
        assert_eq!(
            read,
            vec![Counted {
                key: "k".into(),
                start: 100,
                count: 2
            }]
        );
    }

    #[tokio::test]
    async fn several_keys_in_one_take_are_counted_apart() {
        let (_dir, store) = store().await;
        for _ in 0..2 {
            store
                .counter_take(&[("a", 2), ("b", 5), ("c", 1), ("d", 9)], 0, -100)
                .await
                .unwrap();
        }
        let mut got = store
            .counter_take(&[("a", 2), ("b", 5), ("c", 1), ("d", 9)], 0, -100)
            .await
            .unwrap();
        got.sort_by(|x, y| x.window.key.cmp(&y.window.key));
        let seen: Vec<(&str, i64, bool)> = got
            .iter()
            .map(|t| (t.window.key.as_str(), t.window.count, t.refused))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("a", 2, true),
                ("b", 3, false),
                ("c", 1, true),
                ("d", 3, false)
            ]
        );
    }

    #[tokio::test]
    async fn give_back_only_returns_to_the_same_window() {
        let (_dir, store) = store().await;
        take(&store, "k", 3, 0).await;
        take(&store, "k", 3, 1).await;
        store.counter_give_back(&[("k", 0)]).await.unwrap();
        assert_eq!(take(&store, "k", 3, 2).await, (2, false));
        // A give-back meant for an earlier window does nothing.
        store.counter_give_back(&[("k", -50)]).await.unwrap();
        assert_eq!(take(&store, "k", 3, 3).await, (3, false));
        // Never below zero.
        for _ in 0..5 {
            store.counter_give_back(&[("k", 0)]).await.unwrap();
        }
        assert_eq!(store.counter_read(&["k"]).await.unwrap()[0].count, 0);
    }

    #[tokio::test]
    async fn concurrent_takes_never_pass_the_cap() {
        let (_dir, store) = store().await;
        let all =
            futures::future::join_all((0..40).map(|_| store.counter_take(&[("k", 7)], 0, -100)))
                .await;
        let counted = all
            .into_iter()
            .filter(|t| !t.as_ref().unwrap()[0].refused)
            .count();
        assert_eq!(counted, 7);
    }

    #[tokio::test]
    async fn marks_and_sweeps() {
        let (_dir, store) = store().await;
        store.counter_mark("mark/a", 10).await.unwrap();
        store.counter_mark("mark/a", 20).await.unwrap();
        store.counter_mark("mark/b", 5).await.unwrap();
        take(&store, "other", 3, 0).await;
        assert_eq!(store.counter_sweep("mark/", 10).await.unwrap(), 1);
        let left = store
            .counter_read(&["mark/a", "mark/b", "other"])
            .await
            .unwrap();
        let keys: Vec<(&str, i64)> = left.iter().map(|c| (c.key.as_str(), c.start)).collect();
        assert!(
            keys.contains(&("mark/a", 20)) && keys.contains(&("other", 0)),
            "{keys:?}"
        );
        assert_eq!(keys.len(), 2);
    }
}
