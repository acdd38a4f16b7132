//! A mailbox's contact folders and contacts, with the sequence every change
//! takes and the tombstones removals leave, which contact delta reads.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::fields::ContactFields;
use super::photo::Photo;
use crate::calstore::new_change_key;
use crate::mailstore::new_id;

const FOLDER_PREFIX: &[u8] = &[0x00, 0x0e, 0x00, 0x0c, 0x00];
const IMMUTABLE_PREFIX: &[u8] = &[0x00, 0x09, 0x00, 0x2f, 0x00];
const REST_PREFIX: &[u8] = &[0x00, 0x0e, 0x00, 0x4a, 0x00];

/// A contact that left a folder: its immutable id and the default id it
/// had then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tombstone {
    pub(crate) seq: u64,
    pub(crate) id: String,
    pub(crate) rest: String,
}

/// A contact folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ContactFolder {
    pub(crate) id: String,
    pub(crate) display_name: String,
    /// The default folder's parent is the mailbox root; user folders sit
    /// below the default folder or below each other.
    pub(crate) parent_id: String,
    pub(crate) is_default: bool,
    pub(crate) changed_seq: u64,
    #[serde(default)]
    pub(crate) tombstones: VecDeque<Tombstone>,
    /// Sequence of the newest tombstone forgotten; older delta tokens expire.
    #[serde(default)]
    pub(crate) delta_floor: u64,
}

/// A contact as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredContact {
    /// `Prefer: IdType="ImmutableId"`: never changes.
    pub(crate) immutable_id: String,
    /// The default id: changes when the contact moves to another folder.
    pub(crate) rest_id: String,
    pub(crate) folder_id: String,
    pub(crate) created: DateTime<Utc>,
    pub(crate) modified: DateTime<Utc>,
    pub(crate) change_key: String,
    pub(crate) changed_seq: u64,
    pub(crate) fields: ContactFields,
    #[serde(default)]
    pub(crate) photo: Option<Photo>,
}

/// A sibling folder already has that name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FolderExists;

/// A mailbox's contact folders and contacts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ContactStore {
    pub(crate) folders: Vec<ContactFolder>,
    /// By immutable id.
    pub(crate) contacts: HashMap<String, StoredContact>,
    /// Store-wide change sequence.
    pub(crate) seq: u64,
    /// Deleted folders: (sequence, folder id), for folder delta.
    #[serde(default)]
    pub(crate) folder_tombstones: VecDeque<(u64, String)>,
    #[serde(default)]
    pub(crate) folder_delta_floor: u64,
}

impl ContactStore {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Give the mailbox its default "Contacts" folder (below `root`, the
    /// mailbox's top folder) if it has none.
    pub(crate) fn ensure_default(&mut self, root: &str) {
        if self.folders.iter().any(|f| f.is_default) {
            return;
        }
        let seq = self.next_seq();
        self.folders.insert(
            0,
            ContactFolder {
                id: new_id(FOLDER_PREFIX, 35),
                display_name: "Contacts".into(),
                parent_id: root.to_string(),
                is_default: true,
                changed_seq: seq,
                tombstones: VecDeque::new(),
                delta_floor: 0,
            },
        );
    }

    pub(crate) fn default_folder(&self) -> Option<&ContactFolder> {
        self.folders.iter().find(|f| f.is_default)
    }

    /// A folder by id (case-sensitive, as Graph's ids are).
    pub(crate) fn folder(&self, id: &str) -> Option<&ContactFolder> {
        self.folders.iter().find(|f| f.id == id)
    }

    /// The folders directly below `parent`, in creation order.
    pub(crate) fn children<'a>(
        &'a self,
        parent: &'a str,
    ) -> impl Iterator<Item = &'a ContactFolder> {
        self.folders.iter().filter(move |f| f.parent_id == parent)
    }

    fn name_taken(&self, parent: &str, name: &str, except: &str) -> bool {
        self.children(parent)
            .any(|f| f.id != except && f.display_name.eq_ignore_ascii_case(name))
    }

    /// Add a folder below `parent`.
    pub(crate) fn create_folder(
        &mut self,
        parent: &str,
        name: &str,
    ) -> Result<String, FolderExists> {
        if self.name_taken(parent, name, "") {
            return Err(FolderExists);
        }
        let seq = self.next_seq();
        let id = new_id(FOLDER_PREFIX, 35);
        self.folders.push(ContactFolder {
            id: id.clone(),
            display_name: name.to_string(),
            parent_id: parent.to_string(),
            is_default: false,
            changed_seq: seq,
            tombstones: VecDeque::new(),
            delta_floor: 0,
        });
        Ok(id)
    }

    /// Rename a folder (its id stays).
    pub(crate) fn rename_folder(&mut self, id: &str, name: &str) -> Result<(), FolderExists> {
        let Some(parent) = self.folder(id).map(|f| f.parent_id.clone()) else {
            return Ok(());
        };
        if self.name_taken(&parent, name, id) {
            return Err(FolderExists);
        }
        let seq = self.next_seq();
        if let Some(f) = self.folders.iter_mut().find(|f| f.id == id) {
            f.display_name = name.to_string();
            f.changed_seq = seq;
        }
        Ok(())
    }

    /// `id` and every folder below it.
    fn subtree(&self, id: &str) -> Vec<String> {
        let mut out = vec![id.to_string()];
        let mut i = 0;
        while i < out.len() {
            let parent = out[i].clone();
            out.extend(self.children(&parent).map(|f| f.id.clone()));
            i += 1;
        }
        out
    }

    /// Remove a (non-default) folder with its subfolders and their
    /// contacts; each removed folder leaves a folder tombstone.
    pub(crate) fn delete_folder(&mut self, id: &str, cap: usize) {
        if self.folder(id).is_none_or(|f| f.is_default) {
            return;
        }
        let gone = self.subtree(id);
        self.folders.retain(|f| !gone.contains(&f.id));
        self.contacts.retain(|_, c| !gone.contains(&c.folder_id));
        for fid in gone {
            let seq = self.next_seq();
            self.folder_tombstones.push_back((seq, fid));
        }
        while self.folder_tombstones.len() > cap.max(1) {
            if let Some((seq, _)) = self.folder_tombstones.pop_front() {
                self.folder_delta_floor = seq;
            }
        }
    }

    /// A contact by immutable or default id.
    pub(crate) fn contact(&self, id: &str) -> Option<&StoredContact> {
        self.contacts
            .get(id)
            .or_else(|| self.contacts.values().find(|c| c.rest_id == id))
    }

    /// The contacts of a folder, oldest first.
    pub(crate) fn contacts_in(&self, folder: &str) -> Vec<&StoredContact> {
        let mut v: Vec<&StoredContact> = self
            .contacts
            .values()
            .filter(|c| c.folder_id == folder)
            .collect();
        v.sort_by(|a, b| {
            a.created
                .cmp(&b.created)
                .then_with(|| a.immutable_id.cmp(&b.immutable_id))
        });
        v
    }

    /// Store a new contact in `folder`; its immutable id.
    pub(crate) fn insert(
        &mut self,
        folder: &str,
        fields: ContactFields,
        now: DateTime<Utc>,
    ) -> String {
        let seq = self.next_seq();
        let id = new_id(IMMUTABLE_PREFIX, 40);
        self.contacts.insert(
            id.clone(),
            StoredContact {
                immutable_id: id.clone(),
                rest_id: new_id(REST_PREFIX, 40),
                folder_id: folder.to_string(),
                created: now,
                modified: now,
                change_key: new_change_key(),
                changed_seq: seq,
                fields,
                photo: None,
            },
        );
        id
    }

    /// Record a change to a contact (fields or photo): new change key,
    /// sequence and modification time.
    pub(crate) fn touch(&mut self, key: &str, now: DateTime<Utc>) {
        let seq = self.next_seq();
        if let Some(c) = self.contacts.get_mut(key) {
            c.changed_seq = seq;
            c.change_key = new_change_key();
            c.modified = now;
        }
    }

    fn tombstone(&mut self, folder: &str, id: String, rest: String, cap: usize) {
        let seq = self.next_seq();
        if let Some(f) = self.folders.iter_mut().find(|f| f.id == folder) {
            f.tombstones.push_back(Tombstone { seq, id, rest });
            while f.tombstones.len() > cap.max(1) {
                if let Some(t) = f.tombstones.pop_front() {
                    f.delta_floor = t.seq;
                }
            }
        }
    }

    /// Delete a contact; its folder keeps a tombstone.
    pub(crate) fn remove(&mut self, key: &str, cap: usize) -> Option<StoredContact> {
        let c = self.contacts.remove(key)?;
        self.tombstone(&c.folder_id, c.immutable_id.clone(), c.rest_id.clone(), cap);
        Some(c)
    }

    /// Move a contact to another folder, as Outlook can (Graph v1.0 has no
    /// move for contacts): it gets a new default id, its old folder a
    /// tombstone.
    pub(crate) fn move_contact(&mut self, key: &str, dest: &str, now: DateTime<Utc>, cap: usize) {
        let Some(c) = self.contacts.get(key) else {
            return;
        };
        if c.folder_id == dest || self.folder(dest).is_none() {
            return;
        }
        let (from, id, rest) = (
            c.folder_id.clone(),
            c.immutable_id.clone(),
            c.rest_id.clone(),
        );
        self.tombstone(&from, id, rest, cap);
        if let Some(c) = self.contacts.get_mut(key) {
            c.folder_id = dest.to_string();
            c.rest_id = new_id(REST_PREFIX, 40);
        }
        self.touch(key, now);
    }
}
