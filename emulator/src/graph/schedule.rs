//! `POST …/calendar/getSchedule`: free/busy of up to 20 mailboxes over a
//! window shorter than 62 days, as `availabilityView` (one digit per slot
//! of `availabilityViewInterval` minutes: 0 free or working elsewhere,
//! 1 tentative, 2 busy, 3 out of office) and `scheduleItems`, with fixed
//! working hours. Subjects and locations only where the caller may read the
//! calendar; unknown addresses get an item with an error.

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};

use super::cal_access::sees_details;
use super::ctx::Ctx;
use super::error::GraphError;
use super::event_input::parse_moment;
use super::event_json::{OutZone, cal_error, date_time_zone};
use super::event_views::preferences_applied;
use super::response::GraphResponse;

/// Graph's limit on schedules per request.
const MAX_SCHEDULES: usize = 20;
/// The window must be shorter than this many days.
const MAX_DAYS: i64 = 62;
/// Working hours of every mailbox (the emulator has no mailbox settings).
const WORKING_ZONE: &str = "W. Europe Standard Time";

fn param<'a>(body: &'a Value, name: &str) -> Option<&'a Value> {
    body.as_object()
        .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map(|(_, v)| v)
}

/// A slot's digit for a `showAs` value, and its weight when items overlap.
fn digit(show_as: &str) -> (char, u8) {
    match show_as {
        "oof" => ('3', 4),
        "busy" => ('2', 3),
        "tentative" => ('1', 2),
        _ => ('0', 0),
    }
}

pub(crate) fn get_schedule(ctx: &Ctx<'_>) -> Result<GraphResponse, GraphError> {
    let zone = OutZone::of(ctx)?;
    let body = ctx.body_json()?;
    let schedules: Vec<String> = match param(&body, "schedules") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| s.as_str().map(|s| s.trim().to_string()))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                GraphError::invalid_request("schedules must be a list of SMTP addresses.")
            })?,
        _ => {
            return Err(GraphError::invalid_request(
                "The schedules parameter is required.",
            ));
        }
    };
    if schedules.is_empty() || schedules.len() > MAX_SCHEDULES {
        return Err(GraphError::invalid_request(format!(
            "getSchedule takes between 1 and {MAX_SCHEDULES} schedules."
        )));
    }
    let moment = |name: &str| {
        let v = param(&body, name).ok_or_else(|| {
            GraphError::invalid_request(format!("The {name} parameter is required."))
        })?;
        parse_moment(v, name)
            .map(|(at, _, _)| at)
            .map_err(cal_error)
    };
    let from = moment("startTime")?;
    let to = moment("endTime")?;
    if to <= from {
        return Err(GraphError::invalid_request(
            "The endTime must be after the startTime.",
        ));
    }
    if to - from >= Duration::days(MAX_DAYS) {
        return Err(GraphError::invalid_request(format!(
            "The requested time range must be shorter than {MAX_DAYS} days."
        )));
    }
    let interval = match param(&body, "availabilityViewInterval") {
        None | Some(Value::Null) => 30,
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .filter(|n| (5..=1440).contains(n))
            .ok_or_else(|| {
                GraphError::invalid_request(
                    "availabilityViewInterval must be between 5 and 1440 minutes.",
                )
            })?,
    };
    let step = Duration::minutes(interval);
    let slots = ((to - from).num_minutes() + interval - 1) / interval;
    let mut out = Vec::new();
    for address in &schedules {
        let who = ctx.em.directory.read().user(address).cloned();
        let Some(mb) = who.as_ref().and_then(|u| ctx.em.mailbox(u.oid)) else {
            out.push(json!({
                "scheduleId": address,
                "availabilityView": "",
                "scheduleItems": [],
                "error": {
                    "message": format!("Unable to resolve e-mail address <>;{address} to an Active Directory object."),
                    "responseCode": "ErrorMailRecipientNotFound",
                },
            }));
            continue;
        };
        let Some(who) = who else { continue };
        let details = sees_details(&ctx.em.directory.read(), ctx.principal, &who);
        let mb = mb.lock();
        let Some(cal) = mb.calendar.default_calendar().map(|c| c.id.clone()) else {
            continue;
        };
        let busy: Vec<_> = mb
            .calendar
            .view(&cal, from, to)
            .into_iter()
            .filter(|i| {
                !i.fields.is_cancelled
                    && i.fields.show_as != "free"
                    && i.fields.response.response != "declined"
            })
            .collect();
        let mut view = String::with_capacity(usize::try_from(slots).unwrap_or(0));
        for n in 0..slots {
            let s = from + step * i32::try_from(n).unwrap_or(i32::MAX);
            let e = s + step;
            let best = busy
                .iter()
                .filter(|i| i.start < e && i.end > s)
                .map(|i| digit(&i.fields.show_as))
                .max_by_key(|(_, w)| *w)
                .map_or('0', |(c, _)| c);
            view.push(best);
        }
        let items: Vec<Value> = busy
            .iter()
            .map(|i| {
                let private = matches!(i.fields.sensitivity.as_str(), "private" | "confidential");
                let mut item = json!({
                    "isPrivate": private,
                    "status": i.fields.show_as,
                    "start": date_time_zone(i.start, &zone),
                    "end": date_time_zone(i.end, &zone),
                });
                if details && !private {
                    item["subject"] = json!(i.fields.subject);
                    item["location"] = json!(i.fields.location);
                }
                item
            })
            .collect();
        out.push(json!({
            "scheduleId": address,
            "availabilityView": view,
            "scheduleItems": items,
            "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:00:00.0000000",
                "endTime": "17:00:00.0000000",
                "timeZone": {"name": WORKING_ZONE},
            },
        }));
    }
    let body = json!({
        "@odata.context": format!("{}/$metadata#Collection(microsoft.graph.scheduleInformation)", ctx.service_root()),
        "value": out,
    });
    let mut resp = GraphResponse::json(StatusCode::OK, &body);
    preferences_applied(ctx, &zone, &mut resp);
    Ok(resp)
}
