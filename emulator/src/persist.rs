//! Saving the emulated tenant under `--data-dir`, so a restarted demo keeps
//! its mail, folders, message ids and sign-ins (the token keys are saved, and
//! refresh tokens are self-contained, so they stay valid).
//!
//! Layout: `tenant.json` (directory, keys, mailbox state without MIME; written
//! to a temporary file and renamed) and `mime/<sha256>.eml` (each distinct
//! message once, written once, unreferenced ones removed at start-up).

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use bytes::Bytes;
use dashmap::DashMap;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::directory::Directory;
use crate::mailstore::Mailbox;
use crate::tokens::TokenKeys;

const FORMAT: u32 = 1;

#[derive(Deserialize)]
struct Saved {
    format: u32,
    directory: Directory,
    keys: TokenKeys,
    mailboxes: Vec<Mailbox>,
}

/// A tenant read back from its data dir, MIME included.
pub(crate) struct Loaded {
    pub(crate) directory: Directory,
    pub(crate) keys: TokenKeys,
    pub(crate) mailboxes: Vec<Mailbox>,
}

#[derive(Serialize)]
struct SavedRef<'a> {
    format: u32,
    directory: &'a Directory,
    keys: &'a TokenKeys,
    mailboxes: Vec<serde_json::Value>,
}

pub(crate) struct Persistence {
    dir: PathBuf,
    /// MIME files known to exist.
    written: Mutex<HashSet<String>>,
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

impl Persistence {
    /// Open `dir` (created if missing) and read the tenant saved there, if
    /// there is one; None means the caller seeds a new tenant and saves it.
    pub(crate) fn open(dir: &Path) -> io::Result<(Persistence, Option<Loaded>)> {
        fs::create_dir_all(dir.join("mime"))?;
        let p = Persistence {
            dir: dir.to_path_buf(),
            written: Mutex::new(HashSet::new()),
        };
        let state = dir.join("tenant.json");
        if !state.exists() {
            return Ok((p, None));
        }
        let saved: Saved = serde_json::from_slice(&fs::read(&state)?).map_err(|e| {
            invalid(format!(
                "{}: {e} (remove the directory to start afresh)",
                state.display()
            ))
        })?;
        if saved.format != FORMAT {
            return Err(invalid(format!(
                "{}: unknown format {}",
                state.display(),
                saved.format
            )));
        }
        let mut mailboxes = saved.mailboxes;
        let mut referenced = HashSet::new();
        for mb in &mut mailboxes {
            for m in mb.messages.values_mut() {
                let path = p.mime_path(&m.mime_sha);
                m.mime = Bytes::from(fs::read(&path).map_err(|e| {
                    invalid(format!(
                        "{}: {e} (the tenant's mail store is incomplete)",
                        path.display()
                    ))
                })?);
                referenced.insert(m.mime_sha.clone());
            }
            mb.derive_all();
        }
        p.collect_garbage(&referenced)?;
        *p.written.lock() = referenced;
        let loaded = Loaded {
            directory: saved.directory,
            keys: saved.keys,
            mailboxes,
        };
        Ok((p, Some(loaded)))
    }

    fn mime_path(&self, sha: &str) -> PathBuf {
        self.dir.join("mime").join(format!("{sha}.eml"))
    }

    fn collect_garbage(&self, referenced: &HashSet<String>) -> io::Result<()> {
        for entry in fs::read_dir(self.dir.join("mime"))? {
            let path = entry?.path();
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            if path.extension().is_some_and(|e| e == "eml") && !referenced.contains(&stem) {
                fs::remove_file(&path)?;
            }
        }
        Ok(())
    }

    /// Write the tenant as it is now.
    pub(crate) fn save(
        &self,
        directory: &Directory,
        keys: &TokenKeys,
        all: &DashMap<Uuid, Arc<Mutex<Mailbox>>>,
    ) -> io::Result<()> {
        let mut mailboxes = Vec::new();
        let mut new_files: Vec<(String, Bytes)> = Vec::new();
        {
            let written = self.written.lock();
            for entry in all.iter() {
                let mb = entry.value().lock();
                for m in mb.messages.values() {
                    if !written.contains(&m.mime_sha) {
                        new_files.push((m.mime_sha.clone(), m.mime.clone()));
                    }
                }
                let owner = mb.owner;
                let v = serde_json::to_value(&*mb).map_err(|e| invalid(e.to_string()))?;
                mailboxes.push((owner, v));
            }
        }
        for (sha, bytes) in new_files {
            let path = self.mime_path(&sha);
            if !path.exists() {
                let tmp = path.with_extension("tmp");
                fs::write(&tmp, &bytes)?;
                fs::rename(&tmp, &path)?;
            }
            self.written.lock().insert(sha);
        }
        mailboxes.sort_by_key(|(owner, _)| *owner);
        let saved = SavedRef {
            format: FORMAT,
            directory,
            keys,
            mailboxes: mailboxes.into_iter().map(|(_, v)| v).collect(),
        };
        let json = serde_json::to_vec(&saved).map_err(|e| invalid(e.to_string()))?;
        let path = self.dir.join("tenant.json");
        let tmp = self.dir.join("tenant.json.tmp");
        fs::write(&tmp, json)?;
        fs::rename(&tmp, &path)?;
        Ok(())
    }
}
