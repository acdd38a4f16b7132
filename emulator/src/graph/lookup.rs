//! Finding what a path names in a mailbox: a folder by id or well-known
//! name, a message by default or immutable id (inside a folder when the path
//! has one), with Graph's 404 for unknown ids and 400 for garbled ones.

use base64::Engine;

use super::error::GraphError;
use crate::mailstore::{Mailbox, StoredMessage};

/// The id of the folder `key` names (an id or a well-known name).
pub(crate) fn resolve(mb: &Mailbox, key: &str) -> Result<String, GraphError> {
    mb.folder(key)
        .map(|f| f.id.clone())
        .ok_or_else(GraphError::item_not_found)
}

/// The message a path names: by id, and inside `folder` when the path has one.
pub(crate) fn find<'m>(
    mb: &'m Mailbox,
    folder: Option<&str>,
    id: &str,
) -> Result<&'m StoredMessage, GraphError> {
    let m = mb.message(id).ok_or_else(|| {
        if well_formed_id(id) {
            GraphError::item_not_found()
        } else {
            GraphError::malformed_id()
        }
    })?;
    if let Some(f) = folder {
        let fid = resolve(mb, f)?;
        if m.folder_id != fid {
            return Err(GraphError::item_not_found());
        }
    }
    Ok(m)
}

/// Does `id` have the shape of an Exchange item id (url-safe base64 of a
/// binary id)? Garbled ids get 400 ErrorInvalidIdMalformed, unknown ones 404.
pub(crate) fn well_formed_id(id: &str) -> bool {
    let engine = base64::engine::general_purpose::URL_SAFE;
    id.len() >= 24 && engine.decode(id).is_ok_and(|b| b.len() >= 16)
}

/// The store key (immutable id) of the message a path names.
pub(crate) fn key_of(mb: &Mailbox, folder: Option<&str>, id: &str) -> Result<String, GraphError> {
    Ok(find(mb, folder, id)?.immutable_id.clone())
}
