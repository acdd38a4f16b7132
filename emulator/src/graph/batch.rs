//! JSON `$batch`: up to 20 member requests in one HTTP request, run at most
//! four at a time (Graph's Outlook limit), or one after another with
//! `dependsOn`, where members whose dependency failed get 424. Every member is
//! a full Graph operation: counted, throttled, and free to fail on its own
//! inside the 200 envelope.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use base64::Engine;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::error::GraphError;
use super::execute::execute;
use super::request::GraphRequest;
use super::response::GraphResponse;
use crate::tenant::Emulator;

const MAX_MEMBERS: usize = 20;
const PARALLEL: usize = 4;

struct Member {
    id: String,
    depends_on: Vec<String>,
    request: Result<GraphRequest, GraphError>,
}

fn envelope_error(msg: &str) -> GraphResponse {
    GraphError::bad_request(msg).into_response(&Uuid::new_v4().to_string(), None)
}

fn parse_member(outer: &GraphRequest, v: &Value) -> Result<Member, String> {
    let id = match v.get("id") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("Every request in a batch needs an 'id'.".into()),
    };
    let depends_on = match v.get("dependsOn") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(_) => {
            return Err(format!(
                "'dependsOn' of request '{id}' must be an array of ids."
            ));
        }
    };
    let request = build_request(outer, &id, v);
    Ok(Member {
        id,
        depends_on,
        request,
    })
}

fn build_request(outer: &GraphRequest, id: &str, v: &Value) -> Result<GraphRequest, GraphError> {
    let method = v
        .get("method")
        .and_then(Value::as_str)
        .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
        .ok_or_else(|| GraphError::bad_request(format!("Request '{id}' has no valid 'method'.")))?;
    let url = v
        .get("url")
        .and_then(Value::as_str)
        .ok_or_else(|| GraphError::bad_request(format!("Request '{id}' has no 'url'.")))?;
    if url.contains("://") {
        return Err(GraphError::bad_request(
            "Batch request URLs must be relative (e.g. /me/messages).",
        ));
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = format!("/{}", path.trim_start_matches('/'));
    let query = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let mut headers = HeaderMap::new();
    for name in ["authorization", "host"] {
        if let Some(h) = outer.headers.get(name) {
            headers.insert(name, h.clone());
        }
    }
    if let Some(Value::Object(h)) = v.get("headers") {
        for (k, val) in h {
            let (Ok(n), Some(Ok(hv))) = (
                HeaderName::from_bytes(k.as_bytes()),
                val.as_str().map(HeaderValue::from_str),
            ) else {
                return Err(GraphError::bad_request(format!(
                    "Request '{id}' has an invalid header '{k}'."
                )));
            };
            headers.append(n, hv);
        }
    }
    let body = match v.get("body") {
        None | Some(Value::Null) => Bytes::new(),
        Some(b) => {
            if !headers.contains_key("content-type") {
                return Err(GraphError::bad_request(format!(
                    "Request '{id}' has a body but no Content-Type header."
                )));
            }
            match b {
                Value::String(s) => Bytes::from(s.clone()),
                other => Bytes::from(other.to_string()),
            }
        }
    };
    Ok(GraphRequest {
        method,
        path,
        query,
        headers,
        body,
        base: outer.base.clone(),
    })
}

fn member_json(id: &str, r: GraphResponse) -> Value {
    let mut headers = Map::new();
    for (k, v) in &r.headers {
        if let Ok(s) = v.to_str() {
            let name = match k.as_str() {
                "content-type" => "Content-Type".to_string(),
                "retry-after" => "Retry-After".to_string(),
                "location" => "Location".to_string(),
                other => other.to_string(),
            };
            headers.insert(name, json!(s));
        }
    }
    let mut out = json!({"id": id, "status": r.status.as_u16(), "headers": headers});
    if !r.body.is_empty() {
        out["body"] = if r.is_json() {
            serde_json::from_slice(&r.body).unwrap_or(Value::Null)
        } else {
            json!(base64::engine::general_purpose::STANDARD.encode(&r.body))
        };
    }
    out
}

async fn run(
    em: &Arc<Emulator>,
    id: String,
    req: Result<GraphRequest, GraphError>,
) -> (String, GraphResponse) {
    let resp = match req {
        Ok(r) => execute(em, r).await,
        Err(e) => e.into_response(&Uuid::new_v4().to_string(), None),
    };
    (id, resp)
}

pub(crate) async fn handle(em: &Arc<Emulator>, outer: GraphRequest) -> GraphResponse {
    if outer.method != Method::POST {
        return envelope_error("The $batch endpoint only accepts POST.");
    }
    em.stats.batches.fetch_add(1, Ordering::Relaxed);
    let Ok(body) = serde_json::from_slice::<Value>(&outer.body) else {
        return envelope_error("Invalid batch payload format.");
    };
    let Some(list) = body.get("requests").and_then(Value::as_array) else {
        return envelope_error("Invalid batch payload format: 'requests' is missing.");
    };
    if list.is_empty() {
        return envelope_error("Invalid batch payload format: no requests.");
    }
    if list.len() > MAX_MEMBERS {
        return envelope_error("The number of batch requests exceeds the limit of 20.");
    }
    let mut members = Vec::new();
    for v in list {
        match parse_member(&outer, v) {
            Ok(m) => members.push(m),
            Err(msg) => return envelope_error(&msg),
        }
    }
    let mut ids: Vec<String> = members.iter().map(|m| m.id.to_ascii_lowercase()).collect();
    ids.sort();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return envelope_error("Request ids must be unique.");
    }
    for m in &members {
        if let Some(d) = m
            .depends_on
            .iter()
            .find(|d| !ids.contains(&d.to_ascii_lowercase()))
        {
            return envelope_error(&format!(
                "Request '{}' depends on unknown request '{d}'.",
                m.id
            ));
        }
    }
    let sequential = members.iter().any(|m| !m.depends_on.is_empty());
    let mut responses = Vec::new();
    if sequential {
        let mut status: HashMap<String, u16> = HashMap::new();
        for m in members {
            let failed = m.depends_on.iter().any(|d| {
                status
                    .get(&d.to_ascii_lowercase())
                    .is_none_or(|s| *s >= 400)
            });
            let (id, resp) = if failed {
                let e = GraphError::new(
                    StatusCode::FAILED_DEPENDENCY,
                    "FailedDependency",
                    "The request could not be completed because a request it depends on failed.",
                );
                (
                    m.id.clone(),
                    e.into_response(&Uuid::new_v4().to_string(), None),
                )
            } else {
                run(em, m.id.clone(), m.request).await
            };
            status.insert(id.to_ascii_lowercase(), resp.status.as_u16());
            responses.push(member_json(&id, resp));
        }
    } else {
        let mut stream =
            futures::stream::iter(members.into_iter().map(|m| run(em, m.id, m.request)))
                .buffer_unordered(PARALLEL);
        while let Some((id, resp)) = stream.next().await {
            responses.push(member_json(&id, resp));
        }
    }
    GraphResponse::json(StatusCode::OK, &json!({"responses": responses}))
}
