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

/// The name a login's sealed access token is cached under, beside its
/// refresh token, so that another instance can use a token one instance
/// fetched instead of refreshing again (`auth::refresh`).
pub(crate) fn access_token_name(login: &str) -> String {
    format!("access-token:{login}")
}

/// A transaction holding the lock on one secret's row: every instance that
/// asks for the same lock waits until this one commits or is dropped
/// (rolled back). Other secrets are read and written in the same
/// transaction, so they commit together.
pub struct SecretLock {
    tx: sqlx::Transaction<'static, sqlx::Any>,
}

impl std::fmt::Debug for SecretLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretLock")
    }
}

impl SecretLock {
    /// The sealed bytes stored under `name`, as this transaction sees them.
    pub async fn get(&mut self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        let row = sqlx::query("SELECT sealed FROM secrets WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *self.tx)
            .await?;
        Ok(row.map(|r| r.try_get::<Vec<u8>, _>(0)).transpose()?)
    }

    /// Store (or replace) `sealed` under `name` when the lock commits.
    pub async fn put(&mut self, name: &str, sealed: &[u8]) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO secrets (name, sealed, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(sealed.to_vec())
        .bind(now())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    pub async fn delete(&mut self, name: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM secrets WHERE name = $1")
            .bind(name)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    /// Release the lock, writing nothing.
    pub async fn release(self) -> Result<(), Error> {
        self.tx.rollback().await?;
        Ok(())
    }

    /// Make the writes durable and release the lock.
    pub async fn commit(self) -> Result<(), Error> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Begin a transaction that holds the lock on secret `name`, waiting
    /// for any other holder, and read that secret as the holder before us
    /// left it: the sealed bytes and when they were written (`None` when
    /// there is no such secret). One statement for both backends: the
    /// no-op update takes the row's lock on PostgreSQL (held until commit)
    /// and the database's write lock on SQLite (the one writer at a time).
    /// Keep the lock short: it holds a pooled connection, and on SQLite
    /// every other writer waits for it.
    pub async fn secret_lock(
        &self,
        name: &str,
    ) -> Result<(SecretLock, Option<(Vec<u8>, i64)>), Error> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(
            "UPDATE secrets SET updated_at = updated_at WHERE name = $1 RETURNING sealed, updated_at",
        )
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        let found = match row {
            Some(r) => Some((r.try_get::<Vec<u8>, _>(0)?, r.try_get::<i64, _>(1)?)),
            None => None,
        };
        Ok((SecretLock { tx }, found))
    }

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
