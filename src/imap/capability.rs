//! CAPABILITY, and the capability list itself, which the greeting and the
//! reply to a successful login carry too. What is offered depends on the
//! state: STARTTLS and the login mechanisms (or LOGINDISABLED) only before
//! logging in, COMPRESS=DEFLATE only after (as Dovecot: the command needs a
//! logged-in session).

use imap_types::core::{Atom, Vec1};
use imap_types::response::{Capability, Data};

use super::acl;
use super::backend::Backend;
use super::conn::Conn;
use super::reply::Reply;

/// The capabilities for a session logged in or not.
pub(super) fn capabilities<B: Backend>(
    conn: &Conn<'_, B>,
    logged_in: bool,
) -> Vec1<Capability<'static>> {
    let mut caps = vec!["IMAP4rev1", "IMAP4rev2"];
    if !logged_in {
        if conn.tls.is_some() && !conn.wire.is_tls() {
            caps.push("STARTTLS");
        }
        if conn.login_allowed() {
            caps.extend(["AUTH=PLAIN", "SASL-IR"]);
            if conn.backend.bearer_offered() {
                caps.extend(["AUTH=OAUTHBEARER", "AUTH=XOAUTH2"]);
            }
        } else {
            caps.push("LOGINDISABLED");
        }
    }
    caps.extend([
        "LITERAL+",
        "ID",
        "ENABLE",
        "IDLE",
        "NAMESPACE",
        "UNSELECT",
        "UIDPLUS",
        "MULTIAPPEND",
        "CATENATE",
        "MOVE",
        "CHILDREN",
        "SPECIAL-USE",
        "LIST-EXTENDED",
        "LIST-STATUS",
        "STATUS=SIZE",
        "UTF8=ACCEPT",
        "CONDSTORE",
        "QRESYNC",
        "WITHIN",
        "BINARY",
        "SORT",
        "SORT=DISPLAY",
        "THREAD=ORDEREDSUBJECT",
        "THREAD=REFERENCES",
        "ESEARCH",
        "SEARCHRES",
        "ESORT",
        "ACL",
        acl::RIGHTS_CAPABILITY,
        "OBJECTID",
    ]);
    if logged_in {
        caps.push("COMPRESS=DEFLATE");
    }
    let mut out: Vec<Capability<'static>> = caps
        .into_iter()
        .filter_map(|c| Atom::try_from(c).ok().map(Capability::from))
        .collect();
    let appendlimit = format!("APPENDLIMIT={}", conn.settings.max_literal_bytes);
    if let Ok(atom) = Atom::try_from(appendlimit) {
        out.push(Capability::from(atom));
    }
    Vec1::try_from(out).unwrap_or_else(|_| Vec1::from(Capability::Imap4Rev1))
}

/// CAPABILITY (RFC 3501 §6.1.1).
pub(super) fn capability<B: Backend>(conn: &mut Conn<'_, B>, logged_in: bool) -> Reply {
    let capabilities = capabilities(conn, logged_in);
    conn.wire.data(Data::Capability(capabilities));
    Reply::ok("CAPABILITY completed")
}
