//! The typed Microsoft Graph client: one shared HTTP client, one `Mailbox`
//! handle per (identity, Microsoft 365 mailbox). Every request asks for
//! immutable ids, holds one of the mailbox's four concurrency permits (Graph
//! allows 4 concurrent requests per app and mailbox, shared by every session,
//! the sync engine and SMTP), honours Retry-After on 429/503, refreshes the
//! token once on 401, and never repeats a change whose outcome is unknown.

mod batch;
mod error;
mod folders;
mod messages;
mod models;

pub use batch::{BatchItem, BatchOutcome};
pub use error::{Error, Failure};
pub use models::{DeltaRound, ExtProp, Folder, HeaderValue, MessageItem, tags};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use dashmap::DashMap;
use reqwest::{Method, StatusCode, header};
use serde_json::Value;
use tokio::sync::Semaphore;
use url::Url;

use crate::auth::{AccessToken, TokenProvider};

/// How the client behaves; the defaults suit Microsoft 365.
#[derive(Debug, Clone)]
pub struct GraphSettings {
    /// Service root with version, e.g. `https://graph.microsoft.com/v1.0`.
    pub base: Url,
    /// Longest wait for one answer.
    pub request_timeout: Duration,
    /// Tries after the first for throttling and safe-to-repeat failures.
    pub max_retries: u32,
    /// Longest single Retry-After we sit out; longer means "throttled".
    pub max_retry_after: Duration,
    /// In-flight requests per mailbox (Graph allows 4 per app and mailbox).
    pub concurrency_per_mailbox: usize,
    /// Largest answer body we read (a message's MIME is the big one).
    pub max_body_bytes: usize,
    /// `Prefer: odata.maxpagesize` for delta and `$top` for listings.
    pub page_size: u32,
}

impl GraphSettings {
    pub fn new(base: Url) -> GraphSettings {
        GraphSettings {
            base,
            request_timeout: Duration::from_secs(60),
            max_retries: 5,
            max_retry_after: Duration::from_secs(60),
            concurrency_per_mailbox: 4,
            max_body_bytes: 160 * 1024 * 1024,
            page_size: 1000,
        }
    }
}

/// The gateway's one Graph client.
#[derive(Clone)]
pub struct GraphClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    settings: GraphSettings,
    /// Concurrency permits per mailbox address (lower-case).
    permits: DashMap<String, Arc<Semaphore>>,
    requests: AtomicU64,
}

impl GraphClient {
    pub fn new(settings: GraphSettings) -> Result<GraphClient, Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .pool_idle_timeout(Duration::from_secs(90))
            .user_agent(concat!("graphgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Transport(e.to_string()))?;
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http,
                settings,
                permits: DashMap::new(),
                requests: AtomicU64::new(0),
            }),
        })
    }

    pub fn settings(&self) -> &GraphSettings {
        &self.inner.settings
    }

    /// Requests sent so far (every try counts), for benchmarks and logs.
    pub fn requests_sent(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// A handle on `address`'s mailbox with `tokens`. `own` selects the
    /// `/me` form (a delegated user's own mailbox); otherwise `/users/{address}`.
    pub fn mailbox(&self, tokens: Arc<TokenProvider>, address: &str, own: bool) -> Mailbox {
        let key = address.to_ascii_lowercase();
        let permits = self
            .inner
            .permits
            .entry(key.clone())
            .or_insert_with(|| {
                Arc::new(Semaphore::new(self.inner.settings.concurrency_per_mailbox))
            })
            .clone();
        let path = if own {
            "/me".to_string()
        } else {
            format!("/users/{}", encode(&key))
        };
        Mailbox {
            client: self.clone(),
            tokens,
            address: key,
            path,
            permits,
        }
    }
}

/// Percent-encode one path segment (ids contain `=`, `-`, `_`; addresses `@`).
pub fn encode(segment: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'@');
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    None,
    Json(Value),
    /// Base64 MIME, sent as `text/plain` as Graph wants it.
    Mime(String),
}

/// One request, described so that it can be sent again.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub method: Method,
    /// Path below the mailbox (`/mailFolders`) or an absolute link Graph gave.
    pub target: Target,
    pub query: Vec<(String, String)>,
    pub body: Body,
    /// Sending it twice does no harm (reads, PATCH, DELETE, PUT, moves by
    /// immutable id). Others become `OutcomeUnknown` when the answer is lost.
    pub repeatable: bool,
    /// For logs: what this is, without ids or tokens.
    pub op: &'static str,
    /// Extra `Prefer` values (`odata.maxpagesize=…`).
    pub prefer: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// Below the mailbox path.
    Mailbox(String),
    /// Below the service root (`/$batch`).
    Root(String),
    /// A nextLink / deltaLink exactly as Graph sent it.
    Link(String),
}

impl Call {
    pub fn get(op: &'static str, path: impl Into<String>) -> Call {
        Call {
            method: Method::GET,
            target: Target::Mailbox(path.into()),
            query: Vec::new(),
            body: Body::None,
            repeatable: true,
            op,
            prefer: None,
        }
    }

    pub fn with(
        op: &'static str,
        method: Method,
        path: impl Into<String>,
        body: Body,
        repeatable: bool,
    ) -> Call {
        Call {
            method,
            target: Target::Mailbox(path.into()),
            query: Vec::new(),
            body,
            repeatable,
            op,
            prefer: None,
        }
    }

    pub fn query(mut self, key: &str, value: impl Into<String>) -> Call {
        self.query.push((key.to_string(), value.into()));
        self
    }
}

/// An answer that was a success.
#[derive(Debug)]
pub(crate) struct Answer {
    pub body: Bytes,
}

impl Answer {
    pub fn json(&self) -> Result<Value, Error> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| Error::Protocol(e.to_string()))
    }

    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Protocol(e.to_string()))
    }
}

/// One Microsoft 365 mailbox as one identity reaches it.
#[derive(Clone)]
pub struct Mailbox {
    client: GraphClient,
    tokens: Arc<TokenProvider>,
    /// Lower-case SMTP address or UPN.
    address: String,
    /// `/me` or `/users/{address}`.
    path: String,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("address", &self.address)
            .field("path", &self.path)
            .finish()
    }
}

impl Mailbox {
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The mailbox's path below the service root (`/me`, `/users/x%40y`).
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn client(&self) -> &GraphClient {
        &self.client
    }

    fn url(&self, call: &Call) -> Result<Url, Error> {
        let settings = &self.client.inner.settings;
        let text = match &call.target {
            Target::Mailbox(p) => format!("{}{}{}", settings.base, self.path, p),
            Target::Root(p) => format!("{}{}", settings.base, p),
            Target::Link(link) => {
                let url = Url::parse(link).map_err(|e| Error::Protocol(e.to_string()))?;
                // Never send our token to a host Graph did not live on.
                if url.origin() != settings.base.origin() {
                    return Err(Error::Protocol(format!(
                        "a paging link points at another host ({})",
                        url.host_str().unwrap_or("?")
                    )));
                }
                return Ok(url);
            }
        };
        let mut url = Url::parse(&text).map_err(|e| Error::Protocol(e.to_string()))?;
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter());
        }
        Ok(url)
    }

    /// Send `call`, with the retries and refresh described at the top.
    pub(crate) async fn execute(&self, call: &Call) -> Result<Answer, Error> {
        let settings = &self.client.inner.settings;
        let url = self.url(call)?;
        let mut token = self.tokens.access_token().await?;
        let mut refreshed = false;
        let mut tries = 0u32;
        loop {
            tries += 1;
            let last_try = tries > settings.max_retries;
            let outcome = self.send_once(call, &url, &token).await;
            match outcome {
                Try::Answer(answer) => return Ok(answer),
                Try::Unauthorized(failure) => {
                    if refreshed {
                        return Err(Error::Graph(failure));
                    }
                    refreshed = true;
                    token = self.tokens.refresh_after_rejection(&token).await?;
                }
                Try::Throttled { wait, failure } => {
                    // A 503 may come after the work was done; only a 429
                    // (refused before any work) lets a change be repeated.
                    if !call.repeatable && failure.status != 429 {
                        return Err(Error::OutcomeUnknown(failure.to_string()));
                    }
                    if last_try || wait > settings.max_retry_after {
                        tracing::warn!(op = call.op, mailbox = %self.address, status = failure.status, "giving up after throttling");
                        return Err(if failure.status == 429 {
                            Error::Throttled {
                                mailbox: self.address.clone(),
                            }
                        } else {
                            Error::Graph(failure)
                        });
                    }
                    tokio::time::sleep(wait).await;
                }
                Try::Failed(failure) => {
                    let server_side = matches!(failure.status, 500 | 502 | 504);
                    if !server_side {
                        return Err(Error::Graph(failure));
                    }
                    if !call.repeatable {
                        return Err(if failure.status == 500 {
                            Error::Graph(failure)
                        } else {
                            Error::OutcomeUnknown(failure.to_string())
                        });
                    }
                    if last_try {
                        return Err(Error::Graph(failure));
                    }
                    tokio::time::sleep(backoff(tries)).await;
                }
                Try::Unsent(why) => {
                    if last_try {
                        return Err(Error::Transport(why));
                    }
                    tokio::time::sleep(backoff(tries)).await;
                }
                Try::Lost(why) => {
                    if !call.repeatable {
                        return Err(Error::OutcomeUnknown(why));
                    }
                    if last_try {
                        return Err(Error::Transport(why));
                    }
                    tokio::time::sleep(backoff(tries)).await;
                }
            }
            // A token that expired while we waited is renewed here.
            if token.expires_at <= chrono::Utc::now().timestamp() + 30 {
                token = self.tokens.access_token().await?;
            }
        }
    }

    async fn send_once(&self, call: &Call, url: &Url, token: &AccessToken) -> Try {
        let inner = &self.client.inner;
        let _permit = match self.permits.acquire().await {
            Ok(p) => p,
            Err(_) => return Try::Unsent("shutting down".into()),
        };
        let mut prefer = String::from("IdType=\"ImmutableId\"");
        if let Some(extra) = &call.prefer {
            prefer.push_str(", ");
            prefer.push_str(extra);
        }
        let mut request = inner
            .http
            .request(call.method.clone(), url.clone())
            .bearer_auth(token.bearer())
            .header("Prefer", prefer)
            .timeout(inner.settings.request_timeout);
        request = match &call.body {
            Body::None => request,
            Body::Json(v) => request.json(v),
            Body::Mime(b64) => request
                .header(header::CONTENT_TYPE, "text/plain")
                .body(b64.clone()),
        };
        let started = Instant::now();
        inner.requests.fetch_add(1, Ordering::Relaxed);
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(op = call.op, mailbox = %self.address, error = %redact(&e), "Graph request failed");
                return if e.is_connect() || e.is_builder() {
                    Try::Unsent(redact(&e))
                } else {
                    Try::Lost(redact(&e))
                };
            }
        };
        let status = response.status();
        let request_id = response
            .headers()
            .get("request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = match read_bounded(response, inner.settings.max_body_bytes).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => {
                return Try::Failed(Failure {
                    status: 0,
                    code: "graphgateBodyTooLarge".into(),
                    message: format!(
                        "the answer is larger than {} bytes",
                        inner.settings.max_body_bytes
                    ),
                    request_id: request_id.unwrap_or_default(),
                });
            }
            Err(BodyError::Broken(why)) => return Try::Lost(why),
        };
        tracing::debug!(
            op = call.op,
            method = %call.method,
            mailbox = %self.address,
            status = status.as_u16(),
            request_id = request_id.as_deref().unwrap_or(""),
            ms = started.elapsed().as_millis() as u64,
            "graph"
        );
        if status.is_success() {
            return Try::Answer(Answer { body });
        }
        let failure = Failure::from_body(status, &body, request_id.as_deref());
        match status {
            StatusCode::UNAUTHORIZED => Try::Unauthorized(failure),
            StatusCode::GONE => Try::Failed(failure),
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => Try::Throttled {
                wait: retry_after
                    .map(Duration::from_secs)
                    .map(|d| d + Duration::from_millis(rand::random_range(0..250)))
                    .unwrap_or_else(|| backoff(1)),
                failure,
            },
            _ => Try::Failed(failure),
        }
    }
}

enum Try {
    Answer(Answer),
    Unauthorized(Failure),
    Throttled {
        wait: Duration,
        failure: Failure,
    },
    Failed(Failure),
    /// The request did not leave (connection refused): safe to repeat.
    Unsent(String),
    /// The request left, the answer did not come.
    Lost(String),
}

/// Exponential backoff with jitter (so sessions hit by the same failure do
/// not come back in step), at most 10 s.
fn backoff(try_number: u32) -> Duration {
    let ms = 200u64.saturating_mul(1 << try_number.min(6)).min(10_000);
    let jittered = ms / 2 + rand::random_range(0..=ms / 2);
    Duration::from_millis(jittered)
}

/// A reqwest error's text without the URL (upload URLs carry a token).
fn redact(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<url>");
    }
    text
}

enum BodyError {
    TooLarge,
    Broken(String),
}

async fn read_bounded(mut response: reqwest::Response, max: usize) -> Result<Bytes, BodyError> {
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut out = bytes::BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if out.len() + chunk.len() > max {
                    return Err(BodyError::TooLarge);
                }
                out.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(out.freeze()),
            Err(e) => return Err(BodyError::Broken(redact(&e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode("AAMk+/x="), "AAMk%2B%2Fx%3D");
        assert_eq!(encode("sales@contoso.test"), "sales@contoso.test");
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        for _ in 0..100 {
            assert!(backoff(1) <= Duration::from_millis(400));
            assert!(backoff(3) >= Duration::from_millis(800));
            assert!(backoff(30) <= Duration::from_millis(10_000));
            assert!(backoff(30) >= Duration::from_millis(5_000));
        }
    }
}
