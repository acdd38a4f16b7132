//! Calendar paths below a mailbox: `calendar`, `calendars`, `events`,
//! `calendarView` in the forms Graph v1.0 accepts (`/me/calendar/events`,
//! `/me/calendars/{id}/calendarView/delta`, `/me/events/{id}/instances`,
//! `/me/calendar/getSchedule`, ...), turned into a [`CalOp`] with the
//! endpoint template the stats report.

use axum::http::Method;

use super::error::GraphError;
use super::route::{Segments, is, method_not_allowed};

/// Which calendar a path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CalRef {
    /// `/calendar`, or no calendar in the path (`/events`, `/calendarView`).
    Default,
    /// `/calendars/{id}`.
    Id(String),
}

/// A meeting response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reply {
    Accept,
    Tentative,
    Decline,
}

/// A calendar operation on a mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CalOp {
    ListCalendars,
    CreateCalendar,
    GetCalendar(CalRef),
    PatchCalendar(CalRef),
    DeleteCalendar(CalRef),
    ListEvents(CalRef),
    CreateEvent(CalRef),
    /// `cal` is the calendar the path went through, if any.
    GetEvent {
        cal: Option<CalRef>,
        id: String,
    },
    PatchEvent {
        cal: Option<CalRef>,
        id: String,
    },
    DeleteEvent {
        cal: Option<CalRef>,
        id: String,
    },
    Instances(String),
    CalendarView(CalRef),
    ViewDelta(CalRef),
    Respond(String, Reply),
    Cancel(String),
    GetSchedule,
}

impl CalOp {
    /// Does this operation change the mailbox?
    pub(crate) fn writes(&self) -> bool {
        matches!(
            self,
            CalOp::CreateCalendar
                | CalOp::PatchCalendar(_)
                | CalOp::DeleteCalendar(_)
                | CalOp::CreateEvent(_)
                | CalOp::PatchEvent { .. }
                | CalOp::DeleteEvent { .. }
                | CalOp::Respond(..)
                | CalOp::Cancel(_)
        )
    }
}

fn only(method: &Method, want: Method, op: CalOp) -> Result<CalOp, GraphError> {
    if *method == want {
        Ok(op)
    } else {
        Err(method_not_allowed())
    }
}

/// Parse the rest of a path whose next segment is `seg` (with OData key
/// `key`): `calendar`, `calendars`, `events` or `calendarView`.
pub(crate) fn parse(
    method: &Method,
    segs: &mut Segments,
    t: &mut String,
    seg: &str,
    key: Option<String>,
) -> Result<CalOp, GraphError> {
    if is(seg, "calendar") {
        t.push_str("/calendar");
        if key.is_some() {
            return Err(GraphError::segment(seg));
        }
        return parse_calendar(method, segs, t, CalRef::Default);
    }
    if is(seg, "calendars") {
        t.push_str("/calendars");
        let id = match key {
            Some(k) => Some(k),
            None => segs.next().map(|(s, _)| s),
        };
        return match id {
            None => match *method {
                Method::GET => Ok(CalOp::ListCalendars),
                Method::POST => Ok(CalOp::CreateCalendar),
                _ => Err(method_not_allowed()),
            },
            Some(id) => {
                t.push_str("/{calendar-id}");
                parse_calendar(method, segs, t, CalRef::Id(id))
            }
        };
    }
    if is(seg, "events") {
        t.push_str("/events");
        return parse_events(method, segs, t, None, key);
    }
    if is(seg, "calendarView") {
        t.push_str("/calendarView");
        return parse_view(method, segs, t, CalRef::Default);
    }
    Err(GraphError::segment(seg))
}

/// Below `/calendar` or `/calendars/{id}`.
fn parse_calendar(
    method: &Method,
    segs: &mut Segments,
    t: &mut String,
    cal: CalRef,
) -> Result<CalOp, GraphError> {
    let Some((next, key)) = segs.next() else {
        return match *method {
            Method::GET => Ok(CalOp::GetCalendar(cal)),
            Method::PATCH => Ok(CalOp::PatchCalendar(cal)),
            Method::DELETE => Ok(CalOp::DeleteCalendar(cal)),
            _ => Err(method_not_allowed()),
        };
    };
    if is(&next, "events") {
        t.push_str("/events");
        return parse_events(method, segs, t, Some(cal), key);
    }
    if is(&next, "calendarView") {
        t.push_str("/calendarView");
        return parse_view(method, segs, t, cal);
    }
    if is(&next, "getSchedule") && cal == CalRef::Default {
        t.push_str("/getSchedule");
        if !segs.rest_empty() {
            return Err(GraphError::segment(&next));
        }
        return only(method, Method::POST, CalOp::GetSchedule);
    }
    Err(GraphError::segment(&next))
}

/// Below `calendarView`: the view itself or its `delta`.
fn parse_view(
    method: &Method,
    segs: &mut Segments,
    t: &mut String,
    cal: CalRef,
) -> Result<CalOp, GraphError> {
    match segs.next() {
        None => only(method, Method::GET, CalOp::CalendarView(cal)),
        Some((s, _)) if is(&s, "delta") || is(&s, "delta()") => {
            t.push_str("/delta()");
            if !segs.rest_empty() {
                return Err(GraphError::segment(&s));
            }
            only(method, Method::GET, CalOp::ViewDelta(cal))
        }
        Some((s, _)) => Err(GraphError::segment(&s)),
    }
}

/// Below `events`: the collection, one event, or an action on it.
fn parse_events(
    method: &Method,
    segs: &mut Segments,
    t: &mut String,
    cal: Option<CalRef>,
    key: Option<String>,
) -> Result<CalOp, GraphError> {
    let id = match key {
        Some(k) => k,
        None => match segs.next() {
            None => {
                let cal = cal.unwrap_or(CalRef::Default);
                return match *method {
                    Method::GET => Ok(CalOp::ListEvents(cal)),
                    Method::POST => Ok(CalOp::CreateEvent(cal)),
                    _ => Err(method_not_allowed()),
                };
            }
            Some((s, _)) if is(&s, "delta") || is(&s, "delta()") => {
                // Window-less event delta exists in beta only.
                return Err(GraphError::segment(&s));
            }
            Some((s, _)) => s,
        },
    };
    t.push_str("/{event-id}");
    let Some((action, _)) = segs.next() else {
        return match *method {
            Method::GET => Ok(CalOp::GetEvent { cal, id }),
            Method::PATCH => Ok(CalOp::PatchEvent { cal, id }),
            Method::DELETE => Ok(CalOp::DeleteEvent { cal, id }),
            _ => Err(method_not_allowed()),
        };
    };
    if !segs.rest_empty() {
        return Err(GraphError::segment(&action));
    }
    let op = match action.to_ascii_lowercase().as_str() {
        "instances" => {
            t.push_str("/instances");
            return only(method, Method::GET, CalOp::Instances(id));
        }
        "accept" => CalOp::Respond(id, Reply::Accept),
        "tentativelyaccept" => CalOp::Respond(id, Reply::Tentative),
        "decline" => CalOp::Respond(id, Reply::Decline),
        "cancel" => CalOp::Cancel(id),
        _ => return Err(GraphError::segment(&action)),
    };
    t.push('/');
    t.push_str(&action);
    only(method, Method::POST, op)
}
