//! calendarView delta: `GET …/calendarView/delta?startDateTime&endDateTime`
//! on the default calendar or one by id. The first round reports every
//! single, occurrence and exception in the window; later rounds report what
//! changed since, and `@removed` (reason `deleted`) for what left: deleted
//! events and cancelled occurrences (also outside the window, as Graph
//! does), items moved out of the window, the old occurrences of a series
//! whose pattern changed. The window and the round live in the opaque
//! token; pages follow a cursor on (sequence, start, id), so a change made
//! mid-round is reported in the next round and nothing is skipped. Tokens
//! older than the calendar's remembered removals, or issued before the
//! control API expired the mailbox's tokens, get 410 Gone.

use std::collections::{BTreeMap, HashSet};

use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::cal_route::CalRef;
use super::calendars::resolve;
use super::ctx::Ctx;
use super::error::GraphError;
use super::event_json::{OutZone, event_json};
use super::event_views::{preferences_applied, window};
use super::response::GraphResponse;
use crate::calstore::{Instance, MAX_INSTANCES, occurrence_id};
use crate::mailstore::Mailbox;

const DEFAULT_PAGE: usize = 10;
const MAX_PAGE: usize = 1000;

/// A skip or delta token: base64url JSON holding the calendar, the window
/// and the round.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ViewToken {
    /// Calendar id.
    c: String,
    /// Window, Unix seconds.
    from: i64,
    to: i64,
    /// Changes with a sequence in (base, end] belong to the round.
    base: u64,
    end: u64,
    /// The last item sent: (sequence, start, id); sequence 0 = none yet.
    cs: u64,
    ct: i64,
    ci: String,
    /// Mailbox delta epoch when issued.
    e: u64,
    initial: bool,
}

fn encode(t: &ViewToken) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(t).unwrap_or_default())
}

fn decode(s: &str) -> Option<ViewToken> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s.trim()).ok()?).ok()
}

fn bad_token() -> GraphError {
    GraphError::bad_request("The delta token or skip token is not valid.")
}

/// 410 with a `Location` that starts a new round over the token's window.
fn gone(ctx: &Ctx<'_>, t: &ViewToken) -> GraphError {
    let mut e = GraphError::new(
        StatusCode::GONE,
        "syncStateNotFound",
        "The sync state generation was not found or has expired. Start a new synchronization.",
    );
    let at = |s: i64| {
        DateTime::<Utc>::from_timestamp(s, 0)
            .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .unwrap_or_default()
    };
    e.location = Some(format!(
        "{}{}?startDateTime={}&endDateTime={}&$deltatoken=",
        ctx.service_root(),
        ctx.req.path,
        at(t.from),
        at(t.to)
    ));
    e
}

/// The token of this request, or a new round from its window.
fn token_for(ctx: &Ctx<'_>, mb: &Mailbox, cal: &CalRef) -> Result<ViewToken, GraphError> {
    let cal_id = resolve(mb, cal)?;
    let floor = mb
        .calendar
        .calendar(&cal_id)
        .map(|c| c.delta_floor)
        .unwrap_or(0);
    let given = ctx.req.query("$skiptoken").map(|s| (s, true)).or_else(|| {
        ctx.req
            .query("$deltatoken")
            .filter(|s| !s.trim().is_empty())
            .map(|s| (s, false))
    });
    if let Some((s, skip)) = given {
        let mut t = decode(s).ok_or_else(bad_token)?;
        if t.c != cal_id {
            return Err(bad_token());
        }
        if t.e != mb.delta_epoch || (!t.initial && t.base < floor) {
            return Err(gone(ctx, &t));
        }
        if !skip {
            t.end = mb.calendar.seq;
            t.cs = 0;
            t.ct = 0;
            t.ci.clear();
            t.initial = false;
        }
        return Ok(t);
    }
    let (from, to) = window(ctx)?;
    Ok(ViewToken {
        c: cal_id,
        from: from.timestamp(),
        to: to.timestamp(),
        base: 0,
        end: mb.calendar.seq,
        cs: 0,
        ct: 0,
        ci: String::new(),
        e: mb.delta_epoch,
        initial: true,
    })
}

type Key = (u64, i64, String);

enum Item<'a> {
    Present(Instance<'a>),
    Removed(String),
}

/// Everything the round reports, by key.
fn round<'m>(mb: &'m Mailbox, t: &ViewToken) -> Vec<(Key, Item<'m>)> {
    let (Some(from), Some(to)) = (
        DateTime::<Utc>::from_timestamp(t.from, 0),
        DateTime::<Utc>::from_timestamp(t.to, 0),
    ) else {
        return Vec::new();
    };
    let in_round = |seq: u64| seq > t.base && seq <= t.end;
    let mut by_id: BTreeMap<String, (Key, Item<'m>)> = BTreeMap::new();
    let mut keep = |key: Key, item: Item<'m>| {
        let id = key.2.clone();
        match by_id.get(&id) {
            Some((k, _)) if *k >= key => {}
            _ => {
                by_id.insert(id, (key, item));
            }
        }
    };
    let mut present: HashSet<String> = HashSet::new();
    for e in mb.calendar.events_of(&t.c) {
        let instances = e.instances(from, to, MAX_INSTANCES);
        present.extend(instances.iter().map(|i| i.id.clone()));
        if !t.initial {
            if e.recurrence.is_none() && instances.is_empty() && in_round(e.changed_seq) {
                // Changed and now outside the window.
                keep(
                    (e.changed_seq, 0, e.id.clone()),
                    Item::Removed(e.id.clone()),
                );
            }
            for (k, x) in &e.exceptions {
                let id = occurrence_id(&e.id, *k);
                if in_round(x.changed_seq) && !instances.iter().any(|i| i.id == id) {
                    keep((x.changed_seq, *k, id.clone()), Item::Removed(id));
                }
            }
        }
        for i in instances {
            if in_round(i.changed_seq) {
                keep(
                    (i.changed_seq, i.start.timestamp(), i.id.clone()),
                    Item::Present(i),
                );
            }
        }
    }
    if !t.initial
        && let Some(cal) = mb.calendar.calendar(&t.c)
    {
        for ts in cal.tombstones.iter().filter(|ts| in_round(ts.seq)) {
            match &ts.series {
                None => keep((ts.seq, 0, ts.id.clone()), Item::Removed(ts.id.clone())),
                Some(old) => {
                    for i in old.instances(from, to, MAX_INSTANCES) {
                        if !present.contains(&i.id) {
                            keep(
                                (ts.seq, i.start.timestamp(), i.id.clone()),
                                Item::Removed(i.id.clone()),
                            );
                        }
                    }
                }
            }
        }
    }
    let mut out: Vec<(Key, Item<'m>)> = by_id.into_values().collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub(crate) fn view_delta(ctx: &Ctx<'_>, cal: &CalRef) -> Result<GraphResponse, GraphError> {
    let zone = OutZone::of(ctx)?;
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let mut t = token_for(ctx, &mb, cal)?;
    let cursor: Key = (t.cs, t.ct, t.ci.clone());
    let size = ctx
        .prefer
        .max_page_size
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, MAX_PAGE);
    let pending: Vec<(Key, Item<'_>)> = round(&mb, &t)
        .into_iter()
        .filter(|(k, _)| t.cs == 0 || *k > cursor)
        .collect();
    let more = pending.len() > size;
    let mut last: Option<Key> = None;
    let mut items = Vec::new();
    for (k, item) in pending.into_iter().take(size) {
        items.push(match item {
            Item::Present(i) => {
                let mut out = serde_json::Map::new();
                out.insert("@odata.type".into(), json!("#microsoft.graph.event"));
                if let Value::Object(mut m) = event_json(ctx, &i, &zone) {
                    out.append(&mut m);
                }
                Value::Object(out)
            }
            Item::Removed(id) => json!({
                "@odata.type": "#microsoft.graph.event",
                "id": id,
                "@removed": {"reason": "deleted"},
            }),
        });
        last = Some(k);
    }
    let link_base = format!("{}{}", ctx.service_root(), ctx.req.path);
    let mut body = json!({
        "@odata.context": format!("{}/$metadata#Collection(event)", ctx.service_root()),
        "value": items,
    });
    if more {
        if let Some((s, st, id)) = last {
            t.cs = s;
            t.ct = st;
            t.ci = id;
        }
        body["@odata.nextLink"] = json!(format!("{link_base}?$skiptoken={}", encode(&t)));
    } else {
        t.base = t.end;
        t.end = 0;
        t.cs = 0;
        t.ct = 0;
        t.ci.clear();
        t.initial = false;
        body["@odata.deltaLink"] = json!(format!("{link_base}?$deltatoken={}", encode(&t)));
    }
    let mut resp = GraphResponse::json(StatusCode::OK, &body);
    preferences_applied(ctx, &zone, &mut resp);
    Ok(resp)
}
