//! What a Graph operation answers: status, headers and body, with Graph's
//! JSON content type and `OData-Version`. Operations build a
//! [`GraphResponse`]; only the HTTP entry points turn it into an axum one.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// Content type of Graph's JSON responses.
pub(crate) const JSON: &str = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

#[derive(Debug, Clone)]
pub(crate) struct GraphResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl GraphResponse {
    pub(crate) fn new(status: StatusCode, body: Bytes, content_type: &str) -> GraphResponse {
        let mut headers = HeaderMap::new();
        if !body.is_empty()
            && let Ok(v) = HeaderValue::from_str(content_type)
        {
            headers.insert("content-type", v);
        }
        GraphResponse {
            status,
            headers,
            body,
        }
    }

    pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> GraphResponse {
        let mut r = GraphResponse::new(status, Bytes::from(value.to_string()), JSON);
        r.headers
            .insert("odata-version", HeaderValue::from_static("4.0"));
        r
    }

    pub(crate) fn empty(status: StatusCode) -> GraphResponse {
        GraphResponse::new(status, Bytes::new(), "")
    }

    pub(crate) fn is_json(&self) -> bool {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    }
}

pub(crate) fn to_http(r: GraphResponse) -> Response {
    let mut resp = Response::new(Body::from(r.body));
    *resp.status_mut() = r.status;
    *resp.headers_mut() = r.headers;
    resp.into_response()
}
