//! XML in and out of the DAV front. Request bodies (PROPFIND, REPORT,
//! PROPPATCH, MKCALENDAR) are read into a small tree with namespaces
//! resolved, bounded in size and depth, with no DOCTYPE (so no entity
//! tricks); answers are written as text with every value escaped.

use std::fmt::Write as _;

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

pub const DAV: &str = "DAV:";
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
pub const CARDDAV: &str = "urn:ietf:params:xml:ns:carddav";
pub const CALSERVER: &str = "http://calendarserver.org/ns/";
pub const APPLE: &str = "http://apple.com/ns/ical/";

/// Elements deeper than this are refused.
const MAX_DEPTH: usize = 48;
/// Elements in one body.
const MAX_ELEMENTS: usize = 20_000;

/// One element: its namespace and local name, attributes, text and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.is(ns, name))
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The element's name as a property name.
    pub fn prop_name(&self) -> PropName {
        PropName {
            ns: self.ns.clone(),
            name: self.name.clone(),
        }
    }
}

/// Why a body could not be read, for the 400 answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the request body is not XML graphgate can read: {0}")]
pub struct XmlError(pub String);

/// Read `body` into its root element.
pub fn parse(body: &[u8]) -> Result<Element, XmlError> {
    let text = std::str::from_utf8(body).map_err(|_| XmlError("not UTF-8".into()))?;
    let mut reader = NsReader::from_str(text);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut count = 0usize;
    let mut root: Option<Element> = None;
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| XmlError(e.to_string()))?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(XmlError("more than one root element".into()));
            }
            Event::Start(ref start) | Event::Empty(ref start) => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err(XmlError("too many or too deeply nested elements".into()));
                }
                let mut element = Element {
                    ns: namespace(&ns),
                    name: String::from_utf8_lossy(start.local_name().as_ref()).into_owned(),
                    ..Element::default()
                };
                for attr in start.attributes().flatten() {
                    let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
                    let value = attr
                        .unescape_value()
                        .map(|v| v.into_owned())
                        .unwrap_or_default();
                    element.attrs.push((key, value));
                }
                if matches!(event, Event::Empty(_)) {
                    close(&mut stack, &mut root, element);
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(XmlError("an end tag without a start".into()));
                };
                close(&mut stack, &mut root, element);
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let t = t.unescape().map_err(|e| XmlError(e.to_string()))?;
                    top.text.push_str(&t);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::DocType(_) => return Err(XmlError("DOCTYPE is not accepted".into())),
            Event::Eof => break,
            _ => {}
        }
    }
    if !stack.is_empty() {
        return Err(XmlError("the body ends inside an element".into()));
    }
    root.ok_or_else(|| XmlError("no root element".into()))
}

fn close(stack: &mut [Element], root: &mut Option<Element>, element: Element) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

fn namespace(ns: &ResolveResult) -> String {
    match ns {
        ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
        _ => String::new(),
    }
}

/// A property's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropName {
    pub ns: String,
    pub name: String,
}

impl PropName {
    pub fn new(ns: &str, name: &str) -> PropName {
        PropName {
            ns: ns.into(),
            name: name.into(),
        }
    }

    pub fn is(&self, ns: &str, name: &str) -> bool {
        self.ns == ns && self.name == name
    }

    /// `<p:name>inner</p:name>` (or empty when `inner` is empty).
    pub fn element(&self, inner: &str) -> String {
        let (open, close) = self.tags();
        if inner.is_empty() {
            format!("{}/>", &open[..open.len() - 1])
        } else {
            format!("{open}{inner}{close}")
        }
    }

    fn tags(&self) -> (String, String) {
        let name = escape(&self.name);
        match prefix(&self.ns) {
            Some(p) => (format!("<{p}:{name}>"), format!("</{p}:{name}>")),
            None if self.ns.is_empty() => (format!("<{name} xmlns=\"\">"), format!("</{name}>")),
            None => (
                format!("<x:{name} xmlns:x=\"{}\">", escape(&self.ns)),
                format!("</x:{name}>"),
            ),
        }
    }
}

fn prefix(ns: &str) -> Option<&'static str> {
    Some(match ns {
        DAV => "d",
        CALDAV => "c",
        CARDDAV => "card",
        CALSERVER => "cs",
        APPLE => "ical",
        _ => return None,
    })
}

/// Text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not allowed in XML 1.0 at all: dropped, not escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

const ROOT_OPEN: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:multistatus xmlns:d=\"DAV:\" \
    xmlns:c=\"urn:ietf:params:xml:ns:caldav\" xmlns:card=\"urn:ietf:params:xml:ns:carddav\" \
    xmlns:cs=\"http://calendarserver.org/ns/\" xmlns:ical=\"http://apple.com/ns/ical/\">";

/// A 207 Multi-Status body being written.
pub struct Multistatus {
    out: String,
}

impl Default for Multistatus {
    fn default() -> Self {
        Multistatus::new()
    }
}

impl Multistatus {
    pub fn new() -> Multistatus {
        Multistatus {
            out: ROOT_OPEN.to_string(),
        }
    }

    /// A response naming properties found (with their inner XML) and not
    /// found (404).
    pub fn propstat(&mut self, href: &str, found: &[(PropName, String)], missing: &[PropName]) {
        let _ = write!(self.out, "<d:response><d:href>{}</d:href>", escape(href));
        if !found.is_empty() {
            self.out.push_str("<d:propstat><d:prop>");
            for (name, inner) in found {
                self.out.push_str(&name.element(inner));
            }
            self.out
                .push_str("</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>");
        }
        if !missing.is_empty() {
            self.out.push_str("<d:propstat><d:prop>");
            for name in missing {
                self.out.push_str(&name.element(""));
            }
            self.out
                .push_str("</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>");
        }
        if found.is_empty() && missing.is_empty() {
            self.out
                .push_str("<d:propstat><d:prop/><d:status>HTTP/1.1 200 OK</d:status></d:propstat>");
        }
        self.out.push_str("</d:response>");
    }

    /// A response with a status and no properties (`404 Not Found` for a
    /// resource gone since a sync token, say).
    pub fn status(&mut self, href: &str, status: &str) {
        let _ = write!(
            self.out,
            "<d:response><d:href>{}</d:href><d:status>HTTP/1.1 {status}</d:status></d:response>",
            escape(href)
        );
    }

    /// A response with a status and the precondition it failed (RFC 4918
    /// §14.24's DAV:error inside DAV:response).
    pub fn error(&mut self, href: &str, status: &str, ns: &str, name: &str) {
        let _ = write!(
            self.out,
            "<d:response><d:href>{}</d:href><d:status>HTTP/1.1 {status}</d:status>\
             <d:error>{}</d:error></d:response>",
            escape(href),
            PropName::new(ns, name).element("")
        );
    }

    /// The body, with a sync token (RFC 6578) if given.
    pub fn finish(mut self, sync_token: Option<&str>) -> String {
        if let Some(token) = sync_token {
            let _ = write!(self.out, "<d:sync-token>{}</d:sync-token>", escape(token));
        }
        self.out.push_str("</d:multistatus>\n");
        self.out
    }
}

/// A `DAV:error` body naming one precondition (RFC 4918 §16), with a
/// sentence for a person in `DAV:responsedescription`-like text.
pub fn error_body(ns: &str, name: &str, sentence: &str) -> String {
    let p = PropName::new(ns, name);
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:error xmlns:d=\"DAV:\" \
         xmlns:c=\"urn:ietf:params:xml:ns:caldav\" xmlns:card=\"urn:ietf:params:xml:ns:carddav\">\
         {}<d:message>{}</d:message></d:error>\n",
        p.element(""),
        escape(sentence)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_resolved_whatever_the_prefixes() {
        let body = br#"<?xml version="1.0"?>
            <A:propfind xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:caldav">
              <A:prop><A:getetag/><B:calendar-data/><unknown xmlns="urn:x"/></A:prop>
            </A:propfind>"#;
        let root = parse(body).unwrap();
        assert!(root.is(DAV, "propfind"));
        let prop = root.child(DAV, "prop").unwrap();
        let names: Vec<_> = prop.children.iter().map(|c| c.prop_name()).collect();
        assert_eq!(
            names,
            vec![
                PropName::new(DAV, "getetag"),
                PropName::new(CALDAV, "calendar-data"),
                PropName::new("urn:x", "unknown"),
            ]
        );
    }

    #[test]
    fn text_is_unescaped_and_doctype_refused() {
        let root = parse(b"<d:href xmlns:d=\"DAV:\">/a%20b/&amp;c</d:href>").unwrap();
        assert_eq!(root.text, "/a%20b/&c");
        let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>";
        assert!(parse(bomb).is_err());
        assert!(parse(b"<a><b></a>").is_err());
        assert!(parse(b"").is_err());
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn multistatus_escapes_and_prefixes() {
        let mut ms = Multistatus::new();
        ms.propstat(
            "/dav/a&b/",
            &[(PropName::new(DAV, "displayname"), escape("Tom & <Jerry>"))],
            &[PropName::new("urn:x", "odd")],
        );
        let body = ms.finish(Some("tok"));
        assert!(body.contains("<d:href>/dav/a&amp;b/</d:href>"), "{body}");
        assert!(body.contains("<d:displayname>Tom &amp; &lt;Jerry&gt;</d:displayname>"));
        assert!(body.contains("<x:odd xmlns:x=\"urn:x\"/>"), "{body}");
        assert!(body.contains("<d:sync-token>tok</d:sync-token></d:multistatus>"));
        // What we write, we can read back.
        assert!(parse(body.as_bytes()).is_ok());
    }
}
