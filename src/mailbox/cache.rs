//! An on-disk cache of message MIME, so no message body is downloaded from
//! Graph twice. Files are named by a hash of (mailbox, immutable message id),
//! written atomically, and evicted least-recently-used first once the cache
//! passes its size cap. The index lives in memory and is rebuilt from the
//! directory at start.

use std::collections::HashMap;
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
    total: u64,
    tick: u64,
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
            index.tick += 1;
            index.total += size;
            index.entries.insert(
                k,
                Entry {
                    size,
                    last_used: index.tick,
                },
            );
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
        let k = key(mailbox, message_id);
        if !self.index.lock().entries.contains_key(&k) {
            return None;
        }
        match tokio::fs::read(self.path(&k)).await {
            Ok(b) => {
                let mut idx = self.index.lock();
                idx.tick += 1;
                let tick = idx.tick;
                if let Some(e) = idx.entries.get_mut(&k) {
                    e.last_used = tick;
                }
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
        {
            let mut idx = self.index.lock();
            idx.tick += 1;
            let tick = idx.tick;
            if let Some(old) = idx.entries.insert(
                k,
                Entry {
                    size,
                    last_used: tick,
                },
            ) {
                idx.total -= old.size;
            }
            idx.total += size;
        }
        self.evict()
    }

    /// Drop a message (its MIME changed or it is gone for good).
    pub async fn remove(&self, mailbox: &str, message_id: &str) {
        let k = key(mailbox, message_id);
        if self.forget(&k) {
            let _ = tokio::fs::remove_file(self.path(&k)).await;
        }
    }

    fn forget(&self, k: &str) -> bool {
        let mut idx = self.index.lock();
        match idx.entries.remove(k) {
            Some(e) => {
                idx.total -= e.size;
                true
            }
            None => false,
        }
    }

    /// Bytes held now.
    pub fn size(&self) -> u64 {
        self.index.lock().total
    }

    fn evict(&self) -> io::Result<()> {
        let doomed: Vec<String> = {
            let mut idx = self.index.lock();
            if idx.total <= self.cap {
                return Ok(());
            }
            let mut by_age: Vec<(u64, String, u64)> = idx
                .entries
                .iter()
                .map(|(k, e)| (e.last_used, k.clone(), e.size))
                .collect();
            by_age.sort();
            let mut out = Vec::new();
            let mut total = idx.total;
            for (_, k, size) in by_age {
                if total <= self.cap {
                    break;
                }
                total -= size;
                out.push(k);
            }
            for k in &out {
                if let Some(e) = idx.entries.remove(k) {
                    idx.total -= e.size;
                }
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
