//! The API graphgate's app registration exposes (`api://{client-id}/Mail.Gateway`):
//! a mail client signs in for it and gets an RS256 token anyone can check
//! against the tenant's JWKS; `.default`, the client-id form and refresh;
//! app-only tokens; v1.0 tokens; the discovery documents; key rollover.

use super::harness::*;
use graphgate_emulator::seed::{
    ALICE, DEMO_API_SCOPE, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_DOMAIN, DEMO_MAIL_CLIENT_ID,
    DEMO_TENANT_ID,
};
use graphgate_emulator::tokens::service_principal_id;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const MAIL_CLIENT: &str = "Mail client (demo)";

fn gateway_scope() -> String {
    format!("api://{DEMO_CLIENT_ID}/{DEMO_API_SCOPE}")
}

async fn jwks(t: &Tenant, path: &str) -> JwkSet {
    let resp = t.http.get(t.url(path)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// Verify `token` as a resource API would: the key named by its `kid` in
/// the JWKS, RS256, issuer and audience.
async fn verify(t: &Tenant, token: &str, iss: &str, aud: &str) -> Value {
    let set = jwks(t, &format!("/{DEMO_TENANT_ID}/discovery/v2.0/keys")).await;
    let kid = jwt_header(token)["kid"].as_str().unwrap().to_string();
    let jwk = set.find(&kid).expect("the signing key is published");
    let key = DecodingKey::from_jwk(jwk).unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_issuer(&[iss]);
    v.set_audience(&[aud]);
    v.leeway = 0;
    jsonwebtoken::decode::<Value>(token, &key, &v)
        .unwrap()
        .claims
}

#[tokio::test]
async fn mail_client_sign_in_for_the_gateway_api_gives_an_rs256_token_checkable_with_the_jwks() {
    let t = Tenant::start().await;
    let scope = format!("{} openid profile offline_access", gateway_scope());
    let body = t
        .device_sign_in_to(
            DEMO_MAIL_CLIENT_ID,
            MAIL_CLIENT,
            "alice@contoso.test",
            &scope,
        )
        .await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(
        body["scope"],
        format!("{} openid profile offline_access", gateway_scope())
    );
    assert!(body["refresh_token"].as_str().unwrap().starts_with("0.A"));
    assert_eq!(
        claims(body["id_token"].as_str().unwrap())["aud"],
        DEMO_MAIL_CLIENT_ID
    );
    let at = body["access_token"].as_str().unwrap();
    assert_eq!(jwt_header(at)["alg"], "RS256");
    let c = verify(
        &t,
        at,
        &format!("{}/{DEMO_TENANT_ID}/v2.0", t.base),
        DEMO_CLIENT_ID,
    )
    .await;
    assert_eq!(c["scp"], DEMO_API_SCOPE);
    assert_eq!(c["preferred_username"], "alice@contoso.test");
    assert_eq!(c["name"], "Alice Example");
    assert_eq!(c["oid"], ALICE.to_string());
    assert_eq!(c["tid"], DEMO_TENANT_ID.to_string());
    assert_eq!(c["azp"], DEMO_MAIL_CLIENT_ID);
    assert_eq!(c["azpacr"], "0");
    assert_eq!(
        (c["ver"].as_str(), c["idtyp"].as_str()),
        (Some("2.0"), Some("user"))
    );
    // A token for graphgate's API is no token for Graph.
    assert_eq!(t.graph_me(at).await.0, StatusCode::UNAUTHORIZED);
    t.em.stop().await;
}

#[tokio::test]
async fn api_default_grants_every_consented_scope_and_refresh_keeps_the_api() {
    let t = Tenant::start().await;
    let scope = format!("api://{DEMO_CLIENT_ID}/.default offline_access");
    let body = t
        .device_sign_in_to(DEMO_MAIL_CLIENT_ID, MAIL_CLIENT, "bob@contoso.test", &scope)
        .await;
    assert_eq!(body["scope"], format!("{} offline_access", gateway_scope()));
    assert!(body.get("id_token").is_none(), "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().unwrap())["scp"],
        DEMO_API_SCOPE
    );
    let rt = body["refresh_token"].as_str().unwrap();
    let (status, again) = t
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", DEMO_MAIL_CLIENT_ID),
            ("refresh_token", rt),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["scope"], body["scope"]);
    let at = again["access_token"].as_str().unwrap();
    let c = verify(
        &t,
        at,
        &format!("{}/{DEMO_TENANT_ID}/v2.0", t.base),
        DEMO_CLIENT_ID,
    )
    .await;
    assert_eq!(c["preferred_username"], "bob@contoso.test");
    assert_eq!(c["scp"], DEMO_API_SCOPE);
    t.em.stop().await;
}

#[tokio::test]
async fn v1_tokens_carry_the_sts_issuer_the_requested_audience_and_x5t() {
    let t = Tenant::start().await;
    let (status, _) = t
        .control(
            Method::PUT,
            &format!("/_emulator/apps/{DEMO_CLIENT_ID}"),
            Some(json!({"access_token_version": null})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let scope = format!("{DEMO_CLIENT_ID}/{DEMO_API_SCOPE}");
    let body = t
        .device_sign_in_to(
            DEMO_MAIL_CLIENT_ID,
            MAIL_CLIENT,
            "alice@contoso.test",
            &scope,
        )
        .await;
    assert_eq!(body["scope"], format!("{DEMO_CLIENT_ID}/{DEMO_API_SCOPE}"));
    let at = body["access_token"].as_str().unwrap();
    let h = jwt_header(at);
    assert_eq!(h["x5t"], h["kid"]);
    let c = verify(
        &t,
        at,
        &format!("https://sts.windows.net/{DEMO_TENANT_ID}/"),
        DEMO_CLIENT_ID,
    )
    .await;
    assert_eq!(c["ver"], "1.0");
    assert_eq!(c["appid"], DEMO_MAIL_CLIENT_ID);
    assert_eq!(c["appidacr"], "0");
    assert_eq!(c["upn"], "alice@contoso.test");
    assert_eq!(c["unique_name"], "alice@contoso.test");
    assert_eq!(c["scp"], DEMO_API_SCOPE);
    t.em.stop().await;
}

#[tokio::test]
async fn scopes_of_two_resources_unknown_apis_and_unexposed_scopes_are_refused() {
    let t = Tenant::start().await;
    let url = t.url(&format!("/{DEMO_DOMAIN}/oauth2/v2.0/devicecode"));
    let cases = [
        (
            format!("{} Mail.Read", gateway_scope()),
            "invalid_scope",
            28000,
        ),
        (
            format!("https://graph.microsoft.com/.default {}", gateway_scope()),
            "invalid_scope",
            28000,
        ),
        (
            format!("api://{DEMO_CLIENT_ID}/Mail.Read"),
            "invalid_scope",
            70011,
        ),
        (
            "api://nobody/.default".to_string(),
            "invalid_resource",
            500011,
        ),
    ];
    for (scope, error, code) in cases {
        let got = t
            .post_json(
                &url,
                &[("client_id", DEMO_MAIL_CLIENT_ID), ("scope", &scope)],
            )
            .await;
        assert_error(&got, StatusCode::BAD_REQUEST, error, code);
    }
    // The mail client holds no Graph consent.
    t.em.tenant.settings.write().device_code_interval_s = 0;
    let dc = t.device_code_for(DEMO_MAIL_CLIENT_ID, "Mail.Read").await;
    t.approve_device_to(
        MAIL_CLIENT,
        dc["user_code"].as_str().unwrap(),
        "alice@contoso.test",
        true,
    )
    .await;
    let got = t
        .poll_for(DEMO_MAIL_CLIENT_ID, dc["device_code"].as_str().unwrap())
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_grant", 65001);
    t.em.stop().await;
}

#[tokio::test]
async fn client_credentials_for_the_api_give_an_app_only_token_without_roles() {
    let t = Tenant::start().await;
    let (status, body) = t
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("scope", &format!("api://{DEMO_CLIENT_ID}/.default")),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let at = body["access_token"].as_str().unwrap();
    let c = verify(
        &t,
        at,
        &format!("{}/{DEMO_TENANT_ID}/v2.0", t.base),
        DEMO_CLIENT_ID,
    )
    .await;
    let sp = service_principal_id(DEMO_TENANT_ID, DEMO_CLIENT_ID).to_string();
    assert_eq!(
        (c["idtyp"].as_str(), c["oid"].as_str()),
        (Some("app"), Some(sp.as_str()))
    );
    assert_eq!(c["sub"], sp.as_str());
    assert_eq!(c["azpacr"], "1");
    assert!(c.get("roles").is_none() && c.get("scp").is_none(), "{c}");
    t.em.stop().await;
}

#[tokio::test]
async fn discovery_names_both_issuers_and_both_jwks_paths_publish_the_keys() {
    let t = Tenant::start().await;
    let base = &t.base;
    let get = |path: String| {
        let req = t.http.get(t.url(&path));
        async move { req.send().await.unwrap() }
    };
    let v1: Value = get(format!("/{DEMO_DOMAIN}/.well-known/openid-configuration"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v1["issuer"],
        format!("https://sts.windows.net/{DEMO_TENANT_ID}/")
    );
    assert_eq!(
        v1["jwks_uri"],
        format!("{base}/{DEMO_DOMAIN}/discovery/keys")
    );
    assert_eq!(
        v1["token_endpoint"],
        format!("{base}/{DEMO_DOMAIN}/oauth2/token")
    );
    assert_eq!(
        v1["authorization_endpoint"],
        format!("{base}/{DEMO_DOMAIN}/oauth2/authorize")
    );
    let v2: Value = get(format!(
        "/{DEMO_DOMAIN}/v2.0/.well-known/openid-configuration"
    ))
    .await
    .json()
    .await
    .unwrap();
    let grants = v2["grant_types_supported"].as_array().unwrap();
    assert!(grants.contains(&json!(JWT_BEARER_GRANT)), "{v2}");
    let a: Value = get(format!("/{DEMO_DOMAIN}/discovery/keys"))
        .await
        .json()
        .await
        .unwrap();
    let b: Value = get(format!("/{DEMO_DOMAIN}/discovery/v2.0/keys"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a, b);
    let key = &a["keys"][0];
    assert_eq!(a["keys"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            key["kty"].as_str(),
            key["use"].as_str(),
            key["alg"].as_str()
        ),
        (Some("RSA"), Some("sig"), Some("RS256"))
    );
    assert_eq!(key["x5t"], key["kid"]);
    assert_eq!(key["e"], "AQAB");
    assert_eq!(key["issuer"], format!("{base}/{DEMO_TENANT_ID}/v2.0"));
    for path in [
        "/nope.example/discovery/keys",
        "/nope.example/.well-known/openid-configuration",
    ] {
        assert_eq!(
            get(path.to_string()).await.status(),
            StatusCode::BAD_REQUEST,
            "{path}"
        );
    }
    t.em.stop().await;
}

#[tokio::test]
async fn rotated_keys_stay_published_until_retired_then_their_tokens_fail_obo() {
    let t = Tenant::start().await;
    let mint = json!({"api": format!("api://{DEMO_CLIENT_ID}"), "upn": "alice@contoso.test"});
    let old = t.mint(mint.clone()).await;
    let old_kid = jwt_header(&old)["kid"].as_str().unwrap().to_string();
    let (_, listed) = t.control(Method::GET, "/_emulator/keys", None).await;
    assert_eq!(listed, json!({"keys": [{"kid": old_kid, "signing": true}]}));

    let (status, rotated) = t
        .control(Method::POST, "/_emulator/keys/rotate", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let keys = rotated["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], json!({"kid": old_kid, "signing": false}));
    assert_eq!(keys[1]["signing"], true);
    let new = t.mint(mint).await;
    assert_eq!(jwt_header(&new)["kid"], keys[1]["kid"]);
    let published = jwks(&t, &format!("/{DEMO_DOMAIN}/discovery/v2.0/keys")).await;
    assert_eq!(published.keys.len(), 2);
    let scope = "https://graph.microsoft.com/User.Read";
    assert_eq!(
        t.obo(&old, scope).await.0,
        StatusCode::OK,
        "old keys still vouch"
    );

    let (status, retired) = t
        .control(Method::POST, "/_emulator/keys/retire", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        retired,
        json!({"keys": [{"kid": keys[1]["kid"], "signing": true}]})
    );
    let published = jwks(&t, &format!("/{DEMO_DOMAIN}/discovery/v2.0/keys")).await;
    assert!(published.find(&old_kid).is_none());
    let got = t.obo(&old, scope).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_grant", 50013);
    assert!(
        got.1["error_description"]
            .as_str()
            .unwrap()
            .contains("[Reason - The key was not found.]"),
        "{}",
        got.1
    );
    assert_eq!(t.obo(&new, scope).await.0, StatusCode::OK);
    t.em.stop().await;
}

#[tokio::test]
async fn app_registrations_take_the_exposed_api_fields() {
    let t = Tenant::start().await;
    let path = "/_emulator/apps/33333333-0000-4000-8000-000000000003";
    let (status, _) = t
        .control(
            Method::PUT,
            path,
            Some(json!({
                "identifier_uris": ["api://contoso-tool"],
                "api_scopes": ["Tool.Use"],
                "access_token_version": 2,
                "api_permissions": ["api://contoso-tool/Tool.Use"],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, app) = t.control(Method::GET, path, None).await;
    assert_eq!(app["identifier_uris"], json!(["api://contoso-tool"]));
    assert_eq!(app["api_scopes"], json!(["Tool.Use"]));
    assert_eq!(app["access_token_version"], 2);
    assert_eq!(
        app["api_permissions"],
        json!(["api://contoso-tool/Tool.Use"])
    );
    let (status, _) = t
        .control(Method::PUT, path, Some(json!({"access_token_version": 3})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, seeded) = t
        .control(
            Method::GET,
            &format!("/_emulator/apps/{DEMO_MAIL_CLIENT_ID}"),
            None,
        )
        .await;
    assert_eq!(seeded["display_name"], MAIL_CLIENT);
    assert_eq!(seeded["public_client"], true);
    assert_eq!(seeded["api_permissions"], json!([gateway_scope()]));
    t.em.stop().await;
}

#[tokio::test]
async fn an_api_refresh_token_redeems_for_graph_only_where_the_client_has_consent() {
    let t = Tenant::start().await;
    // graphgate's app holds consent for its own API and for Graph.
    let own = t
        .device_sign_in(
            "alice@contoso.test",
            &format!("{} offline_access", gateway_scope()),
        )
        .await;
    assert_eq!(claims(own["access_token"].as_str().unwrap())["azpacr"], "0");
    let rt = own["refresh_token"].as_str().unwrap();
    let (status, graph) = t
        .refresh(
            rt,
            Some("https://graph.microsoft.com/Mail.Read offline_access"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{graph}");
    assert_eq!(
        graph["scope"],
        "https://graph.microsoft.com/Mail.Read offline_access"
    );
    assert_eq!(
        t.graph_me(graph["access_token"].as_str().unwrap()).await.0,
        StatusCode::FORBIDDEN
    );
    // The mail client has no Graph consent at all.
    let mail = t
        .device_sign_in_to(
            DEMO_MAIL_CLIENT_ID,
            MAIL_CLIENT,
            "alice@contoso.test",
            &format!("{} offline_access", gateway_scope()),
        )
        .await;
    let got = t
        .token(&[
            ("grant_type", "refresh_token"),
            ("client_id", DEMO_MAIL_CLIENT_ID),
            ("refresh_token", mail["refresh_token"].as_str().unwrap()),
            ("scope", "https://graph.microsoft.com/Mail.Read"),
        ])
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_grant", 65001);
    t.em.stop().await;
}
