//! Turn a Graph URL path into an operation on a mailbox.
//!
//! Graph's paths come in two forms (`/me/...` and `/users/{id|upn}/...`),
//! accept OData key syntax (`mailFolders('inbox')`), function syntax
//! (`delta()`) and case-insensitive segment names, so they are parsed by hand
//! here rather than by the HTTP router.

use axum::http::Method;
use percent_encoding::percent_decode_str;

use super::cal_route::{self, CalOp};
use super::contact_route::{self, ContactOp};
use super::error::GraphError;
use super::settings_route;
use super::todo_route::{self, TodoOp};

/// Which mailbox a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MailboxRef {
    Me,
    User(String),
}

/// Reply-like actions on a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyKind {
    Reply,
    ReplyAll,
    Forward,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    GetUser,
    /// `mailboxSettings`, or only its `timeZone` (`true`).
    GetMailboxSettings(bool),
    ListFolders {
        parent: Option<String>,
    },
    CreateFolder {
        parent: Option<String>,
    },
    GetFolder(String),
    PatchFolder(String),
    DeleteFolder(String),
    FolderDelta,
    MoveFolder(String),
    CopyFolder(String),
    PermanentDeleteFolder(String),
    ListMessages {
        folder: Option<String>,
    },
    CreateMessage {
        folder: Option<String>,
    },
    MessageDelta {
        folder: Option<String>,
    },
    GetMessage {
        folder: Option<String>,
        id: String,
    },
    PatchMessage {
        folder: Option<String>,
        id: String,
    },
    DeleteMessage {
        folder: Option<String>,
        id: String,
    },
    GetMime {
        folder: Option<String>,
        id: String,
    },
    PutMime {
        folder: Option<String>,
        id: String,
    },
    MoveMessage(String),
    CopyMessage(String),
    SendDraft(String),
    PermanentDeleteMessage(String),
    CreateReply(String, ReplyKind),
    ReplyNow(String, ReplyKind),
    ListAttachments(String),
    CreateAttachment(String),
    GetAttachment(String, String),
    DeleteAttachment(String, String),
    GetAttachmentValue(String, String),
    CreateUploadSession(String),
    SendMail,
    TranslateIds,
    /// Calendars and events (`cal_route.rs`).
    Cal(CalOp),
    /// Contact folders, contacts and photos (`contact_route.rs`).
    Contact(ContactOp),
    /// To Do lists and tasks (`todo_route.rs`).
    Todo(TodoOp),
}

impl Op {
    /// Does this operation change the mailbox?
    pub(crate) fn writes(&self) -> bool {
        match self {
            Op::Cal(c) => return c.writes(),
            Op::Contact(c) => return c.writes(),
            Op::Todo(t) => return t.writes(),
            _ => {}
        }
        !matches!(
            self,
            Op::GetUser
                | Op::GetMailboxSettings(_)
                | Op::ListFolders { .. }
                | Op::GetFolder(_)
                | Op::FolderDelta
                | Op::ListMessages { .. }
                | Op::MessageDelta { .. }
                | Op::GetMessage { .. }
                | Op::GetMime { .. }
                | Op::ListAttachments(_)
                | Op::GetAttachment(..)
                | Op::GetAttachmentValue(..)
                | Op::TranslateIds
        )
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub mailbox: MailboxRef,
    pub op: Op,
    /// The endpoint as the OpenAPI names it, with the method:
    /// `GET /users/{user-id}/mailFolders/{mailFolder-id}/messages`.
    pub template: String,
}

/// Split `name('key')` into its name and key.
fn split_key(seg: &str) -> (String, Option<String>) {
    if let Some(open) = seg.find('(')
        && seg.ends_with(')')
    {
        let name = &seg[..open];
        let inner = &seg[open + 1..seg.len() - 1];
        let inner = inner.trim();
        let key = inner
            .strip_prefix('\'')
            .and_then(|s| s.strip_suffix('\''))
            .unwrap_or(inner);
        let key = key.replace("''", "'");
        return (
            name.to_string(),
            if key.is_empty() { None } else { Some(key) },
        );
    }
    (seg.to_string(), None)
}

/// The segments of a path, each split into name and OData key.
pub(crate) struct Segments {
    items: Vec<(String, Option<String>)>,
    pos: usize,
}

impl Segments {
    pub(crate) fn next(&mut self) -> Option<(String, Option<String>)> {
        let s = self.items.get(self.pos).cloned();
        self.pos += 1;
        s
    }
    pub(crate) fn peek_is(&self, name: &str) -> bool {
        self.items
            .get(self.pos)
            .is_some_and(|(n, _)| n.eq_ignore_ascii_case(name))
    }
    pub(crate) fn rest_empty(&self) -> bool {
        self.pos >= self.items.len()
    }
}

pub(crate) fn is(seg: &str, name: &str) -> bool {
    seg.eq_ignore_ascii_case(name)
}

/// Parse a path below `/v1.0` (e.g. `/me/mailFolders('inbox')/messages`).
pub(crate) fn parse(method: &Method, path: &str) -> Result<Route, GraphError> {
    let raw: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let mut segs = Segments {
        items: raw.iter().map(|s| split_key(s)).collect(),
        pos: 0,
    };
    let mut t = String::from("/users/{user-id}");
    let (first, key) = segs
        .next()
        .ok_or_else(|| GraphError::bad_request("Invalid request."))?;
    let mailbox = if is(&first, "me") {
        MailboxRef::Me
    } else if is(&first, "users") {
        match key {
            Some(k) => MailboxRef::User(k),
            None => {
                let (u, _) = segs.next().ok_or_else(|| GraphError::segment("users"))?;
                MailboxRef::User(u)
            }
        }
    } else {
        return Err(GraphError::segment(&first));
    };
    let op = parse_mailbox_path(method, &mut segs, &mut t)?;
    Ok(Route {
        mailbox,
        op,
        template: format!("{} {}", method.as_str(), t),
    })
}

pub(crate) fn method_not_allowed() -> GraphError {
    GraphError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
}

fn parse_mailbox_path(
    method: &Method,
    segs: &mut Segments,
    t: &mut String,
) -> Result<Op, GraphError> {
    let Some((seg, key)) = segs.next() else {
        return match *method {
            Method::GET => Ok(Op::GetUser),
            _ => Err(method_not_allowed()),
        };
    };
    if is(&seg, "mailFolders") {
        t.push_str("/mailFolders");
        let folder = match key {
            Some(k) => Some(k),
            None if segs.rest_empty() => None,
            None if segs.peek_is("delta") || segs.peek_is("delta()") => {
                segs.next();
                t.push_str("/delta()");
                if !segs.rest_empty() {
                    return Err(GraphError::segment("delta"));
                }
                return match *method {
                    Method::GET => Ok(Op::FolderDelta),
                    _ => Err(method_not_allowed()),
                };
            }
            None => segs.next().map(|(s, _)| s),
        };
        let Some(mut folder) = folder else {
            return match *method {
                Method::GET => Ok(Op::ListFolders { parent: None }),
                Method::POST => Ok(Op::CreateFolder { parent: None }),
                _ => Err(method_not_allowed()),
            };
        };
        t.push_str("/{mailFolder-id}");
        // Any depth of childFolders/{id}; the last id names the folder.
        loop {
            if segs.peek_is("childFolders") {
                let (_, k) = segs.next().unwrap_or_default();
                let child = match k {
                    Some(k) => Some(k),
                    None if segs.rest_empty() => None,
                    None => segs.next().map(|(s, _)| s),
                };
                match child {
                    None => {
                        t.push_str("/childFolders");
                        return match *method {
                            Method::GET => Ok(Op::ListFolders {
                                parent: Some(folder),
                            }),
                            Method::POST => Ok(Op::CreateFolder {
                                parent: Some(folder),
                            }),
                            _ => Err(method_not_allowed()),
                        };
                    }
                    Some(c) => {
                        folder = c;
                        t.push_str("/childFolders/{mailFolder-id1}");
                    }
                }
            } else {
                break;
            }
        }
        let Some((next, nkey)) = segs.next() else {
            return match *method {
                Method::GET => Ok(Op::GetFolder(folder)),
                Method::PATCH => Ok(Op::PatchFolder(folder)),
                Method::DELETE => Ok(Op::DeleteFolder(folder)),
                _ => Err(method_not_allowed()),
            };
        };
        if is(&next, "messages") {
            t.push_str("/messages");
            return parse_messages(method, segs, t, Some(folder), nkey);
        }
        let op = match (method.clone(), next.to_ascii_lowercase().as_str()) {
            (Method::POST, "move") => Op::MoveFolder(folder),
            (Method::POST, "copy") => Op::CopyFolder(folder),
            (Method::POST, "permanentdelete") => Op::PermanentDeleteFolder(folder),
            (_, "move" | "copy" | "permanentdelete") => return Err(method_not_allowed()),
            _ => return Err(GraphError::segment(&next)),
        };
        t.push('/');
        t.push_str(&next);
        if !segs.rest_empty() {
            return Err(GraphError::segment(&next));
        }
        return Ok(op);
    }
    if is(&seg, "messages") {
        t.push_str("/messages");
        return parse_messages(method, segs, t, None, key);
    }
    if ["calendar", "calendars", "events", "calendarView"]
        .iter()
        .any(|n| is(&seg, n))
    {
        return cal_route::parse(method, segs, t, &seg, key).map(Op::Cal);
    }
    if is(&seg, "contacts") || is(&seg, "contactFolders") {
        return contact_route::parse(method, segs, t, &seg, key).map(Op::Contact);
    }
    if is(&seg, "todo") && key.is_none() {
        return todo_route::parse(method, segs, t).map(Op::Todo);
    }
    if is(&seg, "mailboxSettings") {
        return settings_route::parse(method, segs, t);
    }
    if is(&seg, "sendMail") {
        t.push_str("/sendMail");
        return match *method {
            Method::POST if segs.rest_empty() => Ok(Op::SendMail),
            Method::POST => Err(GraphError::segment("sendMail")),
            _ => Err(method_not_allowed()),
        };
    }
    if is(&seg, "translateExchangeIds") {
        t.push_str("/translateExchangeIds");
        return match *method {
            Method::POST => Ok(Op::TranslateIds),
            _ => Err(method_not_allowed()),
        };
    }
    Err(GraphError::segment(&seg))
}

fn parse_messages(
    method: &Method,
    segs: &mut Segments,
    t: &mut String,
    folder: Option<String>,
    key: Option<String>,
) -> Result<Op, GraphError> {
    let id = match key {
        Some(k) => k,
        None => match segs.next() {
            None => {
                return match *method {
                    Method::GET => Ok(Op::ListMessages { folder }),
                    Method::POST => Ok(Op::CreateMessage { folder }),
                    _ => Err(method_not_allowed()),
                };
            }
            Some((s, _)) if is(&s, "delta") || is(&s, "delta()") => {
                t.push_str("/delta()");
                return match *method {
                    Method::GET if segs.rest_empty() => Ok(Op::MessageDelta { folder }),
                    Method::GET => Err(GraphError::segment("delta")),
                    _ => Err(method_not_allowed()),
                };
            }
            Some((s, _)) => s,
        },
    };
    t.push_str("/{message-id}");
    let Some((action, akey)) = segs.next() else {
        return match *method {
            Method::GET => Ok(Op::GetMessage { folder, id }),
            Method::PATCH => Ok(Op::PatchMessage { folder, id }),
            Method::DELETE => Ok(Op::DeleteMessage { folder, id }),
            _ => Err(method_not_allowed()),
        };
    };
    let lower = action.to_ascii_lowercase();
    if lower == "attachments" {
        t.push_str("/attachments");
        let att = match akey {
            Some(k) => Some(k),
            None => segs.next().map(|(s, _)| s),
        };
        let Some(att) = att else {
            return match *method {
                Method::GET => Ok(Op::ListAttachments(id)),
                Method::POST => Ok(Op::CreateAttachment(id)),
                _ => Err(method_not_allowed()),
            };
        };
        if is(&att, "createUploadSession") {
            t.push_str("/createUploadSession");
            return match *method {
                Method::POST => Ok(Op::CreateUploadSession(id)),
                _ => Err(method_not_allowed()),
            };
        }
        t.push_str("/{attachment-id}");
        return match segs.next() {
            None => match *method {
                Method::GET => Ok(Op::GetAttachment(id, att)),
                Method::DELETE => Ok(Op::DeleteAttachment(id, att)),
                _ => Err(method_not_allowed()),
            },
            Some((v, _)) if v == "$value" => {
                t.push_str("/$value");
                match *method {
                    Method::GET => Ok(Op::GetAttachmentValue(id, att)),
                    _ => Err(method_not_allowed()),
                }
            }
            Some((v, _)) => Err(GraphError::segment(&v)),
        };
    }
    if !segs.rest_empty() {
        return Err(GraphError::segment(&action));
    }
    if action == "$value" {
        t.push_str("/$value");
        return match *method {
            Method::GET => Ok(Op::GetMime { folder, id }),
            Method::PUT => Ok(Op::PutMime { folder, id }),
            _ => Err(method_not_allowed()),
        };
    }
    let op = match lower.as_str() {
        "move" => Op::MoveMessage(id),
        "copy" => Op::CopyMessage(id),
        "send" => Op::SendDraft(id),
        "permanentdelete" => Op::PermanentDeleteMessage(id),
        "createreply" => Op::CreateReply(id, ReplyKind::Reply),
        "createreplyall" => Op::CreateReply(id, ReplyKind::ReplyAll),
        "createforward" => Op::CreateReply(id, ReplyKind::Forward),
        "reply" => Op::ReplyNow(id, ReplyKind::Reply),
        "replyall" => Op::ReplyNow(id, ReplyKind::ReplyAll),
        "forward" => Op::ReplyNow(id, ReplyKind::Forward),
        _ => return Err(GraphError::segment(&action)),
    };
    if *method != Method::POST {
        return Err(method_not_allowed());
    }
    t.push('/');
    t.push_str(&action);
    Ok(op)
}

#[cfg(test)]
mod tests {
    use super::super::cal_route::{CalRef, Reply};
    use super::*;

    #[test]
    fn parses_the_forms_graph_accepts() {
        let cases: &[(&str, &str, Op, &str)] = &[
            (
                "GET",
                "/me/mailFolders",
                Op::ListFolders { parent: None },
                "GET /users/{user-id}/mailFolders",
            ),
            (
                "GET",
                "/users/alice@contoso.test/mailFolders('inbox')/messages",
                Op::ListMessages {
                    folder: Some("inbox".into()),
                },
                "GET /users/{user-id}/mailFolders/{mailFolder-id}/messages",
            ),
            (
                "GET",
                "/me/mailfolders('AQMk')/messages/delta",
                Op::MessageDelta {
                    folder: Some("AQMk".into()),
                },
                "GET /users/{user-id}/mailFolders/{mailFolder-id}/messages/delta()",
            ),
            (
                "GET",
                "/me/mailFolders/delta()",
                Op::FolderDelta,
                "GET /users/{user-id}/mailFolders/delta()",
            ),
            (
                "GET",
                "/me/mailFolders/a/childFolders/b/messages/m1/$value",
                Op::GetMime {
                    folder: Some("b".into()),
                    id: "m1".into(),
                },
                "GET /users/{user-id}/mailFolders/{mailFolder-id}/childFolders/{mailFolder-id1}/messages/{message-id}/$value",
            ),
            (
                "POST",
                "/users('bob@contoso.test')/messages/m1/move",
                Op::MoveMessage("m1".into()),
                "POST /users/{user-id}/messages/{message-id}/move",
            ),
            (
                "POST",
                "/me/messages/m1/attachments/createUploadSession",
                Op::CreateUploadSession("m1".into()),
                "POST /users/{user-id}/messages/{message-id}/attachments/createUploadSession",
            ),
            (
                "POST",
                "/me/sendMail",
                Op::SendMail,
                "POST /users/{user-id}/sendMail",
            ),
            ("GET", "/me", Op::GetUser, "GET /users/{user-id}"),
            (
                "GET",
                "/me/calendar/events",
                Op::Cal(CalOp::ListEvents(CalRef::Default)),
                "GET /users/{user-id}/calendar/events",
            ),
            (
                "GET",
                "/users/bob@contoso.test/calendars('c1')/calendarView/delta()",
                Op::Cal(CalOp::ViewDelta(CalRef::Id("c1".into()))),
                "GET /users/{user-id}/calendars/{calendar-id}/calendarView/delta()",
            ),
            (
                "POST",
                "/me/events/e1/tentativelyAccept",
                Op::Cal(CalOp::Respond("e1".into(), Reply::Tentative)),
                "POST /users/{user-id}/events/{event-id}/tentativelyAccept",
            ),
            (
                "GET",
                "/me/events/e1/instances",
                Op::Cal(CalOp::Instances("e1".into())),
                "GET /users/{user-id}/events/{event-id}/instances",
            ),
            (
                "PATCH",
                "/me/calendars/c1/events/e1",
                Op::Cal(CalOp::PatchEvent {
                    cal: Some(CalRef::Id("c1".into())),
                    id: "e1".into(),
                }),
                "PATCH /users/{user-id}/calendars/{calendar-id}/events/{event-id}",
            ),
            (
                "POST",
                "/users/alice@contoso.test/calendar/getSchedule",
                Op::Cal(CalOp::GetSchedule),
                "POST /users/{user-id}/calendar/getSchedule",
            ),
        ];
        for (m, p, op, tpl) in cases {
            let r = parse(&Method::from_bytes(m.as_bytes()).unwrap(), p).unwrap();
            assert_eq!(&r.op, op, "{p}");
            assert_eq!(&r.template, tpl, "{p}");
        }
    }

    #[test]
    fn refuses_unknown_segments_and_methods() {
        for (m, p) in [
            ("GET", "/me/calendarGroups"),
            ("GET", "/me/events/delta"),
            ("PUT", "/me/calendar"),
            ("GET", "/me/calendars/c1/bogus"),
            ("GET", "/groups/x/messages"),
            ("PUT", "/me/messages/m1"),
            ("GET", "/me/messages/m1/bogus"),
            ("GET", "/me/sendMail"),
            ("GET", "/"),
        ] {
            assert!(
                parse(&Method::from_bytes(m.as_bytes()).unwrap(), p).is_err(),
                "{m} {p}"
            );
        }
    }
}
