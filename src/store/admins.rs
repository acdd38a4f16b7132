//! The admin console's administrators and their sign-ins.

use sqlx::Row;

use super::{Error, Store};

/// One sign-in to the console, found by the hash of its cookie's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSessionRow {
    pub name: String,
    /// The token every form of this sign-in must carry.
    pub csrf: String,
    pub created_at: i64,
    pub used_at: i64,
}

impl Store {
    /// Add an administrator; `false` if the name is taken.
    pub async fn admin_insert(
        &self,
        name: &str,
        hash: &str,
        created_at: i64,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "INSERT INTO admins (name, hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(hash)
        .bind(created_at)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Set an administrator's password hash (adding it if missing).
    pub async fn admin_upsert(&self, name: &str, hash: &str, created_at: i64) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO admins (name, hash, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET hash = excluded.hash",
        )
        .bind(name)
        .bind(hash)
        .bind(created_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// An administrator's password hash.
    pub async fn admin_hash(&self, name: &str) -> Result<Option<String>, Error> {
        let row = sqlx::query("SELECT hash FROM admins WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    /// Every administrator: (name, created_at), by name.
    pub async fn admin_list(&self) -> Result<Vec<(String, i64)>, Error> {
        let rows = sqlx::query("SELECT name, created_at FROM admins ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Remove an administrator and end its sign-ins; `false` if none.
    pub async fn admin_delete(&self, name: &str) -> Result<bool, Error> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM admin_sessions WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM admins WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn admin_session_insert(
        &self,
        token_hash: &str,
        row: &AdminSessionRow,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO admin_sessions (token_hash, name, csrf, created_at, used_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(row.name.as_str())
        .bind(row.csrf.as_str())
        .bind(row.created_at)
        .bind(row.used_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The sign-in whose token hashes to `token_hash`, if its
    /// administrator still exists.
    pub async fn admin_session_get(
        &self,
        token_hash: &str,
    ) -> Result<Option<AdminSessionRow>, Error> {
        let row = sqlx::query(
            "SELECT s.name, s.csrf, s.created_at, s.used_at FROM admin_sessions s
             JOIN admins a ON a.name = s.name WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(AdminSessionRow {
            name: r.try_get(0)?,
            csrf: r.try_get(1)?,
            created_at: r.try_get(2)?,
            used_at: r.try_get(3)?,
        }))
    }

    pub async fn admin_session_touch(&self, token_hash: &str, used_at: i64) -> Result<(), Error> {
        sqlx::query("UPDATE admin_sessions SET used_at = $1 WHERE token_hash = $2")
            .bind(used_at)
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn admin_session_delete(&self, token_hash: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM admin_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Delete sign-ins unused since `idle_before` or begun before
    /// `started_before`.
    pub async fn admin_session_sweep(
        &self,
        idle_before: i64,
        started_before: i64,
    ) -> Result<(), Error> {
        sqlx::query("DELETE FROM admin_sessions WHERE used_at < $1 OR created_at < $2")
            .bind(idle_before)
            .bind(started_before)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Whether the store answers a trivial query (`/readyz`).
    pub async fn ping(&self) -> Result<(), Error> {
        sqlx::query("SELECT 1").execute(self.pool()).await?;
        Ok(())
    }
}
