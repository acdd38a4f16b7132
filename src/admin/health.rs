//! `/metrics`, `/livez` and `/readyz`. Live: the process answers (no
//! dependency is checked, so a restart is never triggered by an outage
//! elsewhere). Ready: every configured listener is up, the store answers
//! a query, and the Microsoft identity platform's token endpoint has
//! answered at least once since start (graphgate asks it something
//! harmless until it does). Otherwise 503 with what is missing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::auth::Tokens;
use crate::store::Store;

/// How long `/readyz` waits for the store.
const STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// What `/readyz` checks.
pub struct Readiness {
    listening: AtomicBool,
    store: Store,
    tokens: Arc<Tokens>,
}

impl Readiness {
    pub fn new(store: Store, tokens: Arc<Tokens>) -> Arc<Readiness> {
        Arc::new(Readiness {
            listening: AtomicBool::new(false),
            store,
            tokens,
        })
    }

    /// Every listener is bound.
    pub fn listeners_up(&self) {
        self.listening.store(true, Ordering::Relaxed);
    }

    /// Ask the token endpoint until it has answered once: at start, every
    /// 5 s, backing off to once a minute.
    pub fn probe_token_endpoint(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let ready = self.clone();
        tokio::spawn(async move {
            let mut wait = Duration::from_secs(5);
            while !ready.tokens.oauth().token_endpoint_answered() {
                if ready.tokens.oauth().probe().await {
                    break;
                }
                tracing::warn!(
                    retry_s = wait.as_secs(),
                    "the Microsoft token endpoint does not answer yet; not ready"
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
        })
    }

    /// What is missing; empty when ready.
    pub async fn missing(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.listening.load(Ordering::Relaxed) {
            out.push("the listeners are not up yet");
        }
        match tokio::time::timeout(STORE_TIMEOUT, self.store.ping()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) | Err(_) => out.push("the store does not answer"),
        }
        if !self.tokens.oauth().token_endpoint_answered() {
            out.push("the Microsoft token endpoint has not answered yet");
        }
        out
    }
}

/// The three routes, under any router's state.
pub(super) fn routes<S>(ready: Arc<Readiness>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/metrics", get(metrics))
        .route("/livez", get(livez))
        .route("/readyz", get(move || readyz(ready.clone())))
}

async fn metrics() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::observe::metrics::render(),
    )
        .into_response()
}

async fn livez() -> &'static str {
    "live\n"
}

async fn readyz(ready: Arc<Readiness>) -> Response {
    let missing = ready.missing().await;
    if missing.is_empty() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        let mut text = String::from("not ready:\n");
        for m in missing {
            text.push_str("- ");
            text.push_str(m);
            text.push('\n');
        }
        (StatusCode::SERVICE_UNAVAILABLE, text).into_response()
    }
}
