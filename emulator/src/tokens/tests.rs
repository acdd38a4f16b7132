//! Access tokens round-trip, carry the right claims and are refused as Graph
//! refuses them; refresh tokens rotate, expire and are revoked.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::access::read_access_claims;
use super::*;
use crate::seed::{ALICE, DEMO_CLIENT_ID, demo_directory};

fn scopes(s: &str) -> BTreeSet<String> {
    s.split_whitespace().map(String::from).collect()
}

fn delegated(s: &str) -> Principal {
    Principal::Delegated {
        client_id: DEMO_CLIENT_ID.into(),
        user: ALICE,
        scopes: scopes(s),
    }
}

#[test]
fn delegated_token_round_trips_without_oidc_scopes() {
    let (keys, dir) = (TokenKeys::generate(), demo_directory());
    let t = issue_access_token(
        &keys,
        &dir,
        &delegated("Mail.Send openid Mail.ReadWrite email"),
        60,
        1000,
    );
    let c = read_access_claims(&keys, &t).unwrap();
    assert_eq!(
        c.scp.as_deref(),
        Some("Mail.ReadWrite Mail.Send openid email")
    );
    assert_eq!(c.iss, format!("https://sts.windows.net/{}/", dir.tenant_id));
    assert_eq!(c.upn.as_deref(), Some("alice@contoso.test"));
    let p = verify_access_token(&keys, &dir, &t, 1000).unwrap();
    assert_eq!(p, delegated("Mail.ReadWrite Mail.Send"));
}

#[test]
fn app_token_carries_roles_and_service_principal_oid() {
    let (keys, dir) = (TokenKeys::generate(), demo_directory());
    let p = Principal::App {
        client_id: DEMO_CLIENT_ID.into(),
        roles: scopes("Mail.Send"),
    };
    let t = issue_access_token(&keys, &dir, &p, 60, 1000);
    let c = read_access_claims(&keys, &t).unwrap();
    assert_eq!(c.oid, service_principal_id(dir.tenant_id, DEMO_CLIENT_ID));
    assert_eq!(c.idtyp, "app");
    assert_eq!(verify_access_token(&keys, &dir, &t, 1059).unwrap(), p);
}

#[test]
fn access_token_rejections() {
    let (keys, dir) = (TokenKeys::generate(), demo_directory());
    let t = issue_access_token(&keys, &dir, &delegated("Mail.Read"), 60, 1000);
    let cases: Vec<(&str, String, i64, TokenRejection)> = vec![
        ("empty", String::new(), 1000, TokenRejection::Missing),
        ("no dots", "abc".into(), 1000, TokenRejection::Malformed),
        ("expired at exp", t.clone(), 1060, TokenRejection::Expired),
        (
            "other key",
            issue_access_token(&TokenKeys::generate(), &dir, &delegated("x"), 60, 1000),
            1000,
            TokenRejection::BadSignature,
        ),
    ];
    for (name, token, now, want) in cases {
        assert_eq!(
            verify_access_token(&keys, &dir, &token, now),
            Err(want),
            "{name}"
        );
    }
    let mut gone = dir.clone();
    gone.users.retain(|u| u.oid != ALICE);
    assert_eq!(
        verify_access_token(&keys, &gone, &t, 1000),
        Err(TokenRejection::BadSignature)
    );
}

#[test]
fn refresh_tokens_rotate_expire_and_revoke() {
    let (keys, mut dir) = (TokenKeys::generate(), demo_directory());
    let grant = RefreshGrant {
        user: ALICE,
        client_id: DEMO_CLIENT_ID.into(),
        scopes: scopes("Mail.Read offline_access"),
        issued_at: 1000,
        family: Uuid::new_v4(),
        resource: None,
    };
    let a = issue_refresh_token(&keys, dir.tenant_id, &grant);
    let b = issue_refresh_token(&keys, dir.tenant_id, &grant);
    assert!(a.starts_with("0.A") && a != b);
    assert_eq!(
        redeem_refresh_token(&keys, &dir, &a, 1100, 100),
        Ok(grant.clone())
    );
    assert_eq!(
        redeem_refresh_token(&keys, &dir, &a, 1101, 100),
        Err(RefreshRejection::Expired { issued_at: 1000 })
    );
    let tampered = format!("{}x", a);
    assert_eq!(
        redeem_refresh_token(&keys, &dir, &tampered, 1000, 100),
        Err(RefreshRejection::Malformed)
    );
    assert_eq!(
        redeem_refresh_token(&keys, &dir, "garbage", 1000, 100),
        Err(RefreshRejection::Malformed)
    );
    let alice = dir.user_mut("alice@contoso.test").unwrap();
    revoke_sessions(alice, 1000);
    assert_eq!(refresh_issue_time(alice, 1000), 1001);
    assert_eq!(
        redeem_refresh_token(&keys, &dir, &a, 1002, 100),
        Err(RefreshRejection::Revoked {
            issued_at: 1000,
            valid_after: 1001
        })
    );
}
