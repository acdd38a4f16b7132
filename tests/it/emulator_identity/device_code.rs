//! Device code flow: the devicecode response, polling errors, and the
//! sign-in pages a person uses to approve or decline.

use super::harness::*;
use graphgate_emulator::seed::{ALICE, DEMO_CLIENT_ID, DEMO_SIGNIN_PASSWORD, DEMO_TENANT_ID};
use graphgate_emulator::tokens::Principal;
use reqwest::StatusCode;

#[tokio::test]
async fn device_code_approved_in_the_browser_issues_tokens_once() {
    let t = Tenant::start().await;
    t.em.tenant.settings.write().device_code_interval_s = 0;
    let dc = t.device_code(MAIL_SCOPES).await;
    let user_code = dc["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 9);
    assert!(
        user_code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert!(!user_code.contains(['0', 'O', '1', 'I']));
    assert!(dc["device_code"].as_str().unwrap().len() > 100);
    let verification_uri = format!("{}/devicelogin", t.base);
    assert_eq!(dc["verification_uri"], verification_uri.as_str());
    assert_eq!(dc["expires_in"], 900);
    assert_eq!(dc["interval"], 0);
    assert!(dc.get("verification_uri_complete").is_none());
    assert_eq!(
        dc["message"],
        format!(
            "To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."
        )
    );
    let device_code = dc["device_code"].as_str().unwrap();
    assert_error(
        &t.poll(device_code).await,
        StatusCode::BAD_REQUEST,
        "authorization_pending",
        70016,
    );

    let page = t
        .approve_device(user_code, "alice@contoso.test", true)
        .await;
    assert!(page.contains("You have signed in to the graphgate (demo) application on your device. You may now close this window."));

    let (status, body) = t.poll(device_code).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    assert_eq!(
        body["scope"],
        "https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/Mail.Send openid profile offline_access"
    );
    assert!(body["refresh_token"].as_str().unwrap().starts_with("0.A"));
    let at = body["access_token"].as_str().unwrap();
    let want = Principal::Delegated {
        client_id: DEMO_CLIENT_ID.into(),
        user: ALICE,
        scopes: short_scopes(&["Mail.ReadWrite", "Mail.Send"]),
    };
    assert_eq!(t.verify(at).unwrap(), want);
    let c = claims(at);
    assert_eq!(c["aud"], "https://graph.microsoft.com");
    assert_eq!(
        c["iss"],
        format!("https://sts.windows.net/{DEMO_TENANT_ID}/")
    );
    assert_eq!(c["scp"], "Mail.ReadWrite Mail.Send openid profile");
    assert_eq!(c["upn"], "alice@contoso.test");
    assert_eq!(c["idtyp"], "user");
    assert_eq!(c["ver"], "1.0");
    let id = claims(body["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], DEMO_CLIENT_ID);
    assert_eq!(id["tid"], DEMO_TENANT_ID.to_string());
    assert_eq!(id["oid"], ALICE.to_string());
    assert_eq!(id["preferred_username"], "alice@contoso.test");
    assert_eq!(id["name"], "Alice Example");

    // Once redeemed, the device code is gone.
    assert_error(
        &t.poll(device_code).await,
        StatusCode::BAD_REQUEST,
        "bad_verification_code",
        70018,
    );
    assert_eq!(t.by_grant("devicecode"), 1);
    assert_eq!(t.by_grant("device_code"), 3);
    t.em.stop().await;
}

#[tokio::test]
async fn device_code_declined_on_the_page_is_reported_to_the_poller() {
    let t = Tenant::start_with(|s| s.device_code_interval_s = 0).await;
    let dc = t.device_code("Mail.Read").await;
    let page = t
        .approve_device(dc["user_code"].as_str().unwrap(), "bob@contoso.test", false)
        .await;
    assert!(page.contains("You declined to sign in"), "{page}");
    let device_code = dc["device_code"].as_str().unwrap();
    assert_error(
        &t.poll(device_code).await,
        StatusCode::BAD_REQUEST,
        "authorization_declined",
        65004,
    );
    // The same code cannot be approved afterwards.
    let (_, html) = t
        .page(
            "/devicelogin",
            &[("otc", dc["user_code"].as_str().unwrap())],
        )
        .await;
    assert!(html.contains("already been used"), "{html}");
    t.em.stop().await;
}

#[tokio::test]
async fn device_code_expires() {
    let t = Tenant::start_with(|s| {
        s.device_code_interval_s = 0;
        s.device_code_expires_s = 1;
    })
    .await;
    let dc = t.device_code("Mail.Read").await;
    assert_eq!(dc["expires_in"], 1);
    let device_code = dc["device_code"].as_str().unwrap().to_string();
    eventually("expired_token", async || {
        t.poll(&device_code).await.1["error"] == "expired_token"
    })
    .await;
    assert_error(
        &t.poll(&device_code).await,
        StatusCode::BAD_REQUEST,
        "expired_token",
        70019,
    );
    let (_, html) = t
        .page(
            "/devicelogin",
            &[("otc", dc["user_code"].as_str().unwrap())],
        )
        .await;
    assert!(html.contains("The code you entered has expired"), "{html}");
    t.em.stop().await;
}

#[tokio::test]
async fn device_code_polled_faster_than_the_interval_gets_slow_down() {
    let t = Tenant::start().await;
    let dc = t.device_code("Mail.Read").await;
    assert_eq!(dc["interval"], 5);
    let device_code = dc["device_code"].as_str().unwrap();
    assert_error(
        &t.poll(device_code).await,
        StatusCode::BAD_REQUEST,
        "authorization_pending",
        70016,
    );
    let (status, body) = t.poll(device_code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "slow_down", "{body}");
    t.em.stop().await;
}

#[tokio::test]
async fn unknown_device_and_user_codes_are_refused() {
    let t = Tenant::start().await;
    assert_error(
        &t.poll("DAQABIQEAAADnotacode").await,
        StatusCode::BAD_REQUEST,
        "bad_verification_code",
        70018,
    );
    let missing = t
        .token(&[("grant_type", DEVICE_GRANT), ("client_id", DEMO_CLIENT_ID)])
        .await;
    assert_error(&missing, StatusCode::BAD_REQUEST, "invalid_request", 900144);
    let (status, html) = t.page("/devicelogin", &[("otc", "ABCDEFGHJ")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("That code didn&#39;t work"), "{html}");
    assert!(html.contains("id=\"otc\""));
    t.em.stop().await;
}

#[tokio::test]
async fn device_code_needs_a_public_client() {
    let t = Tenant::start().await;
    t.demo_app(|a| a.public_client = false);
    let url = t.url("/common/oauth2/v2.0/devicecode");
    let got = t
        .post_json(
            &url,
            &[("client_id", DEMO_CLIENT_ID), ("scope", "Mail.Read")],
        )
        .await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_client", 7000218);
    let got = t.post_json(&url, &[("client_id", DEMO_CLIENT_ID)]).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_client", 7000218);
    t.em.stop().await;
}

#[tokio::test]
async fn sign_in_page_shows_errors_and_escapes_input() {
    let t = Tenant::start().await;
    let dc = t.device_code("Mail.Read").await;
    let (_, html) = t
        .page(
            "/devicelogin",
            &[("otc", dc["user_code"].as_str().unwrap())],
        )
        .await;
    let flow = hidden(&html, "flow").unwrap();

    let (_, html) = t
        .page(
            "/login",
            &[
                ("flow", &flow),
                ("loginfmt", "<script>x</script>@contoso.test"),
            ],
        )
        .await;
    assert!(html.contains("This username may be incorrect"), "{html}");
    assert!(!html.contains("<script>x") && html.contains("&lt;script&gt;x&lt;/script&gt;"));

    let (_, html) = t
        .page(
            "/login",
            &[("flow", &flow), ("loginfmt", "sales@contoso.test")],
        )
        .await;
    assert!(html.contains("shared mailbox"), "{html}");
    assert!(!html.contains("id=\"i0118\""));

    let (_, html) = t
        .page(
            "/login",
            &[("flow", &flow), ("loginfmt", "carol@contoso.test")],
        )
        .await;
    assert!(html.contains("id=\"i0118\""), "{html}");
    let (_, html) = t
        .page("/login", &[("flow", &flow), ("passwd", "wrong")])
        .await;
    assert!(
        html.contains("Your account or password is incorrect"),
        "{html}"
    );
    let (_, html) = t
        .page(
            "/login",
            &[("flow", &flow), ("passwd", DEMO_SIGNIN_PASSWORD)],
        )
        .await;
    assert!(
        html.contains("Are you trying to sign in to graphgate (demo)?"),
        "{html}"
    );
    assert!(html.contains("Read your mail (Mail.Read)"), "{html}");

    let (status, html) = t
        .page(
            "/login",
            &[("flow", "nonsense"), ("loginfmt", "alice@contoso.test")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("AADSTS50089"), "{html}");
    t.em.stop().await;
}
