//! What can go wrong with a calendar, task or contact request, in terms
//! the DAV front turns into status codes and precondition elements.

use crate::graph;

/// The namespaces of the preconditions named in `Precondition`.
pub const DAV_NS: &str = "DAV:";
pub const CALDAV_NS: &str = "urn:ietf:params:xml:ns:caldav";
pub const CARDDAV_NS: &str = "urn:ietf:params:xml:ns:carddav";

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum PimError {
    /// Policy refused (403); the sentence says why.
    #[error("{0}")]
    Denied(String),
    /// Nothing there (404).
    #[error("not found")]
    NotFound,
    /// The collection may only be read (403 with DAV:need-privileges).
    #[error("{0}")]
    ReadOnly(String),
    /// A CalDAV/CardDAV precondition failed (403 or 409 with the named
    /// element in the DAV:error body).
    #[error("{sentence}")]
    Precondition {
        ns: &'static str,
        name: &'static str,
        sentence: String,
    },
    /// Something is already there (405 for a collection made where one
    /// exists).
    #[error("{0}")]
    Exists(String),
    /// Microsoft refuses it for a reason the sentence gives (403): the
    /// default calendar cannot be deleted, say.
    #[error("{0}")]
    Forbidden(String),
    /// It clashes with what the mailbox holds (409): another calendar of
    /// that name, say.
    #[error("{0}")]
    Conflict(String),
    /// If-Match or If-None-Match did not hold (412).
    #[error("{0}")]
    Changed(String),
    /// Sign-in trouble at Microsoft; the sentence names the fix (503).
    #[error("{0}")]
    Unavailable(String),
    /// Graph failed or refused (mapped by its status).
    #[error(transparent)]
    Graph(#[from] graph::Error),
    /// The store failed (500).
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}
