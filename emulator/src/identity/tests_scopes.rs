//! The scope parameter: Graph permissions, exactly one exposed API, OIDC
//! scopes, and the refusals Entra gives (more than one resource, unknown
//! resource, scope not exposed, no consent).

use std::collections::BTreeSet;

use super::*;
use crate::directory::AppRegistration;
use crate::seed::{DEMO_CLIENT_ID, DEMO_MAIL_CLIENT_ID, demo_directory};

const OTHER_API: &str = "11111111-0000-4000-8000-00000000000a";

fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The demo directory plus a second exposed API nobody has consent for.
fn dir() -> Directory {
    let mut d = demo_directory();
    d.apps.push(AppRegistration {
        client_id: OTHER_API.into(),
        display_name: "Other API".into(),
        identifier_uris: vec!["https://api.contoso.test/other".into()],
        api_scopes: set(&["Read"]),
        ..AppRegistration::default()
    });
    d
}

fn code(raw: &str) -> u32 {
    parse(raw, &dir()).unwrap_err().code
}

#[test]
fn parses_prefixed_bare_and_oidc_scopes() {
    let r = parse(
        "offline_access https://graph.microsoft.com/Mail.Read User.Read OpenID",
        &dir(),
    )
    .unwrap();
    assert_eq!(r.api, None);
    assert_eq!(r.resource, set(&["Mail.Read", "User.Read"]));
    assert_eq!(r.oidc, set(&["offline_access", "openid"]));
    assert!(!r.default);
    assert!(
        parse("https://graph.microsoft.com/.default openid", &dir())
            .unwrap()
            .default
    );
}

#[test]
fn finds_an_api_by_app_id_uri_or_client_id_in_any_case() {
    let uri = format!("api://{DEMO_CLIENT_ID}");
    let cases = [
        (format!("{uri}/Mail.Gateway openid"), uri.clone(), false),
        (
            format!("API://{}/mail.gateway", DEMO_CLIENT_ID.to_uppercase()),
            uri.clone(),
            false,
        ),
        (
            format!("{DEMO_CLIENT_ID}/Mail.Gateway"),
            DEMO_CLIENT_ID.to_string(),
            false,
        ),
        (format!("{uri}/.default offline_access"), uri.clone(), true),
    ];
    for (raw, identifier, default) in cases {
        let r = parse(&raw, &dir()).unwrap();
        let api = r.api.clone().unwrap();
        assert_eq!(api.client_id, DEMO_CLIENT_ID, "{raw}");
        assert_eq!(api.identifier, identifier, "{raw}");
        assert_eq!(r.default, default, "{raw}");
        let want = if default {
            set(&[])
        } else {
            set(&["Mail.Gateway"])
        };
        assert_eq!(r.resource, want, "{raw}");
    }
    let other = parse("https://api.contoso.test/other/Read", &dir()).unwrap();
    assert_eq!(other.api.unwrap().client_id, OTHER_API);
}

#[test]
fn refuses_mixed_resources_unknown_ones_and_unexposed_scopes() {
    let api = format!("api://{DEMO_CLIENT_ID}");
    let cases = [
        (format!("{api}/Mail.Gateway Mail.Read"), 28000),
        (
            format!("https://graph.microsoft.com/Mail.Read {api}/Mail.Gateway"),
            28000,
        ),
        (
            format!("{api}/Mail.Gateway https://api.contoso.test/other/Read"),
            28000,
        ),
        (
            format!("{api}/.default https://graph.microsoft.com/.default"),
            28000,
        ),
        ("api://other/.default".to_string(), 500011),
        (
            "https://outlook.office.com/IMAP.AccessAsUser.All".to_string(),
            500011,
        ),
        (format!("{api}/Mail.Read"), 70011),
        (format!("{api}/.default {api}/Mail.Gateway"), 70011),
        (api.clone(), 70011),
        (".default Mail.Read".to_string(), 70011),
        ("Mail<Read".to_string(), 70011),
    ];
    for (raw, want) in cases {
        assert_eq!(code(&raw), want, "{raw}");
    }
    let e = parse(&format!("{api}/Mail.Gateway Mail.Read"), &dir()).unwrap_err();
    assert_eq!(e.error, "invalid_scope");
    assert!(
        e.text.contains("contains more than one resource. Scope "),
        "{}",
        e.text
    );
}

#[test]
fn api_consent_comes_from_the_clients_api_permissions() {
    let d = dir();
    let mail = d.app(DEMO_MAIL_CLIENT_ID).unwrap().clone();
    let api = format!("api://{DEMO_CLIENT_ID}");
    let specific = parse(&format!("{api}/Mail.Gateway"), &d).unwrap();
    let default = parse(&format!("{DEMO_CLIENT_ID}/.default"), &d).unwrap();
    assert_eq!(
        consented(&specific, &mail, &d).unwrap(),
        set(&["Mail.Gateway"])
    );
    assert_eq!(
        consented(&default, &mail, &d).unwrap(),
        set(&["Mail.Gateway"])
    );
    // Nothing consented on the other API: .default too is refused.
    let other = parse("https://api.contoso.test/other/.default", &d).unwrap();
    assert_eq!(consented(&other, &mail, &d).unwrap_err().code, 65001);
    let mut bare = mail.clone();
    bare.api_permissions.clear();
    assert_eq!(consented(&specific, &bare, &d).unwrap_err().code, 65001);
    // A permission may name the API by client id.
    bare.api_permissions = set(&[&format!("{DEMO_CLIENT_ID}/mail.gateway")]);
    assert_eq!(
        consented(&specific, &bare, &d).unwrap(),
        set(&["Mail.Gateway"])
    );
    // Graph consent is untouched by API permissions.
    let graph = parse("Mail.Read", &d).unwrap();
    assert_eq!(consented(&graph, &mail, &d).unwrap_err().code, 65001);
}

#[test]
fn response_scope_prefixes_the_resource() {
    let g = set(&["User.Read", "openid", "Mail.Send", "offline_access"]);
    assert_eq!(
        response_scope(&g, None),
        "https://graph.microsoft.com/Mail.Send https://graph.microsoft.com/User.Read openid offline_access"
    );
    let api = ApiResource {
        client_id: DEMO_CLIENT_ID.into(),
        identifier: format!("api://{DEMO_CLIENT_ID}"),
    };
    assert_eq!(
        response_scope(&set(&["Mail.Gateway", "offline_access"]), Some(&api)),
        format!("api://{DEMO_CLIENT_ID}/Mail.Gateway offline_access")
    );
}

#[test]
fn client_credentials_take_graph_or_an_api_default() {
    let d = dir();
    for graph in [
        "https://graph.microsoft.com/.default",
        "00000003-0000-0000-c000-000000000000/.default",
    ] {
        assert_eq!(
            client_credentials_target(graph, &d).unwrap(),
            None,
            "{graph}"
        );
    }
    let api = client_credentials_target(&format!("api://{DEMO_CLIENT_ID}/.default"), &d)
        .unwrap()
        .unwrap();
    assert_eq!(api.client_id, DEMO_CLIENT_ID);
    for (raw, code) in [
        ("Mail.Read", 1002012),
        ("https://graph.microsoft.com/Mail.Read", 1002012),
        ("https://graph.microsoft.com/.default openid", 1002012),
        ("https://example.com/.default", 500011),
    ] {
        assert_eq!(
            client_credentials_target(raw, &d).unwrap_err().code,
            code,
            "{raw}"
        );
    }
}
