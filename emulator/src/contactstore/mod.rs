//! The personal contacts of one emulated mailbox: contact folders (the
//! default "Contacts" folder and the folders below it), contacts with the
//! fields Graph v1.0 shows, their photos, the ids Graph hands out (default
//! ids that change when Outlook moves a contact, immutable ids that do
//! not) and the change log contact delta reads.
//!
//! Every change takes the next value of the store's sequence; a contact
//! that leaves a folder (deleted, or moved elsewhere) leaves a tombstone in
//! it, as mail does, and a deleted folder leaves one in the store.

mod fields;
mod photo;
mod store;

#[cfg(test)]
mod tests;

pub(crate) use fields::{ContactFields, PhysicalAddress, STRING_FIELDS, address_field_mut};
pub(crate) use photo::{MAX_PHOTO_BYTES, Photo, sniff_image};
pub(crate) use store::{ContactFolder, ContactStore, StoredContact};
