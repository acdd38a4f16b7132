//! The dispatch of every authenticated request: the path's owner is
//! checked, then the method decides (PROPFIND in `propfind.rs`, REPORT in
//! `report.rs`, GET/HEAD/PUT/DELETE of a resource in `object.rs`, MKCALENDAR,
//! MKCOL and DELETE of a collection in `collection.rs`, PROPPATCH in
//! `proppatch.rs`, POST to the schedule outbox in `schedule.rs`).

use axum::http::StatusCode;
use axum::response::Response;

use super::paths::{Home, Target};
use super::propfind::OUTBOX;
use super::xml::DAV;
use super::{Ask, response};
use crate::accounts::{Account, normalise_login};
use crate::pim::UserPim;

/// Everything the user's requests go through.
pub(super) async fn route(account: &Account, user: &UserPim, target: Target, ask: Ask) -> Response {
    // A user's principal and homes are theirs only; shared mailboxes'
    // collections appear inside the user's own homes.
    let login = match &target {
        Target::Principal(l) | Target::Home(_, l) | Target::Collection(_, l, _) => Some(l),
        Target::Item(_, l, _, _) => Some(l),
        _ => None,
    };
    if let Some(l) = login
        && normalise_login(l) != normalise_login(&account.login)
    {
        return response::error(
            StatusCode::FORBIDDEN,
            DAV,
            "need-privileges",
            "these collections belong to another user",
        );
    }
    match ask.method.as_str() {
        "MKCALENDAR" | "MKCOL" => return super::collection::make(user, &target, &ask).await,
        "PROPPATCH" => return super::proppatch::proppatch(user, &target, &ask).await,
        "DELETE" if !matches!(target, Target::Item(..)) => {
            return super::collection::delete(user, &target).await;
        }
        _ => {}
    }
    if let Target::Item(home, _, slug, name) = &target {
        match ask.method.as_str() {
            "GET" | "HEAD" => {
                let head = ask.method == axum::http::Method::HEAD;
                return super::object::get(user, *home, slug, name, &ask, head).await;
            }
            "PUT" => return super::object::put(user, *home, slug, name, &ask).await,
            "DELETE" => return super::object::delete(user, *home, slug, name, &ask).await,
            _ => {}
        }
    }
    if let Target::Collection(Home::Calendars, _, slug) = &target
        && slug == OUTBOX
        && ask.method == axum::http::Method::POST
    {
        return super::schedule::outbox_post(user, &ask).await;
    }
    match ask.method.as_str() {
        "PROPFIND" => super::propfind::propfind(user, &target, &ask).await,
        "REPORT" => super::report::run(user, &target, &ask).await,
        "GET" | "HEAD" if !matches!(target, Target::Item(..)) => response::text(
            StatusCode::OK,
            "graphgate CalDAV and CardDAV: use a calendar or contacts client",
        ),
        _ => response::text(
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("{} is not supported here", ask.method),
        ),
    }
}
