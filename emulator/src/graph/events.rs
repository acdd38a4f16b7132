//! Event endpoints: get, create (201; a repeated `transactionId` gives back
//! the event it created), update (an occurrence becomes an exception; a new
//! recurrence pattern discards the series' exceptions and cancellations,
//! as MS-OXOCAL says) and delete (an occurrence is cancelled). `If-Match`
//! with a stale change key gets 412. Meeting mail follows in `meetings.rs`.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::cal_route::CalRef;
use super::calendars::resolve;
use super::ctx::Ctx;
use super::error::GraphError;
use super::event_input::{Target, align_to_series, apply, new_fields};
use super::event_json::{OutZone, cal_error, event_json, parse_select, select};
use super::event_views::preferences_applied;
use super::lookup::well_formed_id;
use super::meetings::{self, Scope};
use super::response::GraphResponse;
use crate::calstore::{
    EmailAddr, EventFields, Found, Instance, StoredEvent, new_event_id, new_ical_uid,
};
use crate::mailstore::Mailbox;

/// What an event id names in this mailbox, inside `cal` when the path went
/// through a calendar.
pub(crate) fn find<'m>(
    mb: &'m Mailbox,
    cal: Option<&CalRef>,
    id: &str,
) -> Result<Found<'m>, GraphError> {
    let found = mb.calendar.find(id).ok_or_else(|| {
        if well_formed_id(id) {
            GraphError::item_not_found()
        } else {
            GraphError::malformed_id()
        }
    })?;
    if let Some(c) = cal {
        let cal_id = resolve(mb, c)?;
        if found.event().calendar_id != cal_id {
            return Err(GraphError::item_not_found());
        }
    }
    Ok(found)
}

/// The instance a found id shows.
pub(crate) fn instance<'m>(found: &Found<'m>) -> Result<Instance<'m>, GraphError> {
    match *found {
        Found::Event(e) => Ok(e.as_instance()),
        Found::Occurrence(m, k) => m.occurrence(k).ok_or_else(GraphError::item_not_found),
    }
}

/// 412 when `If-Match` names another change key than the item's.
pub(crate) fn check_if_match(ctx: &Ctx<'_>, change_key: &str) -> Result<(), GraphError> {
    let Some(want) = ctx.req.header("if-match") else {
        return Ok(());
    };
    let want = want.trim();
    if want == "*" {
        return Ok(());
    }
    let bare = want.trim_start_matches("W/").trim_matches('"').to_string();
    if bare == change_key {
        Ok(())
    } else {
        Err(GraphError::new(
            StatusCode::PRECONDITION_FAILED,
            "ErrorIrresolvableConflict",
            "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
        ))
    }
}

fn respond(
    ctx: &Ctx<'_>,
    status: StatusCode,
    i: &Instance<'_>,
    zone: &OutZone,
) -> Result<GraphResponse, GraphError> {
    let sel = parse_select(ctx)?;
    let mut v = select(event_json(ctx, i, zone), sel.as_deref());
    if let Value::Object(m) = &mut v {
        let mut out = serde_json::Map::new();
        out.insert(
            "@odata.context".into(),
            json!(format!(
                "{}/$metadata#{}/events/$entity",
                ctx.service_root(),
                ctx.context_user()
            )),
        );
        out.append(m);
        v = Value::Object(out);
    }
    let mut resp = GraphResponse::json(status, &v);
    preferences_applied(ctx, zone, &mut resp);
    Ok(resp)
}

/// Exchange fills in the display names of attendees it knows.
fn resolve_names(ctx: &Ctx<'_>, f: &mut EventFields) {
    let dir = ctx.em.directory.read();
    for a in f.attendees.iter_mut().filter(|a| a.email.name.is_empty()) {
        if let Some(u) = dir.user(&a.email.address) {
            a.email.name = u.display_name.clone();
        }
    }
}

fn body_of(ctx: &Ctx<'_>) -> Result<Value, GraphError> {
    if ctx.req.body.len() > ctx.settings.max_request_bytes {
        return Err(GraphError::too_large());
    }
    ctx.body_json()
}

pub(crate) fn get(
    ctx: &Ctx<'_>,
    cal: Option<&CalRef>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let zone = OutZone::of(ctx)?;
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let found = find(&mb, cal, id)?;
    respond(ctx, StatusCode::OK, &instance(&found)?, &zone)
}

/// The `transactionId` a body carries (any spelling of the name).
fn transaction_id(body: &Value) -> Result<Option<String>, GraphError> {
    let v = body
        .as_object()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("transactionId"))
        })
        .map(|(_, v)| v);
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 255 => Ok(Some(s.clone())),
        Some(_) => Err(GraphError::invalid_request(
            "transactionId must be a string of 1 to 255 characters.",
        )),
    }
}

pub(crate) fn create(ctx: &Ctx<'_>, cal: &CalRef) -> Result<GraphResponse, GraphError> {
    let zone = OutZone::of(ctx)?;
    let body = body_of(ctx)?;
    let txid = transaction_id(&body)?;
    let mut fields = new_fields(ctx.now);
    let mut recurrence = None;
    apply(&body, &mut fields, &mut recurrence, Target::New).map_err(cal_error)?;
    resolve_names(ctx, &mut fields);
    if let Some(r) = &recurrence {
        align_to_series(&mut fields, r);
    }
    let mb_arc = ctx.mailbox()?;
    let mut mb = mb_arc.lock();
    let cal_id = resolve(&mb, cal)?;
    if let Some(tx) = &txid
        && let Some(existing) = mb.calendar.by_transaction(tx)
    {
        // A retried create: the event the first attempt made, not a twin.
        return respond(ctx, StatusCode::CREATED, &existing.as_instance(), &zone);
    }
    let event = StoredEvent {
        id: new_event_id(),
        calendar_id: cal_id,
        ical_uid: new_ical_uid(ctx.now),
        transaction_id: txid,
        created: ctx.now,
        modified: ctx.now,
        change_key: String::new(),
        changed_seq: 0,
        organizer: EmailAddr {
            name: ctx.owner.display_name.clone(),
            address: ctx.owner.upn.clone(),
        },
        is_organizer: true,
        fields,
        recurrence,
        exceptions: Default::default(),
        cancelled: Default::default(),
        meeting_of: None,
        sequence: 0,
    };
    let id = mb.calendar.insert(event);
    let stored = mb
        .calendar
        .events
        .get(&id)
        .ok_or_else(GraphError::item_not_found)?;
    let resp = respond(ctx, StatusCode::CREATED, &stored.as_instance(), &zone)?;
    let after = stored.clone();
    drop(mb);
    if !after.fields.attendees.is_empty() {
        meetings::organizer_changed(ctx, None, Some(&after), Scope::Series, None);
    }
    Ok(resp)
}

pub(crate) fn patch(
    ctx: &Ctx<'_>,
    cal: Option<&CalRef>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    let zone = OutZone::of(ctx)?;
    let body = body_of(ctx)?;
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mb_arc = ctx.mailbox()?;
    let mut mb = mb_arc.lock();
    let found = find(&mb, cal, id)?;
    check_if_match(ctx, instance(&found)?.change_key)?;
    let (before, scope) = match found {
        Found::Event(e) => (e.clone(), Scope::Series),
        Found::Occurrence(m, k) => (m.clone(), Scope::Occurrence(k)),
    };
    match scope {
        Scope::Series => {
            let mut new = before.clone();
            let ch = apply(&body, &mut new.fields, &mut new.recurrence, Target::Event)
                .map_err(cal_error)?;
            resolve_names(ctx, &mut new.fields);
            if ch.recurrence || (new.recurrence.is_some() && ch.times) {
                // A new pattern (or new times for the series) throws away
                // the old exceptions and cancellations (MS-OXOCAL 3.1.4.7.3.5).
                new.exceptions.clear();
                new.cancelled.clear();
                if let Some(r) = &new.recurrence {
                    align_to_series(&mut new.fields, r);
                }
                if before.recurrence.is_some() {
                    mb.calendar.reshape_series(before.clone(), cap);
                } else {
                    // The single's id leaves calendar views; occurrences come.
                    mb.calendar
                        .tombstone(&before.calendar_id, before.id.clone(), None, cap);
                }
            }
            if new.is_organizer && !new.fields.attendees.is_empty() && ch.content {
                new.sequence += 1;
            }
            mb.calendar.events.insert(before.id.clone(), new);
            mb.calendar.touch(&before.id, ctx.now);
        }
        Scope::Occurrence(k) => {
            let current = before
                .occurrence(k)
                .ok_or_else(GraphError::item_not_found)?;
            let mut fields = current.fields.clone();
            fields.start = current.start;
            fields.end = current.end;
            let mut none = None;
            apply(&body, &mut fields, &mut none, Target::Occurrence).map_err(cal_error)?;
            resolve_names(ctx, &mut fields);
            mb.calendar.set_exception(&before.id, k, fields, ctx.now);
        }
    }
    let after = mb
        .calendar
        .events
        .get(&before.id)
        .cloned()
        .ok_or_else(GraphError::item_not_found)?;
    let shown = match scope {
        Scope::Series => after.as_instance(),
        Scope::Occurrence(k) => after.occurrence(k).ok_or_else(GraphError::item_not_found)?,
    };
    let resp = respond(ctx, StatusCode::OK, &shown, &zone)?;
    drop(mb);
    if after.is_organizer
        && (!before.fields.attendees.is_empty() || !after.fields.attendees.is_empty())
    {
        meetings::organizer_changed(ctx, Some(&before), Some(&after), scope, None);
    }
    Ok(resp)
}

/// Delete an event, or cancel one occurrence of a series. With `comment`
/// (the `cancel` action) the cancellation mail carries it.
pub(crate) fn delete(
    ctx: &Ctx<'_>,
    cal: Option<&CalRef>,
    id: &str,
    comment: Option<&str>,
) -> Result<(), GraphError> {
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mb_arc = ctx.mailbox()?;
    let mut mb = mb_arc.lock();
    let found = find(&mb, cal, id)?;
    check_if_match(ctx, instance(&found)?.change_key)?;
    let (before, scope) = match found {
        Found::Event(e) => (e.clone(), Scope::Series),
        Found::Occurrence(m, k) => (m.clone(), Scope::Occurrence(k)),
    };
    let after = match scope {
        Scope::Series => {
            mb.calendar.remove(&before.id, cap);
            None
        }
        Scope::Occurrence(k) => {
            mb.calendar
                .cancel_occurrence(&before.id, k, id, ctx.now, cap);
            mb.calendar.events.get(&before.id).cloned()
        }
    };
    drop(mb);
    if before.is_organizer && !before.fields.attendees.is_empty() {
        meetings::organizer_changed(ctx, Some(&before), after.as_ref(), scope, comment);
    }
    Ok(())
}

pub(crate) fn delete_endpoint(
    ctx: &Ctx<'_>,
    cal: Option<&CalRef>,
    id: &str,
) -> Result<GraphResponse, GraphError> {
    delete(ctx, cal, id, None)?;
    Ok(GraphResponse::empty(StatusCode::NO_CONTENT))
}

/// `POST /events/{id}/cancel`: the organizer cancels a meeting (or one
/// occurrence); attendees get the cancellation with the comment.
pub(crate) fn cancel(ctx: &Ctx<'_>, id: &str) -> Result<GraphResponse, GraphError> {
    let body = body_of(ctx)?;
    let comment = body
        .get("comment")
        .or_else(|| body.get("Comment"))
        .and_then(Value::as_str)
        .map(str::to_string);
    {
        let mb_arc = ctx.mailbox()?;
        let mb = mb_arc.lock();
        let found = find(&mb, None, id)?;
        if !found.event().is_organizer {
            return Err(GraphError::invalid_request(
                "You need to be an organizer to cancel a meeting.",
            ));
        }
    }
    delete(ctx, None, id, comment.as_deref())?;
    Ok(GraphResponse::empty(StatusCode::ACCEPTED))
}
