//! Client credentials: app-only tokens with a client secret (form or HTTP
//! Basic) and with a certificate-signed client assertion, and their refusals.

use super::harness::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use graphgate_emulator::directory::{AppCertificate, AppRegistration};
use graphgate_emulator::seed::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_DOMAIN, DEMO_TENANT_ID};
use graphgate_emulator::tokens::{self, Principal};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;

#[tokio::test]
async fn client_credentials_with_a_secret_issue_an_app_token() {
    let t = Tenant::start().await;
    let (status, body) = t
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("scope", GRAPH_DEFAULT),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("refresh_token").is_none() && body.get("scope").is_none());
    let at = body["access_token"].as_str().unwrap();
    assert_eq!(
        t.verify(at).unwrap(),
        Principal::App {
            client_id: DEMO_CLIENT_ID.into(),
            roles: short_scopes(&[
                "Mail.ReadWrite",
                "Mail.Send",
                "Calendars.ReadWrite",
                "Contacts.ReadWrite",
                "Tasks.ReadWrite.All",
            ])
        }
    );
    let c = claims(at);
    assert_eq!(c["idtyp"], "app");
    assert_eq!(
        c["oid"],
        tokens::service_principal_id(DEMO_TENANT_ID, DEMO_CLIENT_ID).to_string()
    );
    assert!(c.get("scp").is_none());

    // HTTP Basic works the same, on the tenant id path.
    let resp = t
        .http
        .post(t.url(&format!("/{DEMO_TENANT_ID}/oauth2/v2.0/token")))
        .basic_auth(DEMO_CLIENT_ID, Some(DEMO_CLIENT_SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", GRAPH_DEFAULT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(t.by_grant("client_credentials"), 2);
    t.em.stop().await;
}

#[tokio::test]
async fn client_credentials_refusals() {
    let t = Tenant::start().await;
    let cc = |client: &'static str, secret: &'static str, scope: &'static str| {
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", secret),
            ("scope", scope),
        ]
    };
    let got = t.token(&cc(DEMO_CLIENT_ID, "wrong", GRAPH_DEFAULT)).await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_client", 7000215);
    let got = t
        .token(&cc(
            "11111111-2222-3333-4444-555555555555",
            "x",
            GRAPH_DEFAULT,
        ))
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "unauthorized_client", 700016);
    let got = t
        .token(&cc(
            DEMO_CLIENT_ID,
            DEMO_CLIENT_SECRET,
            "https://graph.microsoft.com/Mail.Read",
        ))
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_scope", 1002012);
    let got = t
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT_ID),
            ("scope", GRAPH_DEFAULT),
        ])
        .await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_client", 7000218);
    let common = t.url("/common/oauth2/v2.0/token");
    let got = t
        .post_json(
            &common,
            &cc(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, GRAPH_DEFAULT),
        )
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request", 9001023);
    let other = t.url("/fabrikam.test/oauth2/v2.0/token");
    let got = t
        .post_json(
            &other,
            &cc(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, GRAPH_DEFAULT),
        )
        .await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request", 90002);
    let got = t.token(&[("client_id", DEMO_CLIENT_ID)]).await;
    assert_error(&got, StatusCode::BAD_REQUEST, "invalid_request", 900144);
    let got = t
        .token(&[("grant_type", "password"), ("client_id", DEMO_CLIENT_ID)])
        .await;
    assert_error(
        &got,
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
        70003,
    );

    // A purely public app must not be sent a secret.
    t.em.tenant.directory.write().apps.push(AppRegistration {
        client_id: "22222222-0000-4000-8000-000000000002".into(),
        display_name: "public tool".into(),
        secrets: Vec::new(),
        certificates: Vec::new(),
        app_roles: Default::default(),
        delegated_scopes: short_scopes(&["Mail.Read"]),
        public_client: true,
        redirect_uris: vec!["http://localhost".into()],
        mailbox_scope: None,
        ..Default::default()
    });
    let got = t
        .token(&cc(
            "22222222-0000-4000-8000-000000000002",
            "s",
            GRAPH_DEFAULT,
        ))
        .await;
    assert_error(&got, StatusCode::UNAUTHORIZED, "invalid_client", 700025);
    assert_eq!(t.by_grant("client_credentials"), 7);
    assert_eq!(t.by_grant("missing"), 1);
    assert_eq!(t.by_grant("unsupported"), 1);
    t.em.stop().await;
}

struct TestCert {
    key: rcgen::KeyPair,
    x5t: String,
    pem: String,
}

fn test_cert() -> TestCert {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let cert = rcgen::CertificateParams::new(vec!["graphgate-test".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let x5t = URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(cert.der().as_ref()));
    TestCert {
        key,
        x5t,
        pem: cert.pem(),
    }
}

fn assertion(key: &rcgen::KeyPair, x5t: &str, claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.x5t = Some(x5t.to_string());
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(key.serialize_pem().as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

#[tokio::test]
async fn client_credentials_with_a_certificate_assertion() {
    let t = Tenant::start().await;
    let cert = test_cert();
    t.demo_app(|a| {
        a.certificates.push(AppCertificate {
            x5t: cert.x5t.clone(),
            pem: cert.pem.clone(),
        })
    });
    let aud = format!("{}/{DEMO_TENANT_ID}/oauth2/v2.0/token", t.base);
    let claims_with = |aud: &str, jti: &str, exp: i64| json!({"aud": aud, "iss": DEMO_CLIENT_ID, "sub": DEMO_CLIENT_ID, "jti": jti, "nbf": now(), "exp": exp});
    let send = |jwt: String| {
        let t = &t;
        async move {
            t.token(&[
                ("grant_type", "client_credentials"),
                ("client_id", DEMO_CLIENT_ID),
                ("scope", GRAPH_DEFAULT),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", &jwt),
            ])
            .await
        }
    };
    let good = assertion(
        &cert.key,
        &cert.x5t,
        &claims_with(&aud, "jti-1", now() + 600),
    );
    let (status, body) = send(good.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(matches!(
        t.verify(body["access_token"].as_str().unwrap()).unwrap(),
        Principal::App { .. }
    ));

    // The domain form of the audience is accepted too.
    let domain_aud = format!("{}/{DEMO_DOMAIN}/oauth2/v2.0/token", t.base);
    let (status, body) = send(assertion(
        &cert.key,
        &cert.x5t,
        &claims_with(&domain_aud, "jti-2", now() + 600),
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let replay = send(good).await;
    assert_error(&replay, StatusCode::UNAUTHORIZED, "invalid_client", 50013);

    let other = test_cert();
    let wrong_key = assertion(
        &other.key,
        &cert.x5t,
        &claims_with(&aud, "jti-3", now() + 600),
    );
    assert_error(
        &send(wrong_key).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        700027,
    );
    let unknown_cert = assertion(
        &other.key,
        &other.x5t,
        &claims_with(&aud, "jti-4", now() + 600),
    );
    assert_error(
        &send(unknown_cert).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        700027,
    );
    let expired = assertion(&cert.key, &cert.x5t, &claims_with(&aud, "jti-5", now() - 1));
    assert_error(
        &send(expired).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        700024,
    );
    let wrong_aud = assertion(
        &cert.key,
        &cert.x5t,
        &claims_with(
            "https://login.microsoftonline.com/x/oauth2/v2.0/token",
            "jti-6",
            now() + 600,
        ),
    );
    assert_error(
        &send(wrong_aud).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        50027,
    );
    let mut c = claims_with(&aud, "jti-7", now() + 600);
    c["iss"] = json!("33333333-0000-4000-8000-000000000003");
    assert_error(
        &send(assertion(&cert.key, &cert.x5t, &c)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        700021,
    );
    t.em.stop().await;
}
