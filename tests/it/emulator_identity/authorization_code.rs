//! Authorization code + PKCE: /authorize with its redirect URI checks, the
//! sign-in pages, response modes, and single-use code redemption.

use super::harness::*;
use graphgate_emulator::seed::{ALICE, DEMO_CLIENT_ID};
use graphgate_emulator::tokens::Principal;
use reqwest::StatusCode;

#[tokio::test]
async fn authorization_code_with_pkce_is_single_use() {
    let t = Tenant::start().await;
    let (verifier, challenge) = pkce();
    let redirect = "http://127.0.0.1:8400/";
    let resp = t
        .authorize(&[
            ("client_id", DEMO_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", redirect),
            ("scope", MAIL_SCOPES),
            ("state", "xyz&1"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("login_hint", "alice@contoso.test"),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(
        html.contains("value=\"alice@contoso.test\""),
        "login_hint prefills: {html}"
    );
    let location = t.sign_in(&html, "alice@contoso.test", true).await;
    let url = url::Url::parse(&location).unwrap();
    assert!(location.starts_with(redirect), "{location}");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "xyz&1");
    let code = q["code"].clone();

    let redeem = |verifier: String, redirect: &'static str| {
        let code = code.clone();
        let t = &t;
        async move {
            t.token(&[
                ("grant_type", "authorization_code"),
                ("client_id", DEMO_CLIENT_ID),
                ("code", &code),
                ("redirect_uri", redirect),
                ("code_verifier", &verifier),
            ])
            .await
        }
    };
    let wrong = redeem("x".repeat(43), redirect).await;
    assert_error(&wrong, StatusCode::BAD_REQUEST, "invalid_grant", 501481);
    let other_uri = redeem(verifier.clone(), "http://127.0.0.1:8401/").await;
    assert_error(&other_uri, StatusCode::BAD_REQUEST, "invalid_grant", 500112);

    let (status, body) = redeem(verifier.clone(), redirect).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["refresh_token"].is_string() && body["id_token"].is_string());
    let p = t.verify(body["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(
        p,
        Principal::Delegated {
            client_id: DEMO_CLIENT_ID.into(),
            user: ALICE,
            scopes: short_scopes(&["Mail.ReadWrite", "Mail.Send"]),
        }
    );

    let again = redeem(verifier, redirect).await;
    assert_error(&again, StatusCode::BAD_REQUEST, "invalid_grant", 54005);
    assert_eq!(t.by_grant("authorization_code"), 4);
    t.em.stop().await;
}

#[tokio::test]
async fn authorize_refuses_unregistered_redirect_uris_with_a_page() {
    let t = Tenant::start().await;
    for bad in [
        "https://evil.example/cb",
        "http://localhost:8400/cb",
        "http://127.0.0.2:8400/",
    ] {
        let resp = t
            .authorize(&[
                ("client_id", DEMO_CLIENT_ID),
                ("response_type", "code"),
                ("redirect_uri", bad),
                ("scope", "Mail.Read"),
            ])
            .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert!(resp.headers().get("location").is_none());
        let html = resp.text().await.unwrap();
        assert!(html.contains("AADSTS50011"), "{html}");
    }
    for good in [
        "http://localhost",
        "http://localhost:50123",
        "http://127.0.0.1:50123/",
    ] {
        let resp = t
            .authorize(&[
                ("client_id", DEMO_CLIENT_ID),
                ("response_type", "code"),
                ("redirect_uri", good),
                ("scope", "Mail.Read"),
            ])
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "{good}");
    }
    let resp = t
        .authorize(&[
            ("client_id", "11111111-2222-3333-4444-555555555555"),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost"),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.text().await.unwrap().contains("AADSTS700016"));
    t.em.stop().await;
}

#[tokio::test]
async fn authorize_errors_after_a_good_redirect_go_back_to_the_app() {
    let t = Tenant::start().await;
    let resp = t
        .authorize(&[
            ("client_id", DEMO_CLIENT_ID),
            ("response_type", "token"),
            ("redirect_uri", "http://localhost:9/"),
            ("scope", "Mail.Read"),
            ("state", "s"),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let q: std::collections::HashMap<_, _> = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(q["error"], "unsupported_response_type");
    assert_eq!(q["state"], "s");
    t.em.stop().await;
}

#[tokio::test]
async fn authorize_decline_redirects_with_access_denied() {
    let t = Tenant::start().await;
    let resp = t
        .authorize(&[
            ("client_id", DEMO_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:7000"),
            ("scope", "Mail.Read"),
            ("state", "st"),
        ])
        .await;
    let html = resp.text().await.unwrap();
    let location = t.sign_in(&html, "bob@contoso.test", false).await;
    let q: std::collections::HashMap<_, _> = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(q["error"], "access_denied");
    assert!(
        q["error_description"].starts_with("AADSTS65004"),
        "{}",
        q["error_description"]
    );
    assert_eq!(q["state"], "st");
    assert!(!q.contains_key("code"));
    t.em.stop().await;
}

#[tokio::test]
async fn authorize_form_post_returns_a_self_submitting_form() {
    let t = Tenant::start().await;
    let resp = t
        .authorize(&[
            ("client_id", DEMO_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", "http://localhost:7001"),
            ("scope", "openid Mail.Read"),
            ("response_mode", "form_post"),
            ("state", "a\"b"),
        ])
        .await;
    let html = resp.text().await.unwrap();
    let page = t.sign_in(&html, "alice@contoso.test", true).await;
    assert!(page.contains("action=\"http://localhost:7001\""), "{page}");
    assert!(page.contains("onload=\"document.forms[0].submit()\""));
    assert!(page.contains("type=\"submit\""));
    assert_eq!(hidden(&page, "state").as_deref(), Some("a\"b"));
    let code = hidden(&page, "code").unwrap();
    let (status, body) = t
        .token(&[
            ("grant_type", "authorization_code"),
            ("client_id", DEMO_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", "http://localhost:7001"),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    t.em.stop().await;
}
