//! Token providers against the emulated tenant: client credentials with a
//! secret and a certificate, rotation, expiry during work, revocation
//! without a retry storm, single flight, and a lost key.

use std::sync::Arc;

use graphgate::auth::{Error, Identity, Oauth, login};
use graphgate::graph::{GraphClient, GraphSettings};
use serde_json::json;

use super::harness::{CLIENT_ID, Setup};
use crate::common::{ALICE, eventually};

async fn grants(setup: &Setup, grant: &str) -> u64 {
    setup.tenant.stats().await["by_grant"][grant]
        .as_u64()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_with_a_secret_give_app_roles() {
    let setup = Setup::new(false).await;
    let tokens = setup.tokens().await;
    let token = tokens
        .provider(&Identity::App)
        .access_token()
        .await
        .unwrap();
    let roles = login::token_permissions(token.bearer());
    assert!(roles.iter().any(|r| r == "Mail.ReadWrite"), "{roles:?}");
    assert!(login::claims(token.bearer()).unwrap().get("scp").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_with_a_certificate_assertion() {
    let setup = Setup::new(false).await;
    let dir = setup.dir.path();
    let (key, cert) = (dir.join("app.key"), dir.join("app.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=graphgate-test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let pem = std::fs::read_to_string(&cert).unwrap();
    let r = setup
        .tenant
        .http
        .put(format!("{}/_emulator/apps/{CLIENT_ID}", setup.tenant.base))
        .json(&json!({"certificates": [pem]}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    // The secret is gone from the config: only the certificate can work.
    let text = std::fs::read_to_string(&setup.config_file)
        .unwrap()
        .replace("client_secret = \"graphgate-demo-secret\"", "");
    std::fs::write(
        &setup.config_file,
        text.replace(
            "[microsoft]\n",
            &format!("[microsoft]\nclient_certificate = {cert:?}\nclient_key = {key:?}\n"),
        ),
    )
    .unwrap();
    let oauth = Oauth::from_config(&setup.config().microsoft).unwrap();
    let answer = oauth.client_credentials().await.unwrap();
    let roles = login::token_permissions(answer.access_token.expose());
    assert!(roles.iter().any(|r| r == "Mail.Send"), "{roles:?}");
    assert_eq!(grants(&setup, "client_credentials").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_rotate_and_the_newest_is_kept() {
    // The identity platform returns a new refresh token on every refresh
    // and does not revoke the old one (docs/microsoft-graph.md §21): graphgate must
    // keep the newest, stored before the access token is used.
    let setup = Setup::new(false).await;
    setup.login(ALICE).await;
    let tokens = setup.tokens().await;
    let mut seen = vec![tokens.refresh_tokens().get(ALICE).await.unwrap().unwrap()];
    let provider = tokens.provider(&Identity::Delegated {
        login: ALICE.into(),
    });
    let first = provider.access_token().await.unwrap();
    seen.push(tokens.refresh_tokens().get(ALICE).await.unwrap().unwrap());
    provider.refresh_after_rejection(&first).await.unwrap();
    seen.push(tokens.refresh_tokens().get(ALICE).await.unwrap().unwrap());
    assert_ne!(seen[0].expose(), seen[1].expose(), "rotated and stored");
    assert_ne!(seen[1].expose(), seen[2].expose(), "rotated again");
    // A new process (a restart, or another instance) first uses the
    // access token cached beside the refresh token, then continues from
    // the newest refresh token.
    let restarted = setup.tokens().await;
    let again = restarted.provider(&Identity::Delegated {
        login: ALICE.into(),
    });
    let cached = again.access_token().await.unwrap();
    assert_eq!(grants(&setup, "refresh_token").await, 2, "no new request");
    again.refresh_after_rejection(&cached).await.unwrap();
    assert_eq!(grants(&setup, "refresh_token").await, 3);
    let newest = tokens.refresh_tokens().get(ALICE).await.unwrap().unwrap();
    assert_ne!(
        newest.expose(),
        seen[2].expose(),
        "rotated again and stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_expiring_mid_work_is_invisible() {
    let setup = Setup::new(false).await;
    setup.login(ALICE).await;
    setup.tenant.set(json!({"token_lifetime_s": 3})).await;
    let tokens = setup.tokens().await;
    let provider = tokens.provider(&Identity::Delegated {
        login: ALICE.into(),
    });
    let graph =
        GraphClient::new(GraphSettings::new(setup.tenant.url("").parse().unwrap())).unwrap();
    let mb = graph.mailbox(provider.clone(), ALICE, true);
    let first = provider.access_token().await.unwrap();
    mb.folder("inbox").await.unwrap();
    // Work goes on past the token's lifetime.
    let deadline = first.expires_at + 1;
    eventually(10, "the first token expired", || async {
        chrono::Utc::now().timestamp() > deadline
    })
    .await;
    for _ in 0..5 {
        mb.folder("inbox")
            .await
            .expect("no error reaches the caller");
    }
    let now = provider.access_token().await.unwrap();
    assert!(now.generation > first.generation, "a new token was fetched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_sign_in_gives_one_clear_error_and_no_retry_storm() {
    let setup = Setup::new(false).await;
    setup.login(ALICE).await;
    setup
        .tenant
        .control_post(
            &format!("/_emulator/users/{ALICE}/revoke-sessions"),
            json!({}),
        )
        .await;
    let tokens = setup.tokens().await;
    let provider = tokens.provider(&Identity::Delegated {
        login: ALICE.into(),
    });
    let before = grants(&setup, "refresh_token").await;
    let attempts = futures::future::join_all((0..30).map(|_| provider.access_token())).await;
    for a in &attempts {
        let e = a.as_ref().unwrap_err();
        assert!(!e.is_transient());
        assert!(
            e.to_string().contains("graphgate login alice@contoso.test"),
            "{e}"
        );
    }
    for _ in 0..10 {
        assert!(provider.access_token().await.is_err());
    }
    assert_eq!(
        grants(&setup, "refresh_token").await - before,
        1,
        "exactly one refresh attempt"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_refresh_for_a_hundred_concurrent_callers() {
    let setup = Setup::new(false).await;
    setup.login(ALICE).await;
    let tokens = setup.tokens().await;
    let provider = tokens.provider(&Identity::Delegated {
        login: ALICE.into(),
    });
    let before = grants(&setup, "refresh_token").await;
    let all = futures::future::join_all((0..100).map(|_| {
        let p = Arc::clone(&provider);
        tokio::spawn(async move { p.access_token().await })
    }))
    .await;
    assert!(all.iter().all(|r| r.as_ref().unwrap().is_ok()));
    assert_eq!(grants(&setup, "refresh_token").await - before, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_key_means_signing_in_again_not_a_crash() {
    let setup = Setup::new(false).await;
    setup.login(ALICE).await;
    std::fs::remove_file(setup.data_dir().join(graphgate::auth::KEY_FILE)).unwrap();
    let tokens = setup.tokens().await;
    let e = tokens
        .provider(&Identity::Delegated {
            login: ALICE.into(),
        })
        .access_token()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::SignInRequired(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains("run `graphgate login alice@contoso.test`"),
        "{e}"
    );
}
