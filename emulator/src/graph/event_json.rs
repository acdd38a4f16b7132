//! Graph's JSON shapes for calendars and events: `dateTimeTimeZone` in UTC
//! or in the zone `Prefer: outlook.timezone` asks for, the event resource
//! with `@odata.etag` from its change key, occurrences with their
//! `seriesMasterId` and `originalStart`, HTML or text bodies, and `$select`.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::error::GraphError;
use crate::calstore::{
    Attendee, CalError, Calendar, EmailAddr, EventKind, Instance, ResponseStatus, resolve_zone,
    to_local,
};
use crate::directory::DirectoryUser;
use crate::props::{body_preview, html_to_text};

/// The zone answers are given in: `Prefer: outlook.timezone`, else UTC.
#[derive(Debug, Clone)]
pub(crate) struct OutZone {
    pub(crate) name: String,
    pub(crate) tz: Tz,
}

impl OutZone {
    pub(crate) fn of(ctx: &Ctx<'_>) -> Result<OutZone, GraphError> {
        match &ctx.prefer.timezone {
            None => Ok(OutZone {
                name: "UTC".into(),
                tz: Tz::UTC,
            }),
            Some(name) => match resolve_zone(name) {
                Some(tz) => Ok(OutZone {
                    name: name.clone(),
                    tz,
                }),
                None => Err(cal_error(CalError::TimeZone(name.clone()))),
            },
        }
    }
}

/// Graph's error for a calendar request the store refused.
pub(crate) fn cal_error(e: CalError) -> GraphError {
    match e {
        CalError::Invalid(m) => GraphError::invalid_request(m),
        CalError::TimeZone(_) => {
            GraphError::bad_request(e.to_string()).into_code("TimeZoneNotSupportedException")
        }
        CalError::Coded(code, m) => GraphError::bad_request(m).into_code(code),
    }
}

/// `2025-03-10T09:00:00.0000000`: the wall clock Graph writes in a
/// `dateTimeTimeZone`.
pub(crate) fn wall_clock(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S.0000000").to_string()
}

/// A `dateTimeTimeZone` for `at` in `zone`.
pub(crate) fn date_time_zone(at: DateTime<Utc>, zone: &OutZone) -> Value {
    json!({"dateTime": wall_clock(to_local(at, zone.tz)), "timeZone": zone.name})
}

/// An all-day boundary: the same midnight whatever zone is asked for (an
/// all-day event covers calendar days, not instants), labelled with it.
fn all_day_boundary(at: DateTime<Utc>, own_zone: &str, zone: &OutZone) -> Value {
    let own = resolve_zone(own_zone).unwrap_or(Tz::UTC);
    // `at` is midnight in the event's own zone; round to the nearest day
    // there so a DST shift of the stored instant cannot move the date.
    let local = to_local(at + Duration::hours(12), own).date();
    json!({"dateTime": format!("{}T00:00:00.0000000", local.format("%Y-%m-%d")), "timeZone": zone.name})
}

/// `DateTimeOffset` with Graph's seven fraction digits.
pub(crate) fn offset_time(t: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}

fn response_time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| "0001-01-01T00:00:00Z".into())
}

pub(crate) fn email(e: &EmailAddr) -> Value {
    json!({"name": if e.name.is_empty() { &e.address } else { &e.name }, "address": e.address})
}

fn status(s: &ResponseStatus) -> Value {
    json!({"response": s.response, "time": response_time(s.time)})
}

fn attendee(a: &Attendee) -> Value {
    json!({"type": a.kind, "status": status(&a.status), "emailAddress": email(&a.email)})
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The body as asked for: HTML by default (text is wrapped), text with
/// `Prefer: outlook.body-content-type="text"`.
fn body(ctx: &Ctx<'_>, html: bool, content: &str) -> Value {
    if content.is_empty() {
        let ty = if ctx.prefer.body_text { "text" } else { "html" };
        return json!({"contentType": ty, "content": ""});
    }
    match (html, ctx.prefer.body_text) {
        (false, true) => json!({"contentType": "text", "content": content}),
        (true, true) => json!({"contentType": "text", "content": html_to_text(content)}),
        (true, false) => json!({"contentType": "html", "content": content}),
        (false, false) => {
            let inner = escape_html(content)
                .replace("\r\n", "\n")
                .replace('\n', "<br>\r\n");
            json!({"contentType": "html", "content": format!(
                "<html>\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n</head>\r\n<body>\r\n{inner}\r\n</body>\r\n</html>\r\n"
            )})
        }
    }
}

fn location(name: &str) -> Value {
    if name.is_empty() {
        json!({"displayName": "", "locationType": "default", "uniqueIdType": "unknown",
               "address": {}, "coordinates": {}})
    } else {
        json!({"displayName": name, "locationType": "default", "uniqueId": name,
               "uniqueIdType": "private"})
    }
}

/// The full event resource for one instance.
pub(crate) fn event_json(ctx: &Ctx<'_>, i: &Instance<'_>, zone: &OutZone) -> Value {
    let f = i.fields;
    let e = i.event;
    let (start, end) = if f.is_all_day {
        (
            all_day_boundary(i.start, &f.start_zone, zone),
            all_day_boundary(i.end, &f.end_zone, zone),
        )
    } else {
        (date_time_zone(i.start, zone), date_time_zone(i.end, zone))
    };
    let preview = if f.body_html {
        body_preview(&html_to_text(&f.body))
    } else {
        body_preview(&f.body)
    };
    let is_master = i.kind == EventKind::SeriesMaster;
    let in_series = matches!(i.kind, EventKind::Occurrence | EventKind::Exception);
    let mut v = json!({
        "@odata.etag": format!("W/\"{}\"", i.change_key),
        "id": i.id,
        "createdDateTime": offset_time(i.created),
        "lastModifiedDateTime": offset_time(i.modified),
        "changeKey": i.change_key,
        "categories": f.categories,
        "transactionId": if in_series { None } else { e.transaction_id.clone() },
        "originalStartTimeZone": f.start_zone,
        "originalEndTimeZone": f.end_zone,
        "iCalUId": i.ical_uid,
        "reminderMinutesBeforeStart": f.reminder_minutes,
        "isReminderOn": f.is_reminder_on,
        "hasAttachments": false,
        "subject": f.subject,
        "bodyPreview": preview,
        "importance": f.importance,
        "sensitivity": f.sensitivity,
        "isAllDay": f.is_all_day,
        "isCancelled": f.is_cancelled,
        "isOrganizer": e.is_organizer,
        "responseRequested": f.response_requested,
        "seriesMasterId": if in_series { Some(e.id.clone()) } else { None },
        "showAs": f.show_as,
        "type": i.kind.as_str(),
        "webLink": format!(
            "https://outlook.office365.com/owa/?itemid={}&exvsurl=1&path=/calendar/item",
            url::form_urlencoded::byte_serialize(i.id.as_bytes()).collect::<String>()
        ),
        "onlineMeetingUrl": null,
        "isOnlineMeeting": false,
        "onlineMeetingProvider": "unknown",
        "allowNewTimeProposals": f.allow_new_time_proposals,
        "isDraft": false,
        "hideAttendees": false,
        "responseStatus": status(&f.response),
        "body": body(ctx, f.body_html, &f.body),
        "start": start,
        "end": end,
        "location": location(&f.location),
        "locations": if f.location.is_empty() { vec![] } else { vec![location(&f.location)] },
        "recurrence": if is_master { e.recurrence.as_ref().map(|r| r.to_json()) } else { None },
        "attendees": f.attendees.iter().map(attendee).collect::<Vec<_>>(),
        "organizer": {"emailAddress": email(&e.organizer)},
        "onlineMeeting": null,
    });
    if let (Some(o), Value::Object(m)) = (i.original_start, &mut v) {
        m.insert(
            "originalStart".into(),
            json!(o.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        );
    }
    v
}

/// Every property `$select` may name on an event.
const EVENT_PROPERTIES: [&str; 41] = [
    "id",
    "createdDateTime",
    "lastModifiedDateTime",
    "changeKey",
    "categories",
    "transactionId",
    "originalStartTimeZone",
    "originalEndTimeZone",
    "iCalUId",
    "reminderMinutesBeforeStart",
    "isReminderOn",
    "hasAttachments",
    "subject",
    "bodyPreview",
    "importance",
    "sensitivity",
    "isAllDay",
    "isCancelled",
    "isOrganizer",
    "responseRequested",
    "seriesMasterId",
    "showAs",
    "type",
    "webLink",
    "onlineMeetingUrl",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "allowNewTimeProposals",
    "isDraft",
    "hideAttendees",
    "responseStatus",
    "body",
    "start",
    "end",
    "location",
    "locations",
    "recurrence",
    "attendees",
    "organizer",
    "onlineMeeting",
    "originalStart",
];

/// The properties a `$select` names (None: all), checked against the
/// event type.
pub(crate) fn parse_select(ctx: &Ctx<'_>) -> Result<Option<Vec<String>>, GraphError> {
    let Some(s) = ctx.req.query("$select") else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for p in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some(known) = EVENT_PROPERTIES.iter().find(|k| k.eq_ignore_ascii_case(p)) else {
            return Err(GraphError::bad_request(format!(
                "Could not find a property named '{p}' on type 'microsoft.graph.event'."
            )));
        };
        out.push((*known).to_string());
    }
    Ok(Some(out))
}

/// Keep only the selected properties (and `@odata.etag` and `id`, which
/// Graph always returns).
pub(crate) fn select(v: Value, sel: Option<&[String]>) -> Value {
    let (Some(sel), Value::Object(m)) = (sel, &v) else {
        return v;
    };
    let mut out = Map::new();
    for (k, val) in m {
        if k == "@odata.etag" || k == "id" || sel.iter().any(|s| s == k) {
            out.insert(k.clone(), val.clone());
        }
    }
    Value::Object(out)
}

/// Outlook's palette behind the `calendarColor` names, for `hexColor`.
const COLORS: [(&str, &str); 10] = [
    ("lightBlue", "#a6d1f5"),
    ("lightGreen", "#87d28e"),
    ("lightOrange", "#fcab73"),
    ("lightGray", "#c0c0c0"),
    ("lightYellow", "#f5e97b"),
    ("lightTeal", "#6fd9d2"),
    ("lightPink", "#f19dbb"),
    ("lightBrown", "#d8ab82"),
    ("lightRed", "#f38a8a"),
    ("maxColor", "#c7c7c7"),
];

/// The `calendarColor` names Graph accepts.
pub(crate) fn color_known(name: &str) -> Option<&'static str> {
    if name.eq_ignore_ascii_case("auto") {
        return Some("auto");
    }
    COLORS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(n, _)| *n)
}

/// The calendar resource. `owner` is the mailbox's user; `own` says the
/// caller is that user (or an app), who may share it.
pub(crate) fn calendar_json(c: &Calendar, owner: &DirectoryUser, own: bool) -> Value {
    let hex = COLORS
        .iter()
        .find(|(n, _)| *n == c.color)
        .map(|(_, h)| *h)
        .unwrap_or("");
    json!({
        "id": c.id,
        "name": c.name,
        "color": c.color,
        "hexColor": hex,
        "isDefaultCalendar": c.is_default,
        "changeKey": c.change_key,
        "canShare": own,
        "canViewPrivateItems": own,
        "canEdit": true,
        "isRemovable": !c.is_default,
        "isTallyingResponses": true,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "owner": {"name": owner.display_name, "address": owner.upn},
    })
}
