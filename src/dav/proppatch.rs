//! PROPPATCH (RFC 4918 §9.2) of a collection: `displayname` renames the
//! Graph calendar, To Do list or contact folder, Apple's `calendar-color`
//! recolours a calendar (to the nearest colour Graph names). Nothing else
//! can be kept in Microsoft 365, so any other property is refused (403)
//! and, the method being all or nothing, every other one fails with it
//! (424) and nothing changes.

use axum::http::StatusCode;
use axum::response::Response;

use super::paths::{self, Home, Target};
use super::propfind::{INBOX, OUTBOX};
use super::propset::{self, Instruction, Outcome};
use super::xml::{self, APPLE, DAV};
use super::{Ask, response};
use crate::pim::{Collection, Kind, PimError, UserPim, graph_color};

pub(super) async fn proppatch(user: &UserPim, target: &Target, ask: &Ask) -> Response {
    let root = match xml::parse(&ask.body) {
        Ok(r) if r.is(DAV, "propertyupdate") => r,
        Ok(_) => {
            return response::text(
                StatusCode::BAD_REQUEST,
                "a PROPPATCH body is a DAV:propertyupdate element",
            );
        }
        Err(e) => return response::text(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let steps = propset::instructions(&root);
    let all: Vec<_> = steps.iter().map(|s| s.prop.prop_name()).collect();
    let (href, c) = match target {
        Target::Collection(home, login, slug)
            if !(*home == Home::Calendars && (slug == INBOX || slug == OUTBOX)) =>
        {
            match user.find(*home == Home::Calendars, slug).await {
                Ok(Some(c)) => (paths::collection(*home, login, &c.slug), c),
                Ok(None) => return response::pim_error(&PimError::NotFound),
                Err(e) => return response::pim_error(&e),
            }
        }
        _ => {
            // No other resource has properties a client may set.
            let refused: Vec<_> = all
                .iter()
                .map(|n| (n.clone(), "graphgate keeps no properties here".to_string()))
                .collect();
            return answer(&request_href(target), &propset::refusals(&all, &refused));
        }
    };
    if !c.writable {
        return response::error(
            StatusCode::FORBIDDEN,
            DAV,
            "need-privileges",
            &format!("{} may only be read", c.name),
        );
    }
    let mut name = None;
    let mut color = None;
    let mut refused = Vec::new();
    for step in &steps {
        match judge(step, &c) {
            Ok(Change::Name(n)) => name = Some(n),
            Ok(Change::Color(k)) => color = Some(k),
            Err(why) => refused.push((step.prop.prop_name(), why)),
        }
    }
    if !refused.is_empty() {
        return answer(&href, &propset::refusals(&all, &refused));
    }
    match user.change_collection(&c, name.as_deref(), color).await {
        Ok(()) => {
            let done: Vec<_> = all
                .into_iter()
                .map(|name| Outcome {
                    name,
                    status: "200 OK",
                    why: None,
                })
                .collect();
            answer(&href, &done)
        }
        Err(e) => response::pim_error(&e),
    }
}

/// One change a PROPPATCH asks for.
enum Change {
    Name(String),
    Color(&'static str),
}

/// What `step` would change in `c`, or why it cannot.
fn judge(step: &Instruction<'_>, c: &Collection) -> Result<Change, String> {
    let p = step.prop.prop_name();
    let is_name = p.is(DAV, "displayname");
    let is_color = p.is(APPLE, "calendar-color");
    if !is_name && !is_color {
        return Err("Microsoft 365 cannot keep this property".into());
    }
    if !step.set {
        return Err("this property can be changed but not removed".into());
    }
    if is_name {
        if c.kind == Kind::Tasks && c.built_in {
            return Err(format!(
                "Microsoft To Do does not let its built-in list \"{}\" be renamed",
                c.name
            ));
        }
        return propset::display_name(step.prop).map(Change::Name);
    }
    if c.kind != Kind::Events {
        return Err("Microsoft 365 keeps a colour for calendars only".into());
    }
    graph_color(&step.prop.text)
        .map(Change::Color)
        .ok_or_else(|| format!("\"{}\" is not a #RRGGBB colour", step.prop.text.trim()))
}

/// The 207 answer naming one resource.
fn answer(href: &str, outcomes: &[Outcome]) -> Response {
    let inner = format!(
        "<d:response><d:href>{}</d:href>{}</d:response>",
        xml::escape(href),
        propset::propstats(outcomes)
    );
    response::multistatus(propset::body("d:multistatus", &inner))
}

/// The path a request named, for the answer's href.
fn request_href(target: &Target) -> String {
    match target {
        Target::Principal(l) => paths::principal(l),
        Target::Home(h, l) => paths::home(*h, l),
        Target::Collection(h, l, s) => paths::collection(*h, l, s),
        Target::Item(h, l, s, n) => paths::item(*h, l, s, n),
        _ => paths::ROOT.to_string(),
    }
}
