//! Saving the emulated tenant under `--data-dir`, so a restarted demo keeps
//! its mail, folders, message ids and sign-ins.
//!
//! Layout: `tenant.json` (directory, keys, mailbox state without MIME) and
//! `mime/<sha256>.eml` (each distinct message body once, written once).

use std::path::{Path, PathBuf};

use super::{Emulator, EmulatorConfig};

pub struct Persistence {
    dir: PathBuf,
}

impl Persistence {
    /// Load the tenant from `dir`, or seed a new one and save it there.
    pub fn open(dir: &Path, config: &EmulatorConfig) -> std::io::Result<Emulator> {
        let _ = (dir, config);
        Err(std::io::Error::other("not implemented"))
    }

    pub fn save(&self, _tenant: &Emulator) -> std::io::Result<()> {
        let _ = &self.dir;
        Ok(())
    }
}
