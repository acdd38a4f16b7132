//! The on-behalf-of assertion checks, one refusal per case, in Entra's order.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::*;
use crate::directory::Directory;
use crate::seed::{ALICE, DEMO_CLIENT_ID, DEMO_MAIL_CLIENT_ID, DEMO_TENANT_ID, demo_directory};
use crate::tokens::{
    ApiTokenFor, ApiUser, ClientAuth, Principal, RsaKey, TokenVersion, api_claims,
    issue_access_token, sign_api_claims,
};

const NOW: i64 = 10_000;

fn token_for(version: TokenVersion) -> ApiTokenFor {
    ApiTokenFor {
        version,
        resource_client_id: DEMO_CLIENT_ID.into(),
        resource_as_requested: format!("api://{DEMO_CLIENT_ID}"),
        client_id: DEMO_MAIL_CLIENT_ID.into(),
        client_auth: ClientAuth::Public,
        user: Some(ApiUser {
            oid: ALICE,
            upn: "alice@contoso.test".into(),
            name: "Alice Example".into(),
        }),
        scopes: ["Mail.Gateway".to_string()].into(),
        roles: BTreeSet::new(),
        tenant_id: DEMO_TENANT_ID,
        origin: "http://localhost:8787".into(),
        iat: NOW - 10,
        nbf: NOW - 10,
        exp: NOW + 3600,
    }
}

fn sign(keys: &TokenKeys, f: &ApiTokenFor) -> String {
    keys.api
        .sign(&api_claims(f), f.version == TokenVersion::V1)
        .unwrap()
}

fn check(keys: &TokenKeys, dir: &Directory, token: &str) -> Result<Uuid, OAuthError> {
    let app = dir.app(DEMO_CLIENT_ID).unwrap().clone();
    check_user_assertion(keys, dir, &app, token, NOW)
}

#[test]
fn user_tokens_for_the_presenting_api_are_accepted_in_both_shapes() {
    let (keys, dir) = (TokenKeys::generate(), demo_directory());
    for version in [TokenVersion::V1, TokenVersion::V2] {
        assert_eq!(
            check(&keys, &dir, &sign(&keys, &token_for(version))).ok(),
            Some(ALICE)
        );
    }
}

#[test]
fn assertions_are_refused_with_entras_codes_in_entras_order() {
    let (keys, dir) = (TokenKeys::generate(), demo_directory());
    let graph = issue_access_token(
        &keys,
        &dir,
        &Principal::Delegated {
            client_id: DEMO_CLIENT_ID.into(),
            user: ALICE,
            scopes: ["Mail.Read".to_string()].into(),
        },
        3600,
        NOW,
    );
    let unknown_key = sign_api_claims(
        &RsaKey::generate().unwrap(),
        &api_claims(&token_for(TokenVersion::V2)),
    )
    .unwrap();
    let good = sign(&keys, &token_for(TokenVersion::V2));
    let tampered = format!("{}A", &good[..good.len() - 1]);
    let tampered = if tampered == good {
        format!("{}B", &good[..good.len() - 1])
    } else {
        tampered
    };
    let with = |f: &dyn Fn(&mut ApiTokenFor)| {
        let mut t = token_for(TokenVersion::V2);
        f(&mut t);
        sign(&keys, &t)
    };
    let expired = with(&|t| t.exp = NOW);
    let early = with(&|t| t.nbf = NOW + 1);
    // Expired and of another tenant: the lifetime is checked first.
    let expired_elsewhere = with(&|t| {
        t.exp = NOW - 1;
        t.tenant_id = Uuid::new_v4();
    });
    let other_tenant = with(&|t| t.tenant_id = Uuid::new_v4());
    let other_audience = with(&|t| t.resource_client_id = "some-other-api".into());
    let app_only = with(&|t| t.user = None);
    let cases: Vec<(&str, String, u32, &str)> = vec![
        (
            "not a JWT",
            "abc".into(),
            50013,
            "[Reason - The key was not found.]",
        ),
        (
            "a Graph token (HS256)",
            graph,
            50013,
            "[Reason - The key was not found.]",
        ),
        (
            "an unpublished key",
            unknown_key,
            50013,
            "[Reason - The key was not found.]",
        ),
        (
            "a bad signature",
            tampered,
            50013,
            "did not match the expected signature value.]",
        ),
        (
            "expired",
            expired,
            500133,
            "Assertion is not within its valid time range.",
        ),
        (
            "not yet valid",
            early,
            500133,
            "Current time: 1970-01-01T02:46:40.0000000Z",
        ),
        (
            "expired elsewhere",
            expired_elsewhere,
            500133,
            "expiry time of assertion",
        ),
        (
            "another tenant",
            other_tenant,
            50013,
            "is not a valid issuer for tenant",
        ),
        (
            "another audience",
            other_audience,
            50013,
            "The audience in the assertion was 'some-other-api'",
        ),
        (
            "app-only",
            app_only,
            7000114,
            "is not allowed to make application on-behalf-of calls.",
        ),
    ];
    for (name, token, code, text) in cases {
        let e = check(&keys, &dir, &token).unwrap_err();
        assert_eq!(
            (e.error, e.code),
            ("invalid_grant", code),
            "{name}: {}",
            e.text
        );
        assert!(e.text.contains(text), "{name}: {}", e.text);
    }
}

#[test]
fn retired_keys_no_longer_vouch_for_their_tokens() {
    let (keys, dir) = (TokenKeys::generate(), demo_directory());
    let old = sign(&keys, &token_for(TokenVersion::V2));
    assert!(keys.api.rotate());
    assert_eq!(check(&keys, &dir, &old).ok(), Some(ALICE));
    keys.api.retire();
    assert_eq!(check(&keys, &dir, &old).unwrap_err().code, 50013);
}

#[test]
fn issuers_of_this_tenant_only() {
    let t = DEMO_TENANT_ID;
    assert!(issuer_of(&format!("https://sts.windows.net/{t}/"), t));
    assert!(issuer_of(&format!("http://127.0.0.1:1/{t}/v2.0"), t));
    assert!(!issuer_of(
        &format!("https://sts.windows.net/{}/", Uuid::nil()),
        t
    ));
    assert!(!issuer_of(&format!("/{t}/v2.0"), t));
    assert!(!issuer_of("é", t));
}
