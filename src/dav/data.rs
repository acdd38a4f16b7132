//! What calendar-data and address-data return in a REPORT (RFC 4791 §9.6,
//! RFC 6352 §10.4) and what a GET of a contact returns for its Accept
//! header (RFC 6352 §5.1.1): the stored object, or the same object
//! expanded, limited or cut down to the components and properties named,
//! or a contact in vCard 4.0. The ETag stays the stored object's whatever
//! the shape (docs/carddav.md, docs/caldav.md).

use super::matching::parse_utc;
use super::response;
use super::xml::{self, CALDAV, CARDDAV, DAV};
use crate::pim::ical::{self, Recurrences, Selection, Shape, ShapeError};
use crate::pim::vcard::{self, Version};
use crate::pim::{Collection, Kind};
use crate::store::DavItemRow;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

/// The shape a REPORT asked its data in.
#[derive(Debug, Clone, Default)]
pub(super) struct DataAsk {
    calendar: Shape,
    card: Version,
}

/// An item that cannot be given in the shape asked.
pub(super) enum Unshaped {
    /// The whole answer fails with this.
    Report(Box<Response>),
    /// This resource's response carries this precondition (RFC 6352
    /// §5.1.1.1): (status, namespace, element).
    Item(&'static str, &'static str, &'static str),
}

fn refused(status: StatusCode, ns: &str, name: &str, sentence: &str) -> Box<Response> {
    Box::new(response::error(status, ns, name, sentence))
}

/// Read calendar-data / address-data out of a REPORT's DAV:prop.
pub(super) fn asked(root: &xml::Element) -> Result<DataAsk, Box<Response>> {
    let mut ask = DataAsk::default();
    let Some(prop) = root.child(DAV, "prop") else {
        return Ok(ask);
    };
    if let Some(cd) = prop.child(CALDAV, "calendar-data") {
        let media = cd.attr("content-type").unwrap_or("text/calendar");
        let version = cd.attr("version").unwrap_or("2.0");
        if !media.eq_ignore_ascii_case("text/calendar") || version.trim() != "2.0" {
            return Err(refused(
                StatusCode::FORBIDDEN,
                CALDAV,
                "supported-calendar-data",
                &format!("calendar data is given as text/calendar 2.0, not {media} {version}"),
            ));
        }
        ask.calendar.recurrences = recurrences(cd)?;
        ask.calendar.selection = cd.child(CALDAV, "comp").map(selection);
    }
    if let Some(ad) = prop.child(CARDDAV, "address-data") {
        let media = ad.attr("content-type").unwrap_or("text/vcard");
        let version = ad.attr("version").unwrap_or("3.0");
        ask.card = match Version::from_media_version(version) {
            Some(v) if media.eq_ignore_ascii_case("text/vcard") => v,
            _ => {
                return Err(refused(
                    StatusCode::FORBIDDEN,
                    CARDDAV,
                    "supported-address-data",
                    &format!(
                        "address data is given as text/vcard 3.0 or 4.0, not {media} {version}"
                    ),
                ));
            }
        };
    }
    Ok(ask)
}

fn recurrences(cd: &xml::Element) -> Result<Option<Recurrences>, Box<Response>> {
    let (el, expand) = match (
        cd.child(CALDAV, "expand"),
        cd.child(CALDAV, "limit-recurrence-set"),
    ) {
        (Some(e), _) => (e, true),
        (None, Some(l)) => (l, false),
        (None, None) => return Ok(None),
    };
    let read = |attr: &str| {
        el.attr(attr).and_then(parse_utc).ok_or_else(|| {
            refused(
                StatusCode::BAD_REQUEST,
                CALDAV,
                "valid-calendar-data",
                &format!(
                    "{} needs start and end as UTC date-times such as 20260101T000000Z",
                    el.name
                ),
            )
        })
    };
    let (start, end) = (read("start")?, read("end")?);
    if end <= start {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            CALDAV,
            "valid-calendar-data",
            &format!("the end of {} must be after its start", el.name),
        ));
    }
    Ok(Some(if expand {
        Recurrences::Expand { start, end }
    } else {
        Recurrences::Limit { start, end }
    }))
}

/// A CALDAV:comp element as a selection.
fn selection(comp: &xml::Element) -> Selection {
    let props = if comp.child(CALDAV, "allprop").is_some() {
        None
    } else {
        let names: Vec<String> = comp
            .children_named(CALDAV, "prop")
            .filter_map(|p| p.attr("name"))
            .map(|n| n.to_ascii_uppercase())
            .collect();
        // Neither allprop nor a prop: every property (RFC 4791 §9.6.1
        // leaves it open; the whole component is the useful answer).
        (!names.is_empty()).then_some(names)
    };
    let comps = if comp.child(CALDAV, "allcomp").is_some() {
        None
    } else {
        let list: Vec<Selection> = comp.children_named(CALDAV, "comp").map(selection).collect();
        (!list.is_empty() || props.is_some()).then_some(list)
    };
    Selection {
        name: comp.attr("name").unwrap_or("").to_ascii_uppercase(),
        props,
        comps,
    }
}

/// `item` with its body in the shape asked (its ETag unchanged).
pub(super) fn shaped(
    ask: &DataAsk,
    c: &Collection,
    mut item: DavItemRow,
) -> Result<DavItemRow, Unshaped> {
    let Some(body) = item.body.as_deref() else {
        return Ok(item);
    };
    match c.kind {
        Kind::Contacts if ask.card != Version::default() => {
            let converted = vcard::convert(body, ask.card).ok_or(Unshaped::Item(
                "415 Unsupported Media Type",
                CARDDAV,
                "supported-address-data-conversion",
            ))?;
            item.body = Some(converted);
        }
        Kind::Events | Kind::Tasks if !ask.calendar.is_whole() => {
            let shaped = ical::shape(body, &ask.calendar).map_err(|e| match e {
                ShapeError::TooManyInstances => Unshaped::Report(refused(
                    StatusCode::INSUFFICIENT_STORAGE,
                    DAV,
                    "number-of-matches-within-limits",
                    &format!(
                        "{e}: ask for a shorter range (at most {} instances per event)",
                        ical::MAX_INSTANCES
                    ),
                )),
                ShapeError::Unreadable(_) => Unshaped::Item(
                    "500 Internal Server Error",
                    CALDAV,
                    "supported-calendar-data",
                ),
            })?;
            item.body = Some(shaped);
        }
        _ => {}
    }
    Ok(item)
}

/// The vCard version a GET's Accept header asks for: 3.0 unless a
/// `text/vcard` range names `version=4.0` first; `Err` when every range
/// names a version graphgate cannot give (RFC 6352 §5.1.1.1).
pub(super) fn accepted_version(headers: &HeaderMap) -> Result<Version, ()> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(Version::default());
    };
    let mut ranges: Vec<(f32, Option<Version>, bool)> = Vec::new();
    for range in accept.split(',').take(32) {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut q = 1.0f32;
        let mut version: Option<&str> = None;
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "q" => q = v.trim().parse().unwrap_or(0.0),
                    "version" => version = Some(v.trim()),
                    _ => {}
                }
            }
        }
        if q <= 0.0 || media.is_empty() {
            continue;
        }
        let vcard = matches!(media.as_str(), "text/vcard" | "text/x-vcard");
        let v = match (vcard, version) {
            (true, Some(v)) => Version::from_media_version(v),
            _ => Some(Version::default()),
        };
        ranges.push((q, v, vcard));
    }
    if ranges.is_empty() {
        return Ok(Version::default());
    }
    // Highest q first; among equals, the order given.
    ranges.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    if let Some((_, Some(v), _)) = ranges.iter().find(|r| r.1.is_some()) {
        return Ok(*v);
    }
    Err(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> Result<Version, ()> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, v.parse().unwrap());
        accepted_version(&h)
    }

    #[test]
    fn accept_picks_the_vcard_version() {
        assert_eq!(accepted_version(&HeaderMap::new()), Ok(Version::V3));
        assert_eq!(accept("text/vcard; version=4.0"), Ok(Version::V4));
        assert_eq!(accept("text/vcard;version=\"4.0\""), Ok(Version::V4));
        assert_eq!(accept("text/vcard"), Ok(Version::V3));
        assert_eq!(accept("*/*"), Ok(Version::V3));
        assert_eq!(
            accept("text/vcard;version=3.0;q=0.5, text/vcard;version=4.0"),
            Ok(Version::V4)
        );
        assert_eq!(
            accept("text/vcard;version=5.0, text/vcard;version=4.0;q=0.9"),
            Ok(Version::V4)
        );
        assert_eq!(accept("text/vcard; version=2.1"), Err(()));
    }

    #[test]
    fn calendar_data_is_read_with_its_expand_and_selection() {
        let root = xml::parse(
            br#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop><C:calendar-data>
                <C:comp name="VCALENDAR"><C:prop name="VERSION"/>
                  <C:comp name="VEVENT"><C:prop name="SUMMARY"/><C:prop name="uid"/></C:comp>
                </C:comp>
                <C:expand start="20250101T000000Z" end="20250201T000000Z"/>
              </C:calendar-data></D:prop></C:calendar-query>"#,
        )
        .unwrap();
        let ask = asked(&root).ok().unwrap();
        assert_eq!(
            ask.calendar.recurrences,
            Some(Recurrences::Expand {
                start: 1_735_689_600,
                end: 1_738_368_000
            })
        );
        let sel = ask.calendar.selection.unwrap();
        assert_eq!(sel.props, Some(vec!["VERSION".to_string()]));
        let inner = &sel.comps.as_ref().unwrap()[0];
        assert_eq!(inner.name, "VEVENT");
        assert_eq!(
            inner.props,
            Some(vec!["SUMMARY".to_string(), "UID".to_string()])
        );
        let bad = xml::parse(
            br#"<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop><C:calendar-data><C:expand start="20250101"/></C:calendar-data></D:prop>
              </C:calendar-query>"#,
        )
        .unwrap();
        assert!(asked(&bad).is_err());
        let card = xml::parse(
            br#"<R:addressbook-multiget xmlns:D="DAV:" xmlns:R="urn:ietf:params:xml:ns:carddav">
              <D:prop><R:address-data content-type="text/vcard" version="4.0"/></D:prop>
              </R:addressbook-multiget>"#,
        )
        .unwrap();
        assert_eq!(asked(&card).ok().unwrap().card, Version::V4);
        let odd = xml::parse(
            br#"<R:addressbook-multiget xmlns:D="DAV:" xmlns:R="urn:ietf:params:xml:ns:carddav">
              <D:prop><R:address-data content-type="application/vcard+json"/></D:prop>
              </R:addressbook-multiget>"#,
        )
        .unwrap();
        assert!(asked(&odd).is_err());
    }
}
