//! The URL space of the DAV front:
//!
//! ```text
//! /.well-known/caldav, /.well-known/carddav   → /dav/ (RFC 6764 §5)
//! /dav/                                       context path
//! /dav/principals/{login}/                    the user's principal
//! /dav/calendars/{login}/                     calendar home: calendars, To Do lists, inbox, outbox
//! /dav/calendars/{login}/{collection}/{name}  one event series or task
//! /dav/addressbooks/{login}/                  address-book home: contact folders
//! /dav/addressbooks/{login}/{collection}/{name}
//! ```
//!
//! Segments are percent-decoded; a login is compared as the accounts layer
//! normalises it.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

pub const ROOT: &str = "/dav/";

/// Which home a collection sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Calendars,
    Addressbooks,
}

impl Home {
    pub fn segment(self) -> &'static str {
        match self {
            Home::Calendars => "calendars",
            Home::Addressbooks => "addressbooks",
        }
    }
}

/// What a request's path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    WellKnown,
    Root,
    Principals,
    Principal(String),
    Home(Home, String),
    Collection(Home, String, String),
    Item(Home, String, String, String),
}

/// Characters escaped in a path segment we write (RFC 3986 pchar, minus
/// what some clients mishandle).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

pub fn encode(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// What `path` (without query) names, or `None` for a path outside ours.
pub fn parse(path: &str) -> Option<Target> {
    if path == "/.well-known/caldav"
        || path == "/.well-known/carddav"
        || path == "/.well-known/caldav/"
        || path == "/.well-known/carddav/"
    {
        return Some(Target::WellKnown);
    }
    if path == "/" {
        return Some(Target::Root);
    }
    let rest = path.strip_prefix("/dav")?;
    let mut segments = Vec::new();
    for s in rest.split('/').filter(|s| !s.is_empty()) {
        let decoded = percent_decode_str(s).decode_utf8().ok()?;
        if decoded == "." || decoded == ".." || decoded.contains('/') || decoded.len() > 512 {
            return None;
        }
        segments.push(decoded.into_owned());
    }
    if !rest.is_empty() && !rest.starts_with('/') {
        return None;
    }
    let mut it = segments.into_iter();
    let first = it.next();
    let Some(first) = first else {
        return Some(Target::Root);
    };
    let home = match first.as_str() {
        "principals" => {
            return match (it.next(), it.next()) {
                (None, _) => Some(Target::Principals),
                (Some(login), None) => Some(Target::Principal(login)),
                _ => None,
            };
        }
        "calendars" => Home::Calendars,
        "addressbooks" => Home::Addressbooks,
        _ => return None,
    };
    match (it.next(), it.next(), it.next(), it.next()) {
        (Some(login), None, _, _) => Some(Target::Home(home, login)),
        (Some(login), Some(c), None, _) => Some(Target::Collection(home, login, c)),
        (Some(login), Some(c), Some(name), None) => Some(Target::Item(home, login, c, name)),
        _ => None,
    }
}

pub fn principal(login: &str) -> String {
    format!("{ROOT}principals/{}/", encode(login))
}

pub fn home(home: Home, login: &str) -> String {
    format!("{ROOT}{}/{}/", home.segment(), encode(login))
}

pub fn collection(h: Home, login: &str, slug: &str) -> String {
    format!("{}{}/", home(h, login), encode(slug))
}

pub fn item(h: Home, login: &str, slug: &str, name: &str) -> String {
    format!("{}{}", collection(h, login, slug), encode(name))
}

/// The path of an `href` a client sent (a full URL or a path), for
/// multiget: the scheme and authority are dropped.
pub fn href_path(href: &str) -> &str {
    let href = href.trim();
    match href.find("://") {
        Some(i) => {
            let after = &href[i + 3..];
            after.find('/').map(|j| &after[j..]).unwrap_or("/")
        }
        None => href,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_targets() {
        assert_eq!(parse("/.well-known/caldav"), Some(Target::WellKnown));
        assert_eq!(parse("/dav/"), Some(Target::Root));
        assert_eq!(parse("/dav"), Some(Target::Root));
        assert_eq!(
            parse("/dav/principals/alice%40contoso.com/"),
            Some(Target::Principal("alice@contoso.com".into()))
        );
        assert_eq!(
            parse("/dav/calendars/alice@contoso.com/calendar/ev%201.ics"),
            Some(Target::Item(
                Home::Calendars,
                "alice@contoso.com".into(),
                "calendar".into(),
                "ev 1.ics".into()
            ))
        );
        assert_eq!(parse("/dav/calendars/a/b/c/d"), None);
        assert_eq!(parse("/dav/calendars/a/%2e%2e/x"), None);
        assert_eq!(parse("/dav/calendars/a/b%2Fc/"), None);
        assert_eq!(parse("/davx/"), None);
        assert_eq!(parse("/other"), None);
    }

    #[test]
    fn written_paths_read_back() {
        let p = item(Home::Addressbooks, "bob@x.com", "a b", "é?.vcf");
        assert_eq!(
            parse(&p),
            Some(Target::Item(
                Home::Addressbooks,
                "bob@x.com".into(),
                "a b".into(),
                "é?.vcf".into()
            ))
        );
        assert_eq!(href_path("https://h:1443/dav/x/"), "/dav/x/");
        assert_eq!(href_path("/dav/x/"), "/dav/x/");
    }
}
