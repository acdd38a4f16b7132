//! The sentence a failed mail operation gives the person at the client,
//! with the error behind it kept as its `source()` (a Graph failure, a
//! token problem, the store). Fronts show the sentence; logs and callers
//! that need to branch find the cause.

use std::sync::Arc;

use crate::{auth, graph, store};

/// What a mail error says, and why.
#[derive(Debug, Clone)]
pub struct Reason {
    text: String,
    cause: Option<Cause>,
}

/// The error a mail error came from.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Cause {
    #[error(transparent)]
    Graph(#[from] graph::Error),
    #[error(transparent)]
    Auth(#[from] auth::Error),
    #[error(transparent)]
    Store(Arc<store::Error>),
}

impl From<store::Error> for Cause {
    fn from(e: store::Error) -> Cause {
        Cause::Store(Arc::new(e))
    }
}

impl Reason {
    /// `text`, caused by `cause`.
    pub fn because(text: impl Into<String>, cause: impl Into<Cause>) -> Reason {
        Reason {
            text: text.into(),
            cause: Some(cause.into()),
        }
    }

    /// The cause's own sentence, and the cause.
    pub fn of(cause: impl Into<Cause>) -> Reason {
        let cause = cause.into();
        Reason {
            text: cause.to_string(),
            cause: Some(cause),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cause(&self) -> Option<&Cause> {
        self.cause.as_ref()
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Reason {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_ref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

/// Two reasons are the same when they say the same (the cause is for logs).
impl PartialEq for Reason {
    fn eq(&self, other: &Reason) -> bool {
        self.text == other.text
    }
}

impl Eq for Reason {}

impl From<String> for Reason {
    fn from(text: String) -> Reason {
        Reason { text, cause: None }
    }
}

impl From<&str> for Reason {
    fn from(text: &str) -> Reason {
        Reason::from(text.to_string())
    }
}

impl From<Reason> for String {
    fn from(reason: Reason) -> String {
        reason.text
    }
}
