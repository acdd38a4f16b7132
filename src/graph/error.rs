//! What can go wrong when calling Graph, in terms the mailbox layer can act
//! on: a Graph error with its code, throttling that outlasted our patience,
//! a token problem, trouble on the wire, and the one that matters most for
//! "exactly once": a change that may or may not have happened. Every
//! variant that comes from another error keeps it as its `source()`.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::Value;

/// Graph's JSON error envelope, reduced to what we branch on and log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: u16,
    /// `error.code`, or the innermost more specific `innerError.code`'s parent.
    pub code: String,
    pub message: String,
    /// `request-id`, for a support case with Microsoft.
    pub request_id: String,
}

impl Failure {
    /// Parse Graph's error body (`{"error":{"code","message","innerError":{...}}}`).
    pub fn from_body(status: StatusCode, body: &[u8], request_id: Option<&str>) -> Failure {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let error = parsed.as_ref().and_then(|v| v.get("error"));
        let text = |key: &str| {
            error
                .and_then(|e| e.get(key))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let inner_id = error
            .and_then(|e| e.get("innerError").or_else(|| e.get("innererror")))
            .and_then(|i| i.get("request-id"))
            .and_then(Value::as_str);
        // Bound what a misbehaving server can push into our logs and
        // replies: every field, not only the message (the fuzzer found a
        // code of any length passed through).
        Failure {
            status: status.as_u16(),
            code: bounded(text("code"), 100),
            message: bounded(text("message"), 300),
            request_id: bounded(request_id.or(inner_id).unwrap_or_default().to_string(), 100),
        }
    }

    pub fn is(&self, code: &str) -> bool {
        self.code.eq_ignore_ascii_case(code)
    }
}

/// `text` cut to at most `max` bytes, on a character boundary.
fn bounded(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Graph answered {} {}", self.status, self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if !self.request_id.is_empty() {
            write!(f, " (request-id {})", self.request_id)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Graph refused or failed the request; branch on `code`, never on `message`.
    #[error("{0}")]
    Graph(Failure),
    /// Still throttled (429/503) after every retry we allow ourselves.
    #[error("Microsoft 365 is throttling requests for {mailbox}; try again in a minute")]
    Throttled { mailbox: String },
    /// Not sent: the mailbox's request budget would have made it wait
    /// longer than we let a request wait (nothing was sent or changed).
    #[error(
        "graphgate is pacing requests for {mailbox} to stay within Microsoft 365's request limit per mailbox; this one would wait {wait_s} s: try again shortly"
    )]
    Busy { mailbox: String, wait_s: u64 },
    /// No usable token; the text names the fix.
    #[error(transparent)]
    Auth(#[from] crate::auth::Error),
    /// The request never got an answer and nothing was changed (connection
    /// refused, DNS, timeouts of safe requests).
    #[error("cannot reach Microsoft Graph: {0}")]
    Transport(#[source] NoAnswer),
    /// A change was sent but the answer was lost (timeout, 502/504, broken
    /// connection): it may or may not have happened. Check before repeating.
    #[error("Microsoft Graph did not confirm the change: {0}")]
    OutcomeUnknown(#[source] NoAnswer),
    /// The answer was not what Graph documents (bad JSON, too large).
    #[error("unexpected answer from Microsoft Graph: {0}")]
    Protocol(#[source] BadAnswer),
    /// A request body could not be written as JSON (nothing was sent).
    #[error("cannot write a request for Microsoft Graph: {0}")]
    Encode(#[source] Arc<serde_json::Error>),
    /// A delta token expired (410 Gone, syncStateNotFound, resyncRequired):
    /// start the folder's sync over.
    #[error("the folder's sync state expired at Microsoft")]
    SyncReset,
}

/// Why no usable answer came back for a request.
#[derive(Debug, Clone, thiserror::Error)]
pub enum NoAnswer {
    /// The HTTP client failed; `text` is its message with the URL taken
    /// out (upload URLs carry a token).
    #[error("{text}")]
    Http {
        text: String,
        #[source]
        source: Arc<reqwest::Error>,
    },
    /// Graph answered 502, 503 or 504 to a change: it may have been made.
    #[error("{0}")]
    Status(Failure),
    /// The gateway is stopping; the request was not sent.
    #[error("shutting down")]
    ShuttingDown,
}

impl NoAnswer {
    /// A reqwest failure, its URL redacted.
    pub fn http(e: reqwest::Error) -> NoAnswer {
        let mut text = e.to_string();
        if let Some(url) = e.url() {
            text = text.replace(url.as_str(), "<url>");
        }
        NoAnswer::Http {
            text,
            source: Arc::new(e.without_url()),
        }
    }
}

/// How an answer differed from what Graph documents.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BadAnswer {
    /// The body is not the JSON expected.
    #[error("{0}")]
    Json(#[source] Arc<serde_json::Error>),
    /// A link (nextLink, deltaLink) or a URL built from the settings does
    /// not parse.
    #[error("{0}")]
    Url(#[from] url::ParseError),
    /// A paging link points away from the service root (our token would
    /// go with it).
    #[error("a paging link points at another host ({0})")]
    ForeignHost(String),
    /// A `$batch` envelope without the answer to one of its members.
    #[error("$batch answer lacks member {0}")]
    MissingMember(String),
    /// Something Graph always sends is missing, or a listing does not end;
    /// the text says what.
    #[error("{0}")]
    Shape(&'static str),
}

impl From<serde_json::Error> for BadAnswer {
    fn from(e: serde_json::Error) -> BadAnswer {
        BadAnswer::Json(Arc::new(e))
    }
}

impl From<BadAnswer> for Error {
    fn from(e: BadAnswer) -> Error {
        Error::Protocol(e)
    }
}

impl Error {
    /// The item or folder does not exist (any more).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Graph(f) if f.status == 404)
    }

    /// Exchange said no: missing rights on the mailbox, or a missing scope.
    pub fn is_access_denied(&self) -> bool {
        matches!(self, Error::Graph(f) if f.status == 403)
    }

    /// Worth trying again later without a person doing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Throttled { .. }
            | Error::Busy { .. }
            | Error::Transport(_)
            | Error::OutcomeUnknown(_) => true,
            Error::Auth(e) => e.is_transient(),
            Error::Graph(f) => matches!(f.status, 429 | 500 | 502 | 503 | 504),
            Error::Protocol(_) | Error::Encode(_) | Error::SyncReset => false,
        }
    }

    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Error::Graph(f) => Some(f),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_graph_error_envelope() {
        let body = br#"{"error":{"code":"ErrorItemNotFound","message":"The specified object was not found in the store.","innerError":{"date":"2025-03-04T10:17:05","request-id":"93b6"}}}"#;
        let f = Failure::from_body(StatusCode::NOT_FOUND, body, None);
        assert_eq!(f.code, "ErrorItemNotFound");
        assert_eq!(f.request_id, "93b6");
        assert!(Error::Graph(f.clone()).is_not_found());
        assert!(f.to_string().contains("404 ErrorItemNotFound"));
    }

    #[test]
    fn survives_garbage_and_bounds_message() {
        let f = Failure::from_body(StatusCode::BAD_GATEWAY, b"<html>oops", Some("r1"));
        assert_eq!(f.code, "");
        assert_eq!(f.request_id, "r1");
        let long = format!(
            r#"{{"error":{{"code":"X","message":"{}"}}}}"#,
            "é".repeat(400)
        );
        let f = Failure::from_body(StatusCode::BAD_REQUEST, long.as_bytes(), None);
        assert!(f.message.len() <= 300);
    }
}
