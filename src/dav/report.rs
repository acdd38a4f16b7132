//! REPORT: calendar-multiget and addressbook-multiget (RFC 4791 §7.9, RFC
//! 6352 §8.7), calendar-query and addressbook-query (RFC 4791 §7.8, RFC
//! 6352 §8.6), sync-collection (RFC 6578) and free-busy-query (RFC 4791
//! §7.10).

use axum::http::StatusCode;
use axum::response::Response;

use super::data::{self, Unshaped};
use super::paths::{self, Home, Target};
use super::propfind::{self, Node};
use super::xml::{self, CALDAV, CARDDAV, DAV, Multistatus};
use super::{Ask, response};
use crate::pim::{Collection, PimError, UserPim};
use crate::store::DavCollectionRow;

/// Hrefs one multiget may name.
const MAX_HREFS: usize = 5_000;

pub(super) async fn run(user: &UserPim, target: &Target, ask: &Ask) -> Response {
    let root = match xml::parse(&ask.body) {
        Ok(r) => r,
        Err(e) => return response::text(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let (home, slug) = match target {
        Target::Collection(home, _, slug) => (*home, slug.as_str()),
        _ => {
            return response::error(
                StatusCode::FORBIDDEN,
                DAV,
                "supported-report",
                "REPORTs are answered on calendar and address-book collections",
            );
        }
    };
    if home == Home::Calendars && (slug == propfind::INBOX || slug == propfind::OUTBOX) {
        return super::schedule::empty_box_report(&root);
    }
    let c = match user.find(home == Home::Calendars, slug).await {
        Ok(Some(c)) => c,
        Ok(None) => return response::pim_error(&PimError::NotFound),
        Err(e) => return response::pim_error(&e),
    };
    let outcome =
        if root.is(CALDAV, "calendar-multiget") || root.is(CARDDAV, "addressbook-multiget") {
            multiget(user, home, &c, &root).await
        } else if root.is(DAV, "sync-collection") {
            sync_collection(user, home, &c, &root).await
        } else if root.is(CALDAV, "calendar-query") || root.is(CARDDAV, "addressbook-query") {
            super::query::run(user, home, &c, &root).await
        } else if root.is(CALDAV, "free-busy-query") {
            super::schedule::free_busy_query(user, &c, &root).await
        } else {
            return response::error(
                StatusCode::FORBIDDEN,
                DAV,
                "supported-report",
                &format!("the {} report is not supported here", root.name),
            );
        };
    match outcome {
        Ok(r) => r,
        Err(e) => response::pim_error(&e),
    }
}

async fn multiget(
    user: &UserPim,
    home: Home,
    c: &Collection,
    root: &xml::Element,
) -> Result<Response, PimError> {
    let asked = propfind::props_of(root);
    let shape = match data::asked(root) {
        Ok(s) => s,
        Err(r) => return Ok(*r),
    };
    let hrefs: Vec<&str> = root
        .children_named(DAV, "href")
        .map(|h| h.text.trim())
        .collect();
    if hrefs.len() > MAX_HREFS {
        return Ok(response::text(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("a multiget may name at most {MAX_HREFS} resources"),
        ));
    }
    user.sync(c).await?;
    // Which names the hrefs are (an href outside this collection names
    // nothing), read from the store together.
    let named: Vec<(&str, Option<String>)> = hrefs
        .iter()
        .map(|href| match paths::parse(paths::href_path(href)) {
            Some(Target::Item(h, _, s, name)) if h == home && s == c.slug => (*href, Some(name)),
            _ => (*href, None),
        })
        .collect();
    let names: Vec<String> = named.iter().filter_map(|(_, n)| n.clone()).collect();
    let mut found: std::collections::HashMap<String, crate::store::DavItemRow> = user
        .items_named(c, &names)
        .await?
        .into_iter()
        .map(|i| (i.name.clone(), i))
        .collect();
    let mut ms = Multistatus::new();
    for (href, name) in named {
        match name.and_then(|n| found.remove(&n)) {
            Some(item) => {
                let own = paths::item(home, &user.login, &c.slug, &item.name);
                match data::shaped(&shape, c, item) {
                    Ok(item) => propfind::write(&mut ms, user, &own, &Node::Item(c, &item), &asked),
                    Err(Unshaped::Report(r)) => return Ok(*r),
                    Err(Unshaped::Item(status, ns, name)) => ms.error(&own, status, ns, name),
                }
            }
            None => ms.status(href, "404 Not Found"),
        }
    }
    Ok(response::multistatus(ms.finish(None)))
}

/// Read a token we handed out: (sync id, revision).
fn parse_token(token: &str) -> Option<(&str, i64)> {
    let rest = token.trim().strip_prefix("http://graphgate/sync/")?;
    let (id, rev) = rest.split_once('/')?;
    Some((id, rev.parse().ok()?))
}

fn token_valid(state: &DavCollectionRow, token: &str) -> Option<i64> {
    let (id, rev) = parse_token(token)?;
    (id == state.sync_id && rev >= state.oldest && rev <= state.revision).then_some(rev)
}

async fn sync_collection(
    user: &UserPim,
    home: Home,
    c: &Collection,
    root: &xml::Element,
) -> Result<Response, PimError> {
    let asked = propfind::props_of(root);
    let shape = match data::asked(root) {
        Ok(s) => s,
        Err(r) => return Ok(*r),
    };
    let token = root
        .child(DAV, "sync-token")
        .map(|t| t.text.trim().to_string())
        .unwrap_or_default();
    if let Some(level) = root.child(DAV, "sync-level")
        && level.text.trim() != "1"
    {
        return Ok(response::error(
            StatusCode::FORBIDDEN,
            DAV,
            "supported-sync-level",
            "only sync-level 1 is supported: collections here hold no collections",
        ));
    }
    let limit = root
        .child(DAV, "limit")
        .and_then(|l| l.child(DAV, "nresults"))
        .and_then(|n| n.text.trim().parse::<usize>().ok());
    let state = user.sync(c).await?;
    let bodies = propfind::wants_body(&asked);
    let items = if token.is_empty() {
        user.items(c, bodies).await?
    } else {
        match token_valid(&state, &token) {
            Some(rev) => user.changed_since(c, rev, bodies).await?,
            None => {
                return Ok(response::error(
                    StatusCode::FORBIDDEN,
                    DAV,
                    "valid-sync-token",
                    "this sync token is unknown or too old: synchronise again from the start",
                ));
            }
        }
    };
    if let Some(limit) = limit
        && items.len() > limit
    {
        return Ok(response::error(
            StatusCode::INSUFFICIENT_STORAGE,
            DAV,
            "number-of-matches-within-limits",
            &format!("{} changes are more than the limit of {limit}", items.len()),
        ));
    }
    let mut ms = Multistatus::new();
    for item in items {
        let href = paths::item(home, &user.login, &c.slug, &item.name);
        if item.graph_id.is_none() {
            ms.status(&href, "404 Not Found");
            continue;
        }
        match data::shaped(&shape, c, item) {
            Ok(item) => propfind::write(&mut ms, user, &href, &Node::Item(c, &item), &asked),
            Err(Unshaped::Report(r)) => return Ok(*r),
            Err(Unshaped::Item(status, ns, name)) => ms.error(&href, status, ns, name),
        }
    }
    Ok(response::multistatus(
        ms.finish(Some(&propfind::sync_token(&state))),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_against_the_collection() {
        let state = DavCollectionRow {
            sync_id: "abc".into(),
            revision: 9,
            oldest: 3,
            delta_link: None,
            window: None,
            refreshed_at: 0,
        };
        assert_eq!(token_valid(&state, "http://graphgate/sync/abc/5"), Some(5));
        assert_eq!(token_valid(&state, "http://graphgate/sync/abc/9"), Some(9));
        assert_eq!(token_valid(&state, "http://graphgate/sync/abc/2"), None);
        assert_eq!(token_valid(&state, "http://graphgate/sync/abc/10"), None);
        assert_eq!(token_valid(&state, "http://graphgate/sync/xyz/5"), None);
        assert_eq!(token_valid(&state, "garbage"), None);
    }
}
