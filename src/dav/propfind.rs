//! PROPFIND (RFC 4918 §9.1) over the principal, the homes, collections
//! and resources, with the properties CalDAV, CardDAV, scheduling (RFC
//! 6638), sync (RFC 6578) and the clients' own (CalendarServer's getctag,
//! Apple's calendar-color) need.

use axum::http::StatusCode;
use axum::response::Response;

use super::paths::{self, Home, Target};
use super::xml::{self, APPLE, CALDAV, CALSERVER, CARDDAV, DAV, Multistatus, PropName};
use super::{Ask, response};
use crate::pim::{Collection, Kind, PimError, UserPim};
use crate::store::{DavCollectionRow, DavItemRow};

/// The schedule inbox and outbox live in the calendar home under these.
pub(super) const INBOX: &str = "inbox";
pub(super) const OUTBOX: &str = "outbox";

/// What a PROPFIND (or REPORT) may describe.
pub(super) enum Node<'a> {
    Root,
    Principal,
    Home(Home),
    Collection(&'a Collection, &'a DavCollectionRow),
    Inbox,
    Outbox,
    Item(&'a Collection, &'a DavItemRow),
}

/// Which properties were asked for.
pub(super) enum Asked {
    All,
    Names,
    Props(Vec<PropName>),
}

/// Whether answering `asked` for resources needs their bodies: the data
/// itself, or its length (which allprop includes).
pub(super) fn wants_body(asked: &Asked) -> bool {
    match asked {
        Asked::All => true,
        Asked::Names => false,
        Asked::Props(names) => names.iter().any(|n| {
            n.is(CALDAV, "calendar-data")
                || n.is(CARDDAV, "address-data")
                || n.is(DAV, "getcontentlength")
        }),
    }
}

/// Read a PROPFIND body (empty means allprop, RFC 4918 §9.1).
fn asked(body: &[u8]) -> Result<Asked, Box<Response>> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Asked::All);
    }
    let root = xml::parse(body)
        .map_err(|e| Box::new(response::text(StatusCode::BAD_REQUEST, &e.to_string())))?;
    if !root.is(DAV, "propfind") {
        return Err(Box::new(response::text(
            StatusCode::BAD_REQUEST,
            "a PROPFIND body is a DAV:propfind element",
        )));
    }
    Ok(props_of(&root))
}

/// The DAV:prop (or allprop/propname) inside `parent`.
pub(super) fn props_of(parent: &xml::Element) -> Asked {
    if parent.child(DAV, "propname").is_some() {
        Asked::Names
    } else if let Some(prop) = parent.child(DAV, "prop") {
        Asked::Props(prop.children.iter().map(|c| c.prop_name()).collect())
    } else {
        Asked::All
    }
}

pub(super) async fn propfind(user: &UserPim, target: &Target, ask: &Ask) -> Response {
    let depth = super::header_text(&ask.headers, axum::http::HeaderName::from_static("depth"))
        .unwrap_or("infinity")
        .trim()
        .to_ascii_lowercase();
    let depth = match depth.as_str() {
        "0" => 0,
        "1" => 1,
        _ => {
            return response::error(
                StatusCode::FORBIDDEN,
                DAV,
                "propfind-finite-depth",
                "PROPFIND with Depth: infinity is not supported; use 0 or 1",
            );
        }
    };
    let asked = match asked(&ask.body) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let mut ms = Multistatus::new();
    let out = describe(user, target, depth, &asked, &mut ms).await;
    match out {
        Ok(()) => response::multistatus(ms.finish(None)),
        Err(e) => response::pim_error(&e),
    }
}

async fn describe(
    user: &UserPim,
    target: &Target,
    depth: u8,
    asked: &Asked,
    ms: &mut Multistatus,
) -> Result<(), PimError> {
    let login = &user.login;
    match target {
        Target::WellKnown | Target::Root => {
            write(ms, user, paths::ROOT, &Node::Root, asked);
            if depth == 1 {
                write(ms, user, &paths::principal(login), &Node::Principal, asked);
            }
        }
        Target::Principals => {
            write(
                ms,
                user,
                &format!("{}principals/", paths::ROOT),
                &Node::Root,
                asked,
            );
            if depth == 1 {
                write(ms, user, &paths::principal(login), &Node::Principal, asked);
            }
        }
        Target::Principal(_) => {
            write(ms, user, &paths::principal(login), &Node::Principal, asked);
        }
        Target::Home(home, _) => {
            write(
                ms,
                user,
                &paths::home(*home, login),
                &Node::Home(*home),
                asked,
            );
            if depth == 1 {
                let collections = match home {
                    Home::Calendars => user.calendar_collections().await?,
                    Home::Addressbooks => user.address_books().await?,
                };
                for c in &collections {
                    let state = user.state(c).await?;
                    let href = paths::collection(*home, login, &c.slug);
                    write(ms, user, &href, &Node::Collection(c, &state), asked);
                }
                if *home == Home::Calendars {
                    write(
                        ms,
                        user,
                        &paths::collection(*home, login, INBOX),
                        &Node::Inbox,
                        asked,
                    );
                    write(
                        ms,
                        user,
                        &paths::collection(*home, login, OUTBOX),
                        &Node::Outbox,
                        asked,
                    );
                }
            }
        }
        Target::Collection(home, _, slug) => {
            if *home == Home::Calendars && (slug == INBOX || slug == OUTBOX) {
                let node = if slug == INBOX {
                    Node::Inbox
                } else {
                    Node::Outbox
                };
                write(
                    ms,
                    user,
                    &paths::collection(*home, login, slug),
                    &node,
                    asked,
                );
                return Ok(());
            }
            let c = user
                .find(*home == Home::Calendars, slug)
                .await?
                .ok_or(PimError::NotFound)?;
            let state = user.sync(&c).await?;
            let href = paths::collection(*home, login, &c.slug);
            write(ms, user, &href, &Node::Collection(&c, &state), asked);
            if depth == 1 {
                for item in user.items(&c, wants_body(asked)).await? {
                    let href = paths::item(*home, login, &c.slug, &item.name);
                    write(ms, user, &href, &Node::Item(&c, &item), asked);
                }
            }
        }
        Target::Item(home, _, slug, name) => {
            let c = user
                .find(*home == Home::Calendars, slug)
                .await?
                .ok_or(PimError::NotFound)?;
            user.sync(&c).await?;
            let item = user.item(&c, name).await?.ok_or(PimError::NotFound)?;
            let href = paths::item(*home, login, &c.slug, &item.name);
            write(ms, user, &href, &Node::Item(&c, &item), asked);
        }
    }
    Ok(())
}

/// One response for `node`.
pub(super) fn write(ms: &mut Multistatus, user: &UserPim, href: &str, node: &Node, asked: &Asked) {
    match asked {
        Asked::Props(names) => {
            let mut found = Vec::new();
            let mut missing = Vec::new();
            for name in names {
                match value(user, node, name) {
                    Some(v) => found.push((name.clone(), v)),
                    None => missing.push(name.clone()),
                }
            }
            ms.propstat(href, &found, &missing);
        }
        Asked::All => {
            let found: Vec<_> = all_props(node)
                .into_iter()
                .filter_map(|n| value(user, node, &n).map(|v| (n, v)))
                .collect();
            ms.propstat(href, &found, &[]);
        }
        Asked::Names => {
            let found: Vec<_> = all_props(node)
                .into_iter()
                .map(|n| (n, String::new()))
                .collect();
            ms.propstat(href, &found, &[]);
        }
    }
}

/// The properties allprop and propname cover for `node`.
fn all_props(node: &Node) -> Vec<PropName> {
    let mut names = vec![
        PropName::new(DAV, "resourcetype"),
        PropName::new(DAV, "displayname"),
    ];
    match node {
        Node::Item(..) => {
            names.push(PropName::new(DAV, "getetag"));
            names.push(PropName::new(DAV, "getcontenttype"));
        }
        Node::Collection(..) => {
            names.push(PropName::new(CALSERVER, "getctag"));
            names.push(PropName::new(DAV, "sync-token"));
        }
        _ => {}
    }
    names
}

fn href(path: &str) -> String {
    format!("<d:href>{}</d:href>", xml::escape(path))
}

fn privileges(write: bool) -> String {
    let mut names = vec![
        "<d:read/>",
        "<d:read-current-user-privilege-set/>",
        "<c:read-free-busy/>",
    ];
    if write {
        names.extend([
            "<d:write/>",
            "<d:write-content/>",
            "<d:write-properties/>",
            "<d:bind/>",
            "<d:unbind/>",
        ]);
    }
    names
        .iter()
        .map(|p| format!("<d:privilege>{p}</d:privilege>"))
        .collect()
}

fn reports(names: &[(&str, &str)]) -> String {
    names
        .iter()
        .map(|(ns, n)| {
            format!(
                "<d:supported-report><d:report>{}</d:report></d:supported-report>",
                PropName::new(ns, n).element("")
            )
        })
        .collect()
}

/// A collection's sync token (RFC 6578 §4: a URI), also its ctag.
pub(super) fn sync_token(state: &DavCollectionRow) -> String {
    format!("http://graphgate/sync/{}/{}", state.sync_id, state.revision)
}

/// The inner XML of property `name` of `node`, or `None` if it has none.
fn value(user: &UserPim, node: &Node, name: &PropName) -> Option<String> {
    let login = &user.login;
    let principal = paths::principal(login);
    let (ns, n) = (name.ns.as_str(), name.name.as_str());
    // Properties every node has.
    match (ns, n) {
        (DAV, "current-user-principal") => return Some(href(&principal)),
        (DAV, "principal-collection-set") => {
            return Some(href(&format!("{}principals/", paths::ROOT)));
        }
        (CALDAV, "calendar-home-set") => return Some(href(&paths::home(Home::Calendars, login))),
        (CARDDAV, "addressbook-home-set") => {
            return Some(href(&paths::home(Home::Addressbooks, login)));
        }
        _ => {}
    }
    match node {
        Node::Root => match (ns, n) {
            (DAV, "resourcetype") => Some("<d:collection/>".into()),
            (DAV, "displayname") => Some("graphgate".into()),
            _ => None,
        },
        Node::Principal => match (ns, n) {
            (DAV, "resourcetype") => Some("<d:principal/>".into()),
            (DAV, "displayname") => Some(xml::escape(login)),
            (DAV, "principal-URL") => Some(href(&principal)),
            (DAV, "owner") => Some(href(&principal)),
            (CALDAV, "calendar-user-address-set") => Some(format!(
                "{}{}",
                href(&format!("mailto:{}", user.own)),
                href(&principal)
            )),
            (CALDAV, "calendar-user-type") => Some("INDIVIDUAL".into()),
            (CALDAV, "schedule-inbox-URL") => {
                Some(href(&paths::collection(Home::Calendars, login, INBOX)))
            }
            (CALDAV, "schedule-outbox-URL") => {
                Some(href(&paths::collection(Home::Calendars, login, OUTBOX)))
            }
            (CALSERVER, "email-address-set") => Some(format!(
                "<cs:email-address>{}</cs:email-address>",
                xml::escape(&user.own)
            )),
            (DAV, "supported-report-set") => Some(reports(&[(DAV, "expand-property")])),
            (DAV, "current-user-privilege-set") => Some(privileges(false)),
            _ => None,
        },
        Node::Home(home) => match (ns, n) {
            (DAV, "resourcetype") => Some("<d:collection/>".into()),
            (DAV, "displayname") => Some(match home {
                Home::Calendars => "Calendars".into(),
                Home::Addressbooks => "Address books".into(),
            }),
            (DAV, "owner") => Some(href(&principal)),
            // Calendars and address books are made in the homes (RFC 3744
            // §3.9: making a member needs DAV:bind on its parent).
            (DAV, "current-user-privilege-set") => Some(if user.can_make_collections() {
                format!(
                    "{}<d:privilege><d:bind/></d:privilege><d:privilege><d:unbind/></d:privilege>",
                    privileges(false)
                )
            } else {
                privileges(false)
            }),
            _ => None,
        },
        Node::Inbox => match (ns, n) {
            (DAV, "resourcetype") => Some("<d:collection/><c:schedule-inbox/>".into()),
            (DAV, "displayname") => Some("Inbox".into()),
            (DAV, "owner") => Some(href(&principal)),
            (DAV, "current-user-privilege-set") => Some(privileges(false)),
            _ => None,
        },
        Node::Outbox => match (ns, n) {
            (DAV, "resourcetype") => Some("<d:collection/><c:schedule-outbox/>".into()),
            (DAV, "displayname") => Some("Outbox".into()),
            (DAV, "owner") => Some(href(&principal)),
            (DAV, "current-user-privilege-set") => Some(format!(
                "{}<d:privilege><c:schedule-send/></d:privilege>\
                 <d:privilege><c:schedule-query-freebusy/></d:privilege>",
                privileges(false)
            )),
            _ => None,
        },
        Node::Collection(c, state) => collection_value(user, c, state, ns, n),
        Node::Item(c, item) => match (ns, n) {
            (DAV, "resourcetype") => Some(String::new()),
            (DAV, "displayname") => None,
            (DAV, "getetag") => item.etag.as_deref().map(xml::escape),
            (DAV, "getcontenttype") => Some(content_type(c.kind).into()),
            (DAV, "getcontentlength") => item.body.as_ref().map(|b| b.len().to_string()),
            (CALDAV, "calendar-data") if c.kind != Kind::Contacts => {
                item.body.as_deref().map(xml::escape)
            }
            (CARDDAV, "address-data") if c.kind == Kind::Contacts => {
                item.body.as_deref().map(xml::escape)
            }
            _ => None,
        },
    }
}

/// A resource's content type in `kind`.
pub(super) fn content_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Events => "text/calendar; charset=utf-8; component=VEVENT",
        Kind::Tasks => "text/calendar; charset=utf-8; component=VTODO",
        Kind::Contacts => "text/vcard; charset=utf-8",
    }
}

fn collection_value(
    user: &UserPim,
    c: &Collection,
    state: &DavCollectionRow,
    ns: &str,
    n: &str,
) -> Option<String> {
    let max = user.max_resource_size();
    let calendar = c.kind != Kind::Contacts;
    match (ns, n) {
        (DAV, "resourcetype") => Some(if calendar {
            "<d:collection/><c:calendar/>".into()
        } else {
            "<d:collection/><card:addressbook/>".into()
        }),
        (DAV, "displayname") => Some(xml::escape(&c.name)),
        (DAV, "owner") => Some(href(&paths::principal(&user.login))),
        (DAV, "current-user-privilege-set") => Some(privileges(c.writable)),
        (DAV, "sync-token") | (CALSERVER, "getctag") => Some(xml::escape(&sync_token(state))),
        (DAV, "supported-report-set") => Some(if calendar {
            let mut r = vec![
                (CALDAV, "calendar-multiget"),
                (CALDAV, "calendar-query"),
                (DAV, "sync-collection"),
            ];
            if c.kind == Kind::Events {
                r.push((CALDAV, "free-busy-query"));
            }
            reports(&r)
        } else {
            reports(&[
                (CARDDAV, "addressbook-multiget"),
                (CARDDAV, "addressbook-query"),
                (DAV, "sync-collection"),
            ])
        }),
        (CALDAV, "supported-calendar-component-set") if calendar => Some(match c.kind {
            Kind::Tasks => "<c:comp name=\"VTODO\"/>".into(),
            _ => "<c:comp name=\"VEVENT\"/>".into(),
        }),
        (CALDAV, "supported-calendar-data") if calendar => {
            Some("<c:calendar-data content-type=\"text/calendar\" version=\"2.0\"/>".into())
        }
        (CARDDAV, "supported-address-data") if !calendar => Some(
            "<card:address-data-type content-type=\"text/vcard\" version=\"3.0\"/>\
             <card:address-data-type content-type=\"text/vcard\" version=\"4.0\"/>"
                .into(),
        ),
        (CALDAV, "max-resource-size") if calendar => Some(max.to_string()),
        (CARDDAV, "max-resource-size") if !calendar => Some(max.to_string()),
        (CALDAV, "calendar-timezone") if c.kind == Kind::Events => Some(xml::escape(
            &crate::pim::ical::zone_calendar(c.zone, chrono::Utc::now()),
        )),
        (CALDAV, "schedule-calendar-transp") if c.kind == Kind::Events => {
            Some("<c:opaque/>".into())
        }
        (APPLE, "calendar-color") if calendar => c.color.as_deref().map(xml::escape),
        (CALDAV, "calendar-description") if calendar => Some(xml::escape(&c.name)),
        (CARDDAV, "addressbook-description") if !calendar => Some(xml::escape(&c.name)),
        _ => None,
    }
}
