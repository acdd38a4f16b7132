//! The on-behalf-of grant: graphgate's app trades the token a mail client
//! obtained for its API into a Graph token Graph accepts, and Entra's
//! refusals: app-only assertions, other audiences, expired or foreign
//! tokens, unpublished keys, Graph tokens, missing consent, public clients.

use super::harness::*;
use graphgate_emulator::seed::{
    DEMO_API_SCOPE, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_MAIL_CLIENT_ID,
};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const GRAPH_MAIL: &str = "https://graph.microsoft.com/User.Read https://graph.microsoft.com/Mail.ReadWrite offline_access";

fn api_token(extra: Value) -> Value {
    let mut body = json!({"api": format!("api://{DEMO_CLIENT_ID}"), "upn": "alice@contoso.test"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    body
}

#[track_caller]
fn assert_reason(got: &(StatusCode, Value), code: u64, text: &str) {
    assert_error(got, StatusCode::BAD_REQUEST, "invalid_grant", code);
    let description = got.1["error_description"].as_str().unwrap();
    assert!(description.contains(text), "{description}");
}

#[tokio::test]
async fn obo_with_the_demo_secret_turns_the_mail_clients_token_into_a_graph_token() {
    let t = Tenant::start().await;
    let signed_in = t
        .device_sign_in_to(
            DEMO_MAIL_CLIENT_ID,
            "Mail client (demo)",
            "alice@contoso.test",
            &format!("api://{DEMO_CLIENT_ID}/{DEMO_API_SCOPE} offline_access"),
        )
        .await;
    let assertion = signed_in["access_token"].as_str().unwrap();
    let (status, body) = t.obo(assertion, GRAPH_MAIL).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(
        body["scope"],
        "https://graph.microsoft.com/Mail.ReadWrite https://graph.microsoft.com/User.Read offline_access"
    );
    assert_eq!(
        (body["expires_in"].as_u64(), body["ext_expires_in"].as_u64()),
        (Some(3599), Some(3599))
    );
    assert!(body.get("id_token").is_none(), "{body}");
    let graph = body["access_token"].as_str().unwrap();
    let c = claims(graph);
    assert_eq!(
        (c["aud"].as_str(), c["appid"].as_str()),
        (Some("https://graph.microsoft.com"), Some(DEMO_CLIENT_ID))
    );
    let (status, me) = t.graph_me(graph).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["userPrincipalName"], "alice@contoso.test");
    assert_eq!(t.by_grant("on_behalf_of"), 1);
    // The refresh token belongs to graphgate's app and refreshes Graph.
    let rt = body["refresh_token"].as_str().unwrap();
    let (status, refreshed) = t.refresh(rt, None).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_eq!(refreshed["scope"], body["scope"]);
    // .default: everything graphgate's app is consented for.
    let (status, all) = t
        .obo(assertion, "https://graph.microsoft.com/.default")
        .await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert!(
        all["scope"]
            .as_str()
            .unwrap()
            .contains("https://graph.microsoft.com/Mail.Send.Shared")
    );
    assert!(all.get("refresh_token").is_none(), "{all}");
    t.em.stop().await;
}

#[tokio::test]
async fn obo_refuses_app_only_foreign_expired_and_graph_assertions() {
    let t = Tenant::start().await;
    let app_only = t
        .mint(json!({"api": format!("api://{DEMO_CLIENT_ID}"), "app": true}))
        .await;
    assert_reason(
        &t.obo(&app_only, GRAPH_MAIL).await,
        7000114,
        &format!(
            "Application '{DEMO_CLIENT_ID}'(graphgate (demo)) is not allowed to make application on-behalf-of calls."
        ),
    );
    let other_audience = t
        .mint(api_token(json!({"audience": "api://someone-else"})))
        .await;
    assert_reason(
        &t.obo(&other_audience, GRAPH_MAIL).await,
        50013,
        &format!(
            "The audience in the assertion was 'api://someone-else' and the expected audience is '{DEMO_CLIENT_ID}'"
        ),
    );
    let expired = t.mint(api_token(json!({"lifetime_s": -60}))).await;
    assert_reason(
        &t.obo(&expired, GRAPH_MAIL).await,
        500133,
        "Assertion is not within its valid time range. Ensure that the access token is not expired",
    );
    let early = t.mint(api_token(json!({"not_before_s": 600}))).await;
    assert_reason(&t.obo(&early, GRAPH_MAIL).await, 500133, "Current time: ");
    let foreign = t
        .mint(api_token(
            json!({"tenant_id": "0b7d3b2e-8a0c-4c55-9a55-5b2d2a1e0c01"}),
        ))
        .await;
    assert_reason(
        &t.obo(&foreign, GRAPH_MAIL).await,
        50013,
        "not a valid issuer",
    );
    let unpublished = t.mint(api_token(json!({"key": "unknown"}))).await;
    assert_reason(
        &t.obo(&unpublished, GRAPH_MAIL).await,
        50013,
        "Assertion failed signature validation. [Reason - The key was not found.]",
    );
    let graph = t
        .mint(json!({"upn": "alice@contoso.test", "scopes": ["Mail.Read"]}))
        .await;
    assert_reason(
        &t.obo(&graph, GRAPH_MAIL).await,
        50013,
        "[Reason - The key was not found.]",
    );
    let mut tampered = t.mint(api_token(json!({}))).await;
    let last = if tampered.ends_with('A') { 'B' } else { 'A' };
    tampered.pop();
    tampered.push(last);
    assert_reason(
        &t.obo(&tampered, GRAPH_MAIL).await,
        50013,
        "[Reason - The provided signature value did not match the expected signature value.]",
    );
    assert_eq!(t.by_grant("on_behalf_of"), 8);
    t.em.stop().await;
}

#[tokio::test]
async fn obo_needs_graph_consent_a_confidential_client_and_its_parameters() {
    let t = Tenant::start().await;
    let assertion = t.mint(api_token(json!({}))).await;
    let (status, _) = t
        .control(
            Method::PUT,
            &format!("/_emulator/apps/{DEMO_CLIENT_ID}"),
            Some(json!({"delegated_scopes": ["User.Read"]})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let got = t.obo(&assertion, GRAPH_MAIL).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_grant", 65001);
    assert_eq!(got.1["suberror"], "consent_required");
    let (status, ok) = t
        .obo(&assertion, "https://graph.microsoft.com/User.Read")
        .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    let (status, all) = t
        .obo(&assertion, "https://graph.microsoft.com/.default")
        .await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["scope"], "https://graph.microsoft.com/User.Read");

    let base = [
        ("grant_type", JWT_BEARER_GRANT),
        ("client_id", DEMO_CLIENT_ID),
        ("client_secret", DEMO_CLIENT_SECRET),
        ("assertion", assertion.as_str()),
        ("scope", "https://graph.microsoft.com/User.Read"),
    ];
    let got = t.token(&base).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request", 900144);
    assert!(
        got.1["error_description"].as_str().unwrap().contains(
            "The request body must contain the following parameter: 'requested_token_use'."
        )
    );
    let mut other_use = base.to_vec();
    other_use.push(("requested_token_use", "something_else"));
    let got = t.token(&other_use).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request", 9002313);
    let mut no_assertion: Vec<(&str, &str)> = base
        .iter()
        .copied()
        .filter(|(k, _)| *k != "assertion")
        .collect();
    no_assertion.push(("requested_token_use", "on_behalf_of"));
    let got = t.token(&no_assertion).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request", 900144);
    // The mail client is public: it cannot make on-behalf-of requests.
    let got = t
        .token(&[
            ("grant_type", JWT_BEARER_GRANT),
            ("client_id", DEMO_MAIL_CLIENT_ID),
            ("requested_token_use", "on_behalf_of"),
            ("assertion", &assertion),
            ("scope", "https://graph.microsoft.com/User.Read"),
        ])
        .await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_client", 7000218);
    t.em.stop().await;
}
