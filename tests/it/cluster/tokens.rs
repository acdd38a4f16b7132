//! Three instances, each with its own store pool and token registry, keep
//! one user's tokens fresh against a tenant whose refresh tokens redeem
//! once (`refresh_token_single_use`): a refresh token redeemed twice would
//! show as `invalid_grant`. Many callers per instance ask for tokens
//! through several expiries, then all report a 401 at once.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use graphgate::accounts::{Accounts, LoginLimits, Mode};
use graphgate::auth::{Identity, Oauth, RefreshTokens, TokenKey, Tokens};
use graphgate::store::Store;
use serde_json::json;

use crate::auth::harness::Setup;
use crate::common::ALICE;

/// Access token lifetime in the tenant (s): a token is used until its last
/// second, so one refresh per `LIFETIME - 1` s at most.
const LIFETIME: i64 = 3;
/// How long the callers keep asking.
const HAMMER: Duration = Duration::from_secs(9);
/// Callers per instance.
const CALLERS: usize = 20;
const INSTANCES: usize = 3;

async fn grants(setup: &Setup) -> u64 {
    setup.tenant.stats().await["by_grant"]["refresh_token"]
        .as_u64()
        .unwrap_or(0)
}

async fn invalid_grants(setup: &Setup) -> u64 {
    setup.tenant.stats().await["token_errors"]["invalid_grant"]
        .as_u64()
        .unwrap_or(0)
}

/// alice signed in (through `graphgate login` into the SQLite store of
/// `setup`), then the same sign-in in the store at `url` if it is
/// another one; returns the refresh token the sign-in gave.
async fn signed_in(setup: &Setup, url: &str, key: &TokenKey) -> graphgate::secret::Secret {
    setup.login(ALICE).await;
    let first = setup
        .tokens()
        .await
        .refresh_tokens()
        .get(ALICE)
        .await
        .unwrap()
        .expect("signed in");
    if url.starts_with("postgres") {
        let store = Store::open(url).await.unwrap();
        Accounts::new(store.clone(), LoginLimits::default())
            .add(ALICE, ALICE, Mode::Delegated)
            .await
            .unwrap();
        RefreshTokens::new(store, key.clone())
            .put(ALICE, &first)
            .await
            .unwrap();
    }
    first
}

/// One instance: its own pool on `url`, its own registry.
async fn instance(setup: &Setup, url: &str, key: &TokenKey) -> Arc<Tokens> {
    let store = Store::open(url).await.unwrap();
    let oauth = Oauth::from_config(&setup.config().microsoft).unwrap();
    Arc::new(Tokens::new(
        oauth,
        RefreshTokens::new(store, key.clone()),
        false,
    ))
}

async fn three_instances_refresh_once_per_expiry(url: Option<String>) {
    let setup = Setup::new(false).await;
    let key = TokenKey::load(&setup.data_dir()).unwrap();
    let url = url.unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            setup.data_dir().join("graphgate.sqlite").display()
        )
    });
    let first = signed_in(&setup, &url, &key).await;
    setup
        .tenant
        .set(json!({"token_lifetime_s": LIFETIME, "refresh_token_single_use": true}))
        .await;
    let mut instances = Vec::new();
    for _ in 0..INSTANCES {
        instances.push(instance(&setup, &url, &key).await);
    }
    let alice = Identity::Delegated {
        login: ALICE.into(),
    };
    let (grants_before, refused_before) = (grants(&setup).await, invalid_grants(&setup).await);

    // Every caller of every instance asks for a token every 10 ms.
    let started = Instant::now();
    let deadline = started + HAMMER;
    let mut callers = Vec::new();
    for tokens in &instances {
        for _ in 0..CALLERS {
            let provider = tokens.provider(&alice);
            callers.push(tokio::spawn(async move {
                let mut seen = BTreeMap::new();
                let mut asked = 0u64;
                while Instant::now() < deadline {
                    let token = provider.access_token().await.expect("a token");
                    let now = chrono::Utc::now().timestamp();
                    assert!(token.expires_at > now, "an expired token was handed out");
                    seen.insert(token.bearer().to_string(), token.expires_at);
                    asked += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                (seen, asked)
            }));
        }
    }
    let mut tokens_seen: BTreeMap<String, i64> = BTreeMap::new();
    let mut asked = 0;
    for c in callers {
        let (seen, n) = c.await.unwrap();
        tokens_seen.extend(seen);
        asked += n;
    }
    let refreshes = grants(&setup).await - grants_before;
    let mut expiries: Vec<i64> = tokens_seen.values().copied().collect();
    expiries.sort();
    println!(
        "token refresh, {INSTANCES} instances x {CALLERS} callers for {:?} on {}: {asked} tokens asked for, \
         {refreshes} token requests to Microsoft, {} distinct access tokens, expiries {:?}",
        HAMMER,
        url.split(':').next().unwrap_or(""),
        tokens_seen.len(),
        expiries
    );
    assert_eq!(
        invalid_grants(&setup).await,
        refused_before,
        "no refresh token redeemed twice"
    );
    assert_eq!(
        refreshes,
        tokens_seen.len() as u64,
        "every token request gave a token that every instance used"
    );
    assert!(refreshes >= 3, "several expiries passed: {refreshes}");
    for pair in expiries.windows(2) {
        assert!(
            pair[1] - pair[0] >= LIFETIME - 1,
            "a token was fetched while another was still fresh: {expiries:?}"
        );
    }

    // Long-lived tokens from here on. Once the short ones have expired,
    // each instance asks once: one token request serves all three.
    setup.tenant.set(json!({"token_lifetime_s": 3600})).await;
    tokio::time::sleep(Duration::from_secs(LIFETIME as u64 + 1)).await;
    let before = grants(&setup).await;
    let mut held = Vec::new();
    for tokens in &instances {
        held.push(tokens.provider(&alice).access_token().await.unwrap());
    }
    assert_eq!(
        grants(&setup).await - before,
        1,
        "one request after an expiry"
    );
    assert!(held.iter().all(|t| t.bearer() == held[0].bearer()));

    // Graph refuses that token on every instance at once (a 401 for every
    // caller): one refresh for the cluster.
    let before = grants(&setup).await;
    let mut rejected = Vec::new();
    for (tokens, held) in instances.iter().zip(&held) {
        let provider = tokens.provider(&alice);
        for _ in 0..CALLERS {
            let (p, held) = (provider.clone(), held.clone());
            rejected.push(tokio::spawn(async move {
                p.refresh_after_rejection(&held).await
            }));
        }
    }
    let mut after_401 = std::collections::BTreeSet::new();
    for r in rejected {
        after_401.insert(r.await.unwrap().unwrap().bearer().to_string());
    }
    let refreshed = grants(&setup).await - before;
    println!(
        "a 401 on {INSTANCES} instances x {CALLERS} callers: {refreshed} token request(s), {} distinct new token(s)",
        after_401.len()
    );
    assert_eq!(refreshed, 1, "one refresh for every 401 of the cluster");
    assert_eq!(after_401.len(), 1);
    assert_eq!(invalid_grants(&setup).await, refused_before);

    // Exactly one refresh token is valid: the stored one. The first of the
    // sign-in was rotated away.
    let oauth = Oauth::from_config(&setup.config().microsoft).unwrap();
    let scopes = format!("{}/.default offline_access", oauth.resource);
    let stored = instances[0]
        .refresh_tokens()
        .get(ALICE)
        .await
        .unwrap()
        .unwrap();
    assert!(oauth.refresh(&first, &scopes, ALICE).await.is_err());
    assert_eq!(invalid_grants(&setup).await, refused_before + 1);
    oauth
        .refresh(&stored, &scopes, ALICE)
        .await
        .expect("the stored refresh token is the valid one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_on_postgres_refresh_once_per_expiry() {
    three_instances_refresh_once_per_expiry(Some(crate::common::pg::database().await)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_on_one_sqlite_file_refresh_once_per_expiry() {
    three_instances_refresh_once_per_expiry(None).await;
}
