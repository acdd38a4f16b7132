//! The URL segments clients chose for the collections they made. Graph
//! assigns a new calendar, To Do list or contact folder its id; the client
//! made it at `/dav/calendars/{login}/{segment}/` and will PUT there, so
//! the segment is kept here, per mailbox and home, next to the Graph id it
//! names. A segment names one collection of a mailbox's home (the primary
//! key), so two clients making the same segment at once cannot both win.
//! Forgetting a collection drops its name, its state and its resources,
//! which ends every sync token handed out for it.

use sqlx::Row;

use super::dav::DavKey;
use super::{Error, Store};

/// One chosen segment: the home it is in (`calendars` or `addressbooks`),
/// the segment, and the collection it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DavName {
    pub home: String,
    pub segment: String,
    /// `calendar`, `tasks` or `contacts` (as `DavKey::kind`).
    pub kind: String,
    /// The Graph id of the calendar, list or folder.
    pub collection: String,
}

impl Store {
    /// Every chosen segment of `mailbox`'s collections.
    pub async fn dav_names(&self, mailbox: &str) -> Result<Vec<DavName>, Error> {
        let rows = sqlx::query(
            "SELECT home, segment, kind, collection FROM dav_names WHERE mailbox = $1
             ORDER BY home, segment",
        )
        .bind(mailbox)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(DavName {
                    home: r.try_get(0)?,
                    segment: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    collection: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// Give the collection `key` the segment `segment` in `home`; `false`
    /// when the segment already names a collection there.
    pub async fn dav_name(&self, key: &DavKey, home: &str, segment: &str) -> Result<bool, Error> {
        let done = sqlx::query(
            "INSERT INTO dav_names (mailbox, home, segment, kind, collection)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(&key.mailbox)
        .bind(home)
        .bind(segment)
        .bind(key.kind)
        .bind(&key.collection)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forget the collection `key`: its chosen segment, its state (so
    /// every sync token of it), its resources and tombstones.
    pub async fn dav_forget(&self, key: &DavKey) -> Result<(), Error> {
        let mut tx = self.pool().begin().await?;
        for sql in [
            "DELETE FROM dav_names WHERE mailbox = $1 AND kind = $2 AND collection = $3",
            "DELETE FROM dav_members WHERE mailbox = $1 AND kind = $2 AND collection = $3",
            "DELETE FROM dav_items WHERE mailbox = $1 AND kind = $2 AND collection = $3",
            "DELETE FROM dav_collections WHERE mailbox = $1 AND kind = $2 AND collection = $3",
        ] {
            sqlx::query(sql)
                .bind(&key.mailbox)
                .bind(key.kind)
                .bind(&key.collection)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_segment_names_one_collection_until_it_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let key = |id: &str| DavKey {
            mailbox: "alice@contoso.com".into(),
            kind: "calendar",
            collection: id.into(),
        };
        assert!(
            store
                .dav_name(&key("A"), "calendars", "work")
                .await
                .unwrap()
        );
        // The same segment again, for another calendar: refused.
        assert!(
            !store
                .dav_name(&key("B"), "calendars", "work")
                .await
                .unwrap()
        );
        // The same segment in the other home is another name.
        assert!(
            store
                .dav_name(&key("C"), "addressbooks", "work")
                .await
                .unwrap()
        );
        let names = store.dav_names("alice@contoso.com").await.unwrap();
        assert_eq!(names.len(), 2);
        assert_eq!(
            (names[1].segment.as_str(), names[1].collection.as_str()),
            ("work", "A")
        );
        let before = store.dav_collection(&key("A")).await.unwrap();
        store.dav_forget(&key("A")).await.unwrap();
        let names = store.dav_names("alice@contoso.com").await.unwrap();
        assert_eq!(names.len(), 1);
        // Its state starts over: no token handed out before is valid.
        let after = store.dav_collection(&key("A")).await.unwrap();
        assert_ne!(before.sync_id, after.sync_id);
        assert!(
            store
                .dav_name(&key("B"), "calendars", "work")
                .await
                .unwrap()
        );
    }
}
