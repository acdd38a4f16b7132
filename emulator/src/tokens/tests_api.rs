//! Tokens for exposed APIs: the v1.0 and v2.0 claim shapes Entra documents,
//! RS256 signatures checked against the published keys, key rollover, and
//! tenants saved before RS256 keys existed.

use std::collections::BTreeSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::signing::KeyRing;
use super::*;
use crate::seed::{ALICE, DEMO_CLIENT_ID, DEMO_MAIL_CLIENT_ID, DEMO_TENANT_ID};

const ORIGIN: &str = "http://127.0.0.1:8787";

fn token_for(version: TokenVersion, user: bool) -> ApiTokenFor {
    ApiTokenFor {
        version,
        resource_client_id: DEMO_CLIENT_ID.into(),
        resource_as_requested: format!("api://{DEMO_CLIENT_ID}"),
        client_id: DEMO_MAIL_CLIENT_ID.into(),
        client_auth: ClientAuth::Public,
        user: user.then(|| ApiUser {
            oid: ALICE,
            upn: "alice@contoso.test".into(),
            name: "Alice Example".into(),
        }),
        scopes: ["Mail.Gateway".to_string()].into(),
        roles: BTreeSet::new(),
        tenant_id: DEMO_TENANT_ID,
        origin: ORIGIN.into(),
        iat: 1000,
        nbf: 1000,
        exp: 4600,
    }
}

fn part(jwt: &str, i: usize) -> Value {
    let p = jwt.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap()
}

#[test]
fn v2_delegated_token_has_the_v2_claims() {
    let c = serde_json::to_value(api_claims(&token_for(TokenVersion::V2, true))).unwrap();
    assert_eq!(c["aud"], DEMO_CLIENT_ID);
    assert_eq!(c["iss"], format!("{ORIGIN}/{DEMO_TENANT_ID}/v2.0"));
    assert_eq!(c["ver"], "2.0");
    assert_eq!(c["azp"], DEMO_MAIL_CLIENT_ID);
    assert_eq!(c["azpacr"], "0");
    assert_eq!(c["scp"], "Mail.Gateway");
    assert_eq!(c["preferred_username"], "alice@contoso.test");
    assert_eq!(c["name"], "Alice Example");
    assert_eq!(c["oid"], ALICE.to_string());
    assert_eq!(c["tid"], DEMO_TENANT_ID.to_string());
    assert_eq!(c["idtyp"], "user");
    assert_eq!(c["sub"], pairwise_subject(ALICE, DEMO_CLIENT_ID));
    assert_ne!(c["sub"], pairwise_subject(ALICE, DEMO_MAIL_CLIENT_ID));
    assert_eq!(
        (c["iat"].clone(), c["nbf"].clone(), c["exp"].clone()),
        (1000.into(), 1000.into(), 4600.into())
    );
    assert!(c["uti"].as_str().is_some_and(|u| !u.is_empty()));
    for absent in ["appid", "appidacr", "upn", "unique_name", "roles"] {
        assert!(c.get(absent).is_none(), "{absent} in {c}");
    }
}

#[test]
fn v1_delegated_token_has_the_v1_claims() {
    let mut f = token_for(TokenVersion::V1, true);
    f.client_auth = ClientAuth::Certificate;
    let c = serde_json::to_value(api_claims(&f)).unwrap();
    assert_eq!(c["aud"], format!("api://{DEMO_CLIENT_ID}"));
    assert_eq!(
        c["iss"],
        format!("https://sts.windows.net/{DEMO_TENANT_ID}/")
    );
    assert_eq!(c["ver"], "1.0");
    assert_eq!(c["appid"], DEMO_MAIL_CLIENT_ID);
    assert_eq!(c["appidacr"], "2");
    assert_eq!(c["upn"], "alice@contoso.test");
    assert_eq!(c["unique_name"], "alice@contoso.test");
    assert_eq!(c["scp"], "Mail.Gateway");
    assert_eq!(c["idtyp"], "user");
    for absent in ["azp", "azpacr", "preferred_username", "roles"] {
        assert!(c.get(absent).is_none(), "{absent} in {c}");
    }
}

#[test]
fn app_only_token_names_the_service_principal_and_has_no_scp_or_empty_roles() {
    let c = serde_json::to_value(api_claims(&token_for(TokenVersion::V2, false))).unwrap();
    let sp = service_principal_id(DEMO_TENANT_ID, DEMO_MAIL_CLIENT_ID).to_string();
    assert_eq!(c["idtyp"], "app");
    assert_eq!(c["oid"], sp.as_str());
    assert_eq!(c["sub"], sp.as_str());
    for absent in ["scp", "roles", "name", "preferred_username"] {
        assert!(c.get(absent).is_none(), "{absent} in {c}");
    }
    let mut f = token_for(TokenVersion::V1, false);
    f.roles = ["Gateway.All".to_string()].into();
    let c = serde_json::to_value(api_claims(&f)).unwrap();
    assert_eq!(c["roles"], serde_json::json!(["Gateway.All"]));
}

#[test]
fn api_tokens_are_rs256_and_verify_against_the_published_keys() {
    let keys = TokenKeys::generate();
    let kid = keys.api.list()[0].0.clone();
    let v2 = issue_api_token(&keys, &token_for(TokenVersion::V2, true)).unwrap();
    let h = part(&v2, 0);
    assert_eq!(
        (h["alg"].as_str(), h["kid"].as_str()),
        (Some("RS256"), Some(kid.as_str()))
    );
    assert!(h.get("x5t").is_none(), "{h}");
    let v1 = issue_api_token(&keys, &token_for(TokenVersion::V1, true)).unwrap();
    assert_eq!(part(&v1, 0)["x5t"], kid.as_str());
    let c: ApiClaims = keys.api.verify(&v2).unwrap();
    assert_eq!(c.scp.as_deref(), Some("Mail.Gateway"));
    let jwks = keys.api.jwks("iss");
    assert_eq!(jwks.len(), 1);
    assert_eq!(
        (jwks[0]["kty"].as_str(), jwks[0]["e"].as_str()),
        (Some("RSA"), Some("AQAB"))
    );
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(jwks[0]["n"].as_str().unwrap())
            .unwrap()
            .len(),
        256
    );
    // Graph will not take them, and they are not Graph's.
    let dir = crate::seed::demo_directory();
    assert_eq!(
        verify_access_token(&keys, &dir, &v2, 1001),
        Err(TokenRejection::BadSignature)
    );
}

#[test]
fn signature_checks_tell_unknown_keys_from_bad_signatures() {
    let keys = TokenKeys::generate();
    let dir = crate::seed::demo_directory();
    let good = issue_api_token(&keys, &token_for(TokenVersion::V2, true)).unwrap();
    let graph = issue_access_token(
        &keys,
        &dir,
        &Principal::App {
            client_id: DEMO_CLIENT_ID.into(),
            roles: BTreeSet::new(),
        },
        60,
        1000,
    );
    let stranger = RsaKey::generate().unwrap();
    let foreign =
        sign_api_claims(&stranger, &api_claims(&token_for(TokenVersion::V2, true))).unwrap();
    let (head, rest) = good.split_once('.').unwrap();
    let (body, sig) = rest.split_once('.').unwrap();
    let other_body = URL_SAFE_NO_PAD.encode(br#"{"aud":"x"}"#);
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    let cases = [
        (
            "garbage",
            "not a jwt".to_string(),
            SignatureCheck::KeyNotFound,
        ),
        ("graph HS256 token", graph, SignatureCheck::KeyNotFound),
        ("unpublished key", foreign, SignatureCheck::KeyNotFound),
        (
            "other body",
            format!("{head}.{other_body}.{sig}"),
            SignatureCheck::Mismatch,
        ),
        (
            "other signature",
            format!("{head}.{body}.{flipped}{}", &sig[1..]),
            SignatureCheck::Mismatch,
        ),
    ];
    for (name, token, want) in cases {
        assert_eq!(
            keys.api.verify::<ApiClaims>(&token).err(),
            Some(want),
            "{name}"
        );
    }
}

#[test]
fn rotation_keeps_old_keys_published_until_retired() {
    let keys = TokenKeys::generate();
    let before = issue_api_token(&keys, &token_for(TokenVersion::V2, true)).unwrap();
    assert!(keys.api.rotate());
    let listed = keys.api.list();
    assert_eq!(
        listed.iter().map(|(_, s)| *s).collect::<Vec<_>>(),
        [false, true]
    );
    let after = issue_api_token(&keys, &token_for(TokenVersion::V2, true)).unwrap();
    assert_eq!(part(&after, 0)["kid"], listed[1].0.as_str());
    assert!(keys.api.verify::<ApiClaims>(&before).is_ok());
    keys.api.retire();
    assert_eq!(keys.api.list(), [(listed[1].0.clone(), true)]);
    assert_eq!(
        keys.api.verify::<ApiClaims>(&before).err(),
        Some(SignatureCheck::KeyNotFound)
    );
    assert!(keys.api.verify::<ApiClaims>(&after).is_ok());
}

#[test]
fn keys_saved_before_rs256_load_and_get_a_signing_key() {
    let old = serde_json::json!({"access": [1, 2, 3], "refresh": [4, 5, 6]});
    let keys: TokenKeys = serde_json::from_value(old).unwrap();
    assert!(keys.api.list().is_empty());
    assert!(keys.api.ensure_signing_key());
    assert!(!keys.api.ensure_signing_key());
    let saved = serde_json::to_value(&keys).unwrap();
    let back: TokenKeys = serde_json::from_value(saved).unwrap();
    assert_eq!(back.api.list(), keys.api.list());
    let empty = KeyRing::default();
    assert!(empty.sign(&serde_json::json!({}), false).is_none());
}
