//! The corpus kept in the repository, `fuzz/corpus/<target>/`: seeds that
//! show the mutator what valid input looks like, and every input that once
//! failed (`found-*`), replayed on each run so a fixed bug stays fixed.

use std::path::PathBuf;

/// One corpus file.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub name: String,
    pub bytes: Vec<u8>,
}

fn dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
        .join(target)
}

/// Every file of the target's corpus, in name order (so runs are
/// reproducible). A missing directory is an empty corpus.
pub(crate) fn load(target: &str) -> Vec<Entry> {
    let Ok(read) = std::fs::read_dir(dir(target)) else {
        return Vec::new();
    };
    let mut entries: Vec<Entry> = read
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name.ends_with(".md") {
                return None;
            }
            std::fs::read(e.path())
                .ok()
                .map(|bytes| Entry { name, bytes })
        })
        .collect();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

/// Saves a failing input beside the corpus; returns where (or why not).
pub(crate) fn save_finding(target: &str, input: &[u8]) -> String {
    // FNV-1a: a stable name, so the same input found twice is one file.
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    let path = dir(target).join(format!("found-{hash:016x}"));
    match std::fs::create_dir_all(dir(target)).and_then(|()| std::fs::write(&path, input)) {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    }
}
