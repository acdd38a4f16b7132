//! Event lists: `/events` (singles and series masters, never occurrences),
//! `/calendarView` (singles, occurrences and exceptions in a window, never
//! masters) and `/events/{id}/instances` (one series in a window, cancelled
//! occurrences left out); paged with `$top`/`$skip` (10 by default), with
//! `$select`, a small `$orderby` and an `eq`-only `$filter`.

use axum::http::{HeaderValue, StatusCode};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Value, json};

use super::cal_route::CalRef;
use super::calendars::resolve;
use super::ctx::Ctx;
use super::error::GraphError;
use super::event_json::{OutZone, event_json, parse_select, select};
use super::lookup::well_formed_id;
use super::params::next_link;
use super::response::GraphResponse;
use crate::calstore::{Found, Instance, MAX_INSTANCES};

/// The default page of event lists.
const DEFAULT_PAGE: usize = 10;
const MAX_PAGE: usize = 1000;

fn no_window() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorInvalidParameter",
        "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
    )
}

/// A window bound: ISO 8601 with an offset, or without one (then UTC;
/// `Prefer: outlook.timezone` does not change how it is read).
fn bound(raw: &str) -> Option<DateTime<Utc>> {
    parse_bound(raw.trim()).filter(|t| (1..=9999).contains(&t.year()))
}

fn parse_bound(raw: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(raw, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// `startDateTime` and `endDateTime`, both required.
pub(crate) fn window(ctx: &Ctx<'_>) -> Result<(DateTime<Utc>, DateTime<Utc>), GraphError> {
    let (Some(s), Some(e)) = (ctx.req.query("startDateTime"), ctx.req.query("endDateTime")) else {
        return Err(no_window());
    };
    let parse = |v: &str, name: &str| {
        bound(v).ok_or_else(|| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidParameter",
                format!("The value '{v}' of the parameter '{name}' is not a valid date and time."),
            )
        })
    };
    Ok((parse(s, "StartDateTime")?, parse(e, "EndDateTime")?))
}

/// Headers confirming the preferences applied to a calendar answer.
pub(crate) fn preferences_applied(ctx: &Ctx<'_>, zone: &OutZone, resp: &mut GraphResponse) {
    let mut applied = Vec::new();
    if ctx.prefer.timezone.is_some() {
        applied.push(format!("outlook.timezone=\"{}\"", zone.name));
    }
    if ctx.prefer.body_text {
        applied.push("outlook.body-content-type=\"text\"".to_string());
    }
    if !applied.is_empty()
        && let Ok(v) = HeaderValue::from_str(&applied.join(", "))
    {
        resp.headers.insert("preference-applied", v);
    }
}

/// `$filter` clauses the emulator evaluates: `prop eq literal`, joined by
/// `and`, on a few scalar properties.
const FILTERABLE: [&str; 11] = [
    "subject",
    "iCalUId",
    "transactionId",
    "type",
    "seriesMasterId",
    "isCancelled",
    "isAllDay",
    "isOrganizer",
    "showAs",
    "sensitivity",
    "importance",
];

fn parse_filter(ctx: &Ctx<'_>) -> Result<Vec<(String, Value)>, GraphError> {
    let Some(f) = ctx.req.query("$filter") else {
        return Ok(Vec::new());
    };
    let unsupported = || {
        GraphError::bad_request(format!(
            "The emulated tenant evaluates only 'property eq value' clauses joined by 'and' on {} in an event $filter: '{f}'.",
            FILTERABLE.join(", ")
        ))
    };
    let mut out = Vec::new();
    let lower = f.to_ascii_lowercase();
    let mut rest = f;
    let mut rest_lower = lower.as_str();
    loop {
        let (clause, next) = match rest_lower.find(" and ") {
            Some(i) => (&rest[..i], Some(i + 5)),
            None => (rest, None),
        };
        let mut parts = clause.trim().splitn(3, ' ');
        let (Some(prop), Some(op), Some(lit)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(unsupported());
        };
        let prop = FILTERABLE
            .iter()
            .find(|p| p.eq_ignore_ascii_case(prop))
            .ok_or_else(unsupported)?;
        if !op.eq_ignore_ascii_case("eq") {
            return Err(unsupported());
        }
        let lit = lit.trim();
        let value = if let Some(s) = lit.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')) {
            json!(s.replace("''", "'"))
        } else if lit.eq_ignore_ascii_case("true") || lit.eq_ignore_ascii_case("false") {
            json!(lit.eq_ignore_ascii_case("true"))
        } else if lit.eq_ignore_ascii_case("null") {
            Value::Null
        } else {
            return Err(unsupported());
        };
        out.push(((*prop).to_string(), value));
        match next {
            Some(i) => {
                rest = &rest[i..];
                rest_lower = &rest_lower[i..];
            }
            None => return Ok(out),
        }
    }
}

/// `$orderby` keys the emulator sorts events by.
#[derive(Clone, Copy)]
enum Key {
    Start,
    End,
    Subject,
    Created,
    Modified,
}

fn parse_order(ctx: &Ctx<'_>) -> Result<Vec<(Key, bool)>, GraphError> {
    let Some(o) = ctx.req.query("$orderby") else {
        return Ok(vec![(Key::Start, false)]);
    };
    let mut out = Vec::new();
    for item in o.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let mut it = item.split_whitespace();
        let prop = it.next().unwrap_or_default();
        let desc = match it.next() {
            None => false,
            Some(d) if d.eq_ignore_ascii_case("asc") => false,
            Some(d) if d.eq_ignore_ascii_case("desc") => true,
            Some(_) => return Err(GraphError::bad_request(format!("Invalid $orderby '{o}'."))),
        };
        let key = match prop.to_ascii_lowercase().as_str() {
            "start/datetime" => Key::Start,
            "end/datetime" => Key::End,
            "subject" => Key::Subject,
            "createddatetime" => Key::Created,
            "lastmodifieddatetime" => Key::Modified,
            _ => {
                return Err(GraphError::bad_request(format!(
                    "The emulated tenant orders events by start/dateTime, end/dateTime, subject, createdDateTime or lastModifiedDateTime, not '{prop}'."
                )));
            }
        };
        out.push((key, desc));
    }
    Ok(out)
}

fn order(list: &mut [Instance<'_>], keys: &[(Key, bool)]) {
    list.sort_by(|a, b| {
        for (k, desc) in keys {
            let o = match k {
                Key::Start => a.start.cmp(&b.start),
                Key::End => a.end.cmp(&b.end),
                Key::Subject => a.fields.subject.cmp(&b.fields.subject),
                Key::Created => a.created.cmp(&b.created),
                Key::Modified => a.modified.cmp(&b.modified),
            };
            let o = if *desc { o.reverse() } else { o };
            if o.is_ne() {
                return o;
            }
        }
        a.id.cmp(&b.id)
    });
}

/// Render, filter, order and page a list of instances.
fn answer(
    ctx: &Ctx<'_>,
    mut list: Vec<Instance<'_>>,
    context: &str,
) -> Result<GraphResponse, GraphError> {
    let zone = OutZone::of(ctx)?;
    let sel = parse_select(ctx)?;
    let filter = parse_filter(ctx)?;
    order(&mut list, &parse_order(ctx)?);
    let top = match ctx.req.query("$top") {
        Some(t) => t
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| {
                GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "ErrorInvalidUrlQuery",
                    format!("The value '{t}' of the $top query option is not valid; it must be between 1 and {MAX_PAGE}."),
                )
            })?,
        None => ctx
            .prefer
            .max_page_size
            .unwrap_or(DEFAULT_PAGE)
            .clamp(1, MAX_PAGE),
    };
    let skip = match ctx.req.query("$skip") {
        None => 0,
        Some(s) => s.trim().parse::<usize>().map_err(|_| {
            GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidUrlQuery",
                format!("The value '{s}' of the $skip query option is not valid."),
            )
        })?,
    };
    let all: Vec<Value> = list
        .iter()
        .map(|i| event_json(ctx, i, &zone))
        .filter(|v| filter.iter().all(|(p, want)| v.get(p) == Some(want)))
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(skip)
        .take(top)
        .map(|v| select(v.clone(), sel.as_deref()))
        .collect();
    let mut body = json!({
        "@odata.context": format!("{}/$metadata#{}/{context}", ctx.service_root(), ctx.context_user()),
        "value": page,
    });
    if skip.saturating_add(top) < all.len() {
        body["@odata.nextLink"] = json!(next_link(ctx, skip + top, top));
    }
    let mut resp = GraphResponse::json(StatusCode::OK, &body);
    preferences_applied(ctx, &zone, &mut resp);
    Ok(resp)
}

/// `GET /events`: singles and series masters of one calendar.
pub(crate) fn list(ctx: &Ctx<'_>, cal: &CalRef) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let id = resolve(&mb, cal)?;
    let list = mb
        .calendar
        .events_of(&id)
        .into_iter()
        .map(|e| e.as_instance())
        .collect();
    answer(ctx, list, "events")
}

/// `GET /calendarView`: what a calendar shows in a window.
pub(crate) fn calendar_view(ctx: &Ctx<'_>, cal: &CalRef) -> Result<GraphResponse, GraphError> {
    let (from, to) = window(ctx)?;
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let id = resolve(&mb, cal)?;
    let list = mb.calendar.view(&id, from, to);
    answer(ctx, list, "calendarView")
}

/// `GET /events/{id}/instances`: one series' occurrences and exceptions.
pub(crate) fn instances(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    let (from, to) = window(ctx)?;
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let list = match mb.calendar.find(id) {
        Some(Found::Event(e)) => e
            .instances(from, to, MAX_INSTANCES)
            .into_iter()
            .filter(|i| i.kind != crate::calstore::EventKind::SingleInstance)
            .collect(),
        Some(Found::Occurrence(..)) => Vec::new(),
        None if well_formed_id(id) => return Err(GraphError::item_not_found()),
        None => return Err(GraphError::malformed_id()),
    };
    answer(ctx, list, &format!("events('{id}')/instances"))
}
