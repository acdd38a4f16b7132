//! Sealed blobs by name: the token cache's encrypted records. The store
//! never sees plaintext; `auth` seals and opens them.

use sqlx::Row;

use super::{Error, Store, now};

/// The name a login's sealed refresh token is stored under. `login` is in
/// the normalised form of logins (`accounts::normalise_login`); the store
/// names it here so that removing an account can delete the token in the
/// same transaction.
pub(crate) fn refresh_token_name(login: &str) -> String {
    format!("refresh-token:{login}")
}

impl Store {
    /// The sealed bytes stored under `name` and when they were written.
    pub async fn secret_get_dated(&self, name: &str) -> Result<Option<(Vec<u8>, i64)>, Error> {
        let row = sqlx::query("SELECT sealed, updated_at FROM secrets WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        Ok(Some((r.try_get::<Vec<u8>, _>(0)?, r.try_get::<i64, _>(1)?)))
    }

    /// The sealed bytes stored under `name`, if any.
    pub async fn secret_get(&self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        let row = sqlx::query("SELECT sealed FROM secrets WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get::<Vec<u8>, _>(0)).transpose()?)
    }

    /// Store (or replace) `sealed` under `name`; durable when this returns.
    pub async fn secret_put(&self, name: &str, sealed: &[u8]) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO secrets (name, sealed, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(sealed.to_vec())
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn secret_delete(&self, name: &str) -> Result<bool, Error> {
        let r = sqlx::query("DELETE FROM secrets WHERE name = $1")
            .bind(name)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// Names of every stored secret starting with `prefix`.
    pub async fn secret_names(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let rows = sqlx::query("SELECT name FROM secrets WHERE name LIKE $1 ORDER BY name")
            .bind(format!("{prefix}%"))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).map_err(Error::from))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn secrets_round_trip_in_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        assert_eq!(store.secret_get("a").await.unwrap(), None);
        store.secret_put("a", &[0, 1, 2, 255]).await.unwrap();
        store.secret_put("a", &[9, 8]).await.unwrap();
        assert_eq!(store.secret_get("a").await.unwrap(), Some(vec![9, 8]));
        assert_eq!(store.secret_names("").await.unwrap(), vec!["a".to_string()]);
        assert!(store.secret_delete("a").await.unwrap());
        assert_eq!(store.secret_get("a").await.unwrap(), None);
        // Reopening applies no step twice.
        drop(store);
        Store::open_in(dir.path()).await.unwrap();
    }
}
