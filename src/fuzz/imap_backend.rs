//! An in-memory mail store behind the IMAP session's `Backend` traits, so
//! the fuzzer drives the real session code (framing, every command, the
//! replies) at thousands of sessions a second without Graph. One login,
//! `fuzz` / `fuzz`; a few folders (one read-only); INBOX holds the MIME
//! corpus. Every execution gets a fresh store, so runs are reproducible.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};

use crate::accounts::{Account, LoginError};
use crate::imap::backend::{Backend, OpenFolder, UserFolders};
use crate::mailbox::flags::{FlagName, Flags};
use crate::mailbox::names::SpecialUse;
use crate::mailbox::object_id::ObjectId;
use crate::mailbox::{
    CopyResult, FolderInfo, FolderRights, FolderStatus, MailError, MessageIds, MessageMeta,
    NewMessage, Snapshot, StoreOp, Stored,
};
use crate::secret::Secret;

/// Bounds that keep one fuzzed session small.
const MAX_FOLDERS: usize = 32;
const MAX_MESSAGES: usize = 64;

#[derive(Debug, Clone)]
struct Held {
    uid: u32,
    flags: Flags,
    date: DateTime<Utc>,
    mime: Bytes,
    modseq: u64,
}

#[derive(Debug, Clone)]
struct Folder {
    uidvalidity: u32,
    uidnext: u32,
    messages: Vec<Held>,
    read_only: bool,
    /// The folder's mod-sequence counter, and the UIDs removed with theirs.
    modseq: u64,
    removed: Vec<(u32, u64)>,
}

impl Folder {
    fn new(uidvalidity: u32) -> Folder {
        Folder {
            uidvalidity,
            uidnext: 1,
            messages: Vec::new(),
            read_only: false,
            modseq: 1,
            removed: Vec::new(),
        }
    }

    /// The next mod-sequence, for one change.
    fn tick(&mut self) -> u64 {
        self.modseq += 1;
        self.modseq
    }

    /// Remove `uids`, remembering when.
    fn remove(&mut self, uids: &[u32]) {
        let modseq = self.tick();
        self.messages.retain(|m| !uids.contains(&m.uid));
        self.removed.extend(uids.iter().map(|&u| (u, modseq)));
    }

    fn add(&mut self, mime: Bytes, flags: Flags, date: DateTime<Utc>) -> u32 {
        let uid = self.uidnext;
        self.uidnext += 1;
        let modseq = self.tick();
        self.messages.push(Held {
            uid,
            flags,
            date,
            mime,
            modseq,
        });
        uid
    }
}

#[derive(Debug, Default)]
struct Store {
    folders: BTreeMap<String, Folder>,
    subscribed: BTreeSet<String>,
    /// Per folder, the highest UID already seen as `\Recent`.
    recent_floor: BTreeMap<String, u32>,
}

type Shared = Arc<Mutex<Store>>;

fn lock(store: &Shared) -> MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The backend of one fuzzed session.
#[derive(Clone)]
pub(crate) struct MemoryBackend {
    store: Shared,
}

impl MemoryBackend {
    /// INBOX with `messages`, Sent, Archive, INBOX/Sub and a read-only
    /// shared folder.
    pub(crate) fn new(messages: &[Bytes]) -> MemoryBackend {
        let mut store = Store::default();
        let date = Utc
            .with_ymd_and_hms(2026, 11, 2, 9, 30, 0)
            .single()
            .unwrap_or_default();
        let mut inbox = Folder::new(1001);
        for (i, mime) in messages.iter().take(MAX_MESSAGES).enumerate() {
            let flags = Flags {
                seen: i % 2 == 0,
                flagged: i % 3 == 0,
                keywords: BTreeSet::from(["$Label1".to_string()]),
                ..Flags::default()
            };
            inbox.add(mime.clone(), flags, date);
        }
        store.folders.insert("INBOX".into(), inbox);
        for (n, name) in ["Sent", "Archive", "INBOX/Sub", "Drafts"]
            .iter()
            .enumerate()
        {
            store
                .folders
                .insert((*name).into(), Folder::new(2000 + n as u32));
        }
        let mut shared = Folder::new(3000);
        shared.read_only = true;
        if let Some(first) = messages.first() {
            shared.add(first.clone(), Flags::default(), date);
        }
        store
            .folders
            .insert("Shared/sales@contoso.test/INBOX".into(), shared);
        store.subscribed.insert("INBOX".into());
        MemoryBackend {
            store: Arc::new(Mutex::new(store)),
        }
    }
}

impl Backend for MemoryBackend {
    type User = MemoryUser;

    async fn authenticate(
        &self,
        login: &str,
        password: &Secret,
        _peer: IpAddr,
    ) -> Result<Account, LoginError> {
        super::fuzz_login(login, password)
    }

    async fn still_signed_in(&self, _account: &Account) -> Result<(), String> {
        Ok(())
    }

    async fn open_user(&self, _account: &Account) -> Result<MemoryUser, MailError> {
        Ok(MemoryUser {
            store: self.store.clone(),
        })
    }
}

pub(crate) struct MemoryUser {
    store: Shared,
}

fn no_such(name: &str) -> MailError {
    MailError::NoSuchFolder(name.to_string().into())
}

impl UserFolders for MemoryUser {
    type Folder = MemoryFolder;

    fn has_shared(&self) -> bool {
        true
    }

    fn login(&self) -> &str {
        "fuzz"
    }

    async fn rights(&self, name: &str) -> Result<FolderRights, MailError> {
        if name == "Shared" || name == "Shared/sales@contoso.test" {
            return Ok(FolderRights::default());
        }
        let store = lock(&self.store);
        let folder = store.folders.get(name).ok_or_else(|| no_such(name))?;
        let change = !folder.read_only;
        Ok(FolderRights {
            read: true,
            change,
            create_children: change,
            remove: change && name != "INBOX",
        })
    }

    async fn list(&self) -> Result<Vec<FolderInfo>, MailError> {
        let store = lock(&self.store);
        let names: Vec<&String> = store.folders.keys().collect();
        let mut out: Vec<FolderInfo> = names
            .iter()
            .map(|name| FolderInfo {
                name: (*name).clone(),
                special_use: match name.as_str() {
                    "Sent" => Some(SpecialUse::Sent),
                    "Archive" => Some(SpecialUse::Archive),
                    "Drafts" => Some(SpecialUse::Drafts),
                    _ => None,
                },
                has_children: names.iter().any(|n| n.starts_with(&format!("{name}/"))),
                selectable: true,
                subscribed: store.subscribed.contains(*name),
                exists: true,
            })
            .collect();
        for placeholder in ["Shared", "Shared/sales@contoso.test"] {
            out.push(FolderInfo {
                name: placeholder.into(),
                special_use: None,
                has_children: true,
                selectable: false,
                subscribed: false,
                exists: true,
            });
        }
        Ok(out)
    }

    async fn status(&self, name: &str) -> Result<FolderStatus, MailError> {
        let store = lock(&self.store);
        let folder = store.folders.get(name).ok_or_else(|| no_such(name))?;
        Ok(FolderStatus {
            messages: folder.messages.len() as u32,
            recent: 0,
            unseen: folder.messages.iter().filter(|m| !m.flags.seen).count() as u32,
            uidnext: folder.uidnext,
            uidvalidity: folder.uidvalidity,
            highestmodseq: folder.modseq,
            deleted: folder.messages.iter().filter(|m| m.flags.deleted).count() as u32,
            size: 0,
            mailbox_id: ObjectId::of(name),
        })
    }

    async fn create(&self, name: &str) -> Result<ObjectId, MailError> {
        let mut store = lock(&self.store);
        if store.folders.contains_key(name) {
            return Err(MailError::AlreadyExists(name.to_string().into()));
        }
        if store.folders.len() >= MAX_FOLDERS || name.starts_with("Shared") {
            return Err(MailError::CannotDo("no more folders here".into()));
        }
        let validity = 4000 + store.folders.len() as u32;
        store.folders.insert(name.into(), Folder::new(validity));
        Ok(ObjectId::of(name))
    }

    async fn delete(&self, name: &str) -> Result<(), MailError> {
        if name == "INBOX" {
            return Err(MailError::CannotDo("INBOX cannot be deleted".into()));
        }
        let mut store = lock(&self.store);
        store
            .folders
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| no_such(name))
    }

    async fn rename(&self, from: &str, to: &str) -> Result<(), MailError> {
        let mut store = lock(&self.store);
        if store.folders.contains_key(to) {
            return Err(MailError::AlreadyExists(to.to_string().into()));
        }
        let folder = store.folders.remove(from).ok_or_else(|| no_such(from))?;
        store.folders.insert(to.into(), folder);
        Ok(())
    }

    async fn subscribe(&self, name: &str, on: bool) -> Result<(), MailError> {
        let mut store = lock(&self.store);
        if on {
            store.subscribed.insert(name.into());
        } else {
            store.subscribed.remove(name);
        }
        Ok(())
    }

    async fn select(&self, name: &str, read_only: bool) -> Result<MemoryFolder, MailError> {
        let store = lock(&self.store);
        let folder = store.folders.get(name).ok_or_else(|| no_such(name))?;
        Ok(MemoryFolder {
            store: self.store.clone(),
            name: name.into(),
            read_only: read_only || folder.read_only,
        })
    }

    async fn append(
        &self,
        name: &str,
        flags: &[FlagName],
        date: Option<DateTime<Utc>>,
        mime: Bytes,
    ) -> Result<(u32, u32), MailError> {
        let mut store = lock(&self.store);
        let folder = store.folders.get_mut(name).ok_or_else(|| no_such(name))?;
        if folder.messages.len() >= MAX_MESSAGES {
            return Err(MailError::TooLarge("the folder is full".into()));
        }
        let mut set = Flags::default();
        for flag in flags {
            set.set(flag, true);
        }
        let uid = folder.add(mime, set, date.unwrap_or_default());
        Ok((folder.uidvalidity, uid))
    }

    async fn append_all(
        &self,
        name: &str,
        messages: Vec<NewMessage>,
    ) -> Result<(u32, Vec<u32>), MailError> {
        let mut store = lock(&self.store);
        let folder = store.folders.get_mut(name).ok_or_else(|| no_such(name))?;
        if folder.messages.len() + messages.len() > MAX_MESSAGES {
            return Err(MailError::TooLarge("the folder is full".into()));
        }
        let mut uids = Vec::with_capacity(messages.len());
        for m in messages {
            let mut set = Flags::default();
            for flag in &m.flags {
                set.set(flag, true);
            }
            uids.push(folder.add(m.mime, set, m.date.unwrap_or_default()));
        }
        Ok((folder.uidvalidity, uids))
    }

    async fn check_append(&self, name: &str) -> Result<(), MailError> {
        let store = lock(&self.store);
        match store.folders.get(name) {
            Some(_) => Ok(()),
            None => Err(no_such(name)),
        }
    }

    async fn message(&self, name: &str, uid: u32) -> Result<(u32, Bytes), MailError> {
        let store = lock(&self.store);
        let folder = store.folders.get(name).ok_or_else(|| no_such(name))?;
        folder
            .messages
            .iter()
            .find(|m| m.uid == uid)
            .map(|m| (folder.uidvalidity, m.mime.clone()))
            .ok_or(MailError::Gone(uid))
    }
}

/// A selected folder of the in-memory store.
pub(crate) struct MemoryFolder {
    store: Shared,
    name: String,
    read_only: bool,
}

impl MemoryFolder {
    fn with<T>(&self, f: impl FnOnce(&mut Folder) -> Result<T, MailError>) -> Result<T, MailError> {
        let mut store = lock(&self.store);
        let folder = store
            .folders
            .get_mut(&self.name)
            .ok_or_else(|| no_such(&self.name))?;
        f(folder)
    }

    fn message(&self, uid: u32) -> Result<Bytes, MailError> {
        self.with(|folder| {
            folder
                .messages
                .iter()
                .find(|m| m.uid == uid)
                .map(|m| m.mime.clone())
                .ok_or(MailError::Gone(uid))
        })
    }

    fn transfer(&self, uids: &[u32], dest: &str, remove: bool) -> Result<CopyResult, MailError> {
        let mut store = lock(&self.store);
        let moving: Vec<Held> = {
            let source = store
                .folders
                .get(&self.name)
                .ok_or_else(|| no_such(&self.name))?;
            source
                .messages
                .iter()
                .filter(|m| uids.contains(&m.uid))
                .cloned()
                .collect()
        };
        let target = store.folders.get_mut(dest).ok_or_else(|| no_such(dest))?;
        if target.messages.len() + moving.len() > MAX_MESSAGES {
            return Err(MailError::TooLarge("the folder is full".into()));
        }
        let mut result = CopyResult {
            uidvalidity: target.uidvalidity,
            pairs: Vec::new(),
        };
        for m in &moving {
            let uid = target.add(m.mime.clone(), m.flags.clone(), m.date);
            result.pairs.push((m.uid, uid));
        }
        if remove && let Some(source) = store.folders.get_mut(&self.name) {
            let moved: Vec<u32> = moving.iter().map(|m| m.uid).collect();
            source.remove(&moved);
        }
        Ok(result)
    }
}

impl OpenFolder for MemoryFolder {
    fn name(&self) -> &str {
        &self.name
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn mailbox_id(&self) -> ObjectId {
        ObjectId::of(&self.name)
    }

    async fn message_ids(&self, uids: &[u32]) -> Result<Vec<(u32, MessageIds)>, MailError> {
        self.with(|folder| {
            Ok(folder
                .messages
                .iter()
                .filter(|m| uids.contains(&m.uid))
                .map(|m| {
                    let ids = MessageIds {
                        email: ObjectId::of(&format!("{}/{}", folder.uidvalidity, m.uid)),
                        thread: None,
                    };
                    (m.uid, ids)
                })
                .collect())
        })
    }

    async fn check_access(&self) -> Result<(), MailError> {
        Ok(())
    }

    fn write_refused(&self) -> MailError {
        MailError::ReadOnly
    }

    async fn snapshot(&self, _sync: bool) -> Result<Arc<Snapshot>, MailError> {
        self.with(|folder| {
            Ok(Arc::new(Snapshot {
                uidvalidity: folder.uidvalidity,
                uidnext: folder.uidnext,
                highestmodseq: folder.modseq,
                messages: folder
                    .messages
                    .iter()
                    .map(|m| MessageMeta {
                        uid: m.uid,
                        flags: m.flags.clone(),
                        internal_date: m.date,
                        modseq: m.modseq,
                    })
                    .collect(),
            }))
        })
    }

    /// One session per store: whatever it is told of first is recent to it.
    fn claim_recent(&self, up_to: u32, claim: bool) -> u32 {
        let mut store = lock(&self.store);
        let floor = store.recent_floor.entry(self.name.clone()).or_default();
        let before = *floor;
        if claim {
            *floor = before.max(up_to);
        }
        before
    }

    /// Nobody else changes this store.
    async fn changed(&self) {
        std::future::pending::<()>().await;
    }

    async fn size(&self, uid: u32) -> Result<u64, MailError> {
        self.message(uid).map(|m| m.len() as u64)
    }

    async fn flush_sizes(&self) -> Result<(), MailError> {
        Ok(())
    }

    async fn mime(&self, uid: u32) -> Result<Bytes, MailError> {
        self.message(uid)
    }

    async fn header(&self, uid: u32) -> Result<Bytes, MailError> {
        let mime = self.message(uid)?;
        let end = crate::mime::ParsedMessage::from_bytes(mime.clone())
            .header_bytes()
            .len();
        Ok(mime.slice(..end))
    }

    fn prefetch(&self, _uids: &[u32]) {}

    fn prefetch_meta(&self, _uids: &[u32]) {}

    async fn store(
        &self,
        uids: &[u32],
        op: StoreOp,
        flags: &[FlagName],
        unchanged_since: Option<u64>,
    ) -> Result<Stored, MailError> {
        self.with(|folder| {
            let modseq = folder.tick();
            let mut out = Stored::default();
            for m in folder.messages.iter_mut().filter(|m| uids.contains(&m.uid)) {
                if unchanged_since.is_some_and(|since| m.modseq > since) {
                    out.modified.push(m.uid);
                    continue;
                }
                let after = op.apply(&m.flags, flags);
                if after != m.flags {
                    m.flags = after;
                    m.modseq = modseq;
                }
                out.messages.push((m.uid, m.flags.clone(), m.modseq));
            }
            Ok(out)
        })
    }

    async fn vanished(&self, since: u64, upto: u64) -> Result<Vec<u32>, MailError> {
        self.with(|folder| {
            let mut uids: Vec<u32> = folder
                .removed
                .iter()
                .filter(|(_, m)| *m > since && *m <= upto)
                .map(|(u, _)| *u)
                .collect();
            uids.sort_unstable();
            uids.dedup();
            Ok(uids)
        })
    }

    async fn expunge(&self, uids: Option<&[u32]>) -> Result<Vec<u32>, MailError> {
        self.with(|folder| {
            let gone: Vec<u32> = folder
                .messages
                .iter()
                .filter(|m| m.flags.deleted && uids.is_none_or(|u| u.contains(&m.uid)))
                .map(|m| m.uid)
                .collect();
            folder.remove(&gone);
            Ok(gone)
        })
    }

    async fn copy(&self, uids: &[u32], dest: &str) -> Result<CopyResult, MailError> {
        self.transfer(uids, dest, false)
    }

    async fn move_to(&self, uids: &[u32], dest: &str) -> Result<CopyResult, MailError> {
        self.transfer(uids, dest, true)
    }
}
