//! Property instructions in, per-property answers out: the `DAV:set` and
//! `DAV:remove` of a PROPPATCH (RFC 4918 §9.2) and of MKCALENDAR (RFC 4791
//! §5.3.1) or extended MKCOL (RFC 5689), and the `DAV:propstat` groups
//! that answer them. Both methods are all or nothing: when one property
//! cannot be set, it is answered 403 and every other 424 Failed
//! Dependency, and nothing is changed.

use std::fmt::Write as _;

use super::xml::{self, DAV, Element, PropName};

/// One instruction: set (with the property's element) or remove.
pub(super) struct Instruction<'a> {
    pub set: bool,
    pub prop: &'a Element,
}

/// The instructions inside `root` (a `DAV:propertyupdate`, `DAV:mkcol` or
/// `CALDAV:mkcalendar`), in document order.
pub(super) fn instructions(root: &Element) -> Vec<Instruction<'_>> {
    let mut out = Vec::new();
    for step in &root.children {
        let set = if step.is(DAV, "set") {
            true
        } else if step.is(DAV, "remove") {
            false
        } else {
            continue;
        };
        for prop in step.children_named(DAV, "prop") {
            out.extend(prop.children.iter().map(|p| Instruction { set, prop: p }));
        }
    }
    out
}

/// What became of one property: its status line and, for a refusal, a
/// sentence for a person.
pub(super) struct Outcome {
    pub name: PropName,
    pub status: &'static str,
    pub why: Option<String>,
}

/// The answers when `refused` (with their reasons) cannot be set: those
/// 403, every other of `all` 424.
pub(super) fn refusals(all: &[PropName], refused: &[(PropName, String)]) -> Vec<Outcome> {
    all.iter()
        .map(|name| match refused.iter().find(|(n, _)| n == name) {
            Some((_, why)) => Outcome {
                name: name.clone(),
                status: "403 Forbidden",
                why: Some(why.clone()),
            },
            None => Outcome {
                name: name.clone(),
                status: "424 Failed Dependency",
                why: None,
            },
        })
        .collect()
}

/// `DAV:propstat` elements for `outcomes`, one per property (each keeps
/// its own sentence).
pub(super) fn propstats(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for o in outcomes {
        let _ = write!(
            out,
            "<d:propstat><d:prop>{}</d:prop><d:status>HTTP/1.1 {}</d:status>",
            o.name.element(""),
            o.status
        );
        if let Some(why) = &o.why {
            let _ = write!(
                out,
                "<d:responsedescription>{}</d:responsedescription>",
                xml::escape(why)
            );
        }
        out.push_str("</d:propstat>");
    }
    out
}

/// Namespace declarations every body written here carries.
pub(super) const NAMESPACES: &str = "xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\" \
     xmlns:card=\"urn:ietf:params:xml:ns:carddav\" xmlns:cs=\"http://calendarserver.org/ns/\" \
     xmlns:ical=\"http://apple.com/ns/ical/\"";

/// A whole body: `<{root} namespaces>{inner}</{root}>`.
pub(super) fn body(root: &str, inner: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<{root} {NAMESPACES}>{inner}</{root}>\n")
}

/// The text of a `displayname` a client set, if it is a usable name.
pub(super) fn display_name(prop: &Element) -> Result<String, String> {
    let name = prop.text.trim();
    if name.is_empty() || name.chars().count() > crate::pim::MAX_NAME_CHARS {
        return Err(format!(
            "a name has 1 to {} characters",
            crate::pim::MAX_NAME_CHARS
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("a name cannot hold control characters".into());
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_keep_their_order_and_refusals_fail_the_rest() {
        let root = xml::parse(
            br#"<d:propertyupdate xmlns:d="DAV:" xmlns:i="http://apple.com/ns/ical/">
                 <d:set><d:prop><d:displayname>Work</d:displayname><i:calendar-color>#ff0000</i:calendar-color></d:prop></d:set>
                 <d:remove><d:prop><x:odd xmlns:x="urn:x"/></d:prop></d:remove>
               </d:propertyupdate>"#,
        )
        .unwrap();
        let steps = instructions(&root);
        let names: Vec<_> = steps
            .iter()
            .map(|i| (i.set, i.prop.name.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                (true, "displayname"),
                (true, "calendar-color"),
                (false, "odd")
            ]
        );
        let all: Vec<_> = steps.iter().map(|i| i.prop.prop_name()).collect();
        let out = refusals(&all, &[(all[2].clone(), "no <such> property".into())]);
        let xml_out = body("d:multistatus", &propstats(&out));
        assert!(xml_out.contains("424 Failed Dependency"), "{xml_out}");
        assert!(xml_out.contains("no &lt;such&gt; property"), "{xml_out}");
        assert!(xml::parse(xml_out.as_bytes()).is_ok(), "{xml_out}");
        assert_eq!(display_name(&steps[0].prop.clone()).unwrap(), "Work");
    }
}
