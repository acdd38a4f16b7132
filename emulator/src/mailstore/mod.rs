//! One emulated Exchange mailbox: folders, items, ids, and the change log that
//! delta queries read.
//!
//! Every message is kept as its MIME bytes plus the state Exchange keeps next
//! to it (read, flag, categories, draft, extended properties). Each change
//! takes the next value of a mailbox-wide sequence; removals leave tombstones
//! in the folder they left, so a delta round is "everything with a sequence
//! above my token" and an evicted tombstone means the token has expired.

mod folder;
mod item;
mod mailbox;

pub(crate) use folder::{Folder, Removal};
pub(crate) use item::{FlagStatus, ItemClass, StoredMessage};
pub(crate) use mailbox::{Mailbox, new_id};
