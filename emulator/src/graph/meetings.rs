//! Meetings: what Exchange does when an organizer creates, changes or
//! deletes an event with attendees (requests, updates and cancellations to
//! the attendees, and the attendee's own copy of the meeting in their
//! default calendar), and when an attendee answers (`accept`,
//! `tentativelyAccept`, `decline`: their copy changes, and with
//! `sendResponse` the organizer gets a reply and sees the answer).

use axum::http::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use super::cal_route::Reply;
use super::ctx::Ctx;
use super::error::GraphError;
use super::events::find;
use super::meeting_mail::{MeetingMail, send};
use super::response::GraphResponse;
use crate::calstore::{
    EmailAddr, EventFields, Found, IcalMethod, MeetingLink, ResponseStatus, StoredEvent,
    ical_calendar, new_change_key, new_event_id, occurrence_id,
};

/// Which part of a series a change concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Series,
    /// The occurrence originally starting at this Unix time.
    Occurrence(i64),
}

/// An event as attendees see it (see [`shape`]).
type Shape = (
    EventFields,
    Option<String>,
    Vec<(i64, EventFields)>,
    Vec<i64>,
);

/// What attendees see of an event: everything but the attendee list and
/// the owner's own response.
fn shape(e: &StoredEvent) -> Shape {
    let strip = |f: &EventFields| {
        let mut f = f.clone();
        f.attendees.clear();
        f.response = ResponseStatus::none();
        f
    };
    (
        strip(&e.fields),
        e.recurrence.as_ref().map(|r| r.to_json().to_string()),
        e.exceptions
            .iter()
            .map(|(k, x)| (*k, strip(&x.fields)))
            .collect(),
        e.cancelled.iter().copied().collect(),
    )
}

fn attendees(e: Option<&StoredEvent>) -> Vec<EmailAddr> {
    e.map(|e| e.fields.attendees.iter().map(|a| a.email.clone()).collect())
        .unwrap_or_default()
}

fn within(list: &[EmailAddr], a: &EmailAddr) -> bool {
    list.iter()
        .any(|x| x.address.eq_ignore_ascii_case(&a.address))
}

/// The mailbox behind an address in this tenant.
fn mailbox_of(ctx: &Ctx<'_>, address: &str) -> Option<Uuid> {
    ctx.em.directory.read().user(address).map(|u| u.oid)
}

fn when(event: &StoredEvent, occurrence: Option<i64>) -> String {
    let inst = occurrence.and_then(|k| event.occurrence(k));
    let (f, s, e) = match &inst {
        Some(i) => (i.fields, i.start, i.end),
        None => (&event.fields, event.fields.start, event.fields.end),
    };
    let mut t = format!(
        "When: {} - {} (UTC)",
        s.format("%Y-%m-%d %H:%M"),
        e.format("%Y-%m-%d %H:%M")
    );
    if !f.location.is_empty() {
        t.push_str(&format!("\r\nWhere: {}", f.location));
    }
    t
}

/// Mail a request or cancellation about `event` to `to`.
fn notify(
    ctx: &Ctx<'_>,
    event: &StoredEvent,
    occurrence: Option<i64>,
    method: IcalMethod<'_>,
    to: &[EmailAddr],
    comment: Option<&str>,
) {
    if to.is_empty() {
        return;
    }
    let subject = match occurrence.and_then(|k| event.occurrence(k)) {
        Some(i) => i.fields.subject.clone(),
        None => event.fields.subject.clone(),
    };
    let (subject, name) = match method {
        IcalMethod::Cancel => (format!("Canceled: {subject}"), "CANCEL"),
        _ => (subject, "REQUEST"),
    };
    let text = match comment.filter(|c| !c.is_empty()) {
        Some(c) => format!("{c}\r\n\r\n{}", when(event, occurrence)),
        None => when(event, occurrence),
    };
    send(
        ctx,
        &MeetingMail {
            from: &event.organizer,
            to,
            subject,
            text,
            calendar: ical_calendar(event, occurrence, method, ctx.now),
            method: name,
        },
    );
}

/// The owner's own answer shows in `showAs`: tentative until accepted.
fn apply_own(f: &mut EventFields, own: &ResponseStatus, organizer_show_as: &str) {
    f.response = own.clone();
    f.show_as = match own.response.as_str() {
        "accepted" => organizer_show_as.to_string(),
        "declined" => "free".to_string(),
        _ => "tentative".to_string(),
    };
}

fn is_copy_of(e: &StoredEvent, organizer: &str, event_id: &str) -> bool {
    e.meeting_of
        .as_ref()
        .is_some_and(|l| l.event_id == event_id && l.organizer_upn.eq_ignore_ascii_case(organizer))
}

/// Create or refresh an attendee's copy of the organizer's `event`.
fn upsert_copy(ctx: &Ctx<'_>, who: &EmailAddr, event: &StoredEvent) {
    let Some(oid) = mailbox_of(ctx, &who.address).filter(|o| *o != ctx.owner.oid) else {
        return;
    };
    let Some(mb) = ctx.em.mailbox(oid) else {
        return;
    };
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mut mb = mb.lock();
    let existing = mb
        .calendar
        .events
        .values()
        .find(|e| is_copy_of(e, &ctx.owner.upn, &event.id))
        .cloned();
    let own = existing
        .as_ref()
        .map(|e| e.fields.response.clone())
        .unwrap_or(ResponseStatus {
            response: "notResponded".into(),
            time: None,
        });
    let Some(default) = mb.calendar.default_calendar().map(|c| c.id.clone()) else {
        return;
    };
    let mut copy = event.clone();
    copy.id = existing
        .as_ref()
        .map_or_else(new_event_id, |e| e.id.clone());
    copy.calendar_id = existing.as_ref().map_or(default, |e| e.calendar_id.clone());
    copy.transaction_id = None;
    copy.is_organizer = false;
    copy.meeting_of = Some(MeetingLink {
        organizer_upn: ctx.owner.upn.clone(),
        event_id: event.id.clone(),
    });
    copy.created = existing.as_ref().map_or(ctx.now, |e| e.created);
    copy.modified = ctx.now;
    let show = event.fields.show_as.clone();
    apply_own(&mut copy.fields, &own, &show);
    for x in copy.exceptions.values_mut() {
        apply_own(&mut x.fields, &own, &show);
    }
    let id = copy.id.clone();
    match existing {
        Some(old) => {
            if old.recurrence.is_some()
                && (old.recurrence != copy.recurrence || old.fields.start != copy.fields.start)
            {
                mb.calendar.reshape_series(old, cap);
            }
            mb.calendar.events.insert(id.clone(), copy);
            mb.calendar.touch(&id, ctx.now);
        }
        None => {
            mb.calendar.insert(copy);
        }
    }
    // The copied exceptions take this store's sequence, not the organizer's.
    if let Some(e) = mb.calendar.events.get_mut(&id) {
        let seq = e.changed_seq;
        for x in e.exceptions.values_mut() {
            x.changed_seq = seq;
            x.change_key = new_change_key();
        }
    }
}

/// Mark an attendee's copy cancelled (whole meeting), or cancel one
/// occurrence of it.
fn cancel_copy(ctx: &Ctx<'_>, who: &EmailAddr, event_id: &str, occurrence: Option<i64>) {
    let Some(oid) = mailbox_of(ctx, &who.address).filter(|o| *o != ctx.owner.oid) else {
        return;
    };
    let Some(mb) = ctx.em.mailbox(oid) else {
        return;
    };
    let cap = ctx.settings.delta_tombstones_per_folder;
    let mut mb = mb.lock();
    let Some(id) = mb
        .calendar
        .events
        .values()
        .find(|e| is_copy_of(e, &ctx.owner.upn, event_id))
        .map(|e| e.id.clone())
    else {
        return;
    };
    match occurrence {
        Some(k) => {
            let occ = occurrence_id(&id, k);
            mb.calendar.cancel_occurrence(&id, k, &occ, ctx.now, cap);
        }
        None => {
            if let Some(e) = mb.calendar.events.get_mut(&id) {
                let mark = |f: &mut EventFields| {
                    f.is_cancelled = true;
                    if !f.subject.starts_with("Canceled: ") {
                        f.subject = format!("Canceled: {}", f.subject);
                    }
                };
                mark(&mut e.fields);
                e.exceptions.values_mut().for_each(|x| mark(&mut x.fields));
            }
            mb.calendar.touch(&id, ctx.now);
        }
    }
}

/// After the organizer (the mailbox `ctx` addresses) created (`before`
/// None), changed, or deleted (`after` None) a meeting: mail the attendees
/// and bring their copies up to date. Holds no lock when called.
pub(crate) fn organizer_changed(
    ctx: &Ctx<'_>,
    before: Option<&StoredEvent>,
    after: Option<&StoredEvent>,
    scope: Scope,
    comment: Option<&str>,
) {
    let old = attendees(before);
    let new = attendees(after);
    let Some(after) = after else {
        if let Some(b) = before {
            notify(ctx, b, None, IcalMethod::Cancel, &old, comment);
            old.iter().for_each(|a| cancel_copy(ctx, a, &b.id, None));
        }
        return;
    };
    if let (Scope::Occurrence(k), Some(b)) = (scope, before)
        && after.cancelled.contains(&k)
        && !b.cancelled.contains(&k)
    {
        notify(ctx, b, Some(k), IcalMethod::Cancel, &new, comment);
        new.iter()
            .for_each(|a| cancel_copy(ctx, a, &after.id, Some(k)));
        return;
    }
    let removed: Vec<EmailAddr> = old.iter().filter(|a| !within(&new, a)).cloned().collect();
    let added: Vec<EmailAddr> = new.iter().filter(|a| !within(&old, a)).cloned().collect();
    let kept: Vec<EmailAddr> = new.iter().filter(|a| within(&old, a)).cloned().collect();
    if let Some(b) = before
        && !removed.is_empty()
    {
        notify(ctx, b, None, IcalMethod::Cancel, &removed, comment);
        removed
            .iter()
            .for_each(|a| cancel_copy(ctx, a, &b.id, None));
    }
    notify(ctx, after, None, IcalMethod::Request, &added, None);
    added.iter().for_each(|a| upsert_copy(ctx, a, after));
    let changed = before.is_some_and(|b| shape(b) != shape(after));
    if changed {
        let occurrence = match scope {
            Scope::Occurrence(k) => Some(k),
            Scope::Series => None,
        };
        notify(ctx, after, occurrence, IcalMethod::Request, &kept, None);
    }
    if changed || old.len() != new.len() || !removed.is_empty() {
        kept.iter().for_each(|a| upsert_copy(ctx, a, after));
    }
}

fn param<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.as_object()
        .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map(|(_, v)| v)
}

/// The organizer's event as the organizer's mailbox holds it now.
fn organizer_event(ctx: &Ctx<'_>, link: &MeetingLink) -> Option<(Uuid, StoredEvent)> {
    let oid = mailbox_of(ctx, &link.organizer_upn)?;
    let mb = ctx.em.mailbox(oid)?;
    let mb = mb.lock();
    mb.calendar
        .events
        .get(&link.event_id)
        .cloned()
        .map(|e| (oid, e))
}

/// `POST /events/{id}/accept|tentativelyAccept|decline`.
pub(crate) fn respond(ctx: &Ctx<'_>, id: &str, reply: Reply) -> Result<GraphResponse, GraphError> {
    let body = ctx.body_json()?;
    let send_response = match param(&body, "sendResponse") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(GraphError::invalid_request(
                "sendResponse must be true or false.",
            ));
        }
    };
    let comment = param(&body, "comment")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let (response, prefix) = match reply {
        Reply::Accept => ("accepted", "Accepted"),
        Reply::Tentative => ("tentativelyAccepted", "Tentative"),
        Reply::Decline => ("declined", "Declined"),
    };
    let status = ResponseStatus {
        response: response.into(),
        time: Some(ctx.now),
    };
    let cap = ctx.settings.delta_tombstones_per_folder;
    // What the organizer has, read before this mailbox is locked.
    let link = {
        let mb = ctx.mailbox()?;
        let mb = mb.lock();
        let found = find(&mb, None, id)?;
        if found.event().is_organizer {
            return Err(GraphError::invalid_request(
                "Your request can't be completed. You can't respond to a meeting you organized.",
            ));
        }
        found.event().meeting_of.clone()
    };
    let organizer_show = link
        .as_ref()
        .and_then(|l| organizer_event(ctx, l))
        .map_or_else(|| "busy".to_string(), |(_, e)| e.fields.show_as);
    let (snapshot, scope) = {
        let mb_arc = ctx.mailbox()?;
        let mut mb = mb_arc.lock();
        let found = find(&mb, None, id)?;
        let (snapshot, scope) = match found {
            Found::Event(e) => (e.clone(), Scope::Series),
            Found::Occurrence(m, k) => (m.clone(), Scope::Occurrence(k)),
        };
        match (scope, reply) {
            (Scope::Series, Reply::Decline) => {
                // Exchange takes a declined meeting off the calendar.
                mb.calendar.remove(&snapshot.id, cap);
            }
            (Scope::Series, _) => {
                let mut e = snapshot.clone();
                apply_own(&mut e.fields, &status, &organizer_show);
                for x in e.exceptions.values_mut() {
                    apply_own(&mut x.fields, &status, &organizer_show);
                }
                mb.calendar.events.insert(e.id.clone(), e);
                mb.calendar.touch(&snapshot.id, ctx.now);
            }
            (Scope::Occurrence(k), Reply::Decline) => {
                mb.calendar
                    .cancel_occurrence(&snapshot.id, k, id, ctx.now, cap);
            }
            (Scope::Occurrence(k), _) => {
                let inst = snapshot
                    .occurrence(k)
                    .ok_or_else(GraphError::item_not_found)?;
                let mut f = inst.fields.clone();
                f.start = inst.start;
                f.end = inst.end;
                apply_own(&mut f, &status, &organizer_show);
                mb.calendar.set_exception(&snapshot.id, k, f, ctx.now);
            }
        }
        (snapshot, scope)
    };
    if send_response {
        let me = EmailAddr {
            name: ctx.owner.display_name.clone(),
            address: ctx.owner.upn.clone(),
        };
        let occurrence = match scope {
            Scope::Occurrence(k) => Some(k),
            Scope::Series => None,
        };
        let subject = match occurrence.and_then(|k| snapshot.occurrence(k)) {
            Some(i) => i.fields.subject.clone(),
            None => snapshot.fields.subject.clone(),
        };
        send(
            ctx,
            &MeetingMail {
                from: &me,
                to: std::slice::from_ref(&snapshot.organizer),
                subject: format!("{prefix}: {subject}"),
                text: comment,
                calendar: ical_calendar(
                    &snapshot,
                    occurrence,
                    IcalMethod::Reply(&me, response),
                    ctx.now,
                ),
                method: "REPLY",
            },
        );
        // The organizer's mailbox records the answer on its event.
        if let (Some(l), Scope::Series) = (&link, scope)
            && let Some(oid) = mailbox_of(ctx, &l.organizer_upn)
            && let Some(mb) = ctx.em.mailbox(oid)
        {
            let mut mb = mb.lock();
            if let Some(e) = mb.calendar.events.get_mut(&l.event_id) {
                for a in e
                    .fields
                    .attendees
                    .iter_mut()
                    .filter(|a| a.email.address.eq_ignore_ascii_case(&me.address))
                {
                    a.status = status.clone();
                }
                mb.calendar.touch(&l.event_id, ctx.now);
            }
        }
    }
    ctx.em.mark_dirty();
    Ok(GraphResponse::empty(StatusCode::ACCEPTED))
}
