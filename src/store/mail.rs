//! Per-folder sync state and message metadata: UIDVALIDITY, UIDNEXT and the
//! delta link of each Graph folder, and for each message its UID, immutable
//! Graph id, flags and sizes. This is what makes UIDs persistent and lets a
//! restarted gateway answer a re-SELECT with one delta request.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Error, Store};

/// A folder's sync state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderRow {
    pub mailbox: String,
    pub folder_id: String,
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub delta_link: Option<String>,
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
    })
}

impl Store {
    pub async fn mail_folder(
        &self,
        mailbox: &str,
        folder_id: &str,
    ) -> Result<Option<FolderRow>, Error> {
        let row = sqlx::query(
            "SELECT mailbox, folder_id, uidvalidity, uidnext, delta_link FROM mail_folders
             WHERE mailbox = $1 AND folder_id = $2",
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
            "SELECT mailbox, folder_id, uidvalidity, uidnext, delta_link FROM mail_folders
             WHERE mailbox = $1 ORDER BY folder_id",
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
        let rows = sqlx::query(
            "SELECT uid, message_id, internal_date, store_size, reported_size, is_read, is_draft,
                    flag_status, last_verb, icon, categories, deleted, internet_message_id, headers,
                    draft_mark
             FROM mail_messages WHERE mailbox = $1 AND folder_id = $2 ORDER BY uid",
        )
        .bind(mailbox)
        .bind(folder_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(message_row).collect()
    }

    /// Apply a folder's changes atomically.
    pub async fn mail_apply(
        &self,
        mailbox: &str,
        folder_id: &str,
        changes: &FolderChanges,
    ) -> Result<(), Error> {
        let mut tx = self.pool().begin().await?;
        for uid in &changes.removed {
            sqlx::query(
                "DELETE FROM mail_messages WHERE mailbox = $1 AND folder_id = $2 AND uid = $3",
            )
            .bind(mailbox)
            .bind(folder_id)
            .bind(i64::from(*uid))
            .execute(&mut *tx)
            .await?;
        }
        for m in &changes.upserts {
            let categories = serde_json::to_string(&m.categories).unwrap_or_else(|_| "[]".into());
            sqlx::query(
                "INSERT INTO mail_messages (mailbox, folder_id, uid, message_id, internal_date, store_size,
                    reported_size, is_read, is_draft, flag_status, categories, last_verb, icon, deleted,
                    internet_message_id, headers, draft_mark)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
                 ON CONFLICT (mailbox, folder_id, uid) DO UPDATE SET
                    message_id = excluded.message_id, internal_date = excluded.internal_date,
                    store_size = excluded.store_size, reported_size = excluded.reported_size,
                    is_read = excluded.is_read, is_draft = excluded.is_draft,
                    flag_status = excluded.flag_status, categories = excluded.categories,
                    last_verb = excluded.last_verb, icon = excluded.icon, deleted = excluded.deleted,
                    internet_message_id = excluded.internet_message_id, headers = excluded.headers,
                    draft_mark = excluded.draft_mark",
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
            .execute(&mut *tx)
            .await?;
        }
        if let Some(next) = changes.uidnext {
            sqlx::query(
                "UPDATE mail_folders SET uidnext = $3 WHERE mailbox = $1 AND folder_id = $2",
            )
            .bind(mailbox)
            .bind(folder_id)
            .bind(i64::from(next))
            .execute(&mut *tx)
            .await?;
        }
        if let Some(link) = &changes.delta_link {
            sqlx::query(
                "UPDATE mail_folders SET delta_link = $3 WHERE mailbox = $1 AND folder_id = $2",
            )
            .bind(mailbox)
            .bind(folder_id)
            .bind(link.as_deref())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forget a folder that no longer exists.
    pub async fn mail_folder_forget(&self, mailbox: &str, folder_id: &str) -> Result<(), Error> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM mail_messages WHERE mailbox = $1 AND folder_id = $2")
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
        assert_eq!(store.mail_messages("a@x", "F1").await.unwrap(), vec![m]);
        let f = store.mail_folder("a@x", "F1").await.unwrap().unwrap();
        assert_eq!(f.uidnext, 3);
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
