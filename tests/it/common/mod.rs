//! Test harness: an emulated tenant on an ephemeral loopback port, tokens
//! minted through its control API, and small HTTP helpers.
#![allow(dead_code)]

pub mod gateway;
pub mod imap_client;
pub mod pg;

use std::time::{Duration, Instant};

use graphgate_emulator::Settings;
use graphgate_emulator::{EmulatorConfig, RunningEmulator};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const ALICE: &str = "alice@contoso.test";
pub const BOB: &str = "bob@contoso.test";
pub const CAROL: &str = "carol@contoso.test";
pub const SALES: &str = "sales@contoso.test";

/// Every delegated scope the demo app is consented for.
pub const ALL_SCOPES: [&str; 18] = [
    "User.Read",
    "Mail.Read",
    "Mail.ReadWrite",
    "Mail.Send",
    "Mail.Read.Shared",
    "Mail.ReadWrite.Shared",
    "Mail.Send.Shared",
    "Calendars.Read",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
    "Calendars.ReadWrite.Shared",
    "Contacts.Read",
    "Contacts.ReadWrite",
    "Contacts.Read.Shared",
    "Contacts.ReadWrite.Shared",
    "Tasks.Read",
    "Tasks.ReadWrite",
    "MailboxSettings.Read",
];

pub struct Tenant {
    pub running: Option<RunningEmulator>,
    pub base: String,
    pub http: reqwest::Client,
}

impl Tenant {
    pub async fn start() -> Tenant {
        Tenant::start_with(EmulatorConfig {
            skip_large_seed: true,
            ..test_config()
        })
        .await
    }

    pub async fn start_with(config: EmulatorConfig) -> Tenant {
        let running = graphgate_emulator::start(config)
            .await
            .expect("emulator starts");
        let base = running.base_url();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        Tenant {
            running: Some(running),
            base,
            http,
        }
    }

    /// A tenant value that runs nothing (a placeholder while moving one).
    pub fn detached() -> Tenant {
        Tenant {
            running: None,
            base: String::new(),
            http: reqwest::Client::new(),
        }
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/v1.0{}", self.base, path)
    }

    pub async fn token(&self, upn: &str, scopes: &[&str]) -> String {
        let v = self
            .control_post("/_emulator/tokens", json!({"upn": upn, "scopes": scopes}))
            .await;
        v["access_token"].as_str().expect("token").to_string()
    }

    /// A whole device-code sign-in of `user` to app `client_id` for
    /// `scope`, through the sign-in pages as a person goes; the token
    /// endpoint's answer.
    pub async fn device_sign_in(&self, client_id: &str, user: &str, scope: &str) -> Value {
        self.set(json!({"device_code_interval_s": 0})).await;
        let form = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        };
        let post = async |path: &str, pairs: Vec<(String, String)>| -> (StatusCode, String) {
            let r = self
                .http
                .post(format!("{}{}", self.base, path))
                .form(&pairs)
                .send()
                .await
                .expect("sign-in page");
            let status = r.status();
            (status, r.text().await.unwrap_or_default())
        };
        let (status, body) = post(
            "/organizations/oauth2/v2.0/devicecode",
            form(&[("client_id", client_id), ("scope", scope)]),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let code: Value = serde_json::from_str(&body).unwrap();
        let user_code = code["user_code"].as_str().unwrap().to_string();
        let (_, page) = post("/devicelogin", form(&[("otc", &user_code)])).await;
        let flow = hidden(&page, "flow").expect("the user-name page");
        let (_, page) = post("/login", form(&[("flow", &flow), ("loginfmt", user)])).await;
        let flow = hidden(&page, "flow").expect("the password page");
        let password = graphgate_emulator::seed::DEMO_SIGNIN_PASSWORD;
        let (_, page) = post("/login", form(&[("flow", &flow), ("passwd", password)])).await;
        let flow = hidden(&page, "flow").expect("the consent page");
        let (_, page) = post(
            "/login/consent",
            form(&[("flow", &flow), ("accept", "Continue")]),
        )
        .await;
        assert!(page.contains("You have signed in"), "{page}");
        let (status, body) = post(
            "/organizations/oauth2/v2.0/token",
            form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", client_id),
                ("device_code", code["device_code"].as_str().unwrap()),
            ]),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    pub async fn alice(&self) -> String {
        self.token(ALICE, &ALL_SCOPES).await
    }

    pub async fn app_token(&self, roles: &[&str]) -> String {
        let v = self
            .control_post("/_emulator/tokens", json!({"app": true, "roles": roles}))
            .await;
        v["access_token"].as_str().expect("token").to_string()
    }

    pub async fn control_post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}{}", self.base, path))
            .json(&body)
            .send()
            .await
            .expect("control");
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {v}");
        v
    }

    pub async fn control_get(&self, path: &str) -> Value {
        let r = self
            .http
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("control");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.expect("json")
    }

    pub async fn control_get_text(&self, path: &str) -> String {
        let r = self
            .http
            .get(format!("{}{}", self.base, path))
            .send()
            .await
            .expect("control");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.text().await.expect("text")
    }

    pub async fn set(&self, settings: Value) {
        let r = self
            .http
            .put(format!("{}/_emulator/config", self.base))
            .json(&settings)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "config: {}", r.status());
    }

    pub async fn stats(&self) -> Value {
        self.control_get("/_emulator/stats").await
    }

    /// Send a Graph request; returns status, headers and body (JSON or Null).
    pub async fn call(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            self.url(path)
        };
        let mut rb = self
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth(token);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("request");
        let status = r.status();
        let h = r.headers().clone();
        let bytes = r.bytes().await.expect("body");
        let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, h, v)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let (s, _, v) = self.call(token, "GET", path, None, &[]).await;
        (s, v)
    }

    pub async fn get_immutable(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let (s, _, v) = self
            .call(
                token,
                "GET",
                path,
                None,
                &[("Prefer", "IdType=\"ImmutableId\"")],
            )
            .await;
        (s, v)
    }

    /// POST a raw body with a content type.
    pub async fn post_raw(
        &self,
        token: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut rb = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", content_type);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        let r = rb.body(body).send().await.expect("request");
        let status = r.status();
        let h = r.headers().clone();
        let v = r.json().await.unwrap_or(Value::Null);
        (status, h, v)
    }

    /// Messages of a mailbox as the control API lists them.
    pub async fn mailbox(&self, upn: &str, folder: &str) -> Vec<Value> {
        let v = self
            .control_get(&format!(
                "/_emulator/mailboxes/{upn}/messages?folder={folder}"
            ))
            .await;
        v["value"].as_array().cloned().unwrap_or_default()
    }

    pub async fn deliver(&self, upn: &str, mime: &str) -> String {
        let r = self
            .http
            .post(format!("{}/_emulator/mailboxes/{upn}/deliver", self.base))
            .body(mime.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        v["id"].as_str().unwrap().to_string()
    }
}

pub fn test_config() -> EmulatorConfig {
    EmulatorConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        settings: Settings::default(),
        ..Default::default()
    }
}

/// A number from the environment variable `key`, or `default` (benchmark
/// knobs).
pub fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn simple_mime(from: &str, to: &str, subject: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: Tue, 04 Mar 2025 09:15:27 +0000\r\nMessage-ID: <{}@test.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        uuid::Uuid::new_v4().simple()
    )
}

/// Graph operations the tenant counted (`stats`) on the endpoints whose
/// template `keep` accepts.
pub fn endpoint_sum(stats: &Value, keep: impl Fn(&str) -> bool) -> u64 {
    stats["by_endpoint"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| keep(k))
                .map(|(_, v)| v.as_u64().unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

/// Wait until `check` is true, polling, or fail after `secs`.
pub async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Follow nextLinks and collect every item of a list.
pub async fn collect_all(
    t: &Tenant,
    token: &str,
    first: &str,
    headers: &[(&str, &str)],
) -> (Vec<Value>, usize) {
    let mut url = first.to_string();
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        let (s, _, v) = t.call(token, "GET", &url, None, headers).await;
        assert_eq!(s, StatusCode::OK, "{url}: {v}");
        pages += 1;
        items.extend(v["value"].as_array().cloned().unwrap_or_default());
        match v["@odata.nextLink"].as_str() {
            Some(n) => url = n.to_string(),
            None => return (items, pages),
        }
    }
}

/// Access tokens minted through the emulator's control API, as a token
/// source for graphgate's own providers (the identity flows are tested
/// elsewhere; these tests are about what happens with the token).
pub struct ControlTokens {
    pub base: String,
    pub body: Value,
    pub http: reqwest::Client,
    pub generation: std::sync::atomic::AtomicU64,
    /// Tokens handed out.
    pub fetched: std::sync::atomic::AtomicU64,
}

impl ControlTokens {
    pub fn delegated(tenant: &Tenant, upn: &str) -> ControlTokens {
        ControlTokens::new(tenant, json!({"upn": upn, "scopes": ALL_SCOPES}))
    }

    pub fn app(tenant: &Tenant) -> ControlTokens {
        ControlTokens::new(
            tenant,
            json!({"app": true, "roles": ["Mail.ReadWrite", "Mail.Send"]}),
        )
    }

    fn new(tenant: &Tenant, body: Value) -> ControlTokens {
        ControlTokens {
            base: tenant.base.clone(),
            body,
            http: tenant.http.clone(),
            generation: Default::default(),
            fetched: Default::default(),
        }
    }

    pub fn provider(
        self,
        identity: graphgate::auth::Identity,
    ) -> std::sync::Arc<graphgate::auth::TokenProvider> {
        std::sync::Arc::new(graphgate::auth::TokenProvider::from_source(
            identity,
            std::sync::Arc::new(self),
        ))
    }
}

impl graphgate::auth::TokenSource for ControlTokens {
    fn fetch(
        &self,
    ) -> graphgate::auth::BoxFuture<'_, Result<graphgate::auth::AccessToken, graphgate::auth::Error>>
    {
        Box::pin(async move {
            use std::sync::atomic::Ordering;
            let r = self
                .http
                .post(format!("{}/_emulator/tokens", self.base))
                .json(&self.body)
                .send()
                .await
                .map_err(|e| graphgate::auth::Error::Unavailable(e.to_string()))?;
            let v: Value = r
                .json()
                .await
                .map_err(|e| graphgate::auth::Error::Unavailable(e.to_string()))?;
            let token = v["access_token"].as_str().unwrap_or_default().to_string();
            let lifetime = v["expires_in"].as_i64().unwrap_or(3600);
            self.fetched.fetch_add(1, Ordering::SeqCst);
            Ok(graphgate::auth::AccessToken {
                secret: graphgate::secret::Secret::new(token),
                expires_at: chrono::Utc::now().timestamp() + lifetime,
                generation: self.generation.fetch_add(1, Ordering::SeqCst) + 1,
            })
        })
    }
}

/// The value of a hidden input, as the emulator's sign-in pages write it.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    let end = html[at..].find('"')?;
    Some(
        html[at..at + end]
            .replace("&amp;", "&")
            .replace("&quot;", "\""),
    )
}

/// A client script's run ended well: exit status 0 and `OK` on stdout;
/// otherwise the test fails showing both streams.
pub fn assert_script_ok(out: &std::process::Output) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("OK"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
