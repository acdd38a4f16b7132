use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn missing_or_expired_tokens_get_401_invalid_authentication_token() {
    let t = Tenant::start().await;
    let r = t.http.get(t.url("/me/messages")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");
    let short = t
        .control_post(
            "/_emulator/tokens",
            json!({"upn": ALICE, "scopes": ["Mail.Read"], "lifetime_s": 1}),
        )
        .await;
    let tok = short["access_token"].as_str().unwrap().to_string();
    let (s, _) = t.get(&tok, "/me/mailFolders").await;
    assert_eq!(s, StatusCode::OK);
    eventually(5, "the token to expire", || async {
        t.get(&tok, "/me/mailFolders").await.0 == StatusCode::UNAUTHORIZED
    })
    .await;
    let (s, v) = t.get("garbage", "/me/mailFolders").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "InvalidAuthenticationToken");
}

#[tokio::test]
async fn errors_carry_the_graph_envelope_and_echo_the_client_request_id() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (s, h, v) = t
        .call(
            &tok,
            "GET",
            "/me/messages/nope",
            None,
            &[("client-request-id", "abc-123")],
        )
        .await;
    assert!(s.is_client_error());
    let inner = &v["error"]["innerError"];
    assert_eq!(inner["client-request-id"], "abc-123");
    assert!(inner["request-id"].is_string());
    let date = inner["date"].as_str().unwrap();
    assert!(
        !date.ends_with('Z') && date.len() == 19,
        "no time zone suffix: {date}"
    );
    assert!(h.contains_key("request-id"));
    assert_eq!(h["client-request-id"], "abc-123");
}

#[tokio::test]
async fn shared_mailbox_needs_full_access_and_the_shared_scope() {
    let t = Tenant::start().await;
    let alice_all = t.alice().await;
    let (s, _) = t
        .get(
            &alice_all,
            &format!("/users/{SALES}/mailFolders/inbox/messages"),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::OK,
        "alice has FullAccess and Mail.Read.Shared"
    );
    let alice_own_only = t.token(ALICE, &["Mail.ReadWrite", "Mail.Send"]).await;
    let (s, v) = t
        .get(
            &alice_own_only,
            &format!("/users/{SALES}/mailFolders/inbox/messages"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["code"], "ErrorAccessDenied");
    let carol = t.token(CAROL, &ALL_SCOPES).await;
    let (s, v) = t
        .get(
            &carol,
            &format!("/users/{SALES}/mailFolders/inbox/messages"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "carol has no FullAccess");
    assert_eq!(v["error"]["code"], "ErrorAccessDenied");
    let read_only = t.token(ALICE, &["Mail.Read.Shared"]).await;
    let (s, _, _) = t
        .call(
            &read_only,
            "POST",
            &format!("/users/{SALES}/mailFolders"),
            Some(json!({"displayName": "x"})),
            &[],
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "writing needs Mail.ReadWrite.Shared"
    );
}

#[tokio::test]
async fn revoking_full_access_takes_effect_at_once() {
    let t = Tenant::start().await;
    let alice = t.alice().await;
    let path = format!("/users/{SALES}/mailFolders/inbox");
    assert_eq!(t.get(&alice, &path).await.0, StatusCode::OK);
    let r = t
        .http
        .delete(format!(
            "{}/_emulator/mailboxes/{SALES}/permissions/{ALICE}/FullAccess",
            t.base
        ))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(t.get(&alice, &path).await.0, StatusCode::FORBIDDEN);
    let r = t
        .http
        .put(format!(
            "{}/_emulator/mailboxes/{SALES}/permissions/{ALICE}/FullAccess",
            t.base
        ))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(t.get(&alice, &path).await.0, StatusCode::OK);
}

#[tokio::test]
async fn app_tokens_need_roles_and_respect_rbac_scopes() {
    let t = Tenant::start().await;
    let app = t.app_token(&["Mail.ReadWrite", "Mail.Send"]).await;
    let (s, v) = t.get(&app, "/me/messages").await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "/me needs a delegated token: {v}"
    );
    let (s, _) = t
        .get(&app, &format!("/users/{BOB}/mailFolders/inbox/messages"))
        .await;
    assert_eq!(s, StatusCode::OK);
    let no_roles = t.app_token(&[]).await;
    let (s, _) = t
        .get(
            &no_roles,
            &format!("/users/{BOB}/mailFolders/inbox/messages"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let r = t
        .http
        .put(format!(
            "{}/_emulator/apps/00000000-0000-4000-8000-000000000001",
            t.base
        ))
        .json(&json!({"mailbox_scope": [ALICE]}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let (s, v) = t
        .get(&app, &format!("/users/{BOB}/mailFolders/inbox/messages"))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["message"], "Access to OData is disabled.");
    let (s, _) = t
        .get(&app, &format!("/users/{ALICE}/mailFolders/inbox/messages"))
        .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn unknown_users_and_segments_are_refused() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (s, v) = t.get(&tok, "/users/nobody@contoso.test/messages").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "ErrorInvalidUser");
    let (s, v) = t.get(&tok, "/me/people").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message"].as_str().unwrap().contains("people"));
}

#[tokio::test]
async fn user_lookup_needs_directory_permissions() {
    let t = Tenant::start().await;
    let tok = t.alice().await;
    let (s, v) = t.get(&tok, "/me").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["userPrincipalName"], ALICE);
    let (s, _) = t.get(&tok, &format!("/users/{BOB}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "User.Read covers only oneself");
}
