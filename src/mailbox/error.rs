//! Why a mail operation failed, as the fronts report it (each variant is one
//! IMAP response code), and how a Graph, store or token failure becomes one.
//! A Graph 404 means what the request was about is gone: a folder ("no such
//! folder") or a message (expunged by someone else). Conversions only
//! convert; the caller logs, once, with `log`.

use super::reason::{Cause, Reason};
use crate::{auth, graph, store};

/// Why a mail operation failed; each front turns it into its reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// No folder by that name (IMAP: NO [NONEXISTENT], or [TRYCREATE] for APPEND/COPY).
    #[error("there is no folder {0}")]
    NoSuchFolder(#[source] Reason),
    #[error("a folder named {0} already exists")]
    AlreadyExists(#[source] Reason),
    /// Policy or Exchange refused (IMAP: NO [NOPERM]); the text says why.
    #[error(transparent)]
    NoPermission(Reason),
    /// The folder was opened read-only (EXAMINE or a read grant).
    #[error("the folder is read-only")]
    ReadOnly,
    /// The operation is not possible for this folder (e.g. deleting INBOX).
    #[error(transparent)]
    CannotDo(Reason),
    /// A message is too big (IMAP: NO [LIMIT] / [TOOBIG]).
    #[error(transparent)]
    TooLarge(Reason),
    /// The message does not exist any more (expunged by someone else).
    #[error("message {0} no longer exists")]
    Gone(u32),
    /// Microsoft-side trouble a person must act on or that passes (IMAP:
    /// NO [UNAVAILABLE]); the text names the fix when there is one.
    #[error(transparent)]
    Unavailable(Reason),
    /// Something unexpected (IMAP: NO [SERVERBUG]).
    #[error(transparent)]
    Internal(Reason),
}

/// What a Graph request was about, which decides what a 404 means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum About {
    /// A folder, or the mailbox's folder tree: the folder is gone.
    Folder,
    /// The message with this UID: someone else expunged it.
    Message(u32),
    /// A message graphgate is creating (APPEND): it vanished half-way.
    NewMessage,
}

impl MailError {
    /// A failure that may pass if tried again later (Microsoft-side
    /// trouble, or something unexpected), as opposed to a refusal.
    pub fn is_temporary(&self) -> bool {
        matches!(self, MailError::Unavailable(_) | MailError::Internal(_))
    }

    /// A failed Graph request about `about` in `mailbox`.
    pub(crate) fn from_graph(mailbox: &str, about: About, e: graph::Error) -> MailError {
        let Some(f) = e.failure() else {
            return match &e {
                graph::Error::Protocol(_) | graph::Error::Encode(_) => {
                    MailError::Internal(Reason::of(e))
                }
                _ => MailError::Unavailable(Reason::of(e)),
            };
        };
        match f.status {
            403 => MailError::NoPermission(Reason::because(
                format!(
                    "Microsoft 365 denies access to the mailbox {mailbox} ({})",
                    f.code
                ),
                e,
            )),
            _ if f.is("ErrorFolderExists") => {
                MailError::AlreadyExists(Reason::because("that name", e))
            }
            404 => {
                let text = format!("(Microsoft 365 no longer has the item: {})", f.code);
                match about {
                    About::Folder => MailError::NoSuchFolder(Reason::because(text, e)),
                    About::Message(uid) => MailError::Gone(uid),
                    About::NewMessage => MailError::Unavailable(Reason::because(
                        format!(
                            "Microsoft 365 lost the new message before its content was stored ({}); try again",
                            f.code
                        ),
                        e,
                    )),
                }
            }
            413 => MailError::TooLarge(Reason::of(e)),
            status if status < 500 && status != 429 => MailError::CannotDo(Reason::because(
                format!("Microsoft 365 refused: {}", f.code),
                e,
            )),
            _ => MailError::Unavailable(Reason::of(e)),
        }
    }

    /// graphgate's store failed: "unavailable" (try again) when the
    /// database cannot be reached, else an internal error pointing at the
    /// log. Either way nothing was acknowledged.
    pub(crate) fn from_store(e: store::Error) -> MailError {
        if e.is_unavailable() {
            MailError::Unavailable(Reason::because(
                "graphgate's database is unavailable; try again shortly",
                e,
            ))
        } else {
            MailError::Internal(Reason::because(
                "graphgate's local store failed; see the gateway log",
                e,
            ))
        }
    }

    /// No token for the account: "unavailable", with the sentence auth
    /// wrote (which names the fix), transient or not.
    pub(crate) fn from_auth(e: auth::Error) -> MailError {
        MailError::Unavailable(Reason::of(e))
    }

    /// The reason, when the variant has one.
    pub fn reason(&self) -> Option<&Reason> {
        match self {
            MailError::NoSuchFolder(r)
            | MailError::AlreadyExists(r)
            | MailError::NoPermission(r)
            | MailError::CannotDo(r)
            | MailError::TooLarge(r)
            | MailError::Unavailable(r)
            | MailError::Internal(r) => Some(r),
            MailError::ReadOnly | MailError::Gone(_) => None,
        }
    }

    /// Tell the operator about a failure of `mailbox` that came from Graph
    /// or the store, at the level it deserves: a failed store is an error,
    /// a refusal or a strange answer from Graph a warning, an outage news.
    /// What the user did wrong (no such folder, no permission) is not logged.
    pub(crate) fn log(&self, mailbox: &str) {
        match (self, self.reason().and_then(Reason::cause)) {
            (_, Some(Cause::Store(e))) => tracing::error!(error = %e, "store failed"),
            (MailError::CannotDo(_), Some(Cause::Graph(e))) => {
                tracing::warn!(mailbox, error = %e, "Graph refused a request")
            }
            (MailError::Internal(_), Some(Cause::Graph(e))) => {
                tracing::warn!(mailbox, error = %e, "unexpected answer from Graph")
            }
            (MailError::Unavailable(_), Some(Cause::Graph(e))) => {
                tracing::info!(mailbox, error = %e, "Graph unavailable")
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;

    use super::*;

    fn graph_404() -> graph::Error {
        graph::Error::Graph(graph::Failure::from_body(
            StatusCode::NOT_FOUND,
            br#"{"error":{"code":"ErrorItemNotFound","message":"gone"}}"#,
            None,
        ))
    }

    #[test]
    fn a_404_means_what_the_request_was_about_is_gone() {
        let folder = MailError::from_graph("a@x", About::Folder, graph_404());
        assert_eq!(
            folder.to_string(),
            "there is no folder (Microsoft 365 no longer has the item: ErrorItemNotFound)"
        );
        assert!(matches!(
            folder.reason().and_then(Reason::cause),
            Some(Cause::Graph(_))
        ));
        assert_eq!(
            MailError::from_graph("a@x", About::Message(7), graph_404()),
            MailError::Gone(7)
        );
        assert!(matches!(
            MailError::from_graph("a@x", About::NewMessage, graph_404()),
            MailError::Unavailable(_)
        ));
    }

    #[test]
    fn the_cause_is_kept_and_the_text_is_the_reply() {
        let e = MailError::from_graph(
            "a@x",
            About::Folder,
            graph::Error::Throttled {
                mailbox: "a@x".into(),
            },
        );
        assert_eq!(
            e.to_string(),
            "Microsoft 365 is throttling requests for a@x; try again in a minute"
        );
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(source, Some(e.to_string()));
        assert_eq!(
            MailError::Unavailable("run login".into()),
            MailError::Unavailable(Reason::of(auth::Error::SignInRequired("run login".into())))
        );
    }
}
