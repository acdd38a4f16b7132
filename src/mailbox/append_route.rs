//! How APPEND gets a client's exact bytes into a folder on any tenant. The
//! first route creates the item from JSON (so Exchange records it as
//! received, not as a draft, with the flags only creation can set) and
//! then replaces its MIME with `PUT $value`, which Microsoft documents for
//! drafts only. A tenant that refuses that PUT gets the second route: the
//! half-made item is deleted, the message is created from its MIME (the
//! bytes are kept; Exchange makes it a draft), and one PATCH gives it the
//! flags and date the client asked for, `\Draft` through graphgate's own
//! mark. The answer is remembered for the life of the process (a gateway
//! serves one tenant), so only one APPEND per process probes; a restart
//! probes again and so notices when Microsoft changes its mind.

use std::sync::atomic::{AtomicU8, Ordering};

use chrono::{DateTime, Utc};

use super::error::{About, MailError};
use super::flags::Flags;
use super::graph_flags::{imported, new_message};
use super::reason::Reason;
use crate::graph::{self, Mailbox, MessageItem};

/// The way APPEND stores messages on this tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AppendRoute {
    /// JSON create, then `PUT $value`: a received message, not a draft.
    PutValue,
    /// Create from MIME, then PATCH the flags: Exchange's draft bit is set
    /// (Outlook shows a draft), IMAP clients see the flags they asked for.
    MimeCreate,
}

/// What APPEND learnt about the tenant, shared by every user.
#[derive(Debug, Default)]
pub(crate) struct AppendRoutes {
    /// 0 not known yet, else `AppendRoute as u8 + 1`.
    known: AtomicU8,
    /// Held by the APPEND that probes, so one probe decides for all.
    probe: tokio::sync::Mutex<()>,
}

impl AppendRoutes {
    pub fn known(&self) -> Option<AppendRoute> {
        match self.known.load(Ordering::Acquire) {
            1 => Some(AppendRoute::PutValue),
            2 => Some(AppendRoute::MimeCreate),
            _ => None,
        }
    }

    fn learn(&self, route: AppendRoute) {
        let value = match route {
            AppendRoute::PutValue => 1,
            AppendRoute::MimeCreate => 2,
        };
        if self.known.swap(value, Ordering::AcqRel) != value {
            tracing::info!(?route, "APPEND route for this tenant");
        }
    }
}

/// Where and what APPEND creates.
pub(crate) struct NewItem<'a> {
    pub graph: &'a Mailbox,
    pub mailbox: &'a str,
    pub folder: &'a str,
    pub flags: &'a Flags,
    pub date: DateTime<Utc>,
    pub mime: &'a [u8],
}

/// Create `item` by the tenant's route (probing it on the first APPEND of
/// a message that is not a draft); the answer is the message as Graph
/// then holds it. Nothing is left behind when it fails.
pub(crate) async fn create(
    routes: &AppendRoutes,
    item: &NewItem<'_>,
) -> Result<MessageItem, MailError> {
    // A draft is what `PUT $value` is documented for: its success says
    // nothing about other messages, so it neither probes nor waits.
    let probes = routes.known().is_none() && !item.flags.draft;
    let _probe = if probes {
        Some(routes.probe.lock().await)
    } else {
        None
    };
    if routes.known() == Some(AppendRoute::MimeCreate) {
        return by_mime(item).await;
    }
    match by_put(item).await? {
        Put::Stored(created) => {
            if !item.flags.draft {
                routes.learn(AppendRoute::PutValue);
            }
            Ok(created)
        }
        Put::Refused(e) => {
            tracing::warn!(error = %e, "the tenant refuses PUT $value on a message that is not a draft; APPEND creates messages from MIME instead");
            let created = by_mime(item).await?;
            routes.learn(AppendRoute::MimeCreate);
            Ok(created)
        }
    }
}

enum Put {
    Stored(MessageItem),
    /// The tenant will not replace this item's MIME; the item is gone again.
    Refused(graph::Error),
}

/// JSON create with the flags and date, then the client's bytes.
async fn by_put(item: &NewItem<'_>) -> Result<Put, MailError> {
    let created = item
        .graph
        .create_message(item.folder, new_message(item.flags, item.date))
        .await
        .map_err(|e| creation_failed(item.mailbox, e))?;
    match item.graph.put_mime(&created.id, item.mime).await {
        Ok(()) => Ok(Put::Stored(created)),
        Err(e) => {
            discard(item.graph, &created.id).await;
            if refuses_put(&e) {
                Ok(Put::Refused(e))
            } else {
                Err(failed(item.mailbox, e))
            }
        }
    }
}

/// The client's bytes as a new item, then every flag and the date in one PATCH.
async fn by_mime(item: &NewItem<'_>) -> Result<MessageItem, MailError> {
    let created = item
        .graph
        .create_message_mime(item.folder, item.mime)
        .await
        .map_err(|e| creation_failed(item.mailbox, e))?;
    let change = imported(item.flags, item.date);
    let answer = item
        .graph
        .patch_messages(vec![(created.id.clone(), change)])
        .await
        .pop()
        .unwrap_or_else(|| Err(graph::Error::Protocol(graph::BadAnswer::Shape("no answer"))));
    match answer.and_then(MessageItem::from_answer) {
        Ok(patched) => Ok(patched),
        Err(e) => {
            discard(item.graph, &created.id).await;
            Err(failed(item.mailbox, e))
        }
    }
}

/// Whether Graph's answer to `PUT $value` means "not on this item" (the
/// documented limit to drafts) rather than trouble with the request: a
/// refusal, however it is worded; a MIME create is tried before anything
/// is remembered, so a misread answer costs a request, not a message.
fn refuses_put(e: &graph::Error) -> bool {
    e.failure().is_some_and(|f| {
        matches!(f.status, 400 | 403 | 405 | 501) && !f.is("ErrorMimeContentInvalidBase64String")
    })
}

/// Delete a half-made item (Exchange keeps it in Recoverable Items only).
async fn discard(graph: &Mailbox, id: &str) {
    for result in graph.delete_messages(&[id.to_string()]).await {
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not delete a half-made APPEND item");
        }
    }
}

/// A create that failed; a lost answer may have created the item.
fn creation_failed(mailbox: &str, e: graph::Error) -> MailError {
    if let graph::Error::OutcomeUnknown(_) = e {
        return MailError::Unavailable(Reason::because(
            "Microsoft 365 did not confirm storing the message; check the folder before trying again",
            e,
        ));
    }
    let e = MailError::from_graph(mailbox, About::Folder, e);
    e.log(mailbox);
    e
}

/// A later step that failed (the item was deleted again).
fn failed(mailbox: &str, e: graph::Error) -> MailError {
    let e = MailError::from_graph(mailbox, About::NewMessage, e);
    e.log(mailbox);
    e
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;

    use super::*;
    use crate::graph::Failure;

    fn answer(status: u16, code: &str) -> graph::Error {
        let body = format!(r#"{{"error":{{"code":"{code}","message":"x"}}}}"#);
        graph::Error::Graph(Failure::from_body(
            StatusCode::from_u16(status).unwrap(),
            body.as_bytes(),
            None,
        ))
    }

    #[test]
    fn refusals_are_told_from_trouble() {
        for (status, code, refused) in [
            (400, "ErrorInvalidPropertyUpdateSentMessage", true),
            (400, "ErrorInvalidOperation", true),
            (405, "", true),
            (501, "NotImplemented", true),
            (400, "ErrorMimeContentInvalidBase64String", false),
            (404, "ErrorItemNotFound", false),
            (413, "", false),
            (429, "TooManyRequests", false),
            (503, "serviceNotAvailable", false),
        ] {
            assert_eq!(
                refuses_put(&answer(status, code)),
                refused,
                "{status} {code}"
            );
        }
        assert!(!refuses_put(&graph::Error::Throttled {
            mailbox: "a@x".into()
        }));
    }

    #[test]
    fn routes_are_remembered() {
        let routes = AppendRoutes::default();
        assert_eq!(routes.known(), None);
        routes.learn(AppendRoute::MimeCreate);
        assert_eq!(routes.known(), Some(AppendRoute::MimeCreate));
        routes.learn(AppendRoute::PutValue);
        assert_eq!(routes.known(), Some(AppendRoute::PutValue));
    }
}
