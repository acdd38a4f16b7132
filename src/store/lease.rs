//! Which instance polls a folder, when several share one database: a lease
//! row per folder, taken by an instance with sessions on the folder when it
//! is free or expired, and renewed by its holder well before it expires, so
//! three instances watching one Inbox make one poller's Graph requests,
//! and when the holder dies another takes over once the lease runs out.
//! Instances whose sessions IDLE on the folder say so in the row, so the
//! holder polls it at the IDLE pace even if none of its own sessions IDLE.
//! Delta rounds that sessions ask for (SELECT, NOOP, STATUS) are claimed in
//! the folder's row the same way, so one instance runs them for all.

use std::time::Duration;

use super::{Error, Store};

/// The lease of one folder as an instance sees it after asking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollLease {
    /// This instance holds it (and polls).
    pub held: bool,
    /// Until when (Unix milliseconds) some instance's sessions IDLE on it.
    pub fast_until: i64,
}

impl Store {
    /// Take or renew the poll lease of a folder for `ttl` (if it is ours,
    /// free or expired), and say whether sessions here IDLE on it
    /// (`idle_here`: then `fast_until` is raised to the lease's end).
    pub async fn mail_poll_lease(
        &self,
        mailbox: &str,
        folder_id: &str,
        ttl: Duration,
        idle_here: bool,
    ) -> Result<PollLease, Error> {
        let now = chrono::Utc::now().timestamp_millis();
        let until = now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
        let fast = if idle_here { until } else { 0 };
        let holder = format!("{:x}", self.instance());
        let taken: Option<i64> = sqlx::query_scalar(
            "INSERT INTO mail_pollers (mailbox, folder_id, holder, expires_at, fast_until)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (mailbox, folder_id) DO UPDATE SET
                holder = excluded.holder, expires_at = excluded.expires_at,
                fast_until = CASE WHEN excluded.fast_until > mail_pollers.fast_until
                    THEN excluded.fast_until ELSE mail_pollers.fast_until END
             WHERE mail_pollers.holder = excluded.holder OR mail_pollers.expires_at < $6
             RETURNING fast_until",
        )
        .bind(mailbox)
        .bind(folder_id)
        .bind(&holder)
        .bind(until)
        .bind(fast)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        if let Some(fast_until) = taken {
            return Ok(PollLease {
                held: true,
                fast_until,
            });
        }
        if idle_here {
            sqlx::query(
                "UPDATE mail_pollers SET fast_until = $3
                 WHERE mailbox = $1 AND folder_id = $2 AND fast_until < $3",
            )
            .bind(mailbox)
            .bind(folder_id)
            .bind(fast)
            .execute(self.pool())
            .await?;
        }
        Ok(PollLease {
            held: false,
            fast_until: fast,
        })
    }
}

impl Store {
    /// Claim the next delta round of a folder for this instance: true
    /// unless another instance started one within `fresh` (its result
    /// reaches this one through the store; see `mailbox::sync`). One
    /// conditional update; a folder without a row is claimed.
    pub async fn mail_round_claim(
        &self,
        mailbox: &str,
        folder_id: &str,
        fresh: Duration,
    ) -> Result<bool, Error> {
        let now = chrono::Utc::now().timestamp_millis();
        let before = now.saturating_sub(i64::try_from(fresh.as_millis()).unwrap_or(i64::MAX));
        let done = sqlx::query(
            "UPDATE mail_folders SET round_at = $3
             WHERE mailbox = $1 AND folder_id = $2 AND round_at <= $4",
        )
        .bind(mailbox)
        .bind(folder_id)
        .bind(now)
        .bind(before)
        .execute(self.pool())
        .await?;
        if done.rows_affected() > 0 {
            return Ok(true);
        }
        Ok(self.mail_folder(mailbox, folder_id).await?.is_none())
    }
}
