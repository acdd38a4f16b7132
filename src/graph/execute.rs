//! Sending one request to Graph: the mailbox's clearance (its budget and
//! its concurrency permits, see `Mailbox::admit`), the token,
//! `Prefer: IdType="ImmutableId"`, Retry-After sat out on 429/503 (a 429
//! pauses the whole mailbox), one refresh on 401, backoff with jitter for
//! failures safe to repeat, and `OutcomeUnknown` for a change whose answer
//! was lost (never repeated).

use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::{StatusCode, header};
use url::Url;

use super::call::{Answer, Body, Call};
use super::error::{Error, Failure, NoAnswer};
use super::mailbox::Mailbox;
use crate::auth::AccessToken;
use crate::observe::metrics;

impl Mailbox {
    /// Send `call`, with the retries and refresh described at the top.
    pub(crate) async fn execute(&self, call: &Call) -> Result<Answer, Error> {
        let settings = self.client.settings();
        let url = self.url(call)?;
        let mut token = self.tokens.access_token().await?;
        let mut refreshed = false;
        let mut tries = 0u32;
        loop {
            tries += 1;
            let last_try = tries > settings.max_retries;
            let outcome = self.send_once(call, &url, &token).await;
            match outcome {
                Try::Refused(e) => return Err(e),
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
                        return Err(Error::OutcomeUnknown(NoAnswer::Status(failure)));
                    }
                    if failure.status == 429 {
                        self.pause(wait);
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
                            Error::OutcomeUnknown(NoAnswer::Status(failure))
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
        let _permits = match self.admit(call.operations).await {
            Ok(p) => p,
            Err(e) => return Try::Refused(e),
        };
        let mut prefer = String::from("IdType=\"ImmutableId\"");
        if let Some(extra) = &call.prefer {
            prefer.push_str(", ");
            prefer.push_str(extra);
        }
        let settings = self.client.settings();
        let mut request = self
            .client
            .http()
            .request(call.method.clone(), url.clone())
            .bearer_auth(token.bearer())
            .header("Prefer", prefer)
            .timeout(settings.request_timeout);
        request = match &call.body {
            Body::None => request,
            Body::Json(v) => request.json(v),
            Body::Mime(b64) => request
                .header(header::CONTENT_TYPE, "text/plain")
                .body(b64.clone()),
            Body::Bytes { content_type, data } => request
                .header(header::CONTENT_TYPE, content_type.as_str())
                .body(data.clone()),
        };
        let started = Instant::now();
        self.client.count_request();
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                metrics::graph_request(call.op, 0, started.elapsed());
                let unsent = e.is_connect() || e.is_builder();
                let why = NoAnswer::http(e);
                tracing::debug!(op = call.op, mailbox = %self.address, error = %why, "Graph request failed");
                return if unsent {
                    Try::Unsent(why)
                } else {
                    Try::Lost(why)
                };
            }
        };
        let status = response.status();
        metrics::graph_request(call.op, status.as_u16(), started.elapsed());
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
        let body = match read_bounded(response, settings.max_body_bytes).await {
            Ok(b) => b,
            Err(BodyError::TooLarge) => {
                return Try::Failed(Failure {
                    status: 0,
                    code: "graphgateBodyTooLarge".into(),
                    message: format!(
                        "the answer is larger than {} bytes",
                        settings.max_body_bytes
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
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
                let wait = retry_after
                    .map(Duration::from_secs)
                    .map(|d| d + Duration::from_millis(rand::random_range(0..250)))
                    .unwrap_or_else(|| backoff(1));
                let throttled = status == StatusCode::TOO_MANY_REQUESTS;
                metrics::graph_wait(throttled, wait);
                if throttled {
                    self.limits
                        .throttled
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Try::Throttled { wait, failure }
            }
            _ => Try::Failed(failure),
        }
    }
}

enum Try {
    Answer(Answer),
    /// Not sent: no clearance (the budget would wait too long).
    Refused(Error),
    Unauthorized(Failure),
    Throttled {
        wait: Duration,
        failure: Failure,
    },
    Failed(Failure),
    /// The request did not leave (connection refused): safe to repeat.
    Unsent(NoAnswer),
    /// The request left, the answer did not come.
    Lost(NoAnswer),
}

/// Exponential backoff with jitter (so sessions hit by the same failure do
/// not come back in step), at most 10 s.
fn backoff(try_number: u32) -> Duration {
    let ms = 200u64.saturating_mul(1 << try_number.min(6)).min(10_000);
    let jittered = ms / 2 + rand::random_range(0..=ms / 2);
    Duration::from_millis(jittered)
}

enum BodyError {
    TooLarge,
    Broken(NoAnswer),
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
            Err(e) => return Err(BodyError::Broken(NoAnswer::http(e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
