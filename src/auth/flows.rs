//! The identity platform's OAuth2 endpoints as graphgate uses them: device
//! code and authorization code with PKCE for people, refresh, and client
//! credentials with a secret or a certificate (a `private_key_jwt` client
//! assertion with `x5t`) for the app. Plain form posts over reqwest: the
//! `oauth2` crate's typed responses drop `error_codes`, which is what the
//! actionable messages are made of; it still makes the PKCE pair.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use sha1::{Digest, Sha1};
use url::Url;

use super::error::Error;
use super::token_failure::{TokenFailure, explain};
use crate::config::{Cloud, MicrosoftSection};
use crate::observe::metrics;
use crate::secret::Secret;

/// How the app proves who it is for client credentials.
#[derive(Clone)]
pub enum Credential {
    None,
    Secret(Secret),
    Certificate {
        key: jsonwebtoken::EncodingKey,
        x5t: String,
    },
}

/// A token endpoint answer (`Debug` shows no token: they are `Secret`s).
#[derive(Clone, Debug)]
pub struct TokenResponse {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// The OpenID Connect id token (the `openid` scope was asked for): who
    /// signed in, in the one token Microsoft documents for clients to read.
    pub id_token: Option<Secret>,
    pub expires_in: i64,
    pub scope: String,
}

#[derive(Deserialize)]
struct RawToken {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    scope: String,
}

/// A device code sign-in in progress.
#[derive(Clone)]
pub struct DeviceCode {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub expires_in: u64,
    pub interval: u64,
    pub message: String,
}

/// The identity platform for one app registration.
#[derive(Clone)]
pub struct Oauth {
    http: reqwest::Client,
    login: Url,
    tenant: String,
    pub client_id: String,
    credential: Credential,
    /// Graph's resource URI for scopes (`https://graph.microsoft.com`).
    pub resource: String,
    /// The token endpoint gave an HTTP answer at least once (`/readyz`).
    answered: Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for Oauth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oauth")
            .field("login", &self.login.as_str())
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .finish()
    }
}

fn number(v: &Option<serde_json::Value>) -> Option<i64> {
    match v {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        _ => None,
    }
}

impl Oauth {
    /// From `[microsoft]`: endpoints of its cloud (or custom hosts), the app
    /// and its credential.
    pub fn from_config(m: &MicrosoftSection) -> Result<Oauth, Error> {
        let endpoints = m.endpoints()?;
        let credential = match (&m.client_certificate, &m.client_key) {
            (Some(cert), Some(key)) => certificate(cert, key)?,
            (Some(_), None) | (None, Some(_)) => {
                return Err(Error::Configuration(
                    "config keys `microsoft.client_certificate` and `microsoft.client_key` go together".into(),
                ));
            }
            (None, None) if !m.client_secret.is_empty() => {
                Credential::Secret(m.client_secret.clone())
            }
            (None, None) => Credential::None,
        };
        let resource = match m.cloud {
            Cloud::Custom => "https://graph.microsoft.com".to_string(),
            _ => endpoints.graph.origin().ascii_serialization(),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Http(Arc::new(e)))?;
        Ok(Oauth {
            http,
            login: endpoints.login,
            tenant: m.tenant.trim().to_string(),
            client_id: m.client_id.trim().to_string(),
            credential,
            resource,
            answered: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        })
    }

    /// Whether the token endpoint has answered this process at least once
    /// (with a token or with an error: either way it is reachable).
    pub fn token_endpoint_answered(&self) -> bool {
        self.answered.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Ask the token endpoint something harmless, to learn that it answers:
    /// the app's own token when it has a credential, else a request the
    /// endpoint refuses (no credential). `true` when it answered.
    pub async fn probe(&self) -> bool {
        if self.has_app_credential() {
            let _ = self.client_credentials().await;
        } else {
            let form = [
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("scope", "openid"),
            ];
            let _ = self.post("token", &form).await;
        }
        self.token_endpoint_answered()
    }

    pub fn has_app_credential(&self) -> bool {
        !matches!(self.credential, Credential::None)
    }

    fn endpoint(&self, what: &str) -> String {
        format!(
            "{}/{}/oauth2/v2.0/{what}",
            self.login.as_str().trim_end_matches('/'),
            self.tenant
        )
    }

    /// Where an administrator grants consent to the app for the tenant.
    pub fn admin_consent_url(&self) -> String {
        format!(
            "{}/{}/adminconsent?client_id={}",
            self.login.as_str().trim_end_matches('/'),
            self.tenant,
            self.client_id
        )
    }

    /// Delegated scopes, fully qualified for the cloud's Graph.
    /// `pim`: calendars, contacts and tasks too (the DAV front is on).
    pub fn delegated_scopes(&self, shared: bool, pim: bool) -> String {
        let mut names = vec!["User.Read", "Mail.ReadWrite", "Mail.Send"];
        if shared {
            names.extend(["Mail.ReadWrite.Shared", "Mail.Send.Shared"]);
        }
        if pim {
            names.extend([
                "Calendars.ReadWrite",
                "Contacts.ReadWrite",
                "Tasks.ReadWrite",
                // The mailbox's time zone (GET mailboxSettings), for events
                // that carry none of their own and calendar-timezone.
                "MailboxSettings.Read",
            ]);
            if shared {
                names.extend(["Calendars.ReadWrite.Shared", "Contacts.ReadWrite.Shared"]);
            }
        }
        // `openid`: the answer then carries an id token naming who signed
        // in, which the sign-in checks against the account's user.
        let mut out = String::from("offline_access openid");
        for n in names {
            out.push(' ');
            out.push_str(&format!("{}/{n}", self.resource));
        }
        out
    }

    async fn post(&self, what: &str, form: &[(&str, &str)]) -> Result<(u16, bytes::Bytes), Error> {
        let sent = self.http.post(self.endpoint(what)).form(form).send().await;
        let token_endpoint = what == "token";
        let response = match sent {
            Ok(response) => response,
            Err(e) => {
                if token_endpoint {
                    metrics::token_refresh("unreachable");
                }
                return Err(Error::Unreachable {
                    host: self.login.host_str().unwrap_or("?").to_string(),
                    source: Arc::new(e.without_url()),
                });
            }
        };
        let status = response.status().as_u16();
        if token_endpoint {
            self.answered
                .store(true, std::sync::atomic::Ordering::Relaxed);
            // Device-code polls answer 400 authorization_pending until the
            // person signs in: those are waits, not refusals.
            let polling = form
                .iter()
                .any(|(k, v)| *k == "grant_type" && v.ends_with(":device_code"));
            if status == 200 {
                metrics::token_refresh("ok");
            } else if !polling {
                metrics::token_refresh("refused");
            }
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::Http(Arc::new(e.without_url())))?;
        Ok((status, body))
    }

    async fn token(
        &self,
        form: &[(&str, &str)],
        login: Option<&str>,
    ) -> Result<TokenResponse, Error> {
        let (status, body) = self.post("token", form).await?;
        if status != 200 {
            let failure = TokenFailure::from_body(&body);
            return Err(explain(&failure, status, login, &self.admin_consent_url()));
        }
        parse_token(&body)
    }

    /// Redeem a refresh token (delegated; public client, no client secret).
    pub async fn refresh(
        &self,
        refresh_token: &Secret,
        scopes: &str,
        login: &str,
    ) -> Result<TokenResponse, Error> {
        self.token(
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &self.client_id),
                ("refresh_token", refresh_token.expose()),
                ("scope", scopes),
            ],
            Some(login),
        )
        .await
    }

    /// The app's own token (client credentials).
    pub async fn client_credentials(&self) -> Result<TokenResponse, Error> {
        self.app_token_for(&format!("{}/.default", self.resource))
            .await
    }

    /// The app's own token for `scope` (`{resource}/.default`): Graph's,
    /// or the app's own API's (doctor checks that it is exposed).
    pub async fn app_token_for(&self, scope: &str) -> Result<TokenResponse, Error> {
        let mut form: Vec<(&str, String)> = vec![
            ("grant_type", "client_credentials".into()),
            ("client_id", self.client_id.clone()),
            ("scope", scope.to_string()),
        ];
        self.prove_app(&mut form, "app-only access")?;
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.token(&pairs, None).await
    }

    /// Add the app's secret or certificate assertion to a token request
    /// (`what` needs it, for the error when there is none).
    fn prove_app(&self, form: &mut Vec<(&str, String)>, what: &str) -> Result<(), Error> {
        match &self.credential {
            Credential::None => {
                return Err(Error::Configuration(format!(
                    "{what} needs `microsoft.client_secret` or `microsoft.client_certificate` + `microsoft.client_key`"
                )));
            }
            Credential::Secret(s) => form.push(("client_secret", s.expose().to_string())),
            Credential::Certificate { key, x5t } => {
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
                ));
                form.push(("client_assertion", self.assertion(key, x5t)?));
            }
        }
        Ok(())
    }

    /// The on-behalf-of exchange: a user's token for the app's own API
    /// (`assertion`) for a Graph token of that user with `scopes`. The raw
    /// refusal is returned too, for errors only the caller can explain.
    pub async fn on_behalf_of(
        &self,
        assertion: &Secret,
        scopes: &str,
    ) -> Result<TokenResponse, (Error, Option<TokenFailure>)> {
        let mut form: Vec<(&str, String)> = vec![
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:jwt-bearer".into(),
            ),
            ("client_id", self.client_id.clone()),
            ("assertion", assertion.expose().to_string()),
            ("scope", scopes.to_string()),
            ("requested_token_use", "on_behalf_of".into()),
        ];
        self.prove_app(&mut form, "OAuth sign-in (on behalf of the user)")
            .map_err(|e| (e, None))?;
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, body) = self.post("token", &pairs).await.map_err(|e| (e, None))?;
        if status != 200 {
            let failure = TokenFailure::from_body(&body);
            let e = explain(&failure, status, None, &self.admin_consent_url());
            return Err((e, Some(failure)));
        }
        parse_token(&body).map_err(|e| (e, None))
    }

    /// The tenant's authority: `{login host}/{tenant}`, below which the
    /// OpenID metadata and the keys are published.
    pub fn authority(&self) -> String {
        format!(
            "{}/{}",
            self.login.as_str().trim_end_matches('/'),
            self.tenant
        )
    }

    /// The HTTP client of the identity platform (timeouts set).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn assertion(&self, key: &jsonwebtoken::EncodingKey, x5t: &str) -> Result<String, Error> {
        let now = chrono::Utc::now().timestamp();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.x5t = Some(x5t.to_string());
        let claims = serde_json::json!({
            "aud": self.endpoint("token"),
            "iss": self.client_id,
            "sub": self.client_id,
            "jti": uuid::Uuid::new_v4().to_string(),
            "nbf": now - 30,
            "iat": now - 30,
            "exp": now + 600,
        });
        jsonwebtoken::encode(&header, &claims, key).map_err(|e| Error::Assertion(Arc::new(e)))
    }

    /// Start a device code sign-in.
    pub async fn device_code(&self, scopes: &str) -> Result<DeviceCode, Error> {
        let (status, body) = self
            .post(
                "devicecode",
                &[("client_id", &self.client_id), ("scope", scopes)],
            )
            .await?;
        if status != 200 {
            let failure = TokenFailure::from_body(&body);
            return Err(explain(&failure, status, None, &self.admin_consent_url()));
        }
        let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| Error::Answer {
            what: "device code",
            source: Arc::new(e),
        })?;
        let text = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let num = |k: &str| {
            v.get(k)
                .and_then(|x| x.as_u64().or_else(|| x.as_str()?.parse().ok()))
        };
        Ok(DeviceCode {
            device_code: Secret::new(text("device_code")),
            user_code: text("user_code"),
            verification_uri: text("verification_uri"),
            expires_in: num("expires_in").unwrap_or(900),
            interval: num("interval").unwrap_or(5),
            message: text("message"),
        })
    }

    /// Poll until the person approved (or declined, or the code expired).
    pub async fn device_wait(
        &self,
        code: &DeviceCode,
        login: &str,
    ) -> Result<TokenResponse, Error> {
        let deadline = std::time::Instant::now() + Duration::from_secs(code.expires_in);
        let mut interval = code.interval.max(1);
        // Ask at once (the code may already be approved), then at the
        // interval Microsoft gave, slower when it says so.
        let mut first = true;
        loop {
            if !first {
                tokio::time::sleep(Duration::from_secs(interval)).await;
            }
            first = false;
            let (status, body) = self
                .post(
                    "token",
                    &[
                        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                        ("client_id", &self.client_id),
                        ("device_code", code.device_code.expose()),
                    ],
                )
                .await?;
            if status == 200 {
                return parse_token(&body);
            }
            let failure = TokenFailure::from_body(&body);
            match failure.error.as_str() {
                "authorization_pending" => {}
                "slow_down" => interval += 5,
                "expired_token" => {
                    return Err(Error::SignInRequired(format!(
                        "the sign-in code expired before it was used: run `graphgate login {login}` again"
                    )));
                }
                "authorization_declined" | "access_denied" => {
                    return Err(Error::Denied("the sign-in was declined".into()));
                }
                _ => {
                    return Err(explain(
                        &failure,
                        status,
                        Some(login),
                        &self.admin_consent_url(),
                    ));
                }
            }
            if std::time::Instant::now() > deadline {
                return Err(Error::SignInRequired(format!(
                    "the sign-in code expired: run `graphgate login {login}` again"
                )));
            }
        }
    }

    /// The browser address of an authorization code + PKCE sign-in.
    pub fn authorize_url(
        &self,
        scopes: &str,
        redirect: &str,
        challenge: &str,
        state: &str,
        login_hint: &str,
    ) -> String {
        let mut url =
            Url::parse(&self.endpoint("authorize")).unwrap_or_else(|_| self.login.clone());
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("response_type", "code")
            .append_pair("redirect_uri", redirect)
            .append_pair("response_mode", "query")
            .append_pair("scope", scopes)
            .append_pair("state", state)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("login_hint", login_hint);
        url.to_string()
    }

    pub async fn redeem_code(
        &self,
        code: &str,
        redirect: &str,
        verifier: &str,
        scopes: &str,
        login: &str,
    ) -> Result<TokenResponse, Error> {
        self.token(
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &self.client_id),
                ("code", code),
                ("redirect_uri", redirect),
                ("code_verifier", verifier),
                ("scope", scopes),
            ],
            Some(login),
        )
        .await
    }
}

fn parse_token(body: &[u8]) -> Result<TokenResponse, Error> {
    let raw: RawToken = serde_json::from_slice(body).map_err(|e| Error::Answer {
        what: "token",
        source: Arc::new(e),
    })?;
    Ok(TokenResponse {
        access_token: Secret::new(raw.access_token),
        refresh_token: raw.refresh_token.map(Secret::new),
        id_token: raw.id_token.map(Secret::new),
        expires_in: number(&raw.expires_in).unwrap_or(3600),
        scope: raw.scope,
    })
}

/// A certificate credential from PEM files: the RSA key signs, the
/// certificate's SHA-1 thumbprint names it (`x5t`).
fn certificate(cert: &Path, key: &Path) -> Result<Credential, Error> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let der = CertificateDer::from_pem_file(cert).map_err(|e| Error::Certificate {
        path: cert.to_path_buf(),
        source: Arc::new(e),
    })?;
    let x5t = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha1::digest(der.as_ref()));
    let pem = std::fs::read(key).map_err(|e| Error::KeyFile {
        path: key.to_path_buf(),
        source: Arc::new(e),
    })?;
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).map_err(|e| Error::Key {
        path: key.to_path_buf(),
        source: Arc::new(e),
    })?;
    Ok(Credential::Certificate { key, x5t })
}
