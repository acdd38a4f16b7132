//! One identity's access tokens: handed out while fresh, refreshed a few
//! minutes before they expire, and refreshed by exactly one caller however
//! many wait (single flight). A 401 names the token generation Graph
//! rejected, so a crowd of sessions hit by the same expiry causes one
//! refresh. A refresh that needs a person (revoked, expired, no consent)
//! is remembered for a while instead of being retried by every request.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::error::Error;
use super::identity::Identity;
use super::token::{AccessToken, TokenSource};

/// How long a failure that needs a person is answered from memory.
const REMEMBER_FAILURE: Duration = Duration::from_secs(60);
/// How long a transient failure holds back the next try.
const TRANSIENT_PAUSE: Duration = Duration::from_secs(2);

#[derive(Default)]
struct State {
    current: Option<AccessToken>,
    generation: u64,
    failure: Option<(Error, Instant)>,
}

/// Hands out access tokens for one identity, refreshing when needed.
pub struct TokenProvider {
    identity: Identity,
    source: Arc<dyn TokenSource>,
    state: Mutex<State>,
    /// Held by the one caller that refreshes.
    refreshing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenProvider")
            .field("identity", &self.identity)
            .finish()
    }
}

impl TokenProvider {
    pub fn from_source(identity: Identity, source: Arc<dyn TokenSource>) -> TokenProvider {
        TokenProvider {
            identity,
            source,
            state: Mutex::new(State::default()),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    fn usable(&self, rejected: Option<u64>) -> Option<AccessToken> {
        let state = self.state.lock();
        let token = state.current.as_ref()?;
        let now = chrono::Utc::now().timestamp();
        let rejected_now = rejected.is_some_and(|g| g == token.generation);
        (token.fresh(now) && !rejected_now).then(|| token.clone())
    }

    /// A token valid for at least a little while.
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        if let Some(token) = self.usable(None) {
            return Ok(token);
        }
        self.refresh(None).await
    }

    /// A token had another way (the on-behalf-of exchange): handed out
    /// until it runs out, so the first Graph call needs no refresh.
    pub fn offer(&self, secret: crate::secret::Secret, expires_at: i64) {
        let mut state = self.state.lock();
        state.generation += 1;
        state.current = Some(AccessToken {
            secret,
            expires_at,
            generation: state.generation,
        });
        state.failure = None;
    }

    /// Graph answered 401 to `rejected`: refresh (once, however many callers
    /// saw the same 401) and return the new token.
    pub async fn refresh_after_rejection(
        &self,
        rejected: &AccessToken,
    ) -> Result<AccessToken, Error> {
        self.refresh(Some(rejected.generation)).await
    }

    async fn refresh(&self, rejected: Option<u64>) -> Result<AccessToken, Error> {
        let _one = self.refreshing.lock().await;
        // Someone else refreshed while we waited.
        if let Some(token) = self.usable(rejected) {
            return Ok(token);
        }
        if let Some((error, at)) = &self.state.lock().failure {
            let pause = if error.is_transient() {
                TRANSIENT_PAUSE
            } else {
                REMEMBER_FAILURE
            };
            if at.elapsed() < pause {
                return Err(error.clone());
            }
        }
        // What we hold is expiring or was refused: a source shared with
        // other instances must not hand it back.
        let stale = self.state.lock().current.clone();
        match self.source.fetch_instead_of(stale.as_ref()).await {
            Ok(mut token) => {
                let mut state = self.state.lock();
                state.generation += 1;
                token.generation = state.generation;
                state.current = Some(token.clone());
                state.failure = None;
                Ok(token)
            }
            Err(error) => {
                match &self.identity {
                    Identity::Delegated { login } => {
                        tracing::warn!(%login, error = %error, "token refresh failed")
                    }
                    Identity::App => tracing::warn!(error = %error, "app token request failed"),
                }
                let mut state = self.state.lock();
                state.failure = Some((error.clone(), Instant::now()));
                if !error.is_transient() {
                    state.current = None;
                }
                Err(error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    struct Counting {
        calls: AtomicU64,
        lifetime: i64,
        fail: Option<Error>,
    }

    impl TokenSource for Counting {
        fn fetch(&self) -> crate::auth::BoxFuture<'_, Result<AccessToken, Error>> {
            Box::pin(async move {
                self.calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                if let Some(e) = &self.fail {
                    return Err(e.clone());
                }
                Ok(AccessToken {
                    secret: crate::secret::Secret::new("t"),
                    expires_at: chrono::Utc::now().timestamp() + self.lifetime,
                    generation: 0,
                })
            })
        }
    }

    fn provider(lifetime: i64, fail: Option<Error>) -> (Arc<Counting>, Arc<TokenProvider>) {
        let source = Arc::new(Counting {
            calls: AtomicU64::new(0),
            lifetime,
            fail,
        });
        let p = Arc::new(TokenProvider::from_source(Identity::App, source.clone()));
        (source, p)
    }

    #[tokio::test]
    async fn one_refresh_for_many_callers_and_one_per_rejection() {
        let (source, p) = provider(3600, None);
        let all = futures::future::join_all((0..50).map(|_| p.access_token())).await;
        assert!(
            all.iter()
                .all(|t| t.as_ref().is_ok_and(|t| t.generation == 1))
        );
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
        let first = all[0].clone().unwrap();
        let again =
            futures::future::join_all((0..50).map(|_| p.refresh_after_rejection(&first))).await;
        assert!(
            again
                .iter()
                .all(|t| t.as_ref().is_ok_and(|t| t.generation == 2))
        );
        assert_eq!(
            source.calls.load(Ordering::SeqCst),
            2,
            "one refresh for 50 rejections"
        );
    }

    #[tokio::test]
    async fn failures_needing_a_person_are_not_retried_at_once() {
        let (source, p) = provider(3600, Some(Error::SignInRequired("run login".into())));
        for _ in 0..20 {
            assert!(matches!(
                p.access_token().await,
                Err(Error::SignInRequired(_))
            ));
        }
        assert_eq!(source.calls.load(Ordering::SeqCst), 1);
    }
}
