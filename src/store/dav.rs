//! What the CalDAV and CardDAV front remembers of each collection (a Graph
//! calendar, To Do list or contact folder of one mailbox): the delta link
//! that brings it up to date, a revision counter, and per resource its
//! name (the last segment of its URL), Graph id, UID, ETag, rendered body
//! and the properties Graph cannot hold. Removed resources stay as
//! tombstones so that a sync-collection report (RFC 6578) can name them.
//!
//! Every write of a collection takes the next revision with `UPDATE …
//! RETURNING` inside its transaction, which locks the collection's row
//! until the write ends: writers of one collection take turns across the
//! instances sharing a PostgreSQL store, and every row a write touches is
//! stamped with its revision. A sync token is (the collection's `sync_id`,
//! a revision); `sync_id` changes when the collection's state is rebuilt
//! from scratch, which makes every token handed out before it invalid.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Error, Store};

/// Which collection: a mailbox, a kind (`calendar`, `tasks`, `contacts`)
/// and the Graph id of the calendar, list or folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DavKey {
    pub mailbox: String,
    pub kind: &'static str,
    pub collection: String,
}

/// A collection's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavCollectionRow {
    /// Changes when the state is rebuilt; part of every sync token.
    pub sync_id: String,
    /// The revision of the latest write.
    pub revision: i64,
    /// Tokens of revisions below this one can no longer be answered.
    pub oldest: i64,
    pub delta_link: Option<String>,
    /// The window the delta link covers (calendars), Unix seconds.
    pub window: Option<(i64, i64)>,
    /// When Graph was last asked for changes (milliseconds).
    pub refreshed_at: i64,
}

/// One resource (or the tombstone of one: `graph_id` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DavItemRow {
    /// The last segment of its URL, e.g. `1234.ics`.
    pub name: String,
    pub graph_id: Option<String>,
    pub uid: Option<String>,
    pub etag: Option<String>,
    /// The rendered object; `None` when it must be rendered again.
    pub body: Option<String>,
    /// What the client sent that Graph cannot hold, re-emitted on render.
    pub extras: Option<String>,
    /// The revision of the write that last touched it.
    pub revision: i64,
}

/// Changes to one collection, written in one transaction.
#[derive(Debug, Clone, Default)]
pub struct DavChanges {
    /// Rows to write (their `revision` is ignored: the write's is used).
    pub upserts: Vec<DavItemRow>,
    /// Names of resources that are gone (they become tombstones).
    pub removed: Vec<String>,
    /// `Some(link)` replaces the delta link (`Some(None)` clears it).
    pub delta_link: Option<Option<String>>,
    pub window: Option<(i64, i64)>,
    /// Start over: a new `sync_id`, and every row not in `upserts` goes.
    pub reset: bool,
    /// Graph ids (occurrences of a series, say) and the resource name each
    /// belongs to.
    pub members: Vec<(String, String)>,
    /// Graph ids no longer reported.
    pub members_gone: Vec<String>,
}

/// The columns `item_row` reads, in its order.
macro_rules! item_columns {
    () => {
        "name, graph_id, uid, etag, body, extras, revision"
    };
}

/// The same columns without the body (a listing of ETags need not read
/// every rendered object).
macro_rules! item_columns_without_body {
    () => {
        "name, graph_id, uid, etag, CAST(NULL AS TEXT), extras, revision"
    };
}

/// Names one multiget query asks for at once (well under the bind
/// parameter limits of SQLite and PostgreSQL).
const NAMES_PER_QUERY: usize = 500;

fn item_row(r: &AnyRow) -> Result<DavItemRow, Error> {
    Ok(DavItemRow {
        name: r.try_get(0)?,
        graph_id: r.try_get(1)?,
        uid: r.try_get(2)?,
        etag: r.try_get(3)?,
        body: r.try_get(4)?,
        extras: r.try_get(5)?,
        revision: r.try_get(6)?,
    })
}

fn collection_row(r: &AnyRow) -> Result<DavCollectionRow, Error> {
    let start: Option<i64> = r.try_get(4)?;
    let end: Option<i64> = r.try_get(5)?;
    Ok(DavCollectionRow {
        sync_id: r.try_get(0)?,
        revision: r.try_get(1)?,
        oldest: r.try_get(2)?,
        delta_link: r.try_get(3)?,
        window: start.zip(end),
        refreshed_at: r.try_get(6)?,
    })
}

fn new_sync_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl Store {
    /// The collection's state, created empty the first time.
    pub async fn dav_collection(&self, key: &DavKey) -> Result<DavCollectionRow, Error> {
        sqlx::query(
            "INSERT INTO dav_collections (mailbox, kind, collection, sync_id, revision, oldest,
                 refreshed_at)
             VALUES ($1, $2, $3, $4, 0, 0, 0) ON CONFLICT DO NOTHING",
        )
        .bind(&key.mailbox)
        .bind(key.kind)
        .bind(&key.collection)
        .bind(new_sync_id())
        .execute(self.pool())
        .await?;
        let row = sqlx::query(
            "SELECT sync_id, revision, oldest, delta_link, window_start, window_end, refreshed_at
             FROM dav_collections WHERE mailbox = $1 AND kind = $2 AND collection = $3",
        )
        .bind(&key.mailbox)
        .bind(key.kind)
        .bind(&key.collection)
        .fetch_one(self.pool())
        .await?;
        collection_row(&row)
    }

    /// Say that Graph was asked for changes at `at_ms` (nothing changed).
    pub async fn dav_refreshed(&self, key: &DavKey, at_ms: i64) -> Result<(), Error> {
        sqlx::query(
            "UPDATE dav_collections SET refreshed_at = $4
             WHERE mailbox = $1 AND kind = $2 AND collection = $3",
        )
        .bind(&key.mailbox)
        .bind(key.kind)
        .bind(&key.collection)
        .bind(at_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Write `changes` in one transaction, stamped with the next revision,
    /// which is returned with the collection's state after the write.
    pub async fn dav_write(
        &self,
        key: &DavKey,
        changes: &DavChanges,
        at_ms: i64,
    ) -> Result<DavCollectionRow, Error> {
        self.dav_collection(key).await?;
        // Only a change to the resources is a new revision: a delta round
        // that brought nothing keeps the sync token (and ctag) clients hold.
        let bump =
            i64::from(changes.reset || !changes.upserts.is_empty() || !changes.removed.is_empty());
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(
            "UPDATE dav_collections SET revision = revision + $5, refreshed_at = $4
             WHERE mailbox = $1 AND kind = $2 AND collection = $3
             RETURNING sync_id, revision, oldest, delta_link, window_start, window_end,
                       refreshed_at",
        )
        .bind(&key.mailbox)
        .bind(key.kind)
        .bind(&key.collection)
        .bind(at_ms)
        .bind(bump)
        .fetch_one(&mut *tx)
        .await?;
        let mut state = collection_row(&row)?;
        let revision = state.revision;
        if changes.reset {
            state.sync_id = new_sync_id();
            state.oldest = revision;
            // A fresh start: no tombstone is needed, no old token is valid.
            sqlx::query(
                "DELETE FROM dav_items WHERE mailbox = $1 AND kind = $2 AND collection = $3",
            )
            .bind(&key.mailbox)
            .bind(key.kind)
            .bind(&key.collection)
            .execute(&mut *tx)
            .await?;
        }
        if changes.reset {
            sqlx::query(
                "DELETE FROM dav_members WHERE mailbox = $1 AND kind = $2 AND collection = $3",
            )
            .bind(&key.mailbox)
            .bind(key.kind)
            .bind(&key.collection)
            .execute(&mut *tx)
            .await?;
        }
        for member in &changes.members_gone {
            sqlx::query(
                "DELETE FROM dav_members
                 WHERE mailbox = $1 AND kind = $2 AND collection = $3 AND member_id = $4",
            )
            .bind(&key.mailbox)
            .bind(key.kind)
            .bind(&key.collection)
            .bind(member)
            .execute(&mut *tx)
            .await?;
        }
        for (member, name) in &changes.members {
            sqlx::query(
                "INSERT INTO dav_members (mailbox, kind, collection, member_id, name)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (mailbox, kind, collection, member_id) DO UPDATE SET
                     name = excluded.name",
            )
            .bind(&key.mailbox)
            .bind(key.kind)
            .bind(&key.collection)
            .bind(member)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        }
        for name in &changes.removed {
            sqlx::query(
                "UPDATE dav_items SET graph_id = NULL, uid = NULL, etag = NULL, body = NULL,
                     extras = NULL, revision = $5
                 WHERE mailbox = $1 AND kind = $2 AND collection = $3 AND name = $4
                   AND graph_id IS NOT NULL",
            )
            .bind(&key.mailbox)
            .bind(key.kind)
            .bind(&key.collection)
            .bind(name)
            .bind(revision)
            .execute(&mut *tx)
            .await?;
        }
        for item in &changes.upserts {
            sqlx::query(
                "INSERT INTO dav_items (mailbox, kind, collection, name, graph_id, uid, etag,
                     body, extras, revision)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (mailbox, kind, collection, name) DO UPDATE SET
                     graph_id = excluded.graph_id, uid = excluded.uid, etag = excluded.etag,
                     body = excluded.body, extras = excluded.extras,
                     revision = excluded.revision",
            )
            .bind(&key.mailbox)
            .bind(key.kind)
            .bind(&key.collection)
            .bind(&item.name)
            .bind(&item.graph_id)
            .bind(&item.uid)
            .bind(&item.etag)
            .bind(&item.body)
            .bind(&item.extras)
            .bind(revision)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(link) = &changes.delta_link {
            state.delta_link = link.clone();
        }
        if let Some(window) = changes.window {
            state.window = Some(window);
        }
        sqlx::query(
            "UPDATE dav_collections SET sync_id = $4, oldest = $5, delta_link = $6,
                 window_start = $7, window_end = $8
             WHERE mailbox = $1 AND kind = $2 AND collection = $3",
        )
        .bind(&key.mailbox)
        .bind(key.kind)
        .bind(&key.collection)
        .bind(&state.sync_id)
        .bind(state.oldest)
        .bind(&state.delta_link)
        .bind(state.window.map(|w| w.0))
        .bind(state.window.map(|w| w.1))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(state)
    }

    /// Every live resource of the collection, by name; without their
    /// bodies unless `bodies`.
    pub async fn dav_items(&self, key: &DavKey, bodies: bool) -> Result<Vec<DavItemRow>, Error> {
        const WITH: &str = concat!(
            "SELECT ",
            item_columns!(),
            " FROM dav_items
             WHERE mailbox = $1 AND kind = $2 AND collection = $3 AND graph_id IS NOT NULL
             ORDER BY name"
        );
        const WITHOUT: &str = concat!(
            "SELECT ",
            item_columns_without_body!(),
            " FROM dav_items
             WHERE mailbox = $1 AND kind = $2 AND collection = $3 AND graph_id IS NOT NULL
             ORDER BY name"
        );
        let rows = sqlx::query(if bodies { WITH } else { WITHOUT })
            .bind(&key.mailbox)
            .bind(key.kind)
            .bind(&key.collection)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(item_row).collect()
    }

    /// Resources and tombstones written after `revision`; without their
    /// bodies unless `bodies`.
    pub async fn dav_items_since(
        &self,
        key: &DavKey,
        revision: i64,
        bodies: bool,
    ) -> Result<Vec<DavItemRow>, Error> {
        const WITH: &str = concat!(
            "SELECT ",
            item_columns!(),
            " FROM dav_items
             WHERE mailbox = $1 AND kind = $2 AND collection = $3 AND revision > $4
             ORDER BY revision, name"
        );
        const WITHOUT: &str = concat!(
            "SELECT ",
            item_columns_without_body!(),
            " FROM dav_items
             WHERE mailbox = $1 AND kind = $2 AND collection = $3 AND revision > $4
             ORDER BY revision, name"
        );
        let rows = sqlx::query(if bodies { WITH } else { WITHOUT })
            .bind(&key.mailbox)
            .bind(key.kind)
            .bind(&key.collection)
            .bind(revision)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(item_row).collect()
    }

    /// The live resources named in `names` (those that exist), with their
    /// bodies: a multiget's reads, [`NAMES_PER_QUERY`] names a query.
    pub async fn dav_items_named(
        &self,
        key: &DavKey,
        names: &[String],
    ) -> Result<Vec<DavItemRow>, Error> {
        let mut out = Vec::with_capacity(names.len());
        for chunk in names.chunks(NAMES_PER_QUERY) {
            let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
            let sql = format!(
                "SELECT {} FROM dav_items
                 WHERE mailbox = $1 AND kind = $2 AND collection = $3 AND graph_id IS NOT NULL
                   AND name IN ({})",
                item_columns!(),
                marks.join(", ")
            );
            // Only placeholders are formatted in; the names are bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&key.mailbox)
                .bind(key.kind)
                .bind(&key.collection);
            for name in chunk {
                q = q.bind(name);
            }
            for r in q.fetch_all(self.pool()).await? {
                out.push(item_row(&r)?);
            }
        }
        Ok(out)
    }

    /// One resource (or tombstone) by name.
    pub async fn dav_item(&self, key: &DavKey, name: &str) -> Result<Option<DavItemRow>, Error> {
        let row = sqlx::query(concat!(
            "SELECT ",
            item_columns!(),
            " FROM dav_items
             WHERE mailbox = $1 AND kind = $2 AND collection = $3 AND name = $4"
        ))
        .bind(&key.mailbox)
        .bind(key.kind)
        .bind(&key.collection)
        .bind(name)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(item_row).transpose()
    }

    /// The live resource with Graph id `graph_id`, if any.
    pub async fn dav_item_by_graph_id(
        &self,
        key: &DavKey,
        graph_id: &str,
    ) -> Result<Option<DavItemRow>, Error> {
        let row = sqlx::query(concat!(
            "SELECT ",
            item_columns!(),
            " FROM dav_items
             WHERE mailbox = $1 AND kind = $2 AND collection = $3 AND graph_id = $4"
        ))
        .bind(&key.mailbox)
        .bind(key.kind)
        .bind(&key.collection)
        .bind(graph_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(item_row).transpose()
    }

    /// The live resource with `uid`, if any (RFC 4791 §5.3.2.1: one UID
    /// per collection).
    pub async fn dav_item_by_uid(
        &self,
        key: &DavKey,
        uid: &str,
    ) -> Result<Option<DavItemRow>, Error> {
        let row = sqlx::query(concat!(
            "SELECT ",
            item_columns!(),
            " FROM dav_items
             WHERE mailbox = $1 AND kind = $2 AND collection = $3 AND uid = $4
               AND graph_id IS NOT NULL"
        ))
        .bind(&key.mailbox)
        .bind(key.kind)
        .bind(&key.collection)
        .bind(uid)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(item_row).transpose()
    }

    /// The resource names Graph ids belong to (those known).
    pub async fn dav_member_names(
        &self,
        key: &DavKey,
        member_ids: &[String],
    ) -> Result<Vec<(String, String)>, Error> {
        let mut out = Vec::new();
        for id in member_ids {
            let name: Option<String> = sqlx::query_scalar(
                "SELECT name FROM dav_members
                 WHERE mailbox = $1 AND kind = $2 AND collection = $3 AND member_id = $4",
            )
            .bind(&key.mailbox)
            .bind(key.kind)
            .bind(&key.collection)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
            if let Some(name) = name {
                out.push((id.clone(), name));
            }
        }
        Ok(out)
    }
}
