//! One Graph request described so that it can be sent again: method, where
//! it goes (below the mailbox, below the service root, or a link Graph
//! gave), query, body, and whether repeating it is harmless. Also the
//! percent-encoding of path segments and the reading of a success answer.

use bytes::Bytes;
use reqwest::Method;
use serde_json::Value;

use super::error::{BadAnswer, Error};

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
    /// Raw bytes with their media type (a contact's photo).
    Bytes {
        content_type: String,
        data: Bytes,
    },
}

impl Body {
    /// A typed request as its JSON body.
    pub fn json(request: &impl serde::Serialize) -> Result<Body, Error> {
        serde_json::to_value(request)
            .map(Body::Json)
            .map_err(|e| Error::Encode(std::sync::Arc::new(e)))
    }
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
    /// Operations Graph counts for it: 1, or the members of a `$batch`
    /// (each counts against the budget, and up to four run at once).
    pub operations: u32,
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
            operations: 1,
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
            operations: 1,
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
        serde_json::from_slice(&self.body).map_err(|e| Error::Protocol(e.into()))
    }

    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| BadAnswer::from(e).into())
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
}
