//! Calendar endpoints: list a mailbox's calendars (paged at 10), get the
//! default one or one by id, create, rename or recolour, delete (not the
//! default one). Calendar ids never change.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::cal_route::CalRef;
use super::ctx::Ctx;
use super::error::GraphError;
use super::event_json::{calendar_json, color_known};
use super::lookup::well_formed_id;
use super::params::{next_link, paging};
use super::response::GraphResponse;
use crate::mailstore::Mailbox;
use crate::tokens::Principal;

/// The id of the calendar a path names (404 for an unknown id, 400 for a
/// garbled one).
pub(crate) fn resolve(mb: &Mailbox, cal: &CalRef) -> Result<String, GraphError> {
    match cal {
        CalRef::Default => mb
            .calendar
            .default_calendar()
            .map(|c| c.id.clone())
            .ok_or_else(GraphError::item_not_found),
        CalRef::Id(id) => match mb.calendar.calendar(id) {
            Some(c) => Ok(c.id.clone()),
            None if well_formed_id(id) => Err(GraphError::item_not_found()),
            None => Err(GraphError::malformed_id()),
        },
    }
}

/// Is the caller the calendar's owner (or an app acting for the tenant)?
pub(crate) fn is_own(ctx: &Ctx<'_>) -> bool {
    match ctx.principal {
        Principal::Delegated { user, .. } => *user == ctx.owner.oid,
        Principal::App { .. } => true,
    }
}

fn context(ctx: &Ctx<'_>, tail: &str) -> String {
    format!(
        "{}/$metadata#{}/{tail}",
        ctx.service_root(),
        ctx.context_user()
    )
}

pub(crate) fn list(ctx: &Ctx<'_>) -> Result<GraphResponse, GraphError> {
    let (top, skip) = paging(ctx, 10, 1000)?;
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let own = is_own(ctx);
    let all: Vec<Value> = mb
        .calendar
        .calendars
        .iter()
        .map(|c| calendar_json(c, &ctx.owner, own))
        .collect();
    let mut body = json!({
        "@odata.context": context(ctx, "calendars"),
        "value": all.iter().skip(skip).take(top).cloned().collect::<Vec<_>>(),
    });
    if skip + top < all.len() {
        body["@odata.nextLink"] = json!(next_link(ctx, skip + top, top));
    }
    Ok(GraphResponse::json(StatusCode::OK, &body))
}

pub(crate) fn get(ctx: &Ctx<'_>, cal: &CalRef) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mb = mb.lock();
    let id = resolve(&mb, cal)?;
    let c = mb
        .calendar
        .calendar(&id)
        .ok_or_else(GraphError::item_not_found)?;
    let mut v = calendar_json(c, &ctx.owner, is_own(ctx));
    v["@odata.context"] = json!(context(ctx, "calendars/$entity"));
    Ok(GraphResponse::json(StatusCode::OK, &v))
}

/// `name` and `color` from a body (property names in any case); other
/// writable calendar properties are refused, read-only ones ignored.
fn read_body(ctx: &Ctx<'_>) -> Result<(Option<String>, Option<String>), GraphError> {
    let body = ctx.body_json()?;
    let Value::Object(m) = body else {
        return Err(GraphError::bad_request(
            "The request body must be a JSON object.",
        ));
    };
    let mut name = None;
    let mut color = None;
    for (k, v) in &m {
        match k.to_ascii_lowercase().as_str() {
            "name" => {
                let n = v.as_str().map(str::trim).unwrap_or_default();
                if n.is_empty() || n.chars().count() > 255 {
                    return Err(GraphError::invalid_request(
                        "The calendar name must be between 1 and 255 characters.",
                    ));
                }
                name = Some(n.to_string());
            }
            "color" => {
                let c = v.as_str().unwrap_or_default();
                color = Some(
                    color_known(c)
                        .ok_or_else(|| {
                            GraphError::invalid_request(format!(
                                "'{c}' is not a valid value for color."
                            ))
                        })?
                        .to_string(),
                );
            }
            k if k.starts_with("@odata")
                || [
                    "id",
                    "changekey",
                    "hexcolor",
                    "isdefaultcalendar",
                    "canedit",
                    "canshare",
                    "canviewprivateitems",
                    "owner",
                    "isremovable",
                    "istallyingresponses",
                    "allowedonlinemeetingproviders",
                    "defaultonlinemeetingprovider",
                ]
                .contains(&k) => {}
            _ => {
                return Err(GraphError::bad_request(format!(
                    "Could not find a property named '{k}' on type 'microsoft.graph.calendar'."
                )));
            }
        }
    }
    Ok((name, color))
}

fn exists() -> GraphError {
    GraphError::new(
        StatusCode::CONFLICT,
        "ErrorFolderExists",
        "A folder with the specified name already exists.",
    )
}

pub(crate) fn create(ctx: &Ctx<'_>) -> Result<GraphResponse, GraphError> {
    let (name, color) = read_body(ctx)?;
    let name = name.ok_or_else(|| {
        GraphError::invalid_request("The calendar name must be between 1 and 255 characters.")
    })?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let id = mb
        .calendar
        .create_calendar(&name, color.as_deref().unwrap_or("auto"))
        .ok_or_else(exists)?;
    let c = mb
        .calendar
        .calendar(&id)
        .ok_or_else(GraphError::item_not_found)?;
    let mut v = calendar_json(c, &ctx.owner, is_own(ctx));
    v["@odata.context"] = json!(context(ctx, "calendars/$entity"));
    Ok(GraphResponse::json(StatusCode::CREATED, &v))
}

pub(crate) fn patch(ctx: &Ctx<'_>, cal: &CalRef) -> Result<GraphResponse, GraphError> {
    let (name, color) = read_body(ctx)?;
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let id = resolve(&mb, cal)?;
    if let Some(n) = &name
        && mb
            .calendar
            .calendars
            .iter()
            .any(|c| c.id != id && c.name.eq_ignore_ascii_case(n))
    {
        return Err(exists());
    }
    if let Some(c) = mb.calendar.calendar_mut(&id) {
        if let Some(n) = name {
            c.name = n;
        }
        if let Some(col) = color {
            c.color = col;
        }
    }
    mb.calendar.touch_calendar(&id);
    let c = mb
        .calendar
        .calendar(&id)
        .ok_or_else(GraphError::item_not_found)?;
    let mut v = calendar_json(c, &ctx.owner, is_own(ctx));
    v["@odata.context"] = json!(context(ctx, "calendars/$entity"));
    Ok(GraphResponse::json(StatusCode::OK, &v))
}

pub(crate) fn delete(ctx: &Ctx<'_>, cal: &CalRef) -> Result<GraphResponse, GraphError> {
    let mb = ctx.mailbox()?;
    let mut mb = mb.lock();
    let id = resolve(&mb, cal)?;
    if mb.calendar.calendar(&id).is_some_and(|c| c.is_default) {
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorDeleteDistinguishedFolder",
            "Distinguished folders cannot be deleted.",
        ));
    }
    mb.calendar.delete_calendar(&id);
    Ok(GraphResponse::empty(StatusCode::NO_CONTENT))
}
