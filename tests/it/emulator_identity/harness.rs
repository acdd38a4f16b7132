//! The harness of the identity tests: a [`Tenant`] is one emulator on an
//! ephemeral loopback port with a reqwest client that does not follow
//! redirects, plus helpers that walk the sign-in pages as a person would.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use graphgate_emulator::Settings;
use graphgate_emulator::directory::AppRegistration;
use graphgate_emulator::seed::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_DOMAIN, DEMO_SIGNIN_PASSWORD, DEMO_TENANT_ID,
};
use graphgate_emulator::tokens::{self, Principal, TokenRejection};
use graphgate_emulator::{EmulatorConfig, RunningEmulator};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
pub const GRAPH_DEFAULT: &str = "https://graph.microsoft.com/.default";
/// The demo app's name on the sign-in pages.
pub const DEMO_APP_NAME: &str = "graphgate (demo)";
pub const MAIL_SCOPES: &str =
    "offline_access openid profile https://graph.microsoft.com/Mail.ReadWrite Mail.Send";

pub struct Tenant {
    pub em: RunningEmulator,
    pub http: reqwest::Client,
    pub base: String,
}

impl Tenant {
    pub async fn start() -> Tenant {
        Tenant::start_with(|_| {}).await
    }

    pub async fn start_with(f: impl FnOnce(&mut Settings)) -> Tenant {
        let mut settings = Settings::default();
        f(&mut settings);
        let em = graphgate_emulator::start(EmulatorConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            skip_large_seed: true,
            settings,
            ..Default::default()
        })
        .await
        .unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let base = em.base_url();
        Tenant { em, http, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn token_url(&self) -> String {
        self.url(&format!("/{DEMO_DOMAIN}/oauth2/v2.0/token"))
    }

    pub async fn post_json(&self, url: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let resp = self.http.post(url).form(form).send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap())
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        self.post_json(&self.token_url(), form).await
    }

    pub async fn page(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let resp = self
            .http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.text().await.unwrap())
    }

    pub fn verify(&self, access_token: &str) -> Result<Principal, TokenRejection> {
        let dir = self.em.tenant.directory.read();
        tokens::verify_access_token(&self.em.tenant.keys, &dir, access_token, now())
    }

    pub fn by_grant(&self, grant: &str) -> u64 {
        self.em
            .tenant
            .stats
            .by_grant
            .get(grant)
            .map(|v| *v)
            .unwrap_or(0)
    }

    pub fn demo_app(&self, f: impl FnOnce(&mut AppRegistration)) {
        let mut dir = self.em.tenant.directory.write();
        f(dir.app_mut(DEMO_CLIENT_ID).unwrap());
    }

    pub async fn device_code(&self, scope: &str) -> Value {
        self.device_code_for(DEMO_CLIENT_ID, scope).await
    }

    pub async fn device_code_for(&self, client_id: &str, scope: &str) -> Value {
        let url = self.url("/organizations/oauth2/v2.0/devicecode");
        let (status, body) = self
            .post_json(&url, &[("client_id", client_id), ("scope", scope)])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn poll(&self, device_code: &str) -> (StatusCode, Value) {
        self.poll_for(DEMO_CLIENT_ID, device_code).await
    }

    pub async fn poll_for(&self, client_id: &str, device_code: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", DEVICE_GRANT),
            ("client_id", client_id),
            ("device_code", device_code),
        ])
        .await
    }

    /// Go through /devicelogin as a person would; returns the last page.
    pub async fn approve_device(&self, user_code: &str, user: &str, accept: bool) -> String {
        self.approve_device_to(DEMO_APP_NAME, user_code, user, accept)
            .await
    }

    /// [`Tenant::approve_device`] for the app named `app` on the consent page.
    pub async fn approve_device_to(
        &self,
        app: &str,
        user_code: &str,
        user: &str,
        accept: bool,
    ) -> String {
        let start = self
            .http
            .get(self.url("/devicelogin"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            start.contains("id=\"otc\"") && start.contains("name=\"otc\""),
            "{start}"
        );
        let (_, html) = self
            .page("/devicelogin", &[("otc", &user_code.to_lowercase())])
            .await;
        assert!(
            html.contains("id=\"i0116\"") && html.contains("name=\"loginfmt\""),
            "{html}"
        );
        self.sign_in_to(app, &html, user, accept).await
    }

    /// From the user-name page: user name, password, then the consent page.
    pub async fn sign_in(&self, username_page: &str, user: &str, accept: bool) -> String {
        self.sign_in_to(DEMO_APP_NAME, username_page, user, accept)
            .await
    }

    /// [`Tenant::sign_in`] for the app named `app` on the consent page.
    pub async fn sign_in_to(
        &self,
        app: &str,
        username_page: &str,
        user: &str,
        accept: bool,
    ) -> String {
        let flow = hidden(username_page, "flow").expect("flow field");
        let (_, html) = self
            .page("/login", &[("flow", &flow), ("loginfmt", user)])
            .await;
        assert!(
            html.contains("id=\"i0118\"") && html.contains("name=\"passwd\""),
            "{html}"
        );
        let flow = hidden(&html, "flow").unwrap();
        let (_, html) = self
            .page(
                "/login",
                &[("flow", &flow), ("passwd", DEMO_SIGNIN_PASSWORD)],
            )
            .await;
        assert!(
            html.contains(&format!("Are you trying to sign in to {app}?")),
            "{html}"
        );
        assert!(html.contains("id=\"idSIButton9\"") && html.contains("id=\"idBtn_Back\""));
        let flow = hidden(&html, "flow").unwrap();
        let button = if accept {
            ("accept", "Continue")
        } else {
            ("decline", "Cancel")
        };
        let resp = self
            .http
            .post(self.url("/login/consent"))
            .form(&[("flow", flow.as_str()), button])
            .send();
        let resp = resp.await.unwrap();
        if resp.status() == StatusCode::FOUND {
            return resp.headers()["location"].to_str().unwrap().to_string();
        }
        resp.text().await.unwrap()
    }

    /// A complete device-code sign-in of `user`; returns the token response.
    pub async fn device_sign_in(&self, user: &str, scope: &str) -> Value {
        self.device_sign_in_to(DEMO_CLIENT_ID, DEMO_APP_NAME, user, scope)
            .await
    }

    /// A complete device-code sign-in of `user` to the app `client_id`
    /// (named `app` on the pages); returns the token response.
    pub async fn device_sign_in_to(
        &self,
        client_id: &str,
        app: &str,
        user: &str,
        scope: &str,
    ) -> Value {
        self.em.tenant.settings.write().device_code_interval_s = 0;
        let dc = self.device_code_for(client_id, scope).await;
        let page = self
            .approve_device_to(app, dc["user_code"].as_str().unwrap(), user, true)
            .await;
        assert!(
            page.contains(&format!(
                "You have signed in to the {app} application on your device"
            )),
            "{page}"
        );
        let (status, body) = self
            .poll_for(client_id, dc["device_code"].as_str().unwrap())
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    pub async fn authorize(&self, query: &[(&str, &str)]) -> reqwest::Response {
        let url = self.url(&format!("/{DEMO_TENANT_ID}/oauth2/v2.0/authorize"));
        let url = url::Url::parse_with_params(&url, query).unwrap();
        self.http.get(url).send().await.unwrap()
    }

    pub async fn refresh(&self, rt: &str, scope: Option<&str>) -> (StatusCode, Value) {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("client_id", DEMO_CLIENT_ID),
            ("refresh_token", rt),
        ];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        self.token(&form).await
    }
}

impl Tenant {
    /// `POST /_emulator/tokens` with `body`; the minted access token.
    pub async fn mint(&self, body: Value) -> String {
        let resp = self
            .http
            .post(self.url("/_emulator/tokens"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{body}");
        let v: Value = resp.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }

    /// A control API call with an optional JSON body; status and JSON answer
    /// (Null when there is none).
    pub async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// An on-behalf-of request by the demo app (with its secret).
    pub async fn obo(&self, assertion: &str, scope: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", JWT_BEARER_GRANT),
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("requested_token_use", "on_behalf_of"),
            ("assertion", assertion),
            ("scope", scope),
        ])
        .await
    }

    /// `GET /v1.0/me` with `token`: status and body.
    pub async fn graph_me(&self, token: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(self.url("/v1.0/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The value of a hidden input, as the pages write it.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\" value=\""))? + name.len() + 15;
    let end = html[at..].find('"')?;
    Some(
        html[at..at + end]
            .replace("&amp;", "&")
            .replace("&quot;", "\""),
    )
}

#[track_caller]
pub fn assert_error(got: &(StatusCode, Value), status: StatusCode, error: &str, code: u64) {
    let (s, body) = got;
    assert_eq!(*s, status, "{body}");
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"], json!([code]), "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    assert!(description.contains("\r\nTrace ID: ") && description.contains("\r\nCorrelation ID: "));
    assert!(description.contains("\r\nTimestamp: "));
    for field in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body[field].is_string(), "{field} missing: {body}");
    }
}

/// The decoded JOSE header of a JWT.
pub fn jwt_header(jwt: &str) -> Value {
    let header = jwt.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub fn short_scopes(list: &[&str]) -> std::collections::BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Wait for `cond` with a deadline, polling every 100 ms.
pub async fn eventually<F: AsyncFnMut() -> bool>(what: &str, mut cond: F) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}
