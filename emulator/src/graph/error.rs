//! Graph's JSON error envelope: `{"error": {"code", "message", "innerError":
//! {"date", "request-id", "client-request-id"}}}` with the status and headers
//! (Retry-After, Location) that go with it (docs/microsoft-graph.md §8).

use axum::http::{HeaderValue, StatusCode};
use bytes::Bytes;
use serde_json::json;

use super::response::{GraphResponse, JSON};
use crate::odata::QueryError;

#[derive(Debug, Clone)]
pub(crate) struct GraphError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub retry_after: Option<u64>,
    pub location: Option<String>,
    /// The workload's own code and message, which To Do puts inside
    /// `innerError` under a generic outer code.
    pub inner: Option<Box<(String, String)>>,
}

impl GraphError {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> GraphError {
        GraphError {
            status,
            code: code.to_string(),
            message: message.into(),
            retry_after: None,
            location: None,
            inner: None,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> GraphError {
        GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub(crate) fn invalid_request(message: impl Into<String>) -> GraphError {
        GraphError::new(StatusCode::BAD_REQUEST, "ErrorInvalidRequest", message)
    }

    pub(crate) fn item_not_found() -> GraphError {
        GraphError::new(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    pub(crate) fn access_denied() -> GraphError {
        GraphError::new(
            StatusCode::FORBIDDEN,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        )
    }

    pub(crate) fn malformed_id() -> GraphError {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidIdMalformed",
            "Id is malformed.",
        )
    }

    pub(crate) fn segment(segment: &str) -> GraphError {
        GraphError::bad_request(format!("Resource not found for the segment '{segment}'."))
    }

    pub(crate) fn throttled(retry_after: u64, message: &str) -> GraphError {
        GraphError {
            retry_after: Some(retry_after),
            ..GraphError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "ApplicationThrottled",
                message,
            )
        }
    }

    pub(crate) fn too_large() -> GraphError {
        GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ErrorRequestEntityTooLarge",
            "The request is too large. Reduce the size of the request and try again.",
        )
    }

    /// A request To Do refuses: 400 `invalidRequest` "Invalid request" with
    /// `ErrorInvalidRequest` and the reason inside `innerError`, the shape
    /// To Do answers in.
    pub(crate) fn todo_invalid(message: impl Into<String>) -> GraphError {
        GraphError {
            inner: Some(Box::new(("ErrorInvalidRequest".into(), message.into()))),
            ..GraphError::new(StatusCode::BAD_REQUEST, "invalidRequest", "Invalid request")
        }
    }

    /// The same error under another code.
    pub(crate) fn into_code(mut self, code: &str) -> GraphError {
        self.code = code.to_string();
        self
    }

    pub(crate) fn with_retry_after(mut self, s: u64) -> GraphError {
        self.retry_after = Some(s);
        self
    }

    /// Render with a fresh request id; `client_request_id` is echoed when given.
    pub(crate) fn into_response(
        self,
        request_id: &str,
        client_request_id: Option<&str>,
    ) -> GraphResponse {
        let mut inner = json!({
            "date": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
            "request-id": request_id,
            "client-request-id": client_request_id.unwrap_or(request_id),
        });
        if client_request_id.is_none() {
            inner["client-request-id"] = json!(request_id);
        }
        if let Some(pair) = &self.inner {
            let (code, message) = &**pair;
            inner["code"] = json!(code);
            inner["message"] = json!(message);
        }
        let body =
            json!({"error": {"code": self.code, "message": self.message, "innerError": inner}});
        let mut resp = GraphResponse::new(self.status, Bytes::from(body.to_string()), JSON);
        if let Some(s) = self.retry_after {
            resp.headers.insert("retry-after", HeaderValue::from(s));
        }
        if let Some(loc) = self
            .location
            .as_deref()
            .and_then(|l| HeaderValue::from_str(l).ok())
        {
            resp.headers.insert("location", loc);
        }
        resp
    }
}

impl From<QueryError> for GraphError {
    fn from(e: QueryError) -> Self {
        GraphError::new(StatusCode::BAD_REQUEST, e.code, e.message)
    }
}
