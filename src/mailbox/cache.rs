//! An on-disk cache of message MIME, so no message body is downloaded from
//! Graph twice. Files are named by a hash of (mailbox, immutable message id),
//! written atomically, and evicted least-recently-used first once the cache
//! passes its size cap. The index lives in memory and is rebuilt from the
//! directory at start; it keeps entries in order of last use too, so an
//! eviction takes the oldest without sorting the whole cache each time.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use parking_lot::Mutex;
use sha2::{Digest, Sha256};

struct Entry {
    size: u64,
    last_used: u64,
}

#[derive(Default)]
struct Index {
    entries: HashMap<String, Entry>,
    /// last_used → key, oldest first.
    by_age: BTreeMap<u64, String>,
    total: u64,
    tick: u64,
}

impl Index {
    /// Add or replace `k`, as used now.
    fn insert(&mut self, k: String, size: u64) {
        self.tick += 1;
        let tick = self.tick;
        self.by_age.insert(tick, k.clone());
        if let Some(old) = self.entries.insert(
            k,
            Entry {
                size,
                last_used: tick,
            },
        ) {
            self.total -= old.size;
            self.by_age.remove(&old.last_used);
        }
        self.total += size;
    }

    /// Mark `k` as used now.
    fn touch(&mut self, k: &str) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(e) = self.entries.get_mut(k) {
            let before = std::mem::replace(&mut e.last_used, tick);
            if let Some(key) = self.by_age.remove(&before) {
                self.by_age.insert(tick, key);
            }
        }
    }

    fn remove(&mut self, k: &str) -> bool {
        match self.entries.remove(k) {
            Some(e) => {
                self.total -= e.size;
                self.by_age.remove(&e.last_used);
                true
            }
            None => false,
        }
    }
}

pub struct MimeCache {
    dir: PathBuf,
    cap: u64,
    index: Mutex<Index>,
}

fn key(mailbox: &str, message_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(mailbox.to_ascii_lowercase().as_bytes());
    h.update([0]);
    h.update(message_id.as_bytes());
    hex::encode(h.finalize())
}

impl MimeCache {
    /// Open the cache in `dir` (created if missing), at most `cap` bytes.
    pub fn open(dir: &Path, cap: u64) -> io::Result<MimeCache> {
        std::fs::create_dir_all(dir)?;
        let mut found: Vec<(String, u64, std::time::SystemTime)> = Vec::new();
        for sub in std::fs::read_dir(dir)? {
            let sub = sub?.path();
            if !sub.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&sub)? {
                let f = f?;
                let path = f.path();
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_string();
                if let Some(k) = name.strip_suffix(".eml") {
                    let meta = f.metadata()?;
                    found.push((
                        k.to_string(),
                        meta.len(),
                        meta.modified().unwrap_or(std::time::UNIX_EPOCH),
                    ));
                } else if name.ends_with(".tmp") {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        found.sort_by_key(|(_, _, t)| *t);
        let mut index = Index::default();
        for (k, size, _) in found {
            index.insert(k, size);
        }
        let cache = MimeCache {
            dir: dir.to_path_buf(),
            cap,
            index: Mutex::new(index),
        };
        cache.evict()?;
        Ok(cache)
    }

    fn path(&self, k: &str) -> PathBuf {
        self.dir.join(&k[..2.min(k.len())]).join(format!("{k}.eml"))
    }

    /// The cached MIME, if present.
    pub async fn get(&self, mailbox: &str, message_id: &str) -> Option<Bytes> {
        let found = self.read(mailbox, message_id).await;
        crate::observe::metrics::cache_lookup(found.is_some());
        found
    }

    async fn read(&self, mailbox: &str, message_id: &str) -> Option<Bytes> {
        let k = key(mailbox, message_id);
        if !self.index.lock().entries.contains_key(&k) {
            return None;
        }
        match tokio::fs::read(self.path(&k)).await {
            Ok(b) => {
                self.index.lock().touch(&k);
                Some(Bytes::from(b))
            }
            Err(_) => {
                self.forget(&k);
                None
            }
        }
    }

    pub fn contains(&self, mailbox: &str, message_id: &str) -> bool {
        self.index
            .lock()
            .entries
            .contains_key(&key(mailbox, message_id))
    }

    /// Store a message's MIME (messages bigger than the whole cache are skipped).
    pub async fn put(&self, mailbox: &str, message_id: &str, mime: &[u8]) -> io::Result<()> {
        let size = mime.len() as u64;
        if size > self.cap {
            return Ok(());
        }
        let k = key(mailbox, message_id);
        let path = self.path(&k);
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
        tokio::fs::write(&tmp, mime).await?;
        tokio::fs::rename(&tmp, &path).await?;
        self.index.lock().insert(k, size);
        let evicted = self.evict();
        crate::observe::metrics::cache_size(self.size());
        evicted
    }

    /// Drop a message (its MIME changed or it is gone for good).
    pub async fn remove(&self, mailbox: &str, message_id: &str) {
        let k = key(mailbox, message_id);
        if self.forget(&k) {
            let _ = tokio::fs::remove_file(self.path(&k)).await;
        }
    }

    fn forget(&self, k: &str) -> bool {
        self.index.lock().remove(k)
    }

    /// Bytes held now.
    pub fn size(&self) -> u64 {
        self.index.lock().total
    }

    /// Drop least recently used entries until the cache fits its cap:
    /// O(log n) per entry dropped.
    fn evict(&self) -> io::Result<()> {
        let doomed: Vec<String> = {
            let mut idx = self.index.lock();
            let mut out = Vec::new();
            while idx.total > self.cap {
                let Some((_, k)) = idx.by_age.pop_first() else {
                    break;
                };
                if let Some(e) = idx.entries.remove(&k) {
                    idx.total -= e.size;
                }
                out.push(k);
            }
            out
        };
        for k in doomed {
            match std::fs::remove_file(self.path(&k)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn caches_evicts_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MimeCache::open(dir.path(), 25).unwrap();
        cache.put("a@x", "m1", b"0123456789").await.unwrap();
        cache.put("a@x", "m2", b"abcdefghij").await.unwrap();
        assert_eq!(
            cache.get("a@x", "m1").await.as_deref(),
            Some(&b"0123456789"[..])
        );
        // m2 is now the least recently used; a third entry pushes it out.
        cache.put("a@x", "m3", b"ABCDEFGHIJ").await.unwrap();
        assert!(cache.contains("a@x", "m1"));
        assert!(!cache.contains("a@x", "m2"));
        assert!(cache.size() <= 25);
        cache.put("a@x", "huge", &[0u8; 100]).await.unwrap();
        assert!(
            !cache.contains("a@x", "huge"),
            "bigger than the cache: not kept"
        );
        drop(cache);
        let cache = MimeCache::open(dir.path(), 25).unwrap();
        assert_eq!(
            cache.get("A@X", "m3").await.as_deref(),
            Some(&b"ABCDEFGHIJ"[..])
        );
        cache.remove("a@x", "m3").await;
        assert!(cache.get("a@x", "m3").await.is_none());
        let reopened = MimeCache::open(dir.path(), 5).unwrap();
        assert!(reopened.size() <= 5, "a smaller cap evicts at start");
    }
}
