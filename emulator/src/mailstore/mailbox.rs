//! A mailbox: its folders and items, the ids Graph shows for them (default
//! ids that change on move, immutable ids that do not), and the change
//! sequence every write takes, which is what delta queries compare against.

use std::collections::{BTreeMap, HashMap, VecDeque};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::folder::{Folder, ROOT_NAME, Removal, Tombstone, WELL_KNOWN_FOLDERS};
use super::item::{FlagStatus, ItemClass, StoredMessage};
use crate::calstore::CalendarStore;
use crate::contactstore::ContactStore;
use crate::props::props_from_mime;
use crate::todostore::TodoStore;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Mailbox {
    pub owner: Uuid,
    pub upn: String,
    pub folders: Vec<Folder>,
    pub messages: HashMap<String, StoredMessage>,
    /// Current REST id → immutable id.
    #[serde(skip)]
    pub rest_index: HashMap<String, String>,
    /// Mailbox-wide change sequence.
    pub seq: u64,
    /// Folders that were deleted: (sequence, folder id), for folder delta.
    #[serde(default)]
    pub folder_tombstones: VecDeque<(u64, String)>,
    #[serde(default)]
    pub folder_delta_floor: u64,
    /// Bumped by the control API to expire every delta token of this mailbox
    /// (mail and calendar ones alike).
    #[serde(default)]
    pub delta_epoch: u64,
    /// The mailbox's calendars and events (absent from tenants saved
    /// before calendars existed; `reindex` gives them a default calendar).
    #[serde(default)]
    pub calendar: CalendarStore,
    /// The mailbox's contact folders and contacts (absent from tenants
    /// saved before contacts existed; `reindex` gives them a default
    /// "Contacts" folder).
    #[serde(default)]
    pub contacts: ContactStore,
    /// The mailbox's To Do lists and tasks (likewise; `reindex` gives them
    /// the two built-in lists).
    #[serde(default)]
    pub todo: TodoStore,
    /// `mailboxSettings.timeZone`: the zone the user picked in Outlook, a
    /// Windows name (absent from older saved tenants: UTC).
    #[serde(default = "utc_zone")]
    pub time_zone: String,
}

fn utc_zone() -> String {
    "UTC".to_string()
}

/// A fresh opaque id in Graph's alphabet: a fixed prefix, then url-safe base64
/// with `=` padding.
pub(crate) fn new_id(prefix: &[u8], random_len: usize) -> String {
    let mut b = prefix.to_vec();
    let mut r = vec![0u8; random_len];
    rand::rng().fill_bytes(&mut r);
    b.extend_from_slice(&r);
    URL_SAFE.encode(b)
}

const FOLDER_ID_PREFIX: &[u8] = &[0x01, 0x03, 0x24, 0x00];
const IMMUTABLE_PREFIX: &[u8] = &[0x00, 0x09, 0x00, 0x2e, 0x00];
const REST_PREFIX: &[u8] = &[0x00, 0x03, 0x24, 0x00, 0x06];

impl Mailbox {
    /// A new mailbox with the well-known folders.
    pub(crate) fn new(owner: Uuid, upn: &str) -> Mailbox {
        let mut mb = Mailbox {
            owner,
            upn: upn.to_string(),
            folders: Vec::new(),
            messages: HashMap::new(),
            rest_index: HashMap::new(),
            seq: 0,
            folder_tombstones: VecDeque::new(),
            folder_delta_floor: 0,
            delta_epoch: 0,
            calendar: CalendarStore::default(),
            contacts: ContactStore::default(),
            todo: TodoStore::default(),
            time_zone: utc_zone(),
        };
        let root = Folder {
            id: new_id(FOLDER_ID_PREFIX, 29),
            display_name: "Top of Information Store".into(),
            parent_id: String::new(),
            well_known: Some(ROOT_NAME.into()),
            is_hidden: false,
            changed_seq: 0,
            tombstones: VecDeque::new(),
            delta_floor: 0,
        };
        let root_id = root.id.clone();
        mb.folders.push(root);
        mb.calendar.ensure_default();
        mb.contacts.ensure_default(&root_id);
        mb.todo.ensure_built_in();
        for (wk, name, hidden) in WELL_KNOWN_FOLDERS {
            let seq = mb.next_seq();
            mb.folders.push(Folder {
                id: new_id(FOLDER_ID_PREFIX, 29),
                display_name: name.into(),
                parent_id: root_id.clone(),
                well_known: Some(wk.into()),
                is_hidden: hidden,
                changed_seq: seq,
                tombstones: VecDeque::new(),
                delta_floor: 0,
            });
        }
        mb
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Rebuild indexes after loading.
    pub(crate) fn reindex(&mut self) {
        self.calendar.ensure_default();
        let root = self.root_id().to_string();
        self.contacts.ensure_default(&root);
        self.todo.ensure_built_in();
        self.rest_index = self
            .messages
            .values()
            .map(|m| (m.rest_id.clone(), m.immutable_id.clone()))
            .collect();
    }

    pub(crate) fn root_id(&self) -> &str {
        &self.folders[0].id
    }

    /// Resolve a folder id or a well-known name (case-insensitive).
    pub(crate) fn folder(&self, key: &str) -> Option<&Folder> {
        self.folders.iter().find(|f| f.id == key).or_else(|| {
            self.folders.iter().find(|f| {
                f.well_known
                    .as_deref()
                    .is_some_and(|w| w.eq_ignore_ascii_case(key))
            })
        })
    }

    pub(crate) fn folder_mut(&mut self, key: &str) -> Option<&mut Folder> {
        let id = self.folder(key)?.id.clone();
        self.folders.iter_mut().find(|f| f.id == id)
    }

    pub(crate) fn well_known_id(&self, name: &str) -> String {
        self.folder(name).map(|f| f.id.clone()).unwrap_or_default()
    }

    pub(crate) fn children(&self, parent_id: &str) -> impl Iterator<Item = &Folder> {
        let parent_id = parent_id.to_string();
        self.folders
            .iter()
            .filter(move |f| f.parent_id == parent_id)
    }

    /// Is `id` the folder `ancestor` or below it?
    pub(crate) fn is_within(&self, id: &str, ancestor: &str) -> bool {
        let mut cur = id.to_string();
        for _ in 0..256 {
            if cur == ancestor {
                return true;
            }
            match self.folders.iter().find(|f| f.id == cur) {
                Some(f) if !f.parent_id.is_empty() => cur = f.parent_id.clone(),
                _ => return false,
            }
        }
        false
    }

    /// Find a message by immutable or current REST id.
    pub(crate) fn message_key(&self, id: &str) -> Option<String> {
        if self
            .messages
            .get(id)
            .is_some_and(|m| m.class == ItemClass::Message)
        {
            return Some(id.to_string());
        }
        let key = self.rest_index.get(id)?;
        self.messages
            .get(key)
            .filter(|m| m.class == ItemClass::Message)
            .map(|m| m.immutable_id.clone())
    }

    pub(crate) fn message(&self, id: &str) -> Option<&StoredMessage> {
        let k = self.message_key(id)?;
        self.messages.get(&k)
    }

    fn rest_id_for(&self, immutable: &str, moves: u32) -> String {
        let mut h = Sha256::new();
        h.update(self.owner.as_bytes());
        h.update(immutable.as_bytes());
        h.update(moves.to_be_bytes());
        let d = h.finalize();
        let mut b = REST_PREFIX.to_vec();
        b.extend_from_slice(&d[..]);
        b.extend_from_slice(&d[..2]);
        URL_SAFE.encode(b)
    }

    /// Store a new item in `folder_id`. Returns its immutable id.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert(
        &mut self,
        folder_id: &str,
        mime: Bytes,
        is_read: bool,
        is_draft: bool,
        received: DateTime<Utc>,
        now: DateTime<Utc>,
        creation_flags: u32,
        class: ItemClass,
    ) -> String {
        let immutable_id = new_id(IMMUTABLE_PREFIX, 40);
        let rest_id = self.rest_id_for(&immutable_id, 0);
        let seq = self.next_seq();
        let props = props_from_mime(&mime);
        let msg = StoredMessage {
            immutable_id: immutable_id.clone(),
            rest_id: rest_id.clone(),
            moves: 0,
            folder_id: folder_id.to_string(),
            class,
            mime_sha: hex::encode(Sha256::digest(&mime)),
            mime,
            importance: None,
            props,
            is_read,
            is_draft,
            flag: FlagStatus::NotFlagged,
            categories: Vec::new(),
            inference_focused: true,
            received,
            created: now,
            modified: now,
            change_counter: 1,
            changed_seq: seq,
            arrived_seq: seq,
            ext: BTreeMap::new(),
            creation_flags,
        };
        self.rest_index.insert(rest_id, immutable_id.clone());
        self.messages.insert(immutable_id.clone(), msg);
        self.touch_folder(folder_id, seq);
        immutable_id
    }

    fn touch_folder(&mut self, folder_id: &str, seq: u64) {
        if let Some(f) = self.folders.iter_mut().find(|f| f.id == folder_id) {
            f.changed_seq = seq;
        }
    }

    fn tombstone(&mut self, folder_id: &str, id: &str, rest: &str, reason: Removal, cap: usize) {
        let seq = self.next_seq();
        if let Some(f) = self.folders.iter_mut().find(|f| f.id == folder_id) {
            f.tombstones.push_back(Tombstone {
                seq,
                id: id.to_string(),
                rest: rest.to_string(),
                reason: match reason {
                    Removal::Deleted => "deleted".into(),
                    Removal::Moved => "changed".into(),
                },
            });
            while f.tombstones.len() > cap {
                if let Some(t) = f.tombstones.pop_front() {
                    f.delta_floor = t.seq;
                }
            }
            f.changed_seq = seq;
        }
    }

    /// Move an item to another folder; its REST id changes, its immutable id stays.
    /// `reason` is what the folder it leaves reports to delta.
    pub(crate) fn move_message(&mut self, key: &str, dest: &str, now: DateTime<Utc>, cap: usize) {
        self.relocate(key, dest, now, cap, Removal::Moved);
    }

    /// Move an item, reporting it to the folder it leaves as `reason`.
    pub(crate) fn relocate(
        &mut self,
        key: &str,
        dest: &str,
        now: DateTime<Utc>,
        cap: usize,
        reason: Removal,
    ) {
        let Some(m) = self.messages.get(key) else {
            return;
        };
        let from = m.folder_id.clone();
        if from == dest {
            return;
        }
        let old_rest = m.rest_id.clone();
        let moves = m.moves + 1;
        let new_rest = self.rest_id_for(key, moves);
        self.tombstone(&from, key, &old_rest, reason, cap);
        let seq = self.next_seq();
        self.rest_index.remove(&old_rest);
        self.rest_index.insert(new_rest.clone(), key.to_string());
        if let Some(m) = self.messages.get_mut(key) {
            m.folder_id = dest.to_string();
            m.rest_id = new_rest;
            m.moves = moves;
            m.arrived_seq = seq;
            m.touch(seq, now);
        }
        self.touch_folder(dest, seq);
    }

    /// Copy an item; the copy is a new item with new ids.
    pub(crate) fn copy_message(
        &mut self,
        key: &str,
        dest: &str,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let src = self.messages.get(key)?.clone();
        let id = self.insert(
            dest,
            src.mime.clone(),
            src.is_read,
            src.is_draft,
            src.received,
            now,
            src.creation_flags,
            src.class,
        );
        if let Some(m) = self.messages.get_mut(&id) {
            m.flag = src.flag;
            m.categories = src.categories;
            m.importance = src.importance;
            m.ext = src.ext;
        }
        Some(id)
    }

    /// Remove an item from the mailbox as far as clients can see.
    pub(crate) fn remove_message(&mut self, key: &str, cap: usize) -> Option<StoredMessage> {
        let m = self.messages.remove(key)?;
        self.rest_index.remove(&m.rest_id);
        self.tombstone(&m.folder_id, key, &m.rest_id, Removal::Deleted, cap);
        Some(m)
    }

    /// Record a change to an item's state (read, flag, categories, ...).
    pub(crate) fn touch_message(&mut self, key: &str, now: DateTime<Utc>) {
        let seq = self.next_seq();
        let folder = match self.messages.get_mut(key) {
            Some(m) => {
                m.touch(seq, now);
                m.folder_id.clone()
            }
            None => return,
        };
        self.touch_folder(&folder, seq);
    }

    /// Items of a folder (messages and other items), newest received first.
    pub(crate) fn folder_items(&self, folder_id: &str) -> Vec<&StoredMessage> {
        let mut v: Vec<&StoredMessage> = self
            .messages
            .values()
            .filter(|m| m.folder_id == folder_id)
            .collect();
        v.sort_by(|a, b| {
            b.received
                .cmp(&a.received)
                .then_with(|| a.immutable_id.cmp(&b.immutable_id))
        });
        v
    }

    /// (totalItemCount, unreadItemCount) of a folder; both count every item class.
    pub(crate) fn counts(&self, folder_id: &str) -> (u64, u64) {
        let mut total = 0;
        let mut unread = 0;
        for m in self.messages.values().filter(|m| m.folder_id == folder_id) {
            total += 1;
            if !m.is_read {
                unread += 1;
            }
        }
        (total, unread)
    }

    pub(crate) fn create_folder(&mut self, parent_id: &str, name: &str, hidden: bool) -> String {
        let seq = self.next_seq();
        let id = new_id(FOLDER_ID_PREFIX, 29);
        self.folders.push(Folder {
            id: id.clone(),
            display_name: name.to_string(),
            parent_id: parent_id.to_string(),
            well_known: None,
            is_hidden: hidden,
            changed_seq: seq,
            tombstones: VecDeque::new(),
            delta_floor: 0,
        });
        self.touch_folder(parent_id, seq);
        id
    }

    /// Remove a folder and everything below it for good.
    pub(crate) fn purge_folder(&mut self, id: &str, cap: usize) {
        let doomed: Vec<String> = self
            .folders
            .iter()
            .filter(|f| self.is_within(&f.id, id))
            .map(|f| f.id.clone())
            .collect();
        let items: Vec<String> = self
            .messages
            .values()
            .filter(|m| doomed.contains(&m.folder_id))
            .map(|m| m.immutable_id.clone())
            .collect();
        for k in items {
            if let Some(m) = self.messages.remove(&k) {
                self.rest_index.remove(&m.rest_id);
            }
        }
        for f in &doomed {
            let seq = self.next_seq();
            self.folder_tombstones.push_back((seq, f.clone()));
        }
        while self.folder_tombstones.len() > cap {
            if let Some((s, _)) = self.folder_tombstones.pop_front() {
                self.folder_delta_floor = s;
            }
        }
        self.folders.retain(|f| !doomed.contains(&f.id));
    }

    /// Ensure every message has its MIME-derived properties (after loading).
    pub(crate) fn derive_all(&mut self) {
        for m in self.messages.values_mut() {
            m.props = props_from_mime(&m.mime);
        }
    }
}
