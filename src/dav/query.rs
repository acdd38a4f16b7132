//! calendar-query (RFC 4791 §7.8, filters §9.7) and addressbook-query
//! (RFC 6352 §8.6, filters §10.5) over a collection's resources as last
//! synchronised: component and time-range filters (recurrences expanded,
//! RFC 4791 §9.9), property filters with text-match (substring, equals,
//! starts-with, ends-with under i;ascii-casemap, i;unicode-casemap or
//! i;octet) and is-not-defined.

use axum::http::StatusCode;
use axum::response::Response;

use super::data::{self, Unshaped};
use super::matching::{overlaps, parse_utc, property_values};
use super::paths::{self, Home};
use super::propfind::{self, Node};
use super::response;
use super::xml::{self, CALDAV, CARDDAV, Multistatus};
use crate::pim::{Collection, Kind, PimError, UserPim};

pub(super) async fn run(
    user: &UserPim,
    home: Home,
    c: &Collection,
    root: &xml::Element,
) -> Result<Response, PimError> {
    let asked = propfind::props_of(root);
    let filter = root
        .child(CALDAV, "filter")
        .or_else(|| root.child(CARDDAV, "filter"));
    let test = match filter {
        Some(f) if c.kind == Kind::Contacts => match card_filter(f) {
            Ok(t) => t,
            Err(r) => return Ok(*r),
        },
        Some(f) => match cal_filter(f, c.kind) {
            Ok(t) => t,
            Err(r) => return Ok(*r),
        },
        None => Test::All,
    };
    let shape = match data::asked(root) {
        Ok(s) => s,
        Err(r) => return Ok(*r),
    };
    user.sync(c).await?;
    let mut ms = Multistatus::new();
    for item in user.items(c, true).await? {
        let Some(body) = item.body.as_deref() else {
            continue;
        };
        if !test.matches(body) {
            continue;
        }
        let href = paths::item(home, &user.login, &c.slug, &item.name);
        match data::shaped(&shape, c, item) {
            Ok(item) => propfind::write(&mut ms, user, &href, &Node::Item(c, &item), &asked),
            Err(Unshaped::Report(r)) => return Ok(*r),
            Err(Unshaped::Item(status, ns, name)) => ms.error(&href, status, ns, name),
        }
    }
    Ok(response::multistatus(ms.finish(None)))
}

/// A compiled filter.
#[derive(Debug, Clone)]
enum Test {
    All,
    Nothing,
    /// All of these (a component filter's parts) must hold.
    And(Vec<Test>),
    Or(Vec<Test>),
    TimeRange {
        start: Option<i64>,
        end: Option<i64>,
    },
    Prop(PropTest),
}

#[derive(Debug, Clone)]
struct PropTest {
    name: String,
    /// `None`: the property must be absent (is-not-defined).
    text: Option<TextMatch>,
}

#[derive(Debug, Clone)]
struct TextMatch {
    /// Lower-cased unless `exact`.
    needle: String,
    how: MatchType,
    negate: bool,
    /// i;octet: compared byte for byte, case included (RFC 4790 §9.3).
    exact: bool,
}

#[derive(Debug, Clone, Copy)]
enum MatchType {
    Contains,
    Equals,
    StartsWith,
    EndsWith,
}

fn unsupported(sentence: &str, ns: &str) -> Box<Response> {
    Box::new(response::error(
        StatusCode::FORBIDDEN,
        ns,
        "supported-filter",
        sentence,
    ))
}

fn cal_filter(f: &xml::Element, kind: Kind) -> Result<Test, Box<Response>> {
    let Some(vcal) = f.child(CALDAV, "comp-filter") else {
        return Ok(Test::All);
    };
    if !vcal
        .attr("name")
        .is_some_and(|n| n.eq_ignore_ascii_case("VCALENDAR"))
    {
        return Ok(Test::Nothing);
    }
    let mut parts = Vec::new();
    for inner in vcal.children_named(CALDAV, "comp-filter") {
        let name = inner.attr("name").unwrap_or("").to_ascii_uppercase();
        let ours = match kind {
            Kind::Tasks => "VTODO",
            _ => "VEVENT",
        };
        let defined = inner.child(CALDAV, "is-not-defined").is_none();
        if name != ours {
            // Our resources hold only `ours`: another component is never
            // there (and so "not defined" always holds).
            parts.push(if defined { Test::Nothing } else { Test::All });
            continue;
        }
        if !defined {
            parts.push(Test::Nothing);
            continue;
        }
        if let Some(tr) = inner.child(CALDAV, "time-range") {
            parts.push(time_range(tr)?);
        }
        for pf in inner.children_named(CALDAV, "prop-filter") {
            parts.push(prop_filter(pf, CALDAV)?);
        }
        if inner.child(CALDAV, "comp-filter").is_some() {
            return Err(unsupported(
                "filters on components inside events or tasks (VALARM) are not supported",
                CALDAV,
            ));
        }
    }
    Ok(Test::And(parts))
}

fn card_filter(f: &xml::Element) -> Result<Test, Box<Response>> {
    let any = f
        .attr("test")
        .is_some_and(|t| t.eq_ignore_ascii_case("anyof"));
    let mut parts = Vec::new();
    for pf in f.children_named(CARDDAV, "prop-filter") {
        parts.push(prop_filter(pf, CARDDAV)?);
    }
    if parts.is_empty() {
        return Ok(Test::All);
    }
    Ok(if any {
        Test::Or(parts)
    } else {
        Test::And(parts)
    })
}

fn prop_filter(pf: &xml::Element, ns: &str) -> Result<Test, Box<Response>> {
    let name = pf.attr("name").unwrap_or("").to_ascii_uppercase();
    if name.is_empty() {
        return Err(unsupported("a prop-filter needs a name", ns));
    }
    if pf.child(ns, "is-not-defined").is_some() {
        return Ok(Test::Prop(PropTest { name, text: None }));
    }
    if pf.child(ns, "param-filter").is_some() || pf.child(CALDAV, "time-range").is_some() {
        return Err(unsupported(
            "parameter filters and time ranges on properties are not supported",
            ns,
        ));
    }
    let mut texts = Vec::new();
    for tm in pf.children_named(ns, "text-match") {
        let collation = tm.attr("collation").unwrap_or("i;ascii-casemap");
        if !matches!(
            collation,
            "i;ascii-casemap" | "i;unicode-casemap" | "i;octet"
        ) {
            return Err(Box::new(response::error(
                StatusCode::FORBIDDEN,
                ns,
                "supported-collation",
                &format!("the collation {collation} is not supported"),
            )));
        }
        let how = match tm.attr("match-type").unwrap_or("contains") {
            "equals" => MatchType::Equals,
            "starts-with" => MatchType::StartsWith,
            "ends-with" => MatchType::EndsWith,
            _ => MatchType::Contains,
        };
        texts.push(Test::Prop(PropTest {
            name: name.clone(),
            text: Some(TextMatch {
                needle: if collation == "i;octet" {
                    tm.text.clone()
                } else {
                    tm.text.to_lowercase()
                },
                how,
                negate: tm.attr("negate-condition").is_some_and(|v| v == "yes"),
                exact: collation == "i;octet",
            }),
        }));
    }
    if texts.is_empty() {
        // Defined, whatever its value.
        return Ok(Test::Prop(PropTest {
            name: name.clone(),
            text: Some(TextMatch {
                needle: String::new(),
                how: MatchType::Contains,
                negate: false,
                exact: false,
            }),
        }));
    }
    let any = pf
        .attr("test")
        .is_some_and(|t| t.eq_ignore_ascii_case("anyof"));
    Ok(if any {
        Test::Or(texts)
    } else {
        Test::And(texts)
    })
}

fn time_range(tr: &xml::Element) -> Result<Test, Box<Response>> {
    let read = |attr: &str| -> Result<Option<i64>, Box<Response>> {
        match tr.attr(attr) {
            None => Ok(None),
            Some(v) => parse_utc(v).map(Some).ok_or_else(|| {
                Box::new(response::error(
                    StatusCode::FORBIDDEN,
                    CALDAV,
                    "valid-filter",
                    &format!("{v:?} is not a UTC date-time such as 20260101T000000Z"),
                ))
            }),
        }
    };
    let (start, end) = (read("start")?, read("end")?);
    if start.is_none() && end.is_none() {
        return Err(Box::new(response::error(
            StatusCode::FORBIDDEN,
            CALDAV,
            "valid-filter",
            "a time-range needs a start or an end",
        )));
    }
    Ok(Test::TimeRange { start, end })
}

impl Test {
    fn matches(&self, body: &str) -> bool {
        match self {
            Test::All => true,
            Test::Nothing => false,
            Test::And(parts) => parts.iter().all(|p| p.matches(body)),
            Test::Or(parts) => parts.iter().any(|p| p.matches(body)),
            Test::TimeRange { start, end } => overlaps(body, *start, *end),
            Test::Prop(p) => p.matches(body),
        }
    }
}

impl PropTest {
    fn matches(&self, body: &str) -> bool {
        let values = property_values(body, &self.name);
        match &self.text {
            None => values.is_empty(),
            Some(tm) => {
                if values.is_empty() {
                    return false;
                }
                let hit = values.iter().any(|v| {
                    let v = if tm.exact {
                        v.clone()
                    } else {
                        v.to_lowercase()
                    };
                    match tm.how {
                        MatchType::Contains => v.contains(&tm.needle),
                        MatchType::Equals => v == tm.needle,
                        MatchType::StartsWith => v.starts_with(&tm.needle),
                        MatchType::EndsWith => v.ends_with(&tm.needle),
                    }
                });
                hit != tm.negate
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::matching::WEEKLY;
    use super::*;

    #[test]
    fn text_matches_unfold_and_unescape() {
        let folded = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nitem1.EMAIL;TYPE=\"a:b\":ann@exa\r\n mple.com\r\nEND:VCARD\r\n";
        assert_eq!(property_values(folded, "EMAIL"), vec!["ann@example.com"]);
        assert_eq!(property_values(WEEKLY, "summary"), vec!["Team, weekly"]);
        let t = PropTest {
            name: "SUMMARY".into(),
            text: Some(TextMatch {
                needle: "team,".into(),
                how: MatchType::StartsWith,
                negate: false,
                exact: false,
            }),
        };
        assert!(t.matches(WEEKLY));
        // i;octet minds the case.
        let exact = |needle: &str| PropTest {
            name: "SUMMARY".into(),
            text: Some(TextMatch {
                needle: needle.into(),
                how: MatchType::Contains,
                negate: false,
                exact: true,
            }),
        };
        assert!(exact("Team").matches(WEEKLY));
        assert!(!exact("team").matches(WEEKLY));
        let absent = PropTest {
            name: "LOCATION".into(),
            text: None,
        };
        assert!(absent.matches(WEEKLY));
    }
}
