//! The audit trail in the store: who did what with which mailbox, when,
//! and whether policy allowed it.

use sqlx::Row;

use super::{Error, Store};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    /// Unix time.
    pub at: i64,
    pub login: String,
    /// `open`, `send-as`, `send-on-behalf`, `write`, `send`, ...
    pub action: String,
    pub mailbox: String,
    /// `allowed` or `refused`.
    pub outcome: String,
    pub detail: String,
}

/// Which audit entries to read: each field that is set must match
/// (`login`, `action`, `outcome` exactly, `mailbox` as a substring).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub login: Option<String>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    pub mailbox: Option<String>,
    /// Entries at or after this Unix time.
    pub since: Option<i64>,
}

impl Store {
    pub async fn audit_add(&self, row: &AuditRow) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO audit (at, login, action, mailbox, outcome, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(row.at)
        .bind(row.login.as_str())
        .bind(row.action.as_str())
        .bind(row.mailbox.as_str())
        .bind(row.outcome.as_str())
        .bind(row.detail.as_str())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The newest `limit` entries that match `filter`, newest first.
    pub async fn audit_find(
        &self,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditRow>, Error> {
        // Each condition is always present and made true by a NULL
        // parameter, so the statement stays one `&'static str`; the casts
        // give PostgreSQL the type of a parameter bound as NULL.
        let rows = sqlx::query(
            "SELECT at, login, action, mailbox, outcome, detail FROM audit
             WHERE (CAST($1 AS TEXT) IS NULL OR login = CAST($1 AS TEXT))
               AND (CAST($2 AS TEXT) IS NULL OR action = CAST($2 AS TEXT))
               AND (CAST($3 AS TEXT) IS NULL OR outcome = CAST($3 AS TEXT))
               AND (CAST($4 AS TEXT) IS NULL OR mailbox LIKE '%' || CAST($4 AS TEXT) || '%')
               AND (CAST($5 AS BIGINT) IS NULL OR at >= CAST($5 AS BIGINT))
             ORDER BY at DESC LIMIT $6",
        )
        .bind(filter.login.as_deref())
        .bind(filter.action.as_deref())
        .bind(filter.outcome.as_deref())
        .bind(filter.mailbox.as_deref())
        .bind(filter.since)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditRow {
                    at: r.try_get(0)?,
                    login: r.try_get(1)?,
                    action: r.try_get(2)?,
                    mailbox: r.try_get(3)?,
                    outcome: r.try_get(4)?,
                    detail: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// The newest `limit` entries, newest first; only `login`'s if given.
    pub async fn audit_recent(
        &self,
        limit: i64,
        login: Option<&str>,
    ) -> Result<Vec<AuditRow>, Error> {
        let filter = AuditFilter {
            login: login.map(str::to_string),
            ..AuditFilter::default()
        };
        self.audit_find(&filter, limit).await
    }
}
