//! Contact paths below a mailbox: `contacts` (the default folder) and
//! `contactFolders` with any depth of `childFolders`, each with its
//! `contacts`, one contact, its `photo` and `photo/$value`, and the two
//! delta functions, turned into a [`ContactOp`] with the endpoint template
//! the stats report.

use axum::http::Method;

use super::error::GraphError;
use super::route::{Segments, is, method_not_allowed};

/// A contact operation on a mailbox. `folder` is the folder the path went
/// through (None: the default folder for collections, any folder for one
/// contact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ContactOp {
    /// `parent` None: the folders below the default one.
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
    List {
        folder: Option<String>,
    },
    Create {
        folder: Option<String>,
    },
    Delta {
        folder: Option<String>,
    },
    Get {
        folder: Option<String>,
        id: String,
    },
    Patch {
        folder: Option<String>,
        id: String,
    },
    Delete {
        folder: Option<String>,
        id: String,
    },
    GetPhoto {
        folder: Option<String>,
        id: String,
    },
    GetPhotoValue {
        folder: Option<String>,
        id: String,
    },
    PutPhotoValue {
        folder: Option<String>,
        id: String,
    },
    DeletePhoto {
        folder: Option<String>,
        id: String,
    },
}

impl ContactOp {
    /// Does this operation change the mailbox?
    pub(crate) fn writes(&self) -> bool {
        matches!(
            self,
            ContactOp::CreateFolder { .. }
                | ContactOp::PatchFolder(_)
                | ContactOp::DeleteFolder(_)
                | ContactOp::Create { .. }
                | ContactOp::Patch { .. }
                | ContactOp::Delete { .. }
                | ContactOp::PutPhotoValue { .. }
                | ContactOp::DeletePhoto { .. }
        )
    }
}

fn only(method: &Method, want: Method, op: ContactOp) -> Result<ContactOp, GraphError> {
    if *method == want {
        Ok(op)
    } else {
        Err(method_not_allowed())
    }
}

fn is_delta(seg: &str) -> bool {
    is(seg, "delta") || is(seg, "delta()")
}

/// Parse the rest of a path whose next segment is `seg` (`contacts` or
/// `contactFolders`, with OData key `key`).
pub(crate) fn parse(
    method: &Method,
    segs: &mut Segments,
    t: &mut String,
    seg: &str,
    key: Option<String>,
) -> Result<ContactOp, GraphError> {
    if is(seg, "contacts") {
        t.push_str("/contacts");
        return parse_contacts(method, segs, t, None, key);
    }
    t.push_str("/contactFolders");
    let mut folder = match key {
        Some(k) => k,
        None => match segs.next() {
            None => {
                return match *method {
                    Method::GET => Ok(ContactOp::ListFolders { parent: None }),
                    Method::POST => Ok(ContactOp::CreateFolder { parent: None }),
                    _ => Err(method_not_allowed()),
                };
            }
            Some((s, _)) if is_delta(&s) => {
                t.push_str("/delta()");
                if !segs.rest_empty() {
                    return Err(GraphError::segment(&s));
                }
                return only(method, Method::GET, ContactOp::FolderDelta);
            }
            Some((s, _)) => s,
        },
    };
    t.push_str("/{contactFolder-id}");
    // Any depth of childFolders/{id}; the last id names the folder.
    while segs.peek_is("childFolders") {
        let (_, k) = segs.next().unwrap_or_default();
        let child = match k {
            Some(k) => Some(k),
            None => segs.next().map(|(s, _)| s),
        };
        match child {
            None => {
                t.push_str("/childFolders");
                return match *method {
                    Method::GET => Ok(ContactOp::ListFolders {
                        parent: Some(folder),
                    }),
                    Method::POST => Ok(ContactOp::CreateFolder {
                        parent: Some(folder),
                    }),
                    _ => Err(method_not_allowed()),
                };
            }
            Some(c) => {
                folder = c;
                t.push_str("/childFolders/{contactFolder-id1}");
            }
        }
    }
    let Some((next, nkey)) = segs.next() else {
        return match *method {
            Method::GET => Ok(ContactOp::GetFolder(folder)),
            Method::PATCH => Ok(ContactOp::PatchFolder(folder)),
            Method::DELETE => Ok(ContactOp::DeleteFolder(folder)),
            _ => Err(method_not_allowed()),
        };
    };
    if is(&next, "contacts") {
        t.push_str("/contacts");
        return parse_contacts(method, segs, t, Some(folder), nkey);
    }
    Err(GraphError::segment(&next))
}

/// Below `contacts`: the collection, its delta, one contact, its photo.
fn parse_contacts(
    method: &Method,
    segs: &mut Segments,
    t: &mut String,
    folder: Option<String>,
    key: Option<String>,
) -> Result<ContactOp, GraphError> {
    let id = match key {
        Some(k) => k,
        None => match segs.next() {
            None => {
                return match *method {
                    Method::GET => Ok(ContactOp::List { folder }),
                    Method::POST => Ok(ContactOp::Create { folder }),
                    _ => Err(method_not_allowed()),
                };
            }
            Some((s, _)) if is_delta(&s) => {
                t.push_str("/delta()");
                if !segs.rest_empty() {
                    return Err(GraphError::segment(&s));
                }
                return only(method, Method::GET, ContactOp::Delta { folder });
            }
            Some((s, _)) => s,
        },
    };
    t.push_str("/{contact-id}");
    let Some((next, _)) = segs.next() else {
        return match *method {
            Method::GET => Ok(ContactOp::Get { folder, id }),
            Method::PATCH => Ok(ContactOp::Patch { folder, id }),
            Method::DELETE => Ok(ContactOp::Delete { folder, id }),
            _ => Err(method_not_allowed()),
        };
    };
    if !is(&next, "photo") {
        return Err(GraphError::segment(&next));
    }
    t.push_str("/photo");
    match segs.next() {
        None => match *method {
            Method::GET => Ok(ContactOp::GetPhoto { folder, id }),
            Method::DELETE => Ok(ContactOp::DeletePhoto { folder, id }),
            _ => Err(method_not_allowed()),
        },
        Some((v, _)) if v == "$value" && segs.rest_empty() => {
            t.push_str("/$value");
            match *method {
                Method::GET => Ok(ContactOp::GetPhotoValue { folder, id }),
                // Microsoft documents PUT and PATCH alike for photos.
                Method::PUT | Method::PATCH => Ok(ContactOp::PutPhotoValue { folder, id }),
                Method::DELETE => Ok(ContactOp::DeletePhoto { folder, id }),
                _ => Err(method_not_allowed()),
            }
        }
        Some((v, _)) => Err(GraphError::segment(&v)),
    }
}
