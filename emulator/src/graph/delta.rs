//! Delta queries: per-folder message delta and mailbox-wide folder delta. A
//! round covers the mailbox sequence range (base, end] with pages following a
//! cursor on the sequence, so an item that changes again mid-round is reported
//! in the next round and nothing is skipped. A token older than what the
//! folder remembers gets 410 Gone with a `Location` to restart from.

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::error::GraphError;
use super::lookup::resolve;
use super::render::{MessageEntity, folder_json, folder_select, message_json};
use super::response::GraphResponse;
use crate::mailstore::{ItemClass, Mailbox};
use crate::odata::{self, EntityType, Expand, Filter, OrderBy};

/// Default delta page size when neither `$top` nor `odata.maxpagesize` is given.
const DEFAULT_PAGE: usize = 10;
const MAX_PAGE: usize = 1000;

/// A delta or skip token: opaque base64url JSON that carries the original
/// query options too (Graph encodes them in its tokens as well).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Token {
    /// Folder id (message delta) or empty (folder delta).
    f: String,
    /// Start of the round: changes above it are reported.
    base: u64,
    /// Cursor inside the round (last sequence already sent).
    cur: u64,
    /// End of the round (0 in a delta token: the next round ends at "now").
    end: u64,
    /// Mailbox delta epoch when issued.
    e: u64,
    initial: bool,
    sel: Option<String>,
    exp: Option<String>,
    flt: Option<String>,
    ct: Option<String>,
    top: Option<usize>,
}

fn encode(t: &Token) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(t).unwrap_or_default())
}

fn decode(s: &str) -> Option<Token> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s.trim()).ok()?).ok()
}

/// 410 for a token older than the folder's remembered removals, or issued
/// before the control API expired the mailbox's sync state.
fn gone(ctx: &Ctx<'_>) -> GraphError {
    let mut e = GraphError::new(
        StatusCode::GONE,
        "syncStateNotFound",
        "The sync state generation was not found or has expired. Start a new synchronization.",
    );
    e.location = Some(format!(
        "{}{}?$deltatoken=",
        ctx.service_root(),
        ctx.req.path
    ));
    e
}

fn bad_token() -> GraphError {
    GraphError::bad_request("The delta token or skip token is not valid.")
}

/// Read the token a request carries, or start a new round from its query options.
fn token_for(ctx: &Ctx<'_>, mb: &Mailbox, folder_id: &str) -> Result<Token, GraphError> {
    let floor = if folder_id.is_empty() {
        mb.folder_delta_floor
    } else {
        mb.folder(folder_id).map(|f| f.delta_floor).unwrap_or(0)
    };
    if let Some(s) = ctx.req.query("$skiptoken") {
        let t = decode(s).ok_or_else(bad_token)?;
        if t.f != folder_id {
            return Err(bad_token());
        }
        if t.e != mb.delta_epoch || (!t.initial && t.base < floor) {
            return Err(gone(ctx));
        }
        return Ok(t);
    }
    if let Some(s) = ctx
        .req
        .query("$deltatoken")
        .filter(|s| !s.trim().is_empty())
    {
        let mut t = decode(s).ok_or_else(bad_token)?;
        if t.f != folder_id {
            return Err(bad_token());
        }
        if t.e != mb.delta_epoch || t.base < floor {
            return Err(gone(ctx));
        }
        t.cur = t.base;
        t.end = mb.seq;
        t.initial = false;
        return Ok(t);
    }
    let ty = if folder_id.is_empty() {
        EntityType::MailFolder
    } else {
        EntityType::Message
    };
    let sel = ctx.req.query("$select").map(str::to_string);
    if let Some(s) = &sel {
        odata::parse_select(s, ty)?;
    }
    let flt = ctx.req.query("$filter").map(str::to_string);
    if let Some(f) = &flt {
        odata::check_delta_filter(&Filter::parse(f, ty)?)?;
    }
    if let Some(o) = ctx.req.query("$orderby") {
        odata::check_delta_orderby(&OrderBy::parse(o, ty)?)?;
    }
    let exp = ctx.req.query("$expand").map(str::to_string);
    if let Some(x) = &exp {
        odata::parse_expand(x)?;
    }
    if ctx.req.query("$search").is_some() {
        return Err(GraphError::bad_request(
            "The query parameter '$search' is not supported with delta queries.",
        ));
    }
    let ct = ctx.req.query("changeType").map(str::to_ascii_lowercase);
    if let Some(c) = &ct
        && !["created", "updated", "deleted"].contains(&c.as_str())
    {
        return Err(GraphError::bad_request(format!(
            "The value '{c}' is not valid for changeType."
        )));
    }
    let top = match ctx.req.query("$top") {
        Some(t) => Some(
            t.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| {
                    GraphError::bad_request(format!(
                        "The value '{t}' of the $top query option is not valid."
                    ))
                })?,
        ),
        None => None,
    };
    Ok(Token {
        f: folder_id.to_string(),
        base: 0,
        cur: 0,
        end: mb.seq,
        e: mb.delta_epoch,
        initial: true,
        sel,
        exp,
        flt,
        ct,
        top,
    })
}

fn page_size(ctx: &Ctx<'_>, t: &Token) -> usize {
    t.top
        .or(ctx.prefer.max_page_size)
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, MAX_PAGE)
}

/// Close a page: a nextLink (more in this round) or a deltaLink (round done).
fn finish(
    ctx: &Ctx<'_>,
    mut t: Token,
    items: Vec<Value>,
    last: Option<u64>,
    more: bool,
) -> GraphResponse {
    let link_base = format!("{}{}", ctx.service_root(), ctx.req.path);
    let mut body = json!({
        "@odata.context": format!("{}/$metadata#Collection({})", ctx.service_root(),
            if t.f.is_empty() { "mailFolder" } else { "message" }),
        "value": items,
    });
    if more {
        t.cur = last.unwrap_or(t.cur);
        body["@odata.nextLink"] = json!(format!("{link_base}?$skiptoken={}", encode(&t)));
    } else {
        t.base = t.end;
        t.cur = t.end;
        t.end = 0;
        t.initial = false;
        body["@odata.deltaLink"] = json!(format!("{link_base}?$deltatoken={}", encode(&t)));
    }
    GraphResponse::json(StatusCode::OK, &body)
}

enum Event<'a> {
    Present(&'a crate::mailstore::StoredMessage),
    Removed { id: String, reason: String },
}

pub(crate) fn messages(ctx: &Ctx<'_>, folder_key: &str) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let folder_id = resolve(&mb, folder_key)?;
    let t = token_for(ctx, &mb, &folder_id)?;
    let filter = t
        .flt
        .as_deref()
        .map(|f| Filter::parse(f, EntityType::Message))
        .transpose()?;
    let select = t
        .sel
        .as_deref()
        .map(|s| odata::parse_select(s, EntityType::Message))
        .transpose()?;
    let expand = t
        .exp
        .as_deref()
        .map(odata::parse_expand)
        .transpose()?
        .unwrap_or_else(Expand::default);
    let wants = |kind: &str| t.ct.as_deref().is_none_or(|c| c == kind);
    let mut events: Vec<(u64, Event)> = mb
        .messages
        .values()
        .filter(|m| m.folder_id == folder_id && m.class == ItemClass::Message)
        .filter(|m| m.changed_seq > t.cur && m.changed_seq <= t.end)
        .filter(|m| {
            let created = t.initial || m.arrived_seq > t.base;
            if created {
                wants("created")
            } else {
                wants("updated")
            }
        })
        .filter(|m| {
            filter
                .as_ref()
                .is_none_or(|f| f.matches(&MessageEntity { ctx, m }))
        })
        .map(|m| (m.changed_seq, Event::Present(m)))
        .collect();
    if !t.initial
        && wants("deleted")
        && let Some(f) = mb.folder(&folder_id)
    {
        for ts in f
            .tombstones
            .iter()
            .filter(|ts| ts.seq > t.cur && ts.seq <= t.end)
        {
            let id = if ctx.prefer.immutable_ids || ts.rest.is_empty() {
                ts.id.clone()
            } else {
                ts.rest.clone()
            };
            events.push((
                ts.seq,
                Event::Removed {
                    id,
                    reason: ts.reason.clone(),
                },
            ));
        }
    }
    events.sort_by_key(|(s, _)| *s);
    let size = page_size(ctx, &t);
    let more = events.len() > size;
    let last = events.iter().take(size).next_back().map(|(s, _)| *s);
    let items = events
        .iter()
        .take(size)
        .map(|(_, e)| match e {
            Event::Present(m) => {
                let mut v = message_json(ctx, m, select.as_deref(), &expand);
                if let Value::Object(o) = &mut v {
                    let mut out = serde_json::Map::new();
                    out.insert("@odata.type".into(), json!("#microsoft.graph.message"));
                    out.append(o);
                    v = Value::Object(out);
                }
                v
            }
            Event::Removed { id, reason } => json!({
                "@odata.type": "#microsoft.graph.message",
                "id": id,
                "@removed": {"reason": reason},
            }),
        })
        .collect();
    Ok(finish(ctx, t, items, last, more))
}

pub(crate) fn folders(ctx: &Ctx<'_>) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let t = token_for(ctx, &mb, "")?;
    let select = t
        .sel
        .as_deref()
        .map(|s| odata::parse_select(s, EntityType::MailFolder))
        .transpose()?;
    let root = mb.root_id().to_string();
    let dumpster = mb.well_known_id("recoverableitemsdeletions");
    let mut events: Vec<(u64, Value)> = mb
        .folders
        .iter()
        .filter(|f| f.id != root && f.id != dumpster)
        .filter(|f| f.changed_seq > t.cur && f.changed_seq <= t.end)
        .map(|f| {
            let mut v = folder_select(folder_json(&mb, f), select.as_deref());
            if let Value::Object(o) = &mut v {
                let mut out = serde_json::Map::new();
                out.insert("@odata.type".into(), json!("#microsoft.graph.mailFolder"));
                out.append(o);
                v = Value::Object(out);
            }
            (f.changed_seq, v)
        })
        .collect();
    if !t.initial {
        for (seq, id) in mb
            .folder_tombstones
            .iter()
            .filter(|(s, _)| *s > t.cur && *s <= t.end)
        {
            events.push((*seq, json!({"@odata.type": "#microsoft.graph.mailFolder", "id": id, "@removed": {"reason": "deleted"}})));
        }
    }
    events.sort_by_key(|(s, _)| *s);
    let size = page_size(ctx, &t);
    let more = events.len() > size;
    let last = events.iter().take(size).next_back().map(|(s, _)| *s);
    let items = events.into_iter().take(size).map(|(_, v)| v).collect();
    Ok(finish(ctx, t, items, last, more))
}
