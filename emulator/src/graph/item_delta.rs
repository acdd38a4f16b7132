//! Delta over a flat collection: the contacts of a folder, a mailbox's
//! contact folders, the tasks of a To Do list, a mailbox's To Do lists.
//! The rules are mail's (docs/microsoft-graph.md §31.5, §32.3): a round
//! covers the store's sequence range (base, end]; pages follow a cursor on
//! the sequence, so a change made mid-round comes in the next round and
//! nothing is skipped; later rounds report `@removed` (reason `deleted`)
//! for what left; `$select` and `$top` of the first request live in the
//! opaque token. A token older than the collection's remembered removals,
//! or issued before the control API expired the mailbox's tokens, gets 410
//! Gone with a `Location` that starts a new round.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::error::GraphError;
use super::response::GraphResponse;

const DEFAULT_PAGE: usize = 10;
const MAX_PAGE: usize = 1000;

/// What a token is about; a token of one collection is refused by another.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Token {
    /// The entity type (`contact`, `contactFolder`, `todoTask`, `todoTaskList`).
    k: String,
    /// Collection id (empty for folder and list deltas).
    c: String,
    base: u64,
    /// Last sequence already sent in this round.
    cur: u64,
    /// End of the round (0 in a delta token: the next round ends at "now").
    end: u64,
    /// Mailbox delta epoch when issued.
    e: u64,
    initial: bool,
    sel: Option<String>,
    top: Option<usize>,
}

fn encode(t: &Token) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(t).unwrap_or_default())
}

fn decode(s: &str) -> Option<Token> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s.trim()).ok()?).ok()
}

fn bad_token() -> GraphError {
    GraphError::bad_request("The delta token or skip token is not valid.")
}

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

/// The collection a delta request reads, as its store has it now.
pub(crate) struct Collection<'a> {
    /// The entity type, as in `Collection(contact)`.
    pub(crate) kind: &'static str,
    /// Whether items carry `@odata.type` (Outlook items do, To Do's do not).
    pub(crate) typed: bool,
    pub(crate) id: &'a str,
    /// Removals up to this sequence were forgotten.
    pub(crate) floor: u64,
    /// The mailbox's delta epoch.
    pub(crate) epoch: u64,
    /// The store's sequence now.
    pub(crate) seq: u64,
}

/// One round's page request, read from the token or started afresh.
pub(crate) struct Round {
    token: Token,
    typed: bool,
}

impl Round {
    /// Does a change with this sequence belong to what is left of the round?
    pub(crate) fn pending(&self, seq: u64) -> bool {
        seq > self.token.cur && seq <= self.token.end
    }

    /// The first round reports what exists, never removals.
    pub(crate) fn initial(&self) -> bool {
        self.token.initial
    }

    /// The round's `$select`.
    pub(crate) fn select(&self) -> Option<&str> {
        self.token.sel.as_deref()
    }
}

/// One change a round reports.
pub(crate) enum Change {
    /// An item as it is now (already rendered, `$select` applied).
    Present(u64, String, Value),
    /// An item that left the collection.
    Removed(u64, String),
}

impl Change {
    fn seq(&self) -> u64 {
        match self {
            Change::Present(s, ..) | Change::Removed(s, _) => *s,
        }
    }

    fn id(&self) -> &str {
        match self {
            Change::Present(_, id, _) | Change::Removed(_, id) => id,
        }
    }
}

/// Read the token a request carries, or start a first round from its
/// query options (`$select` checked by `check_select`, `$top`).
pub(crate) fn begin(
    ctx: &Ctx<'_>,
    c: &Collection<'_>,
    check_select: impl Fn(&str) -> Result<(), GraphError>,
) -> Result<Round, GraphError> {
    let typed = c.typed;
    let read = |s: &str| -> Result<Token, GraphError> {
        let t = decode(s).ok_or_else(bad_token)?;
        if t.k != c.kind || t.c != c.id {
            return Err(bad_token());
        }
        if t.e != c.epoch || (!t.initial && t.base < c.floor) {
            return Err(gone(ctx));
        }
        Ok(t)
    };
    if let Some(s) = ctx.req.query("$skiptoken") {
        return Ok(Round {
            token: read(s)?,
            typed,
        });
    }
    if let Some(s) = ctx
        .req
        .query("$deltatoken")
        .filter(|s| !s.trim().is_empty())
    {
        let mut t = read(s)?;
        t.cur = t.base;
        t.end = c.seq;
        t.initial = false;
        return Ok(Round { token: t, typed });
    }
    let sel = ctx.req.query("$select").map(str::to_string);
    if let Some(s) = &sel {
        check_select(s)?;
    }
    for unsupported in ["$filter", "$orderby", "$search"] {
        if ctx.req.query(unsupported).is_some() {
            return Err(GraphError::bad_request(format!(
                "The query parameter '{unsupported}' is not supported with this delta query."
            )));
        }
    }
    let top = match ctx.req.query("$top") {
        None => None,
        Some(v) => Some(
            v.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| {
                    GraphError::bad_request(format!(
                        "The value '{v}' of the $top query option is not valid."
                    ))
                })?,
        ),
    };
    Ok(Round {
        token: Token {
            k: c.kind.to_string(),
            c: c.id.to_string(),
            base: 0,
            cur: 0,
            end: c.seq,
            e: c.epoch,
            initial: true,
            sel,
            top,
        },
        typed,
    })
}

/// One page of the round: the changes in sequence order (each id once, as
/// it last changed), then a nextLink (more in this round) or a deltaLink.
pub(crate) fn answer(ctx: &Ctx<'_>, round: Round, changes: Vec<Change>) -> GraphResponse {
    let Round { mut token, typed } = round;
    let mut latest: BTreeMap<String, Change> = BTreeMap::new();
    for ch in changes.into_iter().filter(|c| {
        let s = c.seq();
        s > token.cur && s <= token.end
    }) {
        if latest.get(ch.id()).is_none_or(|old| old.seq() < ch.seq()) {
            latest.insert(ch.id().to_string(), ch);
        }
    }
    let mut pending: Vec<Change> = latest.into_values().collect();
    pending.sort_by_key(Change::seq);
    let size = token
        .top
        .or(ctx.prefer.max_page_size)
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, MAX_PAGE);
    let more = pending.len() > size;
    pending.truncate(size);
    let last = pending.last().map(Change::seq);
    let odata_type = format!("#microsoft.graph.{}", token.k);
    let items: Vec<Value> = pending
        .into_iter()
        .map(|ch| {
            let mut out = serde_json::Map::new();
            if typed {
                out.insert("@odata.type".into(), json!(odata_type));
            }
            match ch {
                Change::Present(_, _, Value::Object(mut m)) => out.append(&mut m),
                Change::Present(_, id, _) => {
                    out.insert("id".into(), json!(id));
                }
                Change::Removed(_, id) => {
                    out.insert("id".into(), json!(id));
                    out.insert("@removed".into(), json!({"reason": "deleted"}));
                }
            }
            Value::Object(out)
        })
        .collect();
    let link_base = format!("{}{}", ctx.service_root(), ctx.req.path);
    let mut body = json!({
        "@odata.context": format!("{}/$metadata#Collection({})", ctx.service_root(), token.k),
        "value": items,
    });
    if more {
        token.cur = last.unwrap_or(token.cur);
        body["@odata.nextLink"] = json!(format!("{link_base}?$skiptoken={}", encode(&token)));
    } else {
        token.base = token.end;
        token.cur = token.end;
        token.end = 0;
        token.initial = false;
        body["@odata.deltaLink"] = json!(format!("{link_base}?$deltatoken={}", encode(&token)));
    }
    GraphResponse::json(StatusCode::OK, &body)
}
