//! Making and deleting collections: MKCALENDAR (RFC 4791 §5.3.1) and
//! extended MKCOL (RFC 5689) in the user's homes, DELETE of a collection
//! (RFC 4918 §9.6). A calendar for events becomes a Graph calendar, one
//! for tasks only a To Do list, an address book a contact folder, always
//! in the user's own mailbox, at the URL the client used.

use axum::http::StatusCode;
use axum::response::Response;

use super::paths::{Home, Target};
use super::propfind::{INBOX, OUTBOX};
use super::propset::{self, Instruction};
use super::xml::{self, APPLE, CALDAV, CARDDAV, DAV, Element, PropName};
use super::{Ask, response};
use crate::pim::{CALDAV_NS, Kind, PimError, UserPim, graph_color};

/// The longest URL segment a client may give a new collection, in bytes.
pub(super) const MAX_SEGMENT: usize = 128;

/// Properties a client sends when making a calendar that Graph cannot hold
/// and graphgate does not keep: taken and not stored (Apple Calendar and
/// Thunderbird send them with every new calendar; refusing them would let
/// no calendar be made). docs/dav.md says so.
fn ignored(p: &PropName, kind: Kind) -> bool {
    p.is(CALDAV, "calendar-description")
        || p.is(CALDAV, "calendar-timezone")
        || p.is(APPLE, "calendar-order")
        || p.is(CARDDAV, "addressbook-description")
        || (kind == Kind::Tasks && p.is(APPLE, "calendar-color"))
}

/// What a new collection will be.
struct Plan {
    kind: Kind,
    name: Option<String>,
    color: Option<&'static str>,
}

/// MKCALENDAR or MKCOL on `target`.
pub(super) async fn make(user: &UserPim, target: &Target, ask: &Ask) -> Response {
    let mkcalendar = ask.method.as_str() == "MKCALENDAR";
    let (home, segment) = match target {
        Target::Collection(home, _, segment) => (*home, segment),
        Target::Item(home, _, parent, _) => {
            // Nothing is made inside a collection; a missing parent is 409.
            return match user.find(*home == Home::Calendars, parent).await {
                Ok(Some(_)) => location_refused("a collection cannot be made inside another"),
                Ok(None) => response::text(
                    StatusCode::CONFLICT,
                    "the collection this would be made in does not exist",
                ),
                Err(e) => response::pim_error(&e),
            };
        }
        _ => {
            return response::text(
                StatusCode::METHOD_NOT_ALLOWED,
                "something already exists at this address",
            );
        }
    };
    if mkcalendar && home != Home::Calendars {
        return location_refused("calendars are made in the calendar home");
    }
    if let Err(r) = check_segment(user, home, segment).await {
        return *r;
    }
    let plan = match plan(home, mkcalendar, &ask.body) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let name = plan.name.unwrap_or_else(|| segment.clone());
    match user
        .create_collection(segment, plan.kind, &name, plan.color)
        .await
    {
        Ok(()) => {
            let mut r = response::text(StatusCode::CREATED, "");
            *r.body_mut() = axum::body::Body::empty();
            r.headers_mut().remove(axum::http::header::CONTENT_TYPE);
            r
        }
        Err(e) => response::pim_error(&e),
    }
}

fn location_refused(why: &str) -> Response {
    response::error(
        StatusCode::FORBIDDEN,
        CALDAV_NS,
        "calendar-collection-location-ok",
        why,
    )
}

/// May a new collection be made at `segment` of `home`?
async fn check_segment(user: &UserPim, home: Home, segment: &str) -> Result<(), Box<Response>> {
    let refuse = |status, why: &str| Err(Box::new(response::text(status, why)));
    if home == Home::Calendars && (segment == INBOX || segment == OUTBOX) {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "this is the scheduling inbox or outbox",
        );
    }
    if segment.len() > MAX_SEGMENT {
        return refuse(
            StatusCode::FORBIDDEN,
            &format!("a new collection's name in its URL is at most {MAX_SEGMENT} bytes"),
        );
    }
    if segment.chars().any(char::is_control) {
        return refuse(
            StatusCode::FORBIDDEN,
            "a collection's URL cannot hold control characters",
        );
    }
    if segment.contains('@') {
        // Addresses name shared mailboxes' collections; new ones are made
        // in the user's own mailbox only (docs/dav.md).
        let read_only = user.shared_read_only(segment);
        if read_only {
            return Err(Box::new(response::error(
                StatusCode::FORBIDDEN,
                DAV,
                "need-privileges",
                "policy lets you read this shared mailbox only",
            )));
        }
        return refuse(
            StatusCode::FORBIDDEN,
            "graphgate makes new calendars and address books in your own mailbox only: \
             choose a name without '@' (shared mailboxes' collections are made in Outlook)",
        );
    }
    match user.find(home == Home::Calendars, segment).await {
        Ok(Some(_)) => refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "a collection already exists at this address",
        ),
        Ok(None) => Ok(()),
        Err(e) => Err(Box::new(response::pim_error(&e))),
    }
}

/// Read the body of a MKCALENDAR or MKCOL into what to make.
fn plan(home: Home, mkcalendar: bool, body: &[u8]) -> Result<Plan, Box<Response>> {
    let calendars = home == Home::Calendars;
    let mut plan = Plan {
        kind: if calendars {
            Kind::Events
        } else {
            Kind::Contacts
        },
        name: None,
        color: None,
    };
    let empty = body.iter().all(|b| b.is_ascii_whitespace());
    if empty && mkcalendar {
        return Ok(plan);
    }
    if empty {
        return Err(Box::new(response::error(
            StatusCode::FORBIDDEN,
            DAV,
            "valid-resourcetype",
            "graphgate makes address books and calendars, not plain collections: \
             use MKCOL with a resourcetype (RFC 5689) or MKCALENDAR",
        )));
    }
    let bad = |e: String| Box::new(response::text(StatusCode::BAD_REQUEST, &e));
    let root = xml::parse(body).map_err(|e| bad(e.to_string()))?;
    let (root_ok, answer_root) = if mkcalendar {
        (root.is(CALDAV, "mkcalendar"), "c:mkcalendar-response")
    } else {
        (root.is(DAV, "mkcol"), "d:mkcol-response")
    };
    if !root_ok {
        return Err(bad(if mkcalendar {
            "a MKCALENDAR body is a CALDAV:mkcalendar element".into()
        } else {
            "an extended MKCOL body is a DAV:mkcol element".into()
        }));
    }
    let steps = propset::instructions(&root);
    if !mkcalendar {
        // The resource type decides what is made (RFC 5689 §3).
        let kind = steps
            .iter()
            .find(|s| s.set && s.prop.is(DAV, "resourcetype"))
            .and_then(|s| made_of(s.prop, calendars));
        match kind {
            Some(k) => plan.kind = k,
            None => {
                return Err(Box::new(response::error(
                    StatusCode::FORBIDDEN,
                    DAV,
                    "valid-resourcetype",
                    if calendars {
                        "in the calendar home graphgate makes calendars: resourcetype collection and calendar"
                    } else {
                        "in the address-book home graphgate makes address books: resourcetype collection and addressbook"
                    },
                )));
            }
        }
    }
    // The components decide between a calendar and a To Do list.
    if let Some(set) = steps
        .iter()
        .find(|s| s.set && s.prop.is(CALDAV, "supported-calendar-component-set"))
    {
        plan.kind = components(set.prop)?;
    }
    let mut refused = Vec::new();
    for step in &steps {
        if let Err(why) = take(step, &mut plan) {
            refused.push((step.prop.prop_name(), why));
        }
    }
    if refused.is_empty() {
        return Ok(plan);
    }
    let all: Vec<_> = steps.iter().map(|s| s.prop.prop_name()).collect();
    let inner = propset::propstats(&propset::refusals(&all, &refused));
    let mut r = response::text(StatusCode::FORBIDDEN, "");
    *r.body_mut() = axum::body::Body::from(propset::body(answer_root, &inner));
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    Err(Box::new(r))
}

/// The kind a MKCOL's resourcetype asks for, if graphgate makes it.
fn made_of(resourcetype: &Element, calendars: bool) -> Option<Kind> {
    resourcetype.child(DAV, "collection")?;
    if calendars {
        resourcetype.child(CALDAV, "calendar").map(|_| Kind::Events)
    } else {
        resourcetype
            .child(CARDDAV, "addressbook")
            .map(|_| Kind::Contacts)
    }
}

/// VEVENT (or nothing) makes a Graph calendar, VTODO alone a To Do list;
/// anything else cannot be held.
fn components(set: &Element) -> Result<Kind, Box<Response>> {
    let mut names: Vec<String> = set
        .children_named(CALDAV, "comp")
        .filter_map(|c| c.attr("name"))
        .map(|n| n.trim().to_ascii_uppercase())
        .collect();
    names.sort();
    names.dedup();
    match names.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] | ["VEVENT"] => Ok(Kind::Events),
        ["VTODO"] => Ok(Kind::Tasks),
        _ => Err(Box::new(response::error(
            StatusCode::FORBIDDEN,
            CALDAV_NS,
            "supported-calendar-component",
            &format!(
                "Microsoft 365 keeps events in calendars and tasks in To Do lists: a new \
                 calendar holds VEVENT or VTODO alone, not {}",
                names.join(", ")
            ),
        ))),
    }
}

/// Take one instruction into `plan`, or say why it cannot be.
fn take(step: &Instruction<'_>, plan: &mut Plan) -> Result<(), String> {
    let p = step.prop.prop_name();
    if !step.set {
        return Err("a new collection has no properties to remove".into());
    }
    if p.is(DAV, "resourcetype") || p.is(CALDAV, "supported-calendar-component-set") {
        return Ok(());
    }
    if p.is(DAV, "displayname") {
        plan.name = Some(propset::display_name(step.prop)?);
        return Ok(());
    }
    if ignored(&p, plan.kind) {
        return Ok(());
    }
    if p.is(CALDAV, "schedule-calendar-transp") {
        // Apple Calendar sends it with every new calendar. Every Microsoft
        // 365 calendar counts toward free/busy, which is what graphgate
        // reports (opaque).
        return if step.prop.child(CALDAV, "opaque").is_some() {
            Ok(())
        } else {
            Err("every Microsoft 365 calendar counts toward free/busy (opaque)".into())
        };
    }
    if p.is(APPLE, "calendar-color") && plan.kind == Kind::Events {
        plan.color = Some(
            graph_color(&step.prop.text)
                .ok_or_else(|| format!("\"{}\" is not a #RRGGBB colour", step.prop.text.trim()))?,
        );
        return Ok(());
    }
    Err("Microsoft 365 cannot keep this property".into())
}

/// DELETE of a collection.
pub(super) async fn delete(user: &UserPim, target: &Target) -> Response {
    let Target::Collection(home, _, slug) = target else {
        return response::text(
            StatusCode::FORBIDDEN,
            "only calendars, task lists, address books and their resources can be deleted",
        );
    };
    if *home == Home::Calendars && (slug == INBOX || slug == OUTBOX) {
        return response::text(
            StatusCode::FORBIDDEN,
            "the scheduling inbox and outbox cannot be deleted",
        );
    }
    let outcome = async {
        let c = user
            .find(*home == Home::Calendars, slug)
            .await?
            .ok_or(PimError::NotFound)?;
        user.delete_collection(&c).await
    };
    match outcome.await {
        Ok(()) => {
            let mut r = response::text(StatusCode::NO_CONTENT, "");
            *r.body_mut() = axum::body::Body::empty();
            r.headers_mut().remove(axum::http::header::CONTENT_TYPE);
            r
        }
        Err(e) => response::pim_error(&e),
    }
}
