//! Local accounts and their gateway passwords as rows: the SQL behind
//! `accounts::Accounts`. The store only keeps what it is given (lower-cased
//! logins, argon2 PHC strings); rules about what is valid live in `accounts`.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::secrets::{access_token_name, refresh_token_name};
use super::{Error, Store};

/// One `accounts` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub login: String,
    pub microsoft_user: String,
    /// `delegated` or `app-only`.
    pub mode: String,
    pub created_at: i64,
}

/// One `passwords` row. `hash` is an argon2 PHC string, never a password.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordRow {
    pub id: String,
    pub login: String,
    pub label: String,
    pub hash: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The password's short keyed tag (see `accounts::login`); `None` for
    /// rows from before tags, or after the tag key was made anew.
    pub tag: Option<i64>,
}

impl std::fmt::Debug for PasswordRow {
    /// Without the hash: an argon2 hash is still something to keep out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordRow")
            .field("id", &self.id)
            .field("login", &self.login)
            .field("label", &self.label)
            .field("created_at", &self.created_at)
            .field("last_used_at", &self.last_used_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// What became of a new password row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordInsert {
    Inserted,
    /// There is no account with that login.
    NoAccount,
    /// The account already has an active password with that label.
    LabelInUse,
}

fn account_row(r: &AnyRow) -> Result<AccountRow, Error> {
    Ok(AccountRow {
        login: r.try_get(0)?,
        microsoft_user: r.try_get(1)?,
        mode: r.try_get(2)?,
        created_at: r.try_get(3)?,
    })
}

fn password_row(r: &AnyRow) -> Result<PasswordRow, Error> {
    Ok(PasswordRow {
        id: r.try_get(0)?,
        login: r.try_get(1)?,
        label: r.try_get(2)?,
        hash: r.try_get(3)?,
        created_at: r.try_get(4)?,
        last_used_at: r.try_get(5)?,
        revoked_at: r.try_get(6)?,
        tag: r.try_get(7)?,
    })
}

impl Store {
    /// Add an account; `false` when one with that login already exists.
    pub async fn account_insert(&self, account: &AccountRow) -> Result<bool, Error> {
        let r = sqlx::query(
            "INSERT INTO accounts (login, microsoft_user, mode, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (login) DO NOTHING",
        )
        .bind(&account.login)
        .bind(&account.microsoft_user)
        .bind(&account.mode)
        .bind(account.created_at)
        .execute(self.pool())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn account_get(&self, login: &str) -> Result<Option<AccountRow>, Error> {
        let row = sqlx::query(
            "SELECT login, microsoft_user, mode, created_at FROM accounts WHERE login = $1",
        )
        .bind(login)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(account_row).transpose()
    }

    /// Every account, by login.
    pub async fn account_list(&self) -> Result<Vec<AccountRow>, Error> {
        let rows = sqlx::query(
            "SELECT login, microsoft_user, mode, created_at FROM accounts ORDER BY login",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(account_row).collect()
    }

    /// Delete an account, every password it had and its sealed tokens
    /// (refresh token and cached access token), in one transaction; `false` when there was no such account.
    /// The token goes with the account so that a login added again later
    /// (perhaps for another person) cannot inherit the old sign-in.
    pub async fn account_delete(&self, login: &str) -> Result<bool, Error> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM passwords WHERE login = $1")
            .bind(login)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM secrets WHERE name = $1 OR name = $2")
            .bind(refresh_token_name(login))
            .bind(access_token_name(login))
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query("DELETE FROM accounts WHERE login = $1")
            .bind(login)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected() > 0)
    }

    /// Add a password row if its account exists and has no active password
    /// with the same label. One statement, so SQLite (one writer at a time)
    /// cannot interleave two of them.
    pub async fn password_insert(&self, row: &PasswordRow) -> Result<PasswordInsert, Error> {
        let r = sqlx::query(
            "INSERT INTO passwords (id, login, label, hash, created_at, last_used_at, revoked_at, tag)
             SELECT $1, $2, $3, $4, $5, NULL, NULL, $6
             WHERE EXISTS (SELECT 1 FROM accounts WHERE login = $2)
               AND NOT EXISTS (SELECT 1 FROM passwords
                               WHERE login = $2 AND label = $3 AND revoked_at IS NULL)",
        )
        .bind(&row.id)
        .bind(&row.login)
        .bind(&row.label)
        .bind(&row.hash)
        .bind(row.created_at)
        .bind(row.tag)
        .execute(self.pool())
        .await?;
        if r.rows_affected() == 1 {
            return Ok(PasswordInsert::Inserted);
        }
        Ok(if self.account_get(&row.login).await?.is_none() {
            PasswordInsert::NoAccount
        } else {
            PasswordInsert::LabelInUse
        })
    }

    /// Every password of `login`, revoked ones too, oldest first.
    pub async fn password_list(&self, login: &str) -> Result<Vec<PasswordRow>, Error> {
        let rows = sqlx::query(
            "SELECT id, login, label, hash, created_at, last_used_at, revoked_at, tag
             FROM passwords WHERE login = $1 ORDER BY created_at, id",
        )
        .bind(login)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(password_row).collect()
    }

    /// Revoke the active password of `login` whose id is `label_or_id`, or
    /// else every active one labelled `label_or_id`. Returns the ids revoked.
    pub async fn password_revoke(
        &self,
        login: &str,
        label_or_id: &str,
        at: i64,
    ) -> Result<Vec<String>, Error> {
        let mut tx = self.pool().begin().await?;
        let by_id = sqlx::query(
            "SELECT id FROM passwords WHERE login = $1 AND id = $2 AND revoked_at IS NULL",
        )
        .bind(login)
        .bind(label_or_id)
        .fetch_all(&mut *tx)
        .await?;
        let rows = if by_id.is_empty() {
            sqlx::query(
                "SELECT id FROM passwords WHERE login = $1 AND label = $2 AND revoked_at IS NULL",
            )
            .bind(login)
            .bind(label_or_id)
            .fetch_all(&mut *tx)
            .await?
        } else {
            by_id
        };
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get(0)?;
            sqlx::query("UPDATE passwords SET revoked_at = $1 WHERE id = $2")
                .bind(at)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Set the tag of password `id` (a row from before tags, verified).
    pub async fn password_set_tag(&self, id: &str, tag: i64) -> Result<(), Error> {
        sqlx::query("UPDATE passwords SET tag = $1 WHERE id = $2")
            .bind(tag)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The key password tags are made with: the stored one, or else
    /// `candidate`, stored now. Two processes racing both end up with the
    /// one stored first. When the key is new, tags made with an earlier
    /// (lost) key are cleared, so they are remade at the next login
    /// instead of never matching.
    pub async fn password_tag_key(&self, candidate: &[u8]) -> Result<Vec<u8>, Error> {
        const NAME: &str = "accounts/password-tag-key";
        let inserted = sqlx::query(
            "INSERT INTO secrets (name, sealed, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(NAME)
        .bind(candidate.to_vec())
        .bind(super::now())
        .execute(self.pool())
        .await?
        .rows_affected()
            == 1;
        if inserted {
            sqlx::query("UPDATE passwords SET tag = NULL")
                .execute(self.pool())
                .await?;
        }
        let row = sqlx::query("SELECT sealed FROM secrets WHERE name = $1")
            .bind(NAME)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<Vec<u8>, _>(0)?)
    }

    /// Record that password `id` was just used.
    pub async fn password_touch(&self, id: &str, at: i64) -> Result<(), Error> {
        sqlx::query("UPDATE passwords SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// What an open session needs to know before each command, in one
    /// indexed read (primary keys of both tables): when the account `login`
    /// was created, and whether password `id` is still one of its active
    /// passwords (`false` for `None`). `None` when there is no such account.
    pub async fn account_standing(
        &self,
        login: &str,
        id: Option<&str>,
    ) -> Result<Option<(i64, bool)>, Error> {
        let row = sqlx::query(
            "SELECT a.created_at, p.id, p.revoked_at
             FROM accounts a LEFT JOIN passwords p ON p.login = a.login AND p.id = $2
             WHERE a.login = $1",
        )
        .bind(login)
        .bind(id.unwrap_or(""))
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let created_at: i64 = r.try_get(0)?;
        let id: Option<String> = r.try_get(1)?;
        let revoked_at: Option<i64> = r.try_get(2)?;
        Ok(Some((created_at, id.is_some() && revoked_at.is_none())))
    }

    /// The account `login` if password `id` is one of its active passwords:
    /// one indexed read that confirms a remembered verification still holds
    /// (the password may have been revoked by another process since).
    pub async fn account_with_active_password(
        &self,
        login: &str,
        id: &str,
    ) -> Result<Option<AccountRow>, Error> {
        let row = sqlx::query(
            "SELECT a.login, a.microsoft_user, a.mode, a.created_at
             FROM accounts a JOIN passwords p ON p.login = a.login
             WHERE a.login = $1 AND p.id = $2 AND p.revoked_at IS NULL",
        )
        .bind(login)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(account_row).transpose()
    }
}
