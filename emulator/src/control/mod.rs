//! The emulator's control API under `/_emulator/`, for tests, benchmarks and
//! people trying graphgate: statistics, switches, incoming mail, Exchange
//! permissions, app registrations (apps.rs), session revocation, signing key
//! rollover (keys.rs), minted tokens (mint.rs), read-only views of
//! mailboxes and calendars, and queued faults (calendar.rs), contacts and
//! To Do (pim.rs). It answers loopback clients only and never counts as
//! Graph traffic.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

use super::directory::{Grant, MailboxRight};
use super::mailstore::ItemClass;
use super::settings::SettingsPatch;
use super::tokens;
use crate::tenant::Emulator;

mod apps;
mod calendar;
mod keys;
mod mint;
mod pim;

type Em = State<Arc<Emulator>>;

/// The largest body the control API takes (a delivered message's MIME).
const CONTROL_BODY_CAP: usize = 160 * 1024 * 1024;

pub(crate) fn routes() -> Router<Arc<Emulator>> {
    Router::new()
        .route("/_emulator/stats", get(stats))
        .route("/_emulator/stats/reset", post(stats_reset))
        .route("/_emulator/config", get(config_get).put(config_put))
        .route("/_emulator/mailboxes/{upn}/deliver", post(deliver))
        .route("/_emulator/mailboxes/{upn}/messages", get(messages))
        .route(
            "/_emulator/mailboxes/{upn}/messages/{id}/mime",
            get(message_mime),
        )
        .route("/_emulator/mailboxes/{upn}/folders", get(folders))
        .route(
            "/_emulator/mailboxes/{upn}/calendars",
            get(calendar::calendars),
        )
        .route("/_emulator/mailboxes/{upn}/events", get(calendar::events))
        .route("/_emulator/mailboxes/{upn}/contacts", get(pim::contacts))
        .route(
            "/_emulator/mailboxes/{upn}/contacts/{id}/move",
            post(pim::move_contact),
        )
        .route("/_emulator/mailboxes/{upn}/todo", get(pim::todo))
        .route(
            "/_emulator/faults",
            get(calendar::faults_list)
                .post(calendar::faults_add)
                .delete(calendar::faults_clear),
        )
        .route(
            "/_emulator/mailboxes/{upn}/expire-delta-tokens",
            post(expire_delta),
        )
        .route("/_emulator/mailboxes/{upn}/permissions", get(permissions))
        .route(
            "/_emulator/mailboxes/{upn}/permissions/{user}/{right}",
            put(grant).delete(revoke),
        )
        .route(
            "/_emulator/users/{upn}/revoke-sessions",
            post(revoke_sessions),
        )
        .route(
            "/_emulator/apps/{client_id}",
            get(apps::app_get).put(apps::app_put),
        )
        .route("/_emulator/keys", get(keys::list))
        .route("/_emulator/keys/rotate", post(keys::rotate))
        .route("/_emulator/keys/retire", post(keys::retire))
        .route("/_emulator/tokens", post(mint::mint_token))
        .route("/_emulator/outbound", get(outbound))
        // Deliveries as large as Exchange Online accepts (150 MB), not
        // axum's default of 2 MB.
        .layer(DefaultBodyLimit::max(CONTROL_BODY_CAP))
        .layer(middleware::from_fn(loopback_only))
}

/// Refuse control requests from anywhere but loopback.
async fn loopback_only(req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    match peer {
        Some(p) if p.ip().is_loopback() => next.run(req).await,
        _ => fail(
            StatusCode::FORBIDDEN,
            "the control API answers loopback clients only",
        ),
    }
}

fn fail(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

fn not_found(what: &str) -> Response {
    fail(
        StatusCode::NOT_FOUND,
        format!("no {what} by that name in the emulated tenant"),
    )
}

async fn stats(State(em): Em) -> Json<Value> {
    Json(em.stats.to_json())
}

async fn stats_reset(State(em): Em) -> StatusCode {
    em.stats.reset();
    StatusCode::NO_CONTENT
}

async fn config_get(State(em): Em) -> Json<Value> {
    Json(serde_json::to_value(&*em.settings.read()).unwrap_or(Value::Null))
}

async fn config_put(State(em): Em, body: Bytes) -> Response {
    let patch: SettingsPatch = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return fail(StatusCode::BAD_REQUEST, format!("invalid settings: {e}")),
    };
    let mut s = em.settings.write();
    if let Err(e) = s.apply(patch) {
        return fail(StatusCode::BAD_REQUEST, e);
    }
    let out = serde_json::to_value(&*s).unwrap_or(Value::Null);
    drop(s);
    // New limits apply from a clean slate.
    em.throttle.reset();
    Json(out).into_response()
}

#[derive(Deserialize)]
struct DeliverQuery {
    folder: Option<String>,
    /// When it arrived (RFC 3339): an old message for tests; default now.
    date: Option<String>,
}

async fn deliver(
    State(em): Em,
    Path(upn): Path<String>,
    Query(q): Query<DeliverQuery>,
    body: Bytes,
) -> Response {
    if body.is_empty() {
        return fail(
            StatusCode::BAD_REQUEST,
            "the body must be the raw MIME message",
        );
    }
    let limit = em.settings.read().max_message_bytes;
    if body.len() > limit {
        // Exchange refuses a message over the tenant's limit at receipt.
        return fail(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the message is {} bytes, over the tenant's limit of {limit} (max_message_bytes)",
                body.len()
            ),
        );
    }
    let Some(oid) = em.directory.read().user(&upn).map(|u| u.oid) else {
        return not_found("mailbox");
    };
    let Some(mb) = em.mailbox(oid) else {
        return not_found("mailbox");
    };
    let now = match q.date.as_deref().map(chrono::DateTime::parse_from_rfc3339) {
        None => chrono::Utc::now(),
        Some(Ok(d)) => d.with_timezone(&chrono::Utc),
        Some(Err(_)) => return fail(StatusCode::BAD_REQUEST, "date must be RFC 3339"),
    };
    let (id, rest) = {
        let mut mb = mb.lock();
        let folder = q.folder.as_deref().unwrap_or("inbox");
        let Some(fid) = mb.folder(folder).map(|f| f.id.clone()) else {
            return not_found("folder");
        };
        let id = mb.insert(&fid, body, false, false, now, now, 0x2, ItemClass::Message);
        let rest = mb
            .messages
            .get(&id)
            .map(|m| m.rest_id.clone())
            .unwrap_or_default();
        (id, rest)
    };
    em.mark_dirty();
    (
        StatusCode::CREATED,
        Json(json!({"id": id, "immutableId": id, "restId": rest})),
    )
        .into_response()
}

#[derive(Deserialize)]
struct ListQuery {
    folder: Option<String>,
}

fn folder_path(mb: &super::mailstore::Mailbox, id: &str) -> String {
    let mut parts = Vec::new();
    let mut cur = id.to_string();
    for _ in 0..64 {
        match mb.folders.iter().find(|f| f.id == cur) {
            Some(f) if !f.parent_id.is_empty() => {
                parts.push(f.display_name.clone());
                cur = f.parent_id.clone();
            }
            _ => break,
        }
    }
    parts.reverse();
    parts.join("/")
}

async fn messages(State(em): Em, Path(upn): Path<String>, Query(q): Query<ListQuery>) -> Response {
    let Some(oid) = em.directory.read().user(&upn).map(|u| u.oid) else {
        return not_found("mailbox");
    };
    let Some(mb) = em.mailbox(oid) else {
        return not_found("mailbox");
    };
    let mb = mb.lock();
    let folder = match &q.folder {
        Some(f) => match mb.folder(f) {
            Some(f) => Some(f.id.clone()),
            None => return not_found("folder"),
        },
        None => None,
    };
    let mut list: Vec<&super::mailstore::StoredMessage> = mb
        .messages
        .values()
        .filter(|m| {
            m.class == ItemClass::Message && folder.as_ref().is_none_or(|f| &m.folder_id == f)
        })
        .collect();
    list.sort_by_key(|m| std::cmp::Reverse(m.received));
    let out: Vec<Value> = list
        .iter()
        .map(|m| {
            json!({
                "id": m.immutable_id,
                "restId": m.rest_id,
                "folderId": m.folder_id,
                "folder": folder_path(&mb, &m.folder_id),
                "subject": m.props.subject,
                "from": m.props.from.as_ref().map(|f| f.address.clone()),
                "sender": m.props.sender.as_ref().map(|f| f.address.clone()),
                "to": m.props.to.iter().map(|r| r.address.clone()).collect::<Vec<_>>(),
                "cc": m.props.cc.iter().map(|r| r.address.clone()).collect::<Vec<_>>(),
                "bcc": m.props.bcc.iter().map(|r| r.address.clone()).collect::<Vec<_>>(),
                "internetMessageId": m.props.internet_message_id,
                "isRead": m.is_read,
                "isDraft": m.is_draft,
                "flag": m.flag.as_str(),
                "categories": m.categories,
                "extendedProperties": m.ext,
                "mimeSize": m.mime.len(),
                "receivedDateTime": m.received.to_rfc3339(),
            })
        })
        .collect();
    Json(json!({"value": out})).into_response()
}

async fn message_mime(State(em): Em, Path((upn, id)): Path<(String, String)>) -> Response {
    let Some(oid) = em.directory.read().user(&upn).map(|u| u.oid) else {
        return not_found("mailbox");
    };
    let Some(mb) = em.mailbox(oid) else {
        return not_found("mailbox");
    };
    let mb = mb.lock();
    match mb.message(&id) {
        Some(m) => ([("content-type", "message/rfc822")], m.mime.clone()).into_response(),
        None => not_found("message"),
    }
}

async fn folders(State(em): Em, Path(upn): Path<String>) -> Response {
    let Some(oid) = em.directory.read().user(&upn).map(|u| u.oid) else {
        return not_found("mailbox");
    };
    let Some(mb) = em.mailbox(oid) else {
        return not_found("mailbox");
    };
    let mb = mb.lock();
    let out: Vec<Value> = mb
        .folders
        .iter()
        .filter(|f| !f.parent_id.is_empty())
        .map(|f| {
            let (total, unread) = mb.counts(&f.id);
            json!({"id": f.id, "path": folder_path(&mb, &f.id), "wellKnownName": f.well_known,
                   "isHidden": f.is_hidden, "totalItemCount": total, "unreadItemCount": unread})
        })
        .collect();
    Json(json!({"value": out})).into_response()
}

async fn expire_delta(State(em): Em, Path(upn): Path<String>) -> Response {
    let Some(oid) = em.directory.read().user(&upn).map(|u| u.oid) else {
        return not_found("mailbox");
    };
    let Some(mb) = em.mailbox(oid) else {
        return not_found("mailbox");
    };
    // Mail, calendarView, contact and To Do delta tokens alike.
    mb.lock().delta_epoch += 1;
    em.mark_dirty();
    StatusCode::NO_CONTENT.into_response()
}

async fn permissions(State(em): Em, Path(upn): Path<String>) -> Response {
    let dir = em.directory.read();
    let Some(mb) = dir.user(&upn).map(|u| u.oid) else {
        return not_found("mailbox");
    };
    let out: Vec<Value> = dir
        .grants
        .iter()
        .filter(|g| g.mailbox == mb)
        .map(|g| json!({"user": dir.user_by_oid(g.user).map(|u| u.upn.clone()), "right": format!("{:?}", g.right)}))
        .collect();
    Json(json!({"value": out})).into_response()
}

fn grant_of(em: &Emulator, upn: &str, user: &str, right: &str) -> Result<Grant, Box<Response>> {
    let dir = em.directory.read();
    let mailbox = dir
        .user(upn)
        .map(|u| u.oid)
        .ok_or_else(|| Box::new(not_found("mailbox")))?;
    let user = dir
        .user(user)
        .map(|u| u.oid)
        .ok_or_else(|| Box::new(not_found("user")))?;
    let right = MailboxRight::parse(right).ok_or_else(|| {
        Box::new(fail(
            StatusCode::BAD_REQUEST,
            "the right must be FullAccess, SendAs or SendOnBehalf",
        ))
    })?;
    Ok(Grant {
        mailbox,
        user,
        right,
    })
}

async fn grant(
    State(em): Em,
    Path((upn, user, right)): Path<(String, String, String)>,
) -> Response {
    match grant_of(&em, &upn, &user, &right) {
        Ok(g) => {
            em.directory.write().grants.insert(g);
            em.mark_dirty();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => *r,
    }
}

async fn revoke(
    State(em): Em,
    Path((upn, user, right)): Path<(String, String, String)>,
) -> Response {
    match grant_of(&em, &upn, &user, &right) {
        Ok(g) => {
            em.directory.write().grants.remove(&g);
            em.mark_dirty();
            StatusCode::NO_CONTENT.into_response()
        }
        Err(r) => *r,
    }
}

async fn revoke_sessions(State(em): Em, Path(upn): Path<String>) -> Response {
    let mut dir = em.directory.write();
    let Some(u) = dir.user_mut(&upn) else {
        return not_found("user");
    };
    tokens::revoke_sessions(u, chrono::Utc::now().timestamp());
    drop(dir);
    em.mark_dirty();
    StatusCode::NO_CONTENT.into_response()
}

async fn outbound(State(em): Em) -> Json<Value> {
    Json(json!({"value": serde_json::to_value(&*em.outbound.lock()).unwrap_or(Value::Null)}))
}
