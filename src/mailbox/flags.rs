//! IMAP flags as clients see them: the flags of a message, the names a
//! client sends in STORE and APPEND, the atoms FETCH shows, and keywords
//! as Outlook categories. `\Deleted` lives in graphgate until EXPUNGE; how
//! the others (`\Draft` included) sit on Graph's properties is the table
//! in `graph_flags`.

use std::collections::BTreeSet;

/// The flags of one message as IMAP sees them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Flags {
    pub seen: bool,
    pub flagged: bool,
    pub answered: bool,
    pub forwarded: bool,
    pub draft: bool,
    /// Kept by graphgate until EXPUNGE; Graph has no such state.
    pub deleted: bool,
    /// IMAP keywords (already encoded as atoms).
    pub keywords: BTreeSet<String>,
}

impl Flags {
    /// The flag atoms for FETCH FLAGS, system flags first.
    pub fn atoms(&self) -> Vec<String> {
        let mut v = Vec::new();
        for (on, name) in [
            (self.seen, "\\Seen"),
            (self.answered, "\\Answered"),
            (self.flagged, "\\Flagged"),
            (self.deleted, "\\Deleted"),
            (self.draft, "\\Draft"),
            (self.forwarded, "$Forwarded"),
        ] {
            if on {
                v.push(name.to_string());
            }
        }
        v.extend(self.keywords.iter().cloned());
        v
    }

    /// Apply a parsed IMAP flag name.
    pub fn set(&mut self, flag: &FlagName, on: bool) {
        match flag {
            FlagName::Seen => self.seen = on,
            FlagName::Answered => self.answered = on,
            FlagName::Flagged => self.flagged = on,
            FlagName::Deleted => self.deleted = on,
            FlagName::Forwarded => self.forwarded = on,
            FlagName::Draft => self.draft = on,
            FlagName::Keyword(k) => {
                if on {
                    self.keywords.insert(k.clone());
                } else {
                    self.keywords.remove(k);
                }
            }
        }
    }

    /// The flag names that set these flags again (a message stored in
    /// another mailbox by COPY or MOVE); `\Deleted` stays behind.
    pub fn names(&self) -> Vec<FlagName> {
        let mut names = Vec::new();
        for (on, name) in [
            (self.seen, FlagName::Seen),
            (self.flagged, FlagName::Flagged),
            (self.answered, FlagName::Answered),
            (self.forwarded, FlagName::Forwarded),
            (self.draft, FlagName::Draft),
        ] {
            if on {
                names.push(name);
            }
        }
        names.extend(self.keywords.iter().cloned().map(FlagName::Keyword));
        names
    }

    /// Categories for Graph, from the keywords.
    pub fn categories(&self) -> Vec<String> {
        self.keywords.iter().map(|k| category_of(k)).collect()
    }
}

/// An IMAP flag as a client names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagName {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
    Forwarded,
    Keyword(String),
}

impl FlagName {
    /// Parse a flag atom; `\Recent` and unknown system flags are None.
    pub fn parse(atom: &str) -> Option<FlagName> {
        if let Some(system) = atom.strip_prefix('\\') {
            return match system.to_ascii_lowercase().as_str() {
                "seen" => Some(FlagName::Seen),
                "answered" => Some(FlagName::Answered),
                "flagged" => Some(FlagName::Flagged),
                "deleted" => Some(FlagName::Deleted),
                "draft" => Some(FlagName::Draft),
                _ => None,
            };
        }
        if atom.eq_ignore_ascii_case("$Forwarded") {
            return Some(FlagName::Forwarded);
        }
        (!atom.is_empty()).then(|| FlagName::Keyword(atom.to_string()))
    }
}

/// The flags clients may set (PERMANENTFLAGS): all of them, and new keywords.
pub const PERMANENT_FLAGS: [&str; 7] = [
    "\\Seen",
    "\\Answered",
    "\\Flagged",
    "\\Deleted",
    "\\Draft",
    "$Forwarded",
    "\\*",
];
/// The flags of FLAGS in SELECT.
pub const FLAGS: [&str; 6] = [
    "\\Seen",
    "\\Answered",
    "\\Flagged",
    "\\Deleted",
    "\\Draft",
    "$Forwarded",
];

fn atom_char(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

/// An Outlook category as an IMAP keyword atom: spaces become `_`, `_`, `~`
/// and anything that cannot be in an atom become `~XX` (hex of each UTF-8 byte).
pub fn keyword_of(category: &str) -> String {
    let mut out = String::with_capacity(category.len());
    for b in category.bytes() {
        match b {
            b' ' => out.push('_'),
            b'_' | b'~' => out.push_str(&format!("~{b:02X}")),
            b if atom_char(b) => out.push(b as char),
            b => out.push_str(&format!("~{b:02X}")),
        }
    }
    if out.is_empty() { "~".to_string() } else { out }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The category an IMAP keyword stands for (inverse of `keyword_of`).
pub fn category_of(keyword: &str) -> String {
    let bytes = keyword.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'~' if i + 3 <= bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'~'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_and_keywords_round_trip() {
        for c in [
            "Red category",
            "Client A",
            "$label1",
            "a_b",
            "x~y",
            "Kunde Müller",
            "(paren)",
            "50%",
        ] {
            let k = keyword_of(c);
            assert!(k.bytes().all(atom_char), "{c} -> {k}");
            assert_eq!(category_of(&k), c, "{k}");
        }
        assert_eq!(keyword_of("Red category"), "Red_category");
        assert_eq!(category_of("$NotJunk"), "$NotJunk");
        assert_eq!(category_of("~zz"), "~zz", "a stray ~ stays");
    }

    #[test]
    fn flag_names_parse_case_insensitively_and_draft_can_be_set() {
        assert_eq!(FlagName::parse("\\SEEN"), Some(FlagName::Seen));
        assert_eq!(FlagName::parse("$forwarded"), Some(FlagName::Forwarded));
        assert_eq!(FlagName::parse("\\Recent"), None);
        assert_eq!(
            FlagName::parse("Work"),
            Some(FlagName::Keyword("Work".into()))
        );
        let mut f = Flags::default();
        f.set(&FlagName::Draft, true);
        assert!(f.draft);
        f.set(&FlagName::Draft, false);
        assert!(!f.draft);
        f.set(&FlagName::Keyword("Work".into()), true);
        assert_eq!(f.categories(), vec!["Work"]);
    }
}
