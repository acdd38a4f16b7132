//! JSON `$batch`: up to 20 requests to one mailbox in one round trip (STORE
//! on many messages, EXPUNGE, COPY/MOVE of many). Graph runs up to four
//! members at once and counts each, so a batch takes that many of the
//! mailbox's permits and its members' share of the budget. Members succeed
//! or fail one by one inside a 200 envelope; throttled members (429/503)
//! are sent again after their Retry-After, the others keep their answer.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::call::{Body, Call, Target};
use super::error::{BadAnswer, Error, Failure};
use super::mailbox::Mailbox;

/// Graph's limit of requests per batch.
pub const MAX_BATCH: usize = 20;

/// One member request, with a path below the mailbox (`/messages/{id}`).
#[derive(Debug, Clone)]
pub struct BatchItem {
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
    /// See `Call::repeatable`.
    pub repeatable: bool,
}

/// A member's answer body (JSON or null), or why it failed.
pub type BatchOutcome = Result<Value, Error>;

impl Mailbox {
    /// Run `items`, in batches of 20 when there are several; answers come
    /// back in the order of `items`.
    pub async fn batch(&self, op: &'static str, items: Vec<BatchItem>) -> Vec<BatchOutcome> {
        if items.len() == 1 {
            let item = &items[0];
            let body = match &item.body {
                Some(v) => Body::Json(v.clone()),
                None => Body::None,
            };
            let call = Call::with(
                op,
                item.method.clone(),
                item.path.clone(),
                body,
                item.repeatable,
            );
            return vec![self.execute(&call).await.and_then(|a| a.json())];
        }
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(MAX_BATCH) {
            out.extend(self.batch_chunk(op, chunk).await);
        }
        out
    }

    async fn batch_chunk(&self, op: &'static str, items: &[BatchItem]) -> Vec<BatchOutcome> {
        let settings = self.client.settings().clone();
        let mut results: Vec<Option<BatchOutcome>> = vec![None; items.len()];
        let mut pending: Vec<usize> = (0..items.len()).collect();
        let mut tries = 0;
        while !pending.is_empty() {
            tries += 1;
            let requests: Vec<Value> = pending
                .iter()
                .map(|&i| {
                    let item = &items[i];
                    let mut request = json!({
                        "id": (i + 1).to_string(),
                        "method": item.method.as_str(),
                        "url": format!("{}{}", self.path, item.path),
                        "headers": {"Prefer": "IdType=\"ImmutableId\""},
                    });
                    if let Some(body) = &item.body {
                        request["body"] = body.clone();
                        request["headers"]["Content-Type"] = json!("application/json");
                    }
                    request
                })
                .collect();
            let call = Call {
                method: Method::POST,
                target: Target::Root("/$batch".into()),
                query: Vec::new(),
                body: Body::Json(json!({ "requests": requests })),
                repeatable: pending.iter().all(|&i| items[i].repeatable),
                op,
                prefer: None,
                operations: u32::try_from(pending.len()).unwrap_or(u32::MAX),
            };
            let envelope = match self.execute(&call).await.and_then(|a| a.json()) {
                Ok(v) => v,
                Err(e) => {
                    for &i in &pending {
                        results[i] = Some(Err(e.clone()));
                    }
                    break;
                }
            };
            let answers = envelope
                .get("responses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut again = Vec::new();
            let mut wait = Duration::ZERO;
            for &i in &pending {
                let id = (i + 1).to_string();
                let Some(answer) = answers
                    .iter()
                    .find(|a| a.get("id").and_then(Value::as_str) == Some(id.as_str()))
                else {
                    results[i] = Some(Err(BadAnswer::MissingMember(id).into()));
                    continue;
                };
                let status = answer.get("status").and_then(Value::as_u64).unwrap_or(0) as u16;
                let body = answer.get("body").cloned().unwrap_or(Value::Null);
                if (200..300).contains(&status) {
                    results[i] = Some(Ok(body));
                    continue;
                }
                let failure = member_failure(status, &body);
                if matches!(status, 429 | 503) && tries <= settings.max_retries {
                    let after = answer
                        .get("headers")
                        .and_then(|h| h.get("Retry-After").or_else(|| h.get("retry-after")))
                        .and_then(|v| {
                            v.as_str()
                                .and_then(|s| s.trim().parse::<u64>().ok())
                                .or_else(|| v.as_u64())
                        })
                        .map(Duration::from_secs)
                        .unwrap_or(Duration::from_secs(1));
                    if after <= settings.max_retry_after {
                        if status == 429 {
                            self.pause(after);
                        }
                        wait = wait.max(after);
                        again.push(i);
                        continue;
                    }
                }
                results[i] = Some(Err(if status == 429 {
                    Error::Throttled {
                        mailbox: self.address.clone(),
                    }
                } else {
                    Error::Graph(failure)
                }));
            }
            pending = again;
            if !pending.is_empty() {
                tokio::time::sleep(wait).await;
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(BadAnswer::Shape("no answer").into())))
            .collect()
    }
}

pub(super) fn member_failure(status: u16, body: &Value) -> Failure {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    Failure::from_body(code, &bytes, None)
}
