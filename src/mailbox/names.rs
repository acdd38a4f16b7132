//! Folder names: Graph's folder tree as IMAP mailbox names. The well-known
//! Inbox is `INBOX`, levels are joined with `/`, special folders carry their
//! RFC 6154 attribute, and shared mailboxes live under `Shared/<address>/`.
//! Names here are UTF-8; `mutf7` converts them for the wire.

use std::collections::HashMap;

/// The hierarchy delimiter graphgate announces.
pub const DELIMITER: char = '/';
/// Prefix of the shared-mailbox namespace (`Shared/sales@contoso.com/INBOX`).
pub const SHARED_PREFIX: &str = "Shared";
/// A `/` inside a Graph folder name is shown as this look-alike (U+2215), so
/// it cannot be taken for a level separator.
pub const SLASH_STAND_IN: char = '\u{2215}';

/// RFC 6154 special-use attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecialUse {
    Sent,
    Drafts,
    Trash,
    Junk,
    Archive,
}

impl SpecialUse {
    /// The attribute as written in LIST (`\Sent`).
    pub fn attribute(self) -> &'static str {
        match self {
            SpecialUse::Sent => "\\Sent",
            SpecialUse::Drafts => "\\Drafts",
            SpecialUse::Trash => "\\Trash",
            SpecialUse::Junk => "\\Junk",
            SpecialUse::Archive => "\\Archive",
        }
    }

    /// The special use of a Graph well-known folder.
    pub fn of_well_known(name: &str) -> Option<SpecialUse> {
        match name.to_ascii_lowercase().as_str() {
            "sentitems" => Some(SpecialUse::Sent),
            "drafts" => Some(SpecialUse::Drafts),
            "deleteditems" => Some(SpecialUse::Trash),
            "junkemail" => Some(SpecialUse::Junk),
            "archive" => Some(SpecialUse::Archive),
            _ => None,
        }
    }
}

/// One Graph folder as the naming needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderNode {
    pub id: String,
    pub parent_id: String,
    pub display_name: String,
    /// `inbox`, `sentitems`, ... for the folders whose ids were resolved by name.
    pub well_known: Option<String>,
}

/// A mailbox as LIST shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedFolder {
    /// UTF-8 IMAP name, e.g. `INBOX/Projects`.
    pub name: String,
    pub id: String,
    pub special_use: Option<SpecialUse>,
    pub has_children: bool,
}

/// The folders of one mailbox with their IMAP names.
#[derive(Debug, Clone, Default)]
pub struct FolderTree {
    by_name: HashMap<String, NamedFolder>,
    /// Lower-cased name → canonical name, for `INBOX` matching.
    names: Vec<String>,
}

/// Turn a Graph display name into one IMAP level.
pub fn level_of(display_name: &str) -> String {
    display_name.replace(DELIMITER, &SLASH_STAND_IN.to_string())
}

/// Turn one IMAP level back into a Graph display name.
pub fn display_of(level: &str) -> String {
    level.replace(SLASH_STAND_IN, &DELIMITER.to_string())
}

/// Canonical form of a client-given name: `INBOX` is case-insensitive
/// (RFC 3501 §5.1), and so is its first level; nothing else changes.
pub fn canonical(name: &str) -> String {
    let trimmed = name.trim_end_matches(DELIMITER);
    match trimmed.split_once(DELIMITER) {
        Some((first, rest)) if first.eq_ignore_ascii_case("INBOX") => {
            format!("INBOX{DELIMITER}{rest}")
        }
        None if trimmed.eq_ignore_ascii_case("INBOX") => "INBOX".to_string(),
        _ => trimmed.to_string(),
    }
}

impl FolderTree {
    /// Name every folder below `root_id`. Folders whose parent chain does not
    /// reach the root (hidden or search folders) are left out.
    pub fn build(nodes: &[FolderNode], root_id: &str) -> FolderTree {
        let by_id: HashMap<&str, &FolderNode> = nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        let mut children: HashMap<&str, usize> = HashMap::new();
        for n in nodes {
            *children.entry(n.parent_id.as_str()).or_default() += 1;
        }
        let mut tree = FolderTree::default();
        for n in nodes {
            if n.id == root_id {
                continue;
            }
            let mut levels = Vec::new();
            let mut cur = n;
            let mut reached_root = false;
            for _ in 0..64 {
                let level =
                    if cur.well_known.as_deref() == Some("inbox") && cur.parent_id == root_id {
                        "INBOX".to_string()
                    } else {
                        level_of(&cur.display_name)
                    };
                levels.push(level);
                if cur.parent_id == root_id {
                    reached_root = true;
                    break;
                }
                match by_id.get(cur.parent_id.as_str()) {
                    Some(p) => cur = p,
                    None => break,
                }
            }
            if !reached_root {
                continue;
            }
            levels.reverse();
            let name = levels.join(&DELIMITER.to_string());
            let folder = NamedFolder {
                name: name.clone(),
                id: n.id.clone(),
                special_use: n.well_known.as_deref().and_then(SpecialUse::of_well_known),
                has_children: children.get(n.id.as_str()).copied().unwrap_or(0) > 0,
            };
            // Exchange keeps sibling names unique (case-insensitively), so a
            // clash can only come from the `/` stand-in; the first one wins.
            if !tree.by_name.contains_key(&name) {
                tree.names.push(name.clone());
                tree.by_name.insert(name, folder);
            }
        }
        tree.names.sort();
        tree
    }

    /// Every folder, sorted by name.
    pub fn folders(&self) -> impl Iterator<Item = &NamedFolder> {
        self.names.iter().filter_map(|n| self.by_name.get(n))
    }

    /// The folder a client-given UTF-8 name means.
    pub fn find(&self, name: &str) -> Option<&NamedFolder> {
        self.by_name.get(&canonical(name))
    }

    /// The parent name and the new level for CREATE/RENAME of `name`.
    pub fn parent_of(name: &str) -> (Option<String>, String) {
        let name = canonical(name);
        match name.rsplit_once(DELIMITER) {
            Some((parent, leaf)) => (Some(parent.to_string()), leaf.to_string()),
            None => (None, name),
        }
    }
}

/// Split a name in the shared namespace into (mailbox address, folder name
/// inside it): `Shared/sales@contoso.com/INBOX/Leads` → (`sales@contoso.com`,
/// `INBOX/Leads`); `Shared/sales@contoso.com` → (`sales@contoso.com`, ``).
/// The prefix matches case-insensitively; anything else is not shared.
pub fn split_shared(name: &str) -> Option<(String, String)> {
    let (prefix, rest) = name.split_once(DELIMITER)?;
    if !prefix.eq_ignore_ascii_case(SHARED_PREFIX) {
        return None;
    }
    let (address, folder) = match rest.split_once(DELIMITER) {
        Some((a, f)) => (a, f),
        None => (rest, ""),
    };
    if address.is_empty() {
        return None;
    }
    Some((address.to_ascii_lowercase(), canonical(folder)))
}

/// The full IMAP name of `folder` in a shared mailbox.
pub fn shared_name(address: &str, folder: &str) -> String {
    format!(
        "{SHARED_PREFIX}{DELIMITER}{}{DELIMITER}{folder}",
        address.to_ascii_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, parent: &str, name: &str, wk: Option<&str>) -> FolderNode {
        FolderNode {
            id: id.into(),
            parent_id: parent.into(),
            display_name: name.into(),
            well_known: wk.map(Into::into),
        }
    }

    fn tree() -> FolderTree {
        FolderTree::build(
            &[
                node(
                    "root",
                    "",
                    "Top of Information Store",
                    Some("msgfolderroot"),
                ),
                node("in", "root", "Inbox", Some("inbox")),
                node("p", "in", "Projects", None),
                node("a", "p", "Archive 2025", None),
                node("s", "root", "Sent Items", Some("sentitems")),
                node("t", "root", "Deleted Items", Some("deleteditems")),
                node("c", "root", "Café Überweisungen", None),
                node("x", "root", "a/b", None),
                node("orphan", "elsewhere", "Lost", None),
            ],
            "root",
        )
    }

    #[test]
    fn names_follow_the_tree() {
        let t = tree();
        let names: Vec<&str> = t.folders().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "Café Überweisungen",
                "Deleted Items",
                "INBOX",
                "INBOX/Projects",
                "INBOX/Projects/Archive 2025",
                "Sent Items",
                "a∕b"
            ]
        );
        assert_eq!(t.find("inbox/Projects").map(|f| f.id.as_str()), Some("p"));
        assert_eq!(t.find("Inbox").map(|f| f.id.as_str()), Some("in"));
        assert!(
            t.find("INBOX/projects").is_none(),
            "only INBOX itself is case-insensitive"
        );
        assert_eq!(
            t.find("Sent Items").and_then(|f| f.special_use),
            Some(SpecialUse::Sent)
        );
        assert!(t.find("INBOX").is_some_and(|f| f.has_children));
        assert!(t.find("Lost").is_none());
        assert_eq!(display_of("a∕b"), "a/b");
    }

    #[test]
    fn shared_names_split_strictly() {
        let cases: [(&str, Option<(&str, &str)>); 7] = [
            (
                "Shared/sales@contoso.test/INBOX",
                Some(("sales@contoso.test", "INBOX")),
            ),
            (
                "shared/Sales@Contoso.test/inbox/Leads",
                Some(("sales@contoso.test", "INBOX/Leads")),
            ),
            (
                "Shared/sales@contoso.test",
                Some(("sales@contoso.test", "")),
            ),
            (
                "Shared/sales@contoso.test/",
                Some(("sales@contoso.test", "")),
            ),
            ("Shared", None),
            ("Shared/", None),
            ("INBOX/Shared/x", None),
        ];
        for (name, want) in cases {
            let got = split_shared(name);
            assert_eq!(
                got.as_ref().map(|(a, f)| (a.as_str(), f.as_str())),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn parents_of_new_names() {
        assert_eq!(
            FolderTree::parent_of("inbox/New"),
            (Some("INBOX".into()), "New".into())
        );
        assert_eq!(FolderTree::parent_of("Top"), (None, "Top".into()));
        assert_eq!(
            FolderTree::parent_of("A/B/"),
            (Some("A".into()), "B".into())
        );
    }
}
