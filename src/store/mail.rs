//! Per-folder sync state and message metadata: UIDVALIDITY, UIDNEXT and the
//! delta link of each Graph folder, and for each message its UID, immutable
//! Graph id, flags and sizes. This is what makes UIDs persistent and lets a
//! restarted gateway answer a re-SELECT with one delta request.
//!
//! # Writing a folder
//!
//! Several instances may share one database (PostgreSQL). Every write of a
//! folder is a `FolderWrite`: it starts by taking the next value of the
//! folder's counter (`highestmodseq`) with `UPDATE … RETURNING`, which locks
//! the folder's row until the transaction ends, so writers of one folder
//! take turns across instances. Inside it, the writer first reads what
//! others wrote since the value it last saw (rows stamped above it, and the
//! tombstones of removed UIDs), brings its memory up to date, and only then
//! gives UIDs to new messages: UIDNEXT is read under the same lock, so no
//! two instances ever give one UID to two messages, or two UIDs to one.
//! Rows written are stamped with the write's value; on PostgreSQL the write
//! also sends a notification (delivered at commit) so the other instances
//! catch up at once.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{Error, Store};

/// A folder's sync state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderRow {
    pub mailbox: String,
    pub folder_id: String,
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub delta_link: Option<String>,
    /// The folder's counter: the value of its latest write.
    pub highestmodseq: u64,
}

/// One message of a folder as graphgate remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageRow {
    pub uid: u32,
    /// Graph's immutable id.
    pub message_id: String,
    /// receivedDateTime, Unix seconds.
    pub internal_date: i64,
    /// PR_MESSAGE_SIZE.
    pub store_size: i64,
    /// RFC822.SIZE once it was first reported; it never changes after.
    pub reported_size: Option<i64>,
    pub is_read: bool,
    /// Graph's isDraft (fixed when the item was made).
    pub is_draft: bool,
    /// graphgate's `\Draft` mark, when the message carries one; it wins
    /// over `is_draft`.
    pub draft_mark: Option<bool>,
    pub flag_status: String,
    pub categories: Vec<String>,
    pub last_verb: Option<i64>,
    pub icon: Option<i64>,
    /// `\Deleted`, kept by graphgate until EXPUNGE.
    pub deleted: bool,
    pub internet_message_id: Option<String>,
    /// The header block built from Graph's internetMessageHeaders, if known.
    pub headers: Option<Vec<u8>>,
    /// Graph's conversationId, if known (rows older than schema 12 lack it).
    pub conversation_id: Option<String>,
    /// The folder's counter when this row was last written.
    pub modseq: u64,
}

/// Changes to one folder, written in one transaction.
#[derive(Debug, Clone, Default)]
pub struct FolderChanges {
    pub upserts: Vec<MessageRow>,
    pub removed: Vec<u32>,
    pub uidnext: Option<u32>,
    /// Some(None) clears the delta link (full resync needed).
    pub delta_link: Option<Option<String>>,
}

fn folder_row(r: &AnyRow) -> Result<FolderRow, Error> {
    Ok(FolderRow {
        mailbox: r.try_get(0)?,
        folder_id: r.try_get(1)?,
        uidvalidity: u32::try_from(r.try_get::<i64, _>(2)?).unwrap_or(1),
        uidnext: u32::try_from(r.try_get::<i64, _>(3)?).unwrap_or(1),
        delta_link: r.try_get(4)?,
        highestmodseq: u64::try_from(r.try_get::<i64, _>(5)?).unwrap_or(0),
    })
}

fn message_row(r: &AnyRow) -> Result<MessageRow, Error> {
    let categories: String = r.try_get(10)?;
    Ok(MessageRow {
        uid: u32::try_from(r.try_get::<i64, _>(0)?).unwrap_or(0),
        message_id: r.try_get(1)?,
        internal_date: r.try_get(2)?,
        store_size: r.try_get(3)?,
        reported_size: r.try_get(4)?,
        is_read: r.try_get::<i64, _>(5)? != 0,
        is_draft: r.try_get::<i64, _>(6)? != 0,
        flag_status: r.try_get(7)?,
        last_verb: r.try_get(8)?,
        icon: r.try_get(9)?,
        categories: serde_json::from_str(&categories).unwrap_or_default(),
        deleted: r.try_get::<i64, _>(11)? != 0,
        internet_message_id: r.try_get(12)?,
        headers: r.try_get(13)?,
        draft_mark: r.try_get::<Option<i64>, _>(14)?.map(|v| v != 0),
        modseq: u64::try_from(r.try_get::<i64, _>(15)?).unwrap_or(0),
        conversation_id: r.try_get(16)?,
    })
}

/// The columns `message_row` reads, in its order.
macro_rules! message_columns {
    () => {
        "uid, message_id, internal_date, store_size, reported_size, is_read, is_draft,
         flag_status, last_verb, icon, categories, deleted, internet_message_id, headers,
         draft_mark, modseq, conversation_id"
    };
}

impl Store {
    pub async fn mail_folder(
        &self,
        mailbox: &str,
        folder_id: &str,
    ) -> Result<Option<FolderRow>, Error> {
        let row = sqlx::query(
            "SELECT mailbox, folder_id, uidvalidity, uidnext, delta_link, highestmodseq
             FROM mail_folders WHERE mailbox = $1 AND folder_id = $2",
        )
        .bind(mailbox)
        .bind(folder_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(folder_row).transpose()
    }

    /// Every folder of a mailbox graphgate has state for.
    pub async fn mail_folders(&self, mailbox: &str) -> Result<Vec<FolderRow>, Error> {
        let rows = sqlx::query(
            "SELECT mailbox, folder_id, uidvalidity, uidnext, delta_link, highestmodseq
             FROM mail_folders WHERE mailbox = $1 ORDER BY folder_id",
        )
        .bind(mailbox)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(folder_row).collect()
    }

    /// Start state for a folder seen for the first time. Its UIDVALIDITY
    /// is `at_least` (the clock), raised above every UIDVALIDITY handed out
    /// in this mailbox before, so a folder deleted and created again under
    /// the same name never shows an earlier value (RFC 3501 §2.3.1.1). A
    /// folder that already has state keeps it.
    pub async fn mail_folder_create(
        &self,
        mailbox: &str,
        folder_id: &str,
        at_least: u32,
    ) -> Result<FolderRow, Error> {
        // One statement, so concurrent creations (several gateways on one
        // PostgreSQL) each get their own value.
        let uidvalidity: i64 = sqlx::query_scalar(
            "INSERT INTO mail_uidvalidity (mailbox, highest) VALUES ($1, $2)
             ON CONFLICT (mailbox) DO UPDATE SET highest = CASE
                 WHEN excluded.highest > mail_uidvalidity.highest THEN excluded.highest
                 ELSE mail_uidvalidity.highest + 1 END
             RETURNING highest",
        )
        .bind(mailbox)
        .bind(i64::from(at_least.max(1)))
        .fetch_one(self.pool())
        .await?;
        sqlx::query(
            "INSERT INTO mail_folders (mailbox, folder_id, uidvalidity, uidnext, delta_link)
             VALUES ($1, $2, $3, 1, NULL) ON CONFLICT (mailbox, folder_id) DO NOTHING",
        )
        .bind(mailbox)
        .bind(folder_id)
        .bind(uidvalidity)
        .execute(self.pool())
        .await?;
        self.mail_folder(mailbox, folder_id)
            .await?
            .ok_or(Error::Query(sqlx::Error::RowNotFound))
    }

    pub async fn mail_messages(
        &self,
        mailbox: &str,
        folder_id: &str,
    ) -> Result<Vec<MessageRow>, Error> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            message_columns!(),
            " FROM mail_messages WHERE mailbox = $1 AND folder_id = $2 ORDER BY uid"
        ))
        .bind(mailbox)
        .bind(folder_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(message_row).collect()
    }

    /// Apply a folder's changes atomically (a write of its own, with no
    /// catching up: for callers that keep no state of the folder).
    pub async fn mail_apply(
        &self,
        mailbox: &str,
        folder_id: &str,
        changes: &FolderChanges,
    ) -> Result<(), Error> {
        let mut write = self.mail_write(mailbox, folder_id).await?;
        write.apply(changes).await?;
        write.commit().await
    }

    /// Start a write of a folder: takes the next value of its counter and
    /// holds the folder's row until the write commits or is dropped.
    pub async fn mail_write(&self, mailbox: &str, folder_id: &str) -> Result<FolderWrite, Error> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(
            "UPDATE mail_folders SET highestmodseq = highestmodseq + 1
             WHERE mailbox = $1 AND folder_id = $2
             RETURNING mailbox, folder_id, uidvalidity, uidnext, delta_link, highestmodseq",
        )
        .bind(mailbox)
        .bind(folder_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::Query(sqlx::Error::RowNotFound))?;
        let folder = folder_row(&row)?;
        Ok(FolderWrite {
            tx,
            notify: self.backend() == super::backend::Backend::Postgres,
            instance: self.instance(),
            folder,
        })
    }

    /// What was written to a folder after `since`: the folder's row (its
    /// counter, UIDNEXT, delta link), the rows stamped above `since`, and the
    /// UIDs removed above it. Read in that order, and only up to the
    /// counter read first, so the answer is one consistent state.
    pub async fn mail_changes_since(
        &self,
        mailbox: &str,
        folder_id: &str,
        since: u64,
    ) -> Result<Option<Catchup>, Error> {
        let Some(folder) = self.mail_folder(mailbox, folder_id).await? else {
            return Ok(None);
        };
        if folder.highestmodseq <= since {
            return Ok(Some(Catchup {
                folder,
                rows: Vec::new(),
                removed: Vec::new(),
            }));
        }
        let mut conn = self.pool().acquire().await?;
        let (rows, removed) =
            changes_between(&mut conn, mailbox, folder_id, since, folder.highestmodseq).await?;
        Ok(Some(Catchup {
            folder,
            rows,
            removed,
        }))
    }

    /// The UIDs removed from a folder with a mod-sequence in `(since,
    /// upto]`, ascending (QRESYNC's VANISHED (EARLIER)).
    pub async fn mail_expunged_between(
        &self,
        mailbox: &str,
        folder_id: &str,
        since: u64,
        upto: u64,
    ) -> Result<Vec<u32>, Error> {
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        let upto = i64::try_from(upto).unwrap_or(i64::MAX);
        let mut conn = self.pool().acquire().await?;
        removed_between(&mut conn, mailbox, folder_id, since, upto).await
    }

    /// Forget a folder that no longer exists.
    pub async fn mail_folder_forget(&self, mailbox: &str, folder_id: &str) -> Result<(), Error> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM mail_messages WHERE mailbox = $1 AND folder_id = $2")
            .bind(mailbox)
            .bind(folder_id)
            .execute(&mut *tx)
            .await?;
        // A folder made again under the same id starts its counter at 0:
        // tombstones and the poll lease of the old one must not apply to it.
        sqlx::query("DELETE FROM mail_expunged WHERE mailbox = $1 AND folder_id = $2")
            .bind(mailbox)
            .bind(folder_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM mail_pollers WHERE mailbox = $1 AND folder_id = $2")
            .bind(mailbox)
            .bind(folder_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM mail_folders WHERE mailbox = $1 AND folder_id = $2")
            .bind(mailbox)
            .bind(folder_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Folder names `login` subscribed to (true) or unsubscribed from (false).
    pub async fn mail_subscriptions(&self, login: &str) -> Result<Vec<(String, bool)>, Error> {
        let rows = sqlx::query(
            "SELECT name, subscribed FROM mail_subscriptions WHERE login = $1 ORDER BY name",
        )
        .bind(login)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get::<i64, _>(1)? != 0)))
            .collect()
    }

    /// Record `name` as not subscribed unless `login` chose already (a
    /// folder created over IMAP starts unsubscribed; one subscribed to
    /// before it was deleted stays subscribed, RFC 3501 §6.3.6).
    pub async fn mail_unsubscribed_unless_chosen(
        &self,
        login: &str,
        name: &str,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO mail_subscriptions (login, name, subscribed) VALUES ($1, $2, 0)
             ON CONFLICT (login, name) DO NOTHING",
        )
        .bind(login)
        .bind(name)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn mail_subscribe(&self, login: &str, name: &str, on: bool) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO mail_subscriptions (login, name, subscribed) VALUES ($1, $2, $3)
             ON CONFLICT (login, name) DO UPDATE SET subscribed = excluded.subscribed",
        )
        .bind(login)
        .bind(name)
        .bind(i64::from(on))
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn folder_state_and_messages_persist() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let f = store.mail_folder_create("a@x", "F1", 1234).await.unwrap();
        assert_eq!(
            (f.uidvalidity, f.uidnext, f.delta_link.clone()),
            (1234, 1, None)
        );
        // Creating again keeps the first UIDVALIDITY.
        assert_eq!(
            store
                .mail_folder_create("a@x", "F1", 999)
                .await
                .unwrap()
                .uidvalidity,
            1234
        );
        let m = MessageRow {
            uid: 1,
            message_id: "id1".into(),
            internal_date: 1_700_000_000,
            store_size: 4096,
            is_read: true,
            flag_status: "flagged".into(),
            categories: vec!["Red category".into()],
            last_verb: Some(102),
            headers: Some(b"Subject: x\r\n\r\n".to_vec()),
            draft_mark: Some(false),
            conversation_id: Some("AAQkADAx=".into()),
            ..Default::default()
        };
        let changes = FolderChanges {
            upserts: vec![
                m.clone(),
                MessageRow {
                    uid: 2,
                    message_id: "id2".into(),
                    ..Default::default()
                },
            ],
            uidnext: Some(3),
            delta_link: Some(Some("https://graph/delta?$deltatoken=1".into())),
            ..Default::default()
        };
        store.mail_apply("a@x", "F1", &changes).await.unwrap();
        store
            .mail_apply(
                "a@x",
                "F1",
                &FolderChanges {
                    removed: vec![2],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        drop(store);
        let store = Store::open_in(dir.path()).await.unwrap();
        // Rows carry the value of the write that last wrote them.
        let m = MessageRow { modseq: 1, ..m };
        assert_eq!(
            store.mail_messages("a@x", "F1").await.unwrap(),
            vec![m.clone()]
        );
        let f = store.mail_folder("a@x", "F1").await.unwrap().unwrap();
        assert_eq!((f.uidnext, f.highestmodseq), (3, 2));
        // What an instance that saw nothing, or only the first write, reads
        // to catch up.
        let all = store
            .mail_changes_since("a@x", "F1", 0)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((all.rows, all.removed), (vec![m], vec![2]));
        let later = store
            .mail_changes_since("a@x", "F1", 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((later.rows, later.removed), (vec![], vec![2]));
        let none = store
            .mail_changes_since("a@x", "F1", 2)
            .await
            .unwrap()
            .unwrap();
        assert!(none.rows.is_empty() && none.removed.is_empty());
        assert_eq!(
            f.delta_link.as_deref(),
            Some("https://graph/delta?$deltatoken=1")
        );
        store.mail_folder_forget("a@x", "F1").await.unwrap();
        assert!(store.mail_folder("a@x", "F1").await.unwrap().is_none());
        assert!(store.mail_messages("a@x", "F1").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn uidvalidity_only_grows_within_a_mailbox() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let first = store.mail_folder_create("a@x", "F1", 1000).await.unwrap();
        assert_eq!(first.uidvalidity, 1000);
        // Deleted and created again within the same second (same clock).
        store.mail_folder_forget("a@x", "F1").await.unwrap();
        let again = store.mail_folder_create("a@x", "F1", 1000).await.unwrap();
        assert_eq!(again.uidvalidity, 1001);
        // Another folder, and a clock that went backwards.
        let other = store.mail_folder_create("a@x", "F2", 10).await.unwrap();
        assert_eq!(other.uidvalidity, 1002);
        // The clock ahead of everything: taken as it is.
        let later = store.mail_folder_create("a@x", "F3", 5000).await.unwrap();
        assert_eq!(later.uidvalidity, 5000);
        // Other mailboxes have their own sequence.
        let b = store.mail_folder_create("b@x", "F1", 1000).await.unwrap();
        assert_eq!(b.uidvalidity, 1000);
        // It survives a restart.
        drop(store);
        let store = Store::open_in(dir.path()).await.unwrap();
        store.mail_folder_forget("a@x", "F3").await.unwrap();
        let reopened = store.mail_folder_create("a@x", "F3", 5000).await.unwrap();
        assert_eq!(reopened.uidvalidity, 5001);
    }
}

/// What others wrote to a folder since a given value of its counter.
#[derive(Debug, Clone)]
pub struct Catchup {
    /// The folder's row now (its counter is the value caught up to).
    pub folder: FolderRow,
    pub rows: Vec<MessageRow>,
    pub removed: Vec<u32>,
}

/// Rows stamped in `(since, upto]` and UIDs removed in that range.
async fn changes_between(
    conn: &mut sqlx::AnyConnection,
    mailbox: &str,
    folder_id: &str,
    since: u64,
    upto: u64,
) -> Result<(Vec<MessageRow>, Vec<u32>), Error> {
    let since = i64::try_from(since).unwrap_or(i64::MAX);
    let upto = i64::try_from(upto).unwrap_or(i64::MAX);
    let rows = sqlx::query(concat!(
        "SELECT ",
        message_columns!(),
        " FROM mail_messages WHERE mailbox = $1 AND folder_id = $2
          AND modseq > $3 AND modseq <= $4 ORDER BY uid"
    ))
    .bind(mailbox)
    .bind(folder_id)
    .bind(since)
    .bind(upto)
    .fetch_all(&mut *conn)
    .await?;
    let rows = rows
        .iter()
        .map(message_row)
        .collect::<Result<Vec<_>, _>>()?;
    let removed = removed_between(conn, mailbox, folder_id, since, upto).await?;
    Ok((rows, removed))
}

/// UIDs removed from a folder with a counter value in `(since, upto]`,
/// ascending (its `mail_expunged` tombstones).
async fn removed_between(
    conn: &mut sqlx::AnyConnection,
    mailbox: &str,
    folder_id: &str,
    since: i64,
    upto: i64,
) -> Result<Vec<u32>, Error> {
    let removed: Vec<i64> = sqlx::query_scalar(
        "SELECT uid FROM mail_expunged WHERE mailbox = $1 AND folder_id = $2
         AND modseq > $3 AND modseq <= $4 ORDER BY uid",
    )
    .bind(mailbox)
    .bind(folder_id)
    .bind(since)
    .bind(upto)
    .fetch_all(&mut *conn)
    .await?;
    Ok(removed
        .into_iter()
        .filter_map(|u| u32::try_from(u).ok())
        .collect())
}

/// One write of a folder (see the module's documentation): its counter
/// value is taken and the folder's row is held until `commit`; dropped
/// without it, nothing is written.
pub struct FolderWrite {
    tx: Transaction<'static, Any>,
    /// Tell other instances at commit (PostgreSQL).
    notify: bool,
    instance: u64,
    /// The folder's row under this write: `highestmodseq` is this write's
    /// value, `uidnext` the next free UID before it.
    pub folder: FolderRow,
}

impl FolderWrite {
    /// This write's value of the folder's counter.
    pub fn modseq(&self) -> u64 {
        self.folder.highestmodseq
    }

    /// What others wrote after `since` and before this write.
    pub async fn changes_since(
        &mut self,
        since: u64,
    ) -> Result<(Vec<MessageRow>, Vec<u32>), Error> {
        let upto = self.modseq().saturating_sub(1);
        if upto <= since {
            return Ok((Vec::new(), Vec::new()));
        }
        let (mailbox, folder_id) = (self.folder.mailbox.clone(), self.folder.folder_id.clone());
        changes_between(&mut self.tx, &mailbox, &folder_id, since, upto).await
    }

    /// Write `changes`, stamped with this write's value.
    pub async fn apply(&mut self, changes: &FolderChanges) -> Result<(), Error> {
        let (mailbox, folder_id) = (self.folder.mailbox.as_str(), self.folder.folder_id.as_str());
        let modseq = i64::try_from(self.folder.highestmodseq).unwrap_or(i64::MAX);
        for uid in &changes.removed {
            sqlx::query(
                "DELETE FROM mail_messages WHERE mailbox = $1 AND folder_id = $2 AND uid = $3",
            )
            .bind(mailbox)
            .bind(folder_id)
            .bind(i64::from(*uid))
            .execute(&mut *self.tx)
            .await?;
            sqlx::query(
                "INSERT INTO mail_expunged (mailbox, folder_id, uid, modseq) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (mailbox, folder_id, uid) DO UPDATE SET modseq = excluded.modseq",
            )
            .bind(mailbox)
            .bind(folder_id)
            .bind(i64::from(*uid))
            .bind(modseq)
            .execute(&mut *self.tx)
            .await?;
        }
        for m in &changes.upserts {
            let categories = serde_json::to_string(&m.categories).unwrap_or_else(|_| "[]".into());
            sqlx::query(
                "INSERT INTO mail_messages (mailbox, folder_id, uid, message_id, internal_date, store_size,
                    reported_size, is_read, is_draft, flag_status, categories, last_verb, icon, deleted,
                    internet_message_id, headers, draft_mark, modseq, conversation_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                    $19)
                 ON CONFLICT (mailbox, folder_id, uid) DO UPDATE SET
                    message_id = excluded.message_id, internal_date = excluded.internal_date,
                    store_size = excluded.store_size, reported_size = excluded.reported_size,
                    is_read = excluded.is_read, is_draft = excluded.is_draft,
                    flag_status = excluded.flag_status, categories = excluded.categories,
                    last_verb = excluded.last_verb, icon = excluded.icon, deleted = excluded.deleted,
                    internet_message_id = excluded.internet_message_id, headers = excluded.headers,
                    draft_mark = excluded.draft_mark, modseq = excluded.modseq,
                    conversation_id = excluded.conversation_id",
            )
            .bind(mailbox)
            .bind(folder_id)
            .bind(i64::from(m.uid))
            .bind(m.message_id.as_str())
            .bind(m.internal_date)
            .bind(m.store_size)
            .bind(m.reported_size)
            .bind(i64::from(m.is_read))
            .bind(i64::from(m.is_draft))
            .bind(m.flag_status.as_str())
            .bind(categories)
            .bind(m.last_verb)
            .bind(m.icon)
            .bind(i64::from(m.deleted))
            .bind(m.internet_message_id.as_deref())
            .bind(m.headers.clone())
            .bind(m.draft_mark.map(i64::from))
            .bind(modseq)
            .bind(m.conversation_id.as_deref())
            .execute(&mut *self.tx)
            .await?;
        }
        if let Some(next) = changes.uidnext {
            // Only ever up (a UID is never given twice).
            sqlx::query(
                "UPDATE mail_folders SET uidnext = $3
                 WHERE mailbox = $1 AND folder_id = $2 AND uidnext < $3",
            )
            .bind(mailbox)
            .bind(folder_id)
            .bind(i64::from(next))
            .execute(&mut *self.tx)
            .await?;
        }
        if let Some(link) = &changes.delta_link {
            sqlx::query(
                "UPDATE mail_folders SET delta_link = $3 WHERE mailbox = $1 AND folder_id = $2",
            )
            .bind(mailbox)
            .bind(folder_id)
            .bind(link.as_deref())
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Make the write durable (and, on PostgreSQL, tell the other
    /// instances: the notification is delivered only if this commits).
    pub async fn commit(mut self) -> Result<(), Error> {
        if self.notify {
            let payload = notification(
                self.instance,
                &self.folder.mailbox,
                &self.folder.folder_id,
                self.folder.highestmodseq,
            );
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(MAIL_CHANNEL)
                .bind(payload)
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}

/// The PostgreSQL notification channel of folder writes.
pub const MAIL_CHANNEL: &str = "graphgate_mail";

/// A notification's payload: instance, counter value, mailbox, folder id
/// (tab-separated; addresses and Graph ids hold no tabs).
fn notification(instance: u64, mailbox: &str, folder_id: &str, modseq: u64) -> String {
    format!("{instance:x}\t{modseq}\t{mailbox}\t{folder_id}")
}

/// A folder write another instance (or this one) made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderNotice {
    pub instance: u64,
    pub modseq: u64,
    pub mailbox: String,
    pub folder_id: String,
}

impl FolderNotice {
    pub fn parse(payload: &str) -> Option<FolderNotice> {
        let mut parts = payload.splitn(4, '\t');
        let instance = u64::from_str_radix(parts.next()?, 16).ok()?;
        let modseq = parts.next()?.parse().ok()?;
        Some(FolderNotice {
            instance,
            modseq,
            mailbox: parts.next()?.to_string(),
            folder_id: parts.next()?.to_string(),
        })
    }
}

#[cfg(test)]
mod notice_tests {
    use super::*;

    #[test]
    fn notices_round_trip_and_bad_ones_are_refused() {
        let text = notification(0xabc, "sales@contoso.test", "AAMk=", 42);
        assert_eq!(
            FolderNotice::parse(&text),
            Some(FolderNotice {
                instance: 0xabc,
                modseq: 42,
                mailbox: "sales@contoso.test".into(),
                folder_id: "AAMk=".into(),
            })
        );
        assert_eq!(FolderNotice::parse("zz\t1\ta\tb"), None);
        assert_eq!(FolderNotice::parse("1\tx\ta\tb"), None);
        assert_eq!(FolderNotice::parse("1\t1\ta"), None);
    }
}
