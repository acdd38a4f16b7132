//! The store's schema, as numbered steps applied in order and recorded in
//! `schema_version`. Each step is written once for both backends, with
//! `{BIGINT}` and `{BYTES}` standing for the column types that differ.
//!
//! Several gateway instances may start at once against one PostgreSQL, so
//! the steps run on one connection that holds a session-level advisory lock
//! (`MIGRATION_LOCK`) from before `schema_version` is created until the
//! last step is recorded: the first instance applies each step, the others
//! wait and then find nothing left to do. SQLite has one writer at a time;
//! there each step re-reads the version inside an immediate (write-locked)
//! transaction, so two processes cannot apply the same step either.

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Connection};

use super::backend::Backend;
use super::error::Error;

/// The PostgreSQL advisory lock key held while the schema is brought up to
/// date: the ASCII bytes of "graphgat" as a big-endian 64-bit integer, a
/// constant no other part of graphgate uses.
pub const MIGRATION_LOCK: i64 = 0x6772_6170_6867_6174;

/// (version, SQL statements separated by `;`).
const STEPS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE accounts (
        login TEXT PRIMARY KEY,
        microsoft_user TEXT NOT NULL,
        mode TEXT NOT NULL,
        created_at {BIGINT} NOT NULL
    );
    CREATE TABLE passwords (
        id TEXT PRIMARY KEY,
        login TEXT NOT NULL,
        label TEXT NOT NULL,
        hash TEXT NOT NULL,
        created_at {BIGINT} NOT NULL,
        last_used_at {BIGINT},
        revoked_at {BIGINT}
    );
    CREATE INDEX passwords_by_login ON passwords (login);
    CREATE TABLE secrets (
        name TEXT PRIMARY KEY,
        sealed {BYTES} NOT NULL,
        updated_at {BIGINT} NOT NULL
    )",
    ),
    (
        2,
        "CREATE TABLE mail_folders (
        mailbox TEXT NOT NULL,
        folder_id TEXT NOT NULL,
        uidvalidity {BIGINT} NOT NULL,
        uidnext {BIGINT} NOT NULL,
        delta_link TEXT,
        PRIMARY KEY (mailbox, folder_id)
    );
    CREATE TABLE mail_messages (
        mailbox TEXT NOT NULL,
        folder_id TEXT NOT NULL,
        uid {BIGINT} NOT NULL,
        message_id TEXT NOT NULL,
        internal_date {BIGINT} NOT NULL,
        store_size {BIGINT} NOT NULL,
        reported_size {BIGINT},
        is_read {BIGINT} NOT NULL,
        is_draft {BIGINT} NOT NULL,
        flag_status TEXT NOT NULL,
        categories TEXT NOT NULL,
        last_verb {BIGINT},
        icon {BIGINT},
        deleted {BIGINT} NOT NULL,
        internet_message_id TEXT,
        headers {BYTES},
        PRIMARY KEY (mailbox, folder_id, uid)
    );
    CREATE INDEX mail_messages_by_id ON mail_messages (mailbox, message_id)",
    ),
    (
        3,
        "CREATE TABLE mail_subscriptions (
        login TEXT NOT NULL,
        name TEXT NOT NULL,
        subscribed {BIGINT} NOT NULL,
        PRIMARY KEY (login, name)
    )",
    ),
    (
        4,
        "CREATE TABLE audit (
        at {BIGINT} NOT NULL,
        login TEXT NOT NULL,
        action TEXT NOT NULL,
        mailbox TEXT NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX audit_by_time ON audit (at)",
    ),
    (
        5,
        // A few bits of a keyed hash of each password, so that a login
        // runs one argon2 verification whatever the number of passwords
        // (accounts/login.rs); NULL until known.
        "ALTER TABLE passwords ADD COLUMN tag {BIGINT}",
    ),
    (
        6,
        // The largest UIDVALIDITY handed out per mailbox, so a folder
        // deleted and created again (or any new folder) gets a larger one
        // than every folder before it, also across restarts (store/mail.rs).
        "CREATE TABLE mail_uidvalidity (
        mailbox TEXT PRIMARY KEY,
        highest {BIGINT} NOT NULL
    );
    INSERT INTO mail_uidvalidity (mailbox, highest)
        SELECT mailbox, MAX(uidvalidity) FROM mail_folders GROUP BY mailbox",
    ),
    (
        7,
        // graphgate's IMAP `\Draft` mark of a message (1 or 0), read from
        // its named property; NULL when the message has none, and then
        // Graph's isDraft decides.
        "ALTER TABLE mail_messages ADD COLUMN draft_mark {BIGINT}",
    ),
    (
        8,
        // Several instances on one database (store/mail.rs, "Writing a
        // folder"): every write of a folder takes the next value of its
        // counter (locking the folder's row), stamps the rows it writes
        // with it, and leaves a tombstone for each UID it removes, so an
        // instance catches up with what others wrote by reading what is
        // above the value it last saw.
        "ALTER TABLE mail_folders ADD COLUMN highestmodseq {BIGINT} NOT NULL DEFAULT 0;
    ALTER TABLE mail_messages ADD COLUMN modseq {BIGINT} NOT NULL DEFAULT 0;
    CREATE INDEX mail_messages_by_modseq ON mail_messages (mailbox, folder_id, modseq);
    CREATE TABLE mail_expunged (
        mailbox TEXT NOT NULL,
        folder_id TEXT NOT NULL,
        uid {BIGINT} NOT NULL,
        modseq {BIGINT} NOT NULL,
        PRIMARY KEY (mailbox, folder_id, uid)
    );
    CREATE INDEX mail_expunged_by_modseq ON mail_expunged (mailbox, folder_id, modseq);
    CREATE TABLE mail_pollers (
        mailbox TEXT NOT NULL,
        folder_id TEXT NOT NULL,
        holder TEXT NOT NULL,
        expires_at {BIGINT} NOT NULL,
        fast_until {BIGINT} NOT NULL,
        PRIMARY KEY (mailbox, folder_id)
    )",
    ),
    (
        9,
        // Events counted per key within a window, shared by every gateway
        // instance on the store (store/counters.rs): failed logins per
        // login, address and pair, messages sent per account and day, and
        // when a login last succeeded from an address (count 0). Times in
        // milliseconds; `cap` and `refused` are the last take's limit and
        // whether it was refused.
        "CREATE TABLE counters (
        key TEXT PRIMARY KEY,
        window_start {BIGINT} NOT NULL,
        count {BIGINT} NOT NULL,
        cap {BIGINT} NOT NULL,
        refused {BIGINT} NOT NULL
    )",
    ),
    (
        10,
        // Which instances sent Graph requests for a mailbox lately
        // (store/graph_users.rs): each takes an equal share of Graph's
        // per-mailbox limits. `seen_at` in milliseconds.
        "CREATE TABLE graph_users (
        mailbox TEXT NOT NULL,
        instance TEXT NOT NULL,
        seen_at {BIGINT} NOT NULL,
        PRIMARY KEY (mailbox, instance)
    )",
    ),
    (
        11,
        // When an instance last started a delta round of the folder for
        // its sessions (store/lease.rs, `mail_round_claim`): the others
        // wait for its result instead of starting their own. Milliseconds.
        "ALTER TABLE mail_folders ADD COLUMN round_at {BIGINT} NOT NULL DEFAULT 0",
    ),
    (
        12,
        // Graph's conversationId of each message (IMAP's THREADID, RFC
        // 8474); NULL for rows written before, until Graph reports the
        // message again.
        "ALTER TABLE mail_messages ADD COLUMN conversation_id TEXT",
    ),
    (
        13,
        // The admin console's administrators (argon2id PHC strings) and
        // their sign-ins: a SHA-256 of the cookie's token (the token
        // itself is never stored), the form token of that sign-in, and
        // when it began and was last used (Unix seconds).
        "CREATE TABLE admins (
        name TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        created_at {BIGINT} NOT NULL
    );
    CREATE TABLE admin_sessions (
        token_hash TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        csrf TEXT NOT NULL,
        created_at {BIGINT} NOT NULL,
        used_at {BIGINT} NOT NULL
    )",
    ),
    (
        14,
        // CalDAV and CardDAV (store/dav.rs): per collection (a calendar,
        // To Do list or contact folder of a mailbox) its delta link and
        // revision; per resource its name, Graph id, UID, ETag, rendered
        // body, kept extras and the revision that last wrote it (a row
        // whose graph_id is NULL is a tombstone); and which resource each
        // Graph id a delta round reports belongs to (an occurrence of a
        // series, say). Milliseconds and Unix seconds as in store/dav.rs.
        "CREATE TABLE dav_collections (
        mailbox TEXT NOT NULL,
        kind TEXT NOT NULL,
        collection TEXT NOT NULL,
        sync_id TEXT NOT NULL,
        revision {BIGINT} NOT NULL,
        oldest {BIGINT} NOT NULL,
        delta_link TEXT,
        window_start {BIGINT},
        window_end {BIGINT},
        refreshed_at {BIGINT} NOT NULL,
        PRIMARY KEY (mailbox, kind, collection)
    );
    CREATE TABLE dav_items (
        mailbox TEXT NOT NULL,
        kind TEXT NOT NULL,
        collection TEXT NOT NULL,
        name TEXT NOT NULL,
        graph_id TEXT,
        uid TEXT,
        etag TEXT,
        body TEXT,
        extras TEXT,
        revision {BIGINT} NOT NULL,
        PRIMARY KEY (mailbox, kind, collection, name)
    );
    CREATE INDEX dav_items_by_revision ON dav_items (mailbox, kind, collection, revision);
    CREATE INDEX dav_items_by_graph_id ON dav_items (mailbox, kind, collection, graph_id);
    CREATE TABLE dav_members (
        mailbox TEXT NOT NULL,
        kind TEXT NOT NULL,
        collection TEXT NOT NULL,
        member_id TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (mailbox, kind, collection, member_id)
    )",
    ),
    (
        15,
        // The URL segments clients chose for the collections they made
        // (MKCALENDAR, extended MKCOL; store/dav_names.rs): per mailbox and
        // home (`calendars`, `addressbooks`) one segment names one
        // calendar, To Do list or contact folder.
        "CREATE TABLE dav_names (
        mailbox TEXT NOT NULL,
        home TEXT NOT NULL,
        segment TEXT NOT NULL,
        kind TEXT NOT NULL,
        collection TEXT NOT NULL,
        PRIMARY KEY (mailbox, home, segment)
    )",
    ),
];

fn render(sql: &str, backend: Backend) -> String {
    let (bigint, bytes) = match backend {
        Backend::Sqlite => ("INTEGER", "BLOB"),
        Backend::Postgres => ("BIGINT", "BYTEA"),
    };
    sql.replace("{BIGINT}", bigint).replace("{BYTES}", bytes)
}

/// The newest schema version this graphgate knows.
pub fn known_schema_version() -> i64 {
    STEPS.last().map(|(v, _)| *v).unwrap_or(0)
}

/// Bring the schema of the store behind `pool` up to date, or refuse a
/// schema newer than this graphgate knows.
pub(super) async fn run(pool: &AnyPool, backend: Backend) -> Result<(), Error> {
    let at = |version: i64| move |source| Error::Migrate { version, source };
    let mut conn = pool.acquire().await.map_err(at(0))?;
    if backend == Backend::Postgres {
        // A session lock lives as long as the connection: never hand this
        // connection back to the pool, so however this function ends (an
        // error, or the caller dropping it), closing it releases the lock.
        conn.close_on_drop();
        lock(&mut conn).await.map_err(at(0))?;
        // Without "relation schema_version already exists, skipping" at
        // every start (this session ends with the migration).
        sqlx::raw_sql("SET client_min_messages = warning")
            .execute(&mut *conn)
            .await
            .map_err(at(0))?;
    }
    let outcome = migrate(&mut conn, backend).await;
    if backend == Backend::Postgres {
        // Closing releases the lock as well; unlocking first just makes it
        // visible in the order of events.
        let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await;
        if let Err(e) = unlocked {
            tracing::warn!(error = %e, "cannot release the migration lock (closing the connection releases it)");
        }
    }
    outcome
}

/// Take `MIGRATION_LOCK`, saying so when another instance holds it.
async fn lock(conn: &mut PoolConnection<Any>) -> Result<(), sqlx::Error> {
    let free: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .fetch_one(&mut **conn)
        .await?;
    if !free {
        tracing::info!("another graphgate instance is updating the store's schema; waiting for it");
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut **conn)
            .await?;
    }
    Ok(())
}

/// The highest version recorded in `schema_version` (0 for none).
async fn current_version(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
        .fetch_one(conn)
        .await?;
    Ok(current.unwrap_or(0))
}

/// Apply every step above the recorded version, each in its own
/// transaction on `conn`.
async fn migrate(conn: &mut AnyConnection, backend: Backend) -> Result<(), Error> {
    let at = |version: i64| move |source| Error::Migrate { version, source };
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        .execute(&mut *conn)
        .await
        .map_err(at(0))?;
    let known = known_schema_version();
    let current = current_version(conn).await.map_err(at(0))?;
    if current > known {
        return Err(Error::TooNew {
            found: current,
            known,
        });
    }
    for (version, sql) in STEPS.iter().filter(|(v, _)| *v > current) {
        let version = *version;
        let mut tx = match backend {
            // Take the write lock at BEGIN, so that the version read below
            // cannot change before this step is recorded.
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => conn.begin().await,
        }
        .map_err(at(version))?;
        if current_version(&mut tx).await.map_err(at(version))? >= version {
            // Another process applied it since (SQLite only: on
            // PostgreSQL the lock keeps everyone else out).
            tx.rollback().await.map_err(at(version))?;
            continue;
        }
        let rendered = render(sql, backend);
        for statement in rendered.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            // Our own constant schema text, with column types filled in.
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()))
                .execute(&mut *tx)
                .await
                .map_err(at(version))?;
        }
        sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(at(version))?;
        tx.commit().await.map_err(at(version))?;
        tracing::debug!(version, "store schema step applied");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sqlx::Row;

    use super::known_schema_version;
    use crate::store::Store;

    #[test]
    fn every_step_renders_for_both_backends() {
        use super::{Backend, STEPS, render};
        for (version, sql) in STEPS {
            for backend in [Backend::Sqlite, Backend::Postgres] {
                let text = render(sql, backend);
                assert!(
                    !text.contains('{'),
                    "step {version} for {backend:?}: {text}"
                );
            }
        }
        let versions: Vec<i64> = STEPS.iter().map(|(v, _)| *v).collect();
        let ascending: Vec<i64> = (1..=known_schema_version()).collect();
        assert_eq!(versions, ascending, "steps are numbered 1, 2, 3, ...");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn eight_stores_opening_one_new_sqlite_file_at_once_apply_each_step_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let opens: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                tokio::spawn(async move { Store::open_in(&path).await })
            })
            .collect();
        let mut stores = Vec::new();
        for open in opens {
            stores.push(open.await.unwrap().expect("every store opens"));
        }
        let rows = sqlx::query(
            "SELECT version, COUNT(*) FROM schema_version GROUP BY version ORDER BY version",
        )
        .fetch_all(stores[0].pool())
        .await
        .unwrap();
        let recorded: Vec<(i64, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        let expected: Vec<(i64, i64)> = (1..=known_schema_version()).map(|v| (v, 1)).collect();
        assert_eq!(recorded, expected);
    }

    #[tokio::test]
    async fn a_newer_sqlite_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let newer = known_schema_version() + 5;
        sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
            .bind(newer)
            .execute(store.pool())
            .await
            .unwrap();
        drop(store);
        let refused = Store::open_in(dir.path()).await.unwrap_err();
        let text = refused.to_string();
        assert!(
            matches!(refused, crate::store::Error::TooNew { found, known }
                if found == newer && known == known_schema_version()),
            "{text}"
        );
        assert!(
            text.contains("a newer graphgate has upgraded this database"),
            "{text}"
        );
    }
}
