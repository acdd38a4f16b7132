//! OAuth sign-in from outside: a token the emulated tenant issued for the
//! gateway's API (`api://{client id}/Mail.Gateway`) logs in over IMAP, SMTP
//! and POP3 with XOAUTH2 and OAUTHBEARER (Python's imaplib, smtplib and
//! poplib); the gateway checks it against the tenant's published keys and
//! exchanges it once, on behalf of the user, for its own Graph token.
//! Expired tokens, tokens for another audience or tenant, tokens signed
//! with an unknown or retired key, app-only tokens and malformed messages
//! are refused with the error challenge and audited; a missing consent is
//! named with its fix.

use base64::Engine as _;
use graphgate::config::Config;
use graphgate::secret::Secret;
use graphgate::store::AuditFilter;
use graphgate_emulator::seed::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_MAIL_CLIENT_ID};
use serde_json::{Value, json};

use crate::common::gateway::{APP_ONLY, TestGateway};
use crate::common::imap_client::Client;
use crate::common::{ALICE, CAROL, Tenant};

fn oauth_on(config: &mut Config) {
    oauth_with_default_limits(config);
    // The Python clients try many bad tokens from one address.
    config.accounts.failures_per_address = 1000;
    config.accounts.failures_per_user = 1000;
}

fn oauth_with_default_limits(config: &mut Config) {
    config.oauth.enabled = true;
    // Keys fetched again after a second, so a retired key is noticed in a
    // test's time.
    config.oauth.keys_cache_s = 1;
    config.microsoft.client_secret = Secret::new(DEMO_CLIENT_SECRET);
}

fn scope() -> String {
    format!("api://{DEMO_CLIENT_ID}/Mail.Gateway")
}

/// A token for the gateway's API, minted with `overrides`.
async fn minted(tenant: &Tenant, overrides: Value) -> String {
    let mut body = json!({"api": DEMO_CLIENT_ID, "upn": ALICE});
    if let (Some(b), Some(o)) = (body.as_object_mut(), overrides.as_object()) {
        b.extend(o.clone());
    }
    let v = tenant.control_post("/_emulator/tokens", body).await;
    v["access_token"].as_str().expect("a token").to_string()
}

fn xoauth2(user: &str, token: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(format!("user={user}\x01auth=Bearer {token}\x01\x01"))
}

/// `AUTHENTICATE XOAUTH2` with SASL-IR; the tagged answer (after
/// answering an error challenge with an empty line).
async fn imap_login(gw: &TestGateway, user: &str, token: &str) -> String {
    let mut c = Client::connect(gw.imap).await;
    c.send(&format!("a1 AUTHENTICATE XOAUTH2 {}", xoauth2(user, token)))
        .await;
    let mut line = c.line().await;
    if line.starts_with('+') {
        c.send("").await;
        line = c.line().await;
    }
    line.trim_end().to_string()
}

async fn grants(tenant: &Tenant, grant: &str) -> u64 {
    tenant.stats().await["by_grant"][grant]
        .as_u64()
        .unwrap_or(0)
}

async fn oauth_audit(gw: &TestGateway, outcome: &str) -> Vec<graphgate::store::AuditRow> {
    let filter = AuditFilter {
        action: Some("login-oauth".into()),
        outcome: Some(outcome.into()),
        ..AuditFilter::default()
    };
    let store = graphgate::store::Store::open_in(gw.dir.path())
        .await
        .unwrap();
    // Audit rows are written in the background.
    let mut rows = Vec::new();
    for _ in 0..50 {
        rows = store.audit_find(&filter, 100).await.unwrap();
        if !rows.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_clients_log_in_with_a_token_and_refused_tokens_are_audited() {
    let gw = TestGateway::start_real_tokens(oauth_on).await;
    // Nobody has signed in to Microsoft: a password login has no mailbox.
    let answer = {
        let mut c = Client::connect(gw.imap).await;
        c.run(&format!(
            "LOGIN {ALICE} {}",
            crate::common::gateway::PASSWORD
        ))
        .await
    };
    assert_ne!(answer.status, "OK", "no sign-in yet: {}", answer.text);

    // A real sign-in of alice to the demo mail client, for the API.
    let answer = gw
        .tenant
        .device_sign_in(
            DEMO_MAIL_CLIENT_ID,
            ALICE,
            &format!("{} offline_access", scope()),
        )
        .await;
    let token = answer["access_token"].as_str().unwrap().to_string();
    let refused = json!({
        "expired": minted(&gw.tenant, json!({"lifetime_s": -600})).await,
        "audience": minted(&gw.tenant, json!({"audience": "api://another-api"})).await,
        "tenant": minted(&gw.tenant, json!({"tenant_id": "0b5e1d2c-3f4a-4b6c-8d7e-9f0a1b2c3d4e"})).await,
        "unknown_key": minted(&gw.tenant, json!({"key": "unknown"})).await,
        "app_only": minted(&gw.tenant, json!({"app": true})).await,
        "graph_token": gw.tenant.alice().await,
    });
    let script = format!("{}/tests/clients/oauth_sasl.py", env!("CARGO_MANIFEST_DIR"));
    let out = tokio::process::Command::new("python3")
        .arg(script)
        .arg(gw.imap.port().to_string())
        .arg(gw.imaps.port().to_string())
        .arg(gw.smtp.port().to_string())
        .arg(gw.pop3.port().to_string())
        .arg(&gw.cert)
        .arg(ALICE)
        .arg(&token)
        .arg(refused.to_string())
        .output()
        .await
        .unwrap();
    crate::common::assert_script_ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let seen: Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    for (name, why) in [
        ("expired", "expired"),
        ("audience", "not for graphgate"),
        ("tenant", "may not sign in here"),
        ("unknown_key", "key the tenant does not publish"),
        ("app_only", "app-only token"),
        ("graph_token", "not with the tenant's RS256 keys"),
    ] {
        let line = seen[format!("imap_refused_{name}")].as_str().unwrap();
        assert!(line.contains(why), "{name}: {line}");
    }
    // One exchange served every login with the token (IMAP three times,
    // SMTP, POP3); the message went out with the exchanged Graph token.
    assert_eq!(grants(&gw.tenant, "on_behalf_of").await, 1);
    // The exchange's own access token served the Graph calls: no refresh.
    assert_eq!(grants(&gw.tenant, "refresh_token").await, 0);
    let sent = gw.tenant.mailbox(ALICE, "sentitems").await;
    assert!(
        sent.iter()
            .any(|m| m["subject"] == "sent with an OAuth token"),
        "{sent:?}"
    );
    // And the exchange's sign-in now serves alice's password logins too.
    let mut c = Client::connect(gw.imap).await;
    c.run_ok(&format!(
        "LOGIN {ALICE} {}",
        crate::common::gateway::PASSWORD
    ))
    .await;
    c.run_ok("SELECT INBOX").await;

    let allowed = oauth_audit(&gw, "allowed").await;
    assert!(allowed.iter().all(|r| r.login == ALICE), "{allowed:?}");
    assert!(allowed.len() >= 5, "{allowed:?}");
    let refused_rows = oauth_audit(&gw, "refused").await;
    for why in ["expired", "app-only", "malformed OAUTHBEARER response"] {
        assert!(
            refused_rows.iter().any(|r| r.detail.contains(why)),
            "no refusal for {why}: {refused_rows:?}"
        );
    }
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_consent_for_the_exchange_names_the_fix() {
    let gw = TestGateway::start_real_tokens(oauth_on).await;
    let path = format!("/_emulator/apps/{DEMO_CLIENT_ID}");
    let mut app = gw.tenant.control_get(&path).await;
    app["delegated_scopes"] = json!([]);
    let r = gw
        .tenant
        .http
        .put(format!("{}{path}", gw.tenant.base))
        .json(&app)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let token = minted(&gw.tenant, json!({})).await;
    let answer = imap_login(&gw, ALICE, &token).await;
    assert!(
        answer.starts_with("a1 NO [AUTHENTICATIONFAILED]")
            && answer.contains("admin consent is missing")
            && answer.contains(&format!("adminconsent?client_id={DEMO_CLIENT_ID}")),
        "{answer}"
    );
    let refused = oauth_audit(&gw, "refused").await;
    assert!(
        refused.iter().any(|r| r.detail.contains("admin consent")),
        "{refused:?}"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_is_learned_and_a_retired_one_refused() {
    let gw = TestGateway::start_real_tokens(oauth_on).await;
    let old = minted(&gw.tenant, json!({})).await;
    assert!(imap_login(&gw, ALICE, &old).await.starts_with("a1 OK"));
    gw.tenant
        .control_post("/_emulator/keys/rotate", json!({}))
        .await;
    // Signed with the new key, which the gateway has not fetched yet.
    let new = minted(&gw.tenant, json!({})).await;
    assert!(imap_login(&gw, ALICE, &new).await.starts_with("a1 OK"));
    gw.tenant
        .control_post("/_emulator/keys/retire", json!({}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let answer = imap_login(&gw, ALICE, &old).await;
    assert!(
        answer.starts_with("a1 NO [AUTHENTICATIONFAILED]")
            && answer.contains("key the tenant does not publish"),
        "{answer}"
    );
    assert!(imap_login(&gw, ALICE, &new).await.starts_with("a1 OK"));
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_app_only_account_needs_no_exchange_and_names_are_checked() {
    let gw = TestGateway::start_real_tokens(oauth_on).await;
    let carol = minted(&gw.tenant, json!({"upn": CAROL})).await;
    // carol's token, asking for the app-only account linked to carol.
    assert!(imap_login(&gw, APP_ONLY, &carol).await.starts_with("a1 OK"));
    assert_eq!(grants(&gw.tenant, "on_behalf_of").await, 0);
    // alice's token may not be used as carol's account.
    let alice = minted(&gw.tenant, json!({})).await;
    let answer = imap_login(&gw, APP_ONLY, &alice).await;
    assert!(
        answer.starts_with("a1 NO [AUTHENTICATIONFAILED]") && answer.contains("may not log in as"),
        "{answer}"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_tokens_count_against_the_failed_login_limits() {
    let gw = TestGateway::start_real_tokens(oauth_with_default_limits).await;
    let expired = minted(&gw.tenant, json!({"lifetime_s": -600})).await;
    let mut limited = None;
    for attempt in 1..=60 {
        let answer = imap_login(&gw, ALICE, &expired).await;
        if answer.contains("too many failed logins") {
            limited = Some(attempt);
            break;
        }
        assert!(
            answer.starts_with("a1 NO [AUTHENTICATIONFAILED]"),
            "{answer}"
        );
    }
    assert!(limited.is_some(), "60 bad tokens and no limit");
    // Past the limit even a good token waits, as a right password would.
    let good = minted(&gw.tenant, json!({})).await;
    let answer = imap_login(&gw, ALICE, &good).await;
    assert!(
        answer.starts_with("a1 NO [UNAVAILABLE]") && answer.contains("too many failed logins"),
        "{answer}"
    );
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_tokens_are_checked_against_the_v1_issuer() {
    let gw = TestGateway::start_real_tokens(oauth_on).await;
    let path = format!("/_emulator/apps/{DEMO_CLIENT_ID}");
    let mut app = gw.tenant.control_get(&path).await;
    app["access_token_version"] = json!(1);
    let r = gw
        .tenant
        .http
        .put(format!("{}{path}", gw.tenant.base))
        .json(&app)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let token = minted(&gw.tenant, json!({})).await;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["ver"], "1.0", "{claims}");
    assert!(
        claims["iss"]
            .as_str()
            .unwrap()
            .starts_with("https://sts.windows.net/"),
        "{claims}"
    );
    assert!(imap_login(&gw, ALICE, &token).await.starts_with("a1 OK"));
    gw.stop().await;
}

/// curl with `--oauth2-bearer`, as scripts use it.
async fn curl(args: &[&str]) -> String {
    let out = tokio::process::Command::new("curl")
        .args(["-sS", "--max-time", "30"])
        .args(args)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_logs_in_with_oauth2_bearer_over_imap_pop3_and_smtp() {
    let gw = TestGateway::start_real_tokens(oauth_on).await;
    let token = minted(&gw.tenant, json!({})).await;
    let user = format!("{ALICE}:");
    let imap = format!("imap://{}/INBOX", gw.imap);
    for mechanism in ["AUTH=OAUTHBEARER", "AUTH=XOAUTH2"] {
        let status = curl(&[
            "--oauth2-bearer",
            &token,
            "--login-options",
            mechanism,
            "-u",
            &user,
            &imap,
            "-X",
            "STATUS INBOX (MESSAGES)",
        ])
        .await;
        assert!(
            status.contains("* STATUS INBOX (MESSAGES "),
            "{mechanism}: {status}"
        );
    }
    let list = curl(&[
        "--oauth2-bearer",
        &token,
        "-u",
        &user,
        &format!("pop3://{}/", gw.pop3),
    ])
    .await;
    assert!(
        list.lines().next().is_some_and(|l| l.starts_with("1 ")),
        "{list}"
    );
    let mail =
        format!("From: {ALICE}\r\nTo: {ALICE}\r\nSubject: curl with a bearer token\r\n\r\nhi\r\n");
    let path = gw.dir.path().join("mail.txt");
    std::fs::write(&path, mail).unwrap();
    curl(&[
        "--oauth2-bearer",
        &token,
        "-u",
        &user,
        "--mail-from",
        ALICE,
        "--mail-rcpt",
        ALICE,
        "-T",
        path.to_str().unwrap(),
        &format!("smtp://{}", gw.smtp),
    ])
    .await;
    let sent = gw.tenant.mailbox(ALICE, "sentitems").await;
    assert!(
        sent.iter()
            .any(|m| m["subject"] == "curl with a bearer token"),
        "{sent:?}"
    );
    gw.stop().await;
}
