//! Graph's HTTP entry points: `/v1.0/{*path}` (one operation, or a
//! `$batch` envelope) and the upload-session host. The request is read
//! whole, turned into a [`GraphRequest`] and handed to `execute` or `batch`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::Response;
use axum::routing::{any, put};
use uuid::Uuid;

use super::error::GraphError;
use super::execute::execute;
use super::request::GraphRequest;
use super::response::to_http;
use super::{batch, uploads};
use crate::tenant::Emulator;

/// Largest body the HTTP layer reads at all; Graph's own limits are checked per endpoint.
const HTTP_BODY_CAP: usize = 200 * 1024 * 1024;

/// Graph, the upload-session host, and `$batch`.
pub(crate) fn routes() -> Router<Arc<Emulator>> {
    Router::new()
        .route("/v1.0/{*path}", any(http_entry))
        .route(
            "/outlook/api/v2.0/uploads/{session}",
            put(uploads::put_chunk),
        )
        .layer(DefaultBodyLimit::max(HTTP_BODY_CAP))
}

async fn http_entry(State(em): State<Arc<Emulator>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, HTTP_BODY_CAP).await {
        Ok(b) => b,
        Err(_) => {
            return to_http(
                GraphError::too_large().into_response(&Uuid::new_v4().to_string(), None),
            );
        }
    };
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let path = parts
        .uri
        .path()
        .strip_prefix("/v1.0")
        .unwrap_or("")
        .to_string();
    let query = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let greq = GraphRequest {
        method: parts.method,
        path,
        query,
        headers: parts.headers,
        body,
        base: format!("http://{host}"),
    };
    em.stats.http_requests.fetch_add(1, Ordering::Relaxed);
    let resp = if greq.path.trim_matches('/').eq_ignore_ascii_case("$batch") {
        batch::handle(&em, greq).await
    } else {
        execute(&em, greq).await
    };
    to_http(resp)
}
