//! The CalDAV client the bench drives the gateway with, and its reading
//! of the multistatus answers.

use super::*;

/// One `<d:response>` of a multistatus.
#[derive(Debug, Default)]
pub(crate) struct Resp {
    pub(crate) href: String,
    pub(crate) etag: Option<String>,
    pub(crate) data: Option<String>,
    pub(crate) status: Option<String>,
}

pub(crate) fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let at = s.find(open)? + open.len();
    let end = s[at..].find(close)?;
    Some(&s[at..at + end])
}

pub(crate) fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The responses of a multistatus as the gateway writes it (prefixes `d:`
/// for DAV, `c:` for CalDAV) and its sync token, if any.
pub(crate) fn parse(body: &str) -> (Vec<Resp>, Option<String>) {
    let mut out = Vec::new();
    for chunk in body.split("<d:response>").skip(1) {
        out.push(Resp {
            href: unescape(between(chunk, "<d:href>", "</d:href>").unwrap_or_default()),
            etag: between(chunk, "<d:getetag>", "</d:getetag>").map(unescape),
            data: between(chunk, "<c:calendar-data>", "</c:calendar-data>").map(unescape),
            status: between(chunk, "<d:status>", "</d:status>").map(str::to_string),
        });
    }
    let token = body
        .rfind("<d:sync-token>")
        .and_then(|at| between(&body[at..], "<d:sync-token>", "</d:sync-token>"))
        .map(unescape);
    (out, token)
}

pub(crate) struct Dav {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) collection: String,
}

impl Dav {
    /// A request on `path` (absolute, or relative to the server); the
    /// multistatus parsed.
    pub(crate) async fn ask(
        &self,
        method: &str,
        path: &str,
        depth: Option<&str>,
        body: String,
    ) -> (Vec<Resp>, Option<String>) {
        let mut rb = self
            .http
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", self.base),
            )
            .basic_auth(ALICE, Some(PASSWORD))
            .header("Content-Type", "application/xml; charset=utf-8")
            .body(body);
        if let Some(d) = depth {
            rb = rb.header("Depth", d);
        }
        let r = rb.send().await.expect("the DAV front answers");
        let status = r.status();
        let text = r.text().await.expect("a body");
        assert_eq!(status.as_u16(), 207, "{method} {path}: {text}");
        parse(&text)
    }

    /// PROPFIND Depth 1 of the calendar with getetag: the resources.
    pub(crate) async fn etags(&self) -> Vec<Resp> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontenttype/><d:getetag/></d:prop></d:propfind>"#;
        let (all, _) = self
            .ask("PROPFIND", &self.collection, Some("1"), body.into())
            .await;
        all.into_iter()
            .filter(|r| r.href.ends_with(".ics"))
            .collect()
    }

    pub(crate) async fn multiget(&self, hrefs: &[String]) -> Vec<Resp> {
        let mut body = String::from(
            r#"<?xml version="1.0" encoding="utf-8"?>
<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>"#,
        );
        for h in hrefs {
            body.push_str(&format!("<d:href>{h}</d:href>"));
        }
        body.push_str("</c:calendar-multiget>");
        self.ask("REPORT", &self.collection, Some("1"), body)
            .await
            .0
    }

    pub(crate) async fn sync_token(&self) -> String {
        let body = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>"#;
        let (_, token) = self
            .ask("PROPFIND", &self.collection, Some("0"), body.into())
            .await;
        token.expect("a sync-token")
    }

    /// sync-collection from `token`: the responses and the new token.
    pub(crate) async fn sync_collection(&self, token: &str) -> (Vec<Resp>, String) {
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#
        );
        let (r, t) = self.ask("REPORT", &self.collection, Some("1"), body).await;
        (r, t.expect("a sync-token in the answer"))
    }
}
