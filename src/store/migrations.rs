//! The store's schema, as numbered steps applied in order and recorded in
//! `schema_version`. Each step is written once for both backends, with
//! `{BIGINT}` and `{BYTES}` standing for the column types that differ.

use sqlx::Executor;

use sqlx::AnyPool;

use super::backend::Backend;
use super::error::Error;

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
        20,
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
];

fn render(sql: &str, backend: Backend) -> String {
    let (bigint, bytes) = match backend {
        Backend::Sqlite => ("INTEGER", "BLOB"),
        Backend::Postgres => ("BIGINT", "BYTEA"),
    };
    sql.replace("{BIGINT}", bigint).replace("{BYTES}", bytes)
}

pub(super) async fn run(pool: &AnyPool, backend: Backend) -> Result<(), Error> {
    pool.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
        .await
        .map_err(|source| Error::Migrate { version: 0, source })?;
    let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_version")
        .fetch_one(pool)
        .await
        .map_err(|source| Error::Migrate { version: 0, source })?;
    let current = current.unwrap_or(0);
    let known = STEPS.last().map(|(v, _)| *v).unwrap_or(0);
    if current > known {
        return Err(Error::TooNew {
            found: current,
            known,
        });
    }
    for (version, sql) in STEPS.iter().filter(|(v, _)| *v > current) {
        let rendered = render(sql, backend);
        let mut tx = pool.begin().await.map_err(|source| Error::Migrate {
            version: *version,
            source,
        })?;
        for statement in rendered.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            // Our own constant schema text, with column types filled in.
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_string()))
                .execute(&mut *tx)
                .await
                .map_err(|source| Error::Migrate {
                    version: *version,
                    source,
                })?;
        }
        sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
            .bind(*version)
            .execute(&mut *tx)
            .await
            .map_err(|source| Error::Migrate {
                version: *version,
                source,
            })?;
        tx.commit().await.map_err(|source| Error::Migrate {
            version: *version,
            source,
        })?;
    }
    Ok(())
}
