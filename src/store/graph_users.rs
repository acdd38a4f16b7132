//! Which gateway instances use a mailbox's Graph limits. Graph allows four
//! concurrent requests and 10,000 requests per 10 minutes per app and
//! mailbox, whichever instance sends them; each instance keeps those limits
//! on its own side (`graph::budget`, `graph::permits`), so instances that
//! share a store say here which mailboxes they sent requests for lately,
//! and each takes an equal share of the limits of a mailbox used by
//! several. One upsert and one count per instance every few seconds,
//! nothing per request.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::Row;

use super::{Error, Store};

/// Mailboxes written or counted per statement.
const CHUNK: usize = 200;

/// Rows unseen for this long are removed.
const FORGET_AFTER_MS: i64 = 10 * 60 * 1000;

impl Store {
    /// Record that this instance used `mailboxes` (lower-case addresses)
    /// now, and count for each the instances that used it within `recent`
    /// (this one included).
    pub async fn graph_users(
        &self,
        mailboxes: &[String],
        recent: Duration,
    ) -> Result<HashMap<String, u32>, Error> {
        let now = chrono::Utc::now().timestamp_millis();
        let since = now.saturating_sub(i64::try_from(recent.as_millis()).unwrap_or(i64::MAX));
        let instance = format!("{:x}", self.instance());
        let mut out = HashMap::new();
        for chunk in mailboxes.chunks(CHUNK) {
            // Only placeholders are formatted into the SQL; values are bound.
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, $1, $2)", i + 3))
                .collect();
            let upsert = format!(
                "INSERT INTO graph_users (mailbox, instance, seen_at) VALUES {}
                 ON CONFLICT (mailbox, instance) DO UPDATE SET seen_at = excluded.seen_at",
                values.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(upsert))
                .bind(&instance)
                .bind(now);
            for m in chunk {
                q = q.bind(m);
            }
            q.execute(self.pool()).await?;
            let slots: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let count = format!(
                "SELECT mailbox, COUNT(*) FROM graph_users
                 WHERE seen_at >= $1 AND mailbox IN ({}) GROUP BY mailbox",
                slots.join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(count)).bind(since);
            for m in chunk {
                q = q.bind(m);
            }
            for row in q.fetch_all(self.pool()).await? {
                let mailbox: String = row.try_get(0)?;
                let n: i64 = row.try_get(1)?;
                out.insert(mailbox, u32::try_from(n).unwrap_or(u32::MAX).max(1));
            }
        }
        sqlx::query("DELETE FROM graph_users WHERE seen_at < $1")
            .bind(now.saturating_sub(FORGET_AFTER_MS))
            .execute(self.pool())
            .await?;
        Ok(out)
    }
}
