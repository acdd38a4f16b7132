//! Refresh tokens (rotation, scope subsets, revocation, inactivity expiry,
//! withdrawn consent), access token expiry, and OpenID discovery.

use super::harness::*;
use graphgate_emulator::seed::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID};
use graphgate_emulator::tokens::{self, Principal, TokenRejection};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn refresh_rotates_and_old_tokens_keep_working() {
    let t = Tenant::start().await;
    let first = t.device_sign_in("alice@contoso.test", MAIL_SCOPES).await;
    let rt1 = first["refresh_token"].as_str().unwrap().to_string();
    let (status, second) = t.refresh(&rt1, None).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let rt2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    assert_eq!(second["scope"], first["scope"]);
    let (status, _) = t.refresh(&rt1, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the old refresh token still works until it expires"
    );
    let (status, third) = t.refresh(&rt2, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(third["refresh_token"], second["refresh_token"]);
    assert_eq!(t.by_grant("refresh_token"), 3);
    t.em.stop().await;
}

#[tokio::test]
async fn single_use_refresh_tokens_redeem_once_and_count_the_refusal() {
    let t = Tenant::start_with(|s| s.refresh_token_single_use = true).await;
    let first = t.device_sign_in("alice@contoso.test", MAIL_SCOPES).await;
    let rt1 = first["refresh_token"].as_str().unwrap().to_string();
    // Two redemptions of one token at once: exactly one wins.
    let (a, b) = tokio::join!(t.refresh(&rt1, None), t.refresh(&rt1, None));
    let winners: Vec<&Value> = [&a, &b]
        .into_iter()
        .filter(|r| r.0 == StatusCode::OK)
        .map(|r| &r.1)
        .collect();
    assert_eq!(winners.len(), 1, "{a:?} {b:?}");
    let loser = if a.0 == StatusCode::OK { &b } else { &a };
    assert_error(loser, StatusCode::BAD_REQUEST, "invalid_grant", 70000);
    let rt2 = winners[0]["refresh_token"].as_str().unwrap().to_string();
    // The rotated token works once; the first stays refused.
    let (status, third) = t.refresh(&rt2, None).await;
    assert_eq!(status, StatusCode::OK, "{third}");
    assert_error(
        &t.refresh(&rt2, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        70000,
    );
    assert_error(
        &t.refresh(&rt1, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        70000,
    );
    let refused =
        t.em.tenant
            .stats
            .token_errors
            .get("invalid_grant")
            .map(|n| *n);
    assert_eq!(refused, Some(3));
    // A new sign-in is a session of its own.
    let other = t.device_sign_in("alice@contoso.test", MAIL_SCOPES).await;
    let (status, _) = t
        .refresh(other["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    t.em.stop().await;
}

#[tokio::test]
async fn refresh_scope_must_be_a_subset_of_the_grant() {
    let t = Tenant::start().await;
    let first = t.device_sign_in("alice@contoso.test", MAIL_SCOPES).await;
    let rt = first["refresh_token"].as_str().unwrap();
    let (status, narrow) = t
        .refresh(rt, Some("https://graph.microsoft.com/Mail.Send"))
        .await;
    assert_eq!(status, StatusCode::OK, "{narrow}");
    assert_eq!(
        narrow["scope"],
        "https://graph.microsoft.com/Mail.Send offline_access"
    );
    let p = t.verify(narrow["access_token"].as_str().unwrap()).unwrap();
    assert!(
        matches!(p, Principal::Delegated { ref scopes, .. } if *scopes == short_scopes(&["Mail.Send"]))
    );
    // The rotated token still carries the whole grant.
    let (status, wide) = t
        .refresh(
            narrow["refresh_token"].as_str().unwrap(),
            Some("Mail.ReadWrite Mail.Send"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{wide}");
    // Consented for the app, but not part of this sign-in.
    let got = t.refresh(rt, Some("Mail.Read")).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_grant", 65001);
    assert_eq!(got.1["suberror"], "consent_required");
    t.em.stop().await;
}

#[tokio::test]
async fn refresh_after_sessions_are_revoked_fails() {
    let t = Tenant::start().await;
    let first = t.device_sign_in("alice@contoso.test", MAIL_SCOPES).await;
    let rt = first["refresh_token"].as_str().unwrap();
    {
        let mut dir = t.em.tenant.directory.write();
        tokens::revoke_sessions(dir.user_mut("alice@contoso.test").unwrap(), now());
    }
    let got = t.refresh(rt, None).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_grant", 50173);
    // A sign-in right after the revocation (same second) is not revoked.
    let again = t.device_sign_in("alice@contoso.test", MAIL_SCOPES).await;
    let (status, body) = t
        .refresh(again["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    t.em.stop().await;
}

#[tokio::test]
async fn refresh_token_expires_after_inactivity() {
    let t = Tenant::start_with(|s| s.refresh_token_lifetime_s = 1).await;
    let first = t
        .device_sign_in("alice@contoso.test", "offline_access Mail.Read")
        .await;
    let rt = first["refresh_token"].as_str().unwrap().to_string();
    eventually("refresh token expiry", async || {
        t.refresh(&rt, None).await.0 != StatusCode::OK
    })
    .await;
    let got = t.refresh(&rt, None).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_grant", 700082);
    let garbage = t.refresh("0.Anot-a-token.sig", None).await;
    assert_error(&garbage, StatusCode::BAD_REQUEST, "invalid_grant", 9002313);
    t.em.stop().await;
}

#[tokio::test]
async fn missing_consent_is_consent_required() {
    let t = Tenant::start().await;
    t.demo_app(|a| {
        a.delegated_scopes.remove("Mail.Send");
    });
    t.em.tenant.settings.write().device_code_interval_s = 0;
    let dc = t.device_code(MAIL_SCOPES).await;
    t.approve_device(
        dc["user_code"].as_str().unwrap(),
        "alice@contoso.test",
        true,
    )
    .await;
    let got = t.poll(dc["device_code"].as_str().unwrap()).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_grant", 65001);
    assert_eq!(got.1["suberror"], "consent_required");

    // `.default` gets every consented permission, and no more.
    let body = t
        .device_sign_in(
            "bob@contoso.test",
            "https://graph.microsoft.com/.default offline_access",
        )
        .await;
    let scope: Vec<&str> = body["scope"].as_str().unwrap().split_whitespace().collect();
    assert!(
        scope.contains(&"https://graph.microsoft.com/Mail.ReadWrite"),
        "{scope:?}"
    );
    assert!(
        scope.contains(&"https://graph.microsoft.com/Mail.Send.Shared"),
        "{scope:?}"
    );
    assert!(
        !scope.contains(&"https://graph.microsoft.com/Mail.Send"),
        "{scope:?}"
    );

    // Withdrawing consent also stops refreshes that still carry it.
    t.demo_app(|a| {
        a.delegated_scopes.remove("Mail.ReadWrite");
    });
    let got = t
        .refresh(body["refresh_token"].as_str().unwrap(), None)
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_grant", 65001);
    t.em.stop().await;
}

// Access tokens.

#[tokio::test]
async fn access_tokens_expire_promptly() {
    let t = Tenant::start_with(|s| s.token_lifetime_s = 1).await;
    let (status, body) = t
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("scope", GRAPH_DEFAULT),
        ])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["expires_in"], 1);
    let at = body["access_token"].as_str().unwrap().to_string();
    assert!(t.verify(&at).is_ok());
    eventually("access token expiry", async || {
        t.verify(&at) == Err(TokenRejection::Expired)
    })
    .await;
    t.em.stop().await;
}

#[tokio::test]
async fn access_tokens_of_deleted_users_are_refused() {
    let t = Tenant::start().await;
    let body = t.device_sign_in("carol@contoso.test", "Mail.Read").await;
    let at = body["access_token"].as_str().unwrap();
    assert!(t.verify(at).is_ok());
    t.em.tenant
        .directory
        .write()
        .users
        .retain(|u| u.upn != "carol@contoso.test");
    assert_eq!(t.verify(at), Err(TokenRejection::BadSignature));
    assert_eq!(
        t.verify(&format!("{at}x")),
        Err(TokenRejection::BadSignature)
    );
    t.em.stop().await;
}

// Discovery.

#[tokio::test]
async fn openid_configuration_uses_the_request_host() {
    let t = Tenant::start().await;
    let url = t.url("/organizations/v2.0/.well-known/openid-configuration");
    let doc: Value = t.http.get(url).send().await.unwrap().json().await.unwrap();
    let base = &t.base;
    assert_eq!(
        doc["token_endpoint"],
        format!("{base}/organizations/oauth2/v2.0/token")
    );
    assert_eq!(
        doc["authorization_endpoint"],
        format!("{base}/organizations/oauth2/v2.0/authorize")
    );
    assert_eq!(
        doc["device_authorization_endpoint"],
        format!("{base}/organizations/oauth2/v2.0/devicecode")
    );
    assert_eq!(doc["issuer"], format!("{base}/{DEMO_TENANT_ID}/v2.0"));
    let missing = t.url("/nope.example/v2.0/.well-known/openid-configuration");
    let resp = t.http.get(missing).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    t.em.stop().await;
}
