//! Messages an account may send per UTC day (`smtp.messages_per_day`),
//! counted in the store so that every gateway instance on it counts
//! together: an account cannot send its allowance once per instance. A
//! message is counted before it goes to Graph (so messages sent in
//! parallel cannot pass the limit together) and given back if Graph does
//! not take it. One upsert per message; one more for a message not sent.
//!
//! There is one row per account that has sent mail, reused every day, so
//! nothing needs sweeping.

use super::error::Error;
use super::registry::Accounts;

/// A day in milliseconds.
const DAY: i64 = 86_400_000;

/// A message counted against its account's day, to give back if it is
/// not sent after all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentCount {
    /// `None` when there is no limit (nothing was counted).
    key: Option<String>,
    /// The start of the day it was counted in (milliseconds).
    day: i64,
}

impl SentCount {
    /// A count of nothing: there is no limit to count against.
    pub fn nothing() -> SentCount {
        SentCount { key: None, day: 0 }
    }
}

/// The counter key of `login`'s messages.
fn key(login: &str) -> String {
    format!("sent/{login}")
}

impl Accounts {
    /// Count one message of `login` (normalised) against `per_day`, before
    /// it is sent: `Ok(None)` when the day's messages are used up (nothing
    /// is counted then). A limit of 0 counts nothing.
    pub async fn count_message(
        &self,
        login: &str,
        per_day: u32,
    ) -> Result<Option<SentCount>, Error> {
        self.count_message_at(login, per_day, chrono::Utc::now().timestamp_millis())
            .await
    }

    async fn count_message_at(
        &self,
        login: &str,
        per_day: u32,
        now: i64,
    ) -> Result<Option<SentCount>, Error> {
        let day = now - now.rem_euclid(DAY);
        if per_day == 0 {
            return Ok(Some(SentCount { key: None, day }));
        }
        let key = key(login);
        let taken = self
            .store()
            .counter_take(&[(&key, i64::from(per_day))], day, day - 1)
            .await?;
        if taken.first().is_none_or(|t| t.refused) {
            return Ok(None);
        }
        Ok(Some(SentCount {
            key: Some(key),
            day,
        }))
    }

    /// Give back a message counted by `count_message` that was not sent.
    pub async fn uncount_message(&self, counted: &SentCount) -> Result<(), Error> {
        let Some(key) = &counted.key else {
            return Ok(());
        };
        self.store()
            .counter_give_back(&[(key.as_str(), counted.day)])
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::LoginLimits;
    use crate::store::Store;

    #[tokio::test]
    async fn the_daily_limit_counts_sent_messages_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let accounts = Accounts::new(store.clone(), LoginLimits::default());
        // Another instance on the same store.
        let elsewhere = Accounts::new(store, LoginLimits::default());
        let noon = 20_000 * DAY + DAY / 2;
        let a = accounts.count_message_at("a", 2, noon).await.unwrap();
        assert!(a.is_some());
        let b = elsewhere.count_message_at("a", 2, noon + 1).await.unwrap();
        assert!(b.is_some(), "the second, on another instance");
        assert_eq!(
            accounts.count_message_at("a", 2, noon + 2).await.unwrap(),
            None,
            "the third is refused on every instance"
        );
        assert!(
            elsewhere
                .count_message_at("b", 2, noon)
                .await
                .unwrap()
                .is_some(),
            "per account"
        );
        // A message not sent does not count.
        elsewhere.uncount_message(&b.unwrap()).await.unwrap();
        assert!(
            accounts
                .count_message_at("a", 2, noon + 3)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(
            accounts.count_message_at("a", 2, noon + 4).await.unwrap(),
            None
        );
        // A new UTC day starts afresh; giving back yesterday's does nothing.
        let tomorrow = noon + DAY / 2;
        let first = accounts.count_message_at("a", 2, tomorrow).await.unwrap();
        assert!(first.is_some());
        accounts.uncount_message(&a.unwrap()).await.unwrap();
        assert!(
            accounts
                .count_message_at("a", 2, tomorrow + 1)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(
            accounts
                .count_message_at("a", 2, tomorrow + 2)
                .await
                .unwrap(),
            None
        );
        // No limit: nothing counted, nothing refused.
        for _ in 0..5 {
            let free = accounts.count_message_at("a", 0, tomorrow).await.unwrap();
            accounts
                .uncount_message(free.as_ref().unwrap())
                .await
                .unwrap();
        }
    }
}
