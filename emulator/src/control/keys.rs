//! Signing key rollover, as Entra rolls its keys over: `GET /_emulator/keys`
//! lists the published RS256 keys; `POST /_emulator/keys/rotate` makes a new
//! one that signs from now on while the older ones stay published (tokens
//! they signed stay valid); `POST /_emulator/keys/retire` withdraws every key
//! but the signing one, so tokens they signed are refused from then on.
//! All three answer `{"keys":[{"kid", "signing"}]}`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Em, fail};
use crate::tenant::Emulator;

fn listing(em: &Emulator) -> Value {
    let keys: Vec<Value> = em
        .keys
        .api
        .list()
        .into_iter()
        .map(|(kid, signing)| json!({"kid": kid, "signing": signing}))
        .collect();
    json!({ "keys": keys })
}

pub(super) async fn list(State(em): Em) -> Json<Value> {
    Json(listing(&em))
}

pub(super) async fn rotate(State(em): Em) -> Response {
    // Making an RSA key takes a while: off the async workers.
    let worker = em.clone();
    let made = tokio::task::spawn_blocking(move || worker.keys.api.rotate()).await;
    if !matches!(made, Ok(true)) {
        return fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "no new signing key could be made",
        );
    }
    em.mark_dirty();
    Json(listing(&em)).into_response()
}

pub(super) async fn retire(State(em): Em) -> Json<Value> {
    em.keys.api.retire();
    em.mark_dirty();
    Json(listing(&em))
}
