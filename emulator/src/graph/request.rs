//! One Graph operation as the handlers see it, whether it came as its own
//! HTTP request or as a `$batch` member: method, path, decoded query,
//! headers and body, plus what its `Prefer` headers asked for.

use axum::http::{HeaderMap, Method};
use bytes::Bytes;

/// One Graph operation, from HTTP or from a `$batch` member.
#[derive(Debug, Clone)]
pub(crate) struct GraphRequest {
    pub method: Method,
    /// Path below `/v1.0`, as sent (percent-encoded).
    pub path: String,
    /// Decoded query parameters in order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// `http://host:port` as the client addressed the emulator.
    pub base: String,
}

impl GraphRequest {
    /// A query option by name, with or without its `$`, case-insensitive.
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        let bare = name.trim_start_matches('$');
        self.query
            .iter()
            .find(|(k, _)| k.trim_start_matches('$').eq_ignore_ascii_case(bare))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn content_type(&self) -> String {
        self.header("content-type")
            .unwrap_or("")
            .to_ascii_lowercase()
    }
}

/// What the `Prefer` headers asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prefer {
    pub immutable_ids: bool,
    pub body_text: bool,
    pub max_page_size: Option<usize>,
    /// `outlook.timezone`: the zone calendar times are answered in.
    pub timezone: Option<String>,
}

impl Prefer {
    pub(crate) fn parse(headers: &HeaderMap) -> Prefer {
        let mut p = Prefer::default();
        for v in headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            for item in v.split(',') {
                let (k, val) = item.split_once('=').unwrap_or((item, ""));
                let val = val.trim().trim_matches('"');
                match k.trim().to_ascii_lowercase().as_str() {
                    "idtype" => p.immutable_ids = val.eq_ignore_ascii_case("ImmutableId"),
                    "outlook.body-content-type" => p.body_text = val.eq_ignore_ascii_case("text"),
                    "odata.maxpagesize" => p.max_page_size = val.parse().ok().filter(|n| *n > 0),
                    "outlook.timezone" => {
                        p.timezone = Some(val.trim_matches('\'').to_string());
                    }
                    _ => {}
                }
            }
        }
        p
    }
}
