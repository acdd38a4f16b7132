//! LIST and LSUB (RFC 3501 §6.3.8–9), and LIST-EXTENDED (RFC 5258) with
//! the options SPECIAL-USE and LIST-STATUS add (RFC 6154, 5819): several
//! patterns, SUBSCRIBED (names subscribed to that no longer exist come as
//! `\NonExistent`), RECURSIVEMATCH with CHILDINFO, and RETURN (STATUS
//! (...)) with RFC 8474's MAILBOXID among its items. Patterns are matched
//! against UTF-8 names; every row of an existing folder carries
//! \HasChildren or \HasNoChildren and the special use, if any.

use std::collections::BTreeSet;

use imap_codec::ResponseCodec;
use imap_codec::encode::Encoder;
use imap_types::core::{Atom, QuotedChar};
use imap_types::flag::FlagNameAttribute;
use imap_types::mailbox::{ListMailbox, Mailbox};
use imap_types::response::{Data, Response};

use super::backend::UserFolders;
use super::list_ext::ListOptions;
use super::names::{self, from_wire, pattern_from_wire, to_wire};
use super::objectid::mailbox_id_item;
use super::reply::{self, Reply, Role};
use super::state::LoggedIn;
use super::status::status_data;
use super::wire::{Wire, WireError};
use crate::mailbox::FolderInfo;
use crate::mailbox::names::{DELIMITER, SHARED_PREFIX};

/// LIST with its options, or LSUB (`lsub`). Only a broken connection is an
/// error.
pub(super) async fn list<U: UserFolders>(
    wire: &mut Wire,
    user: &LoggedIn<U>,
    reference: Mailbox<'static>,
    pattern: ListMailbox<'static>,
    options: ListOptions,
    lsub: bool,
) -> Result<Reply, WireError> {
    let empty = match &pattern {
        ListMailbox::Token(_) => false,
        ListMailbox::String(s) => s.as_ref().is_empty(),
    } && options.more_patterns.is_empty();
    let patterns: Vec<Pattern> = std::iter::once(&pattern)
        .chain(&options.more_patterns)
        .map(|p| Pattern::new(&pattern_from_wire(&reference, p)))
        .collect();
    let command = if lsub { "LSUB" } else { "LIST" };
    if empty {
        // LIST "" "": the delimiter and the root of the reference.
        let root = match from_wire(&reference) {
            Ok(r) if r.starts_with(&format!("{SHARED_PREFIX}{DELIMITER}")) => {
                format!("{SHARED_PREFIX}{DELIMITER}")
            }
            _ => String::new(),
        };
        wire.data(list_data(vec![FlagNameAttribute::Noselect], &root, lsub));
        return Ok(Reply::ok(format!("{command} completed")));
    }
    let folders = match user.mail.list().await {
        Ok(folders) => folders,
        Err(e) => return Ok(reply::mail_error(&e, Role::Subject)),
    };
    let rows = if lsub {
        lsub_rows(&folders, &patterns[0])
    } else {
        list_rows(&folders, &patterns, &options)
    };
    for Row {
        attributes,
        name,
        selectable,
        childinfo,
    } in rows
    {
        let data = list_data(attributes, &name, lsub);
        if childinfo {
            wire.raw(&with_childinfo(&wire.for_client(data)));
        } else {
            wire.data(data);
        }
        if let (Some(items), true) = (&options.return_status, selectable) {
            // RFC 5819: a mailbox whose status fails is listed without it.
            if let Ok(status) = user.mail.status(&name).await {
                let data = status_data(&name, &status, items);
                match options.return_mailbox_id {
                    true => {
                        wire.data_with_items(data, mailbox_id_item(status.mailbox_id).as_bytes())
                    }
                    false => wire.data(data),
                }
            }
        }
        wire.flush_if_full().await?;
    }
    Ok(Reply::ok(format!("{command} completed")))
}

/// The LIST line SELECT and EXAMINE send in IMAP4rev2 (RFC 9051 §6.3.2):
/// the folder's name as LIST spells it and its attributes as LIST shows
/// them (from the same folder list, which costs no Graph request while
/// the tree is fresh). Should the list be unreadable, the name goes with
/// no attributes rather than not at all.
pub(super) async fn selected_line<U: UserFolders>(wire: &mut Wire, user: &LoggedIn<U>, name: &str) {
    let wanted = crate::mailbox::names::canonical(name);
    let folders = user.mail.list().await.unwrap_or_default();
    let found = folders
        .iter()
        .filter(|f| f.exists)
        .find(|f| f.name == wanted)
        .or_else(|| {
            folders
                .iter()
                .find(|f| f.exists && f.name.eq_ignore_ascii_case(&wanted))
        });
    let data = match found {
        Some(folder) => list_data(attributes(folder, false), &folder.name, false),
        None => list_data(Vec::new(), &wanted, false),
    };
    wire.data(data);
}

/// A LIST pattern made cheap to match against every folder: runs of
/// wildcards collapsed (`*%*` means `*`, `%%` means `%`) and its other
/// characters counted, so a name with fewer characters is refused without
/// matching. Matching costs (pattern × name) characters, and after this the
/// pattern is never much longer than a name that can match it, however long
/// the client made it (up to the 64 KiB line).
struct Pattern {
    text: String,
    literals: usize,
}

impl Pattern {
    fn new(raw: &str) -> Pattern {
        let mut text = String::with_capacity(raw.len());
        let mut literals = 0;
        for c in raw.chars() {
            match (c, text.chars().last()) {
                ('*' | '%', Some('*')) => {}
                ('*', Some('%')) => {
                    text.pop();
                    text.push('*');
                }
                ('%', Some('%')) => {}
                ('*' | '%', _) => text.push(c),
                _ => {
                    literals += 1;
                    text.push(c);
                }
            }
        }
        Pattern { text, literals }
    }

    fn matches(&self, name: &str) -> bool {
        name.chars().count() >= self.literals && names::matches(&self.text, name)
    }
}

/// One LIST/LSUB row.
struct Row {
    attributes: Vec<FlagNameAttribute<'static>>,
    /// The UTF-8 name.
    name: String,
    selectable: bool,
    /// RFC 5258 CHILDINFO ("SUBSCRIBED"): a folder under this one is
    /// subscribed but not matched by the patterns.
    childinfo: bool,
}

impl Row {
    fn new(attributes: Vec<FlagNameAttribute<'static>>, name: String, selectable: bool) -> Row {
        Row {
            attributes,
            name,
            selectable,
            childinfo: false,
        }
    }
}

fn attribute(name: &str) -> Option<FlagNameAttribute<'static>> {
    Atom::try_from(name.to_string())
        .ok()
        .map(FlagNameAttribute::from)
}

fn attributes(folder: &FolderInfo, subscribed_mark: bool) -> Vec<FlagNameAttribute<'static>> {
    let mut out = Vec::new();
    if !folder.exists {
        // `\NonExistent` implies `\Noselect`, which is not repeated (RFC 5258 §3.4).
        out.extend(attribute("NonExistent"));
        if subscribed_mark && folder.subscribed {
            out.extend(attribute("Subscribed"));
        }
        return out;
    }
    if !folder.selectable {
        out.push(FlagNameAttribute::Noselect);
    }
    out.extend(attribute(if folder.has_children {
        "HasChildren"
    } else {
        "HasNoChildren"
    }));
    if let Some(special) = folder.special_use {
        out.extend(attribute(special.attribute().trim_start_matches('\\')));
    }
    if subscribed_mark && folder.subscribed {
        out.extend(attribute("Subscribed"));
    }
    out
}

/// LIST rows for `patterns` (a folder matching any of them), with the
/// selection options applied.
fn list_rows(folders: &[FolderInfo], patterns: &[Pattern], options: &ListOptions) -> Vec<Row> {
    let matches = |name: &str| patterns.iter().any(|p| p.matches(name));
    let selected = |f: &FolderInfo| {
        (if options.subscribed {
            f.subscribed
        } else {
            f.exists
        }) && (!options.special_use_only || f.special_use.is_some())
    };
    let mark = options.subscribed || options.return_subscribed;
    // RECURSIVEMATCH: the subscribed folders the patterns do not match,
    // whose parents may then be listed with CHILDINFO.
    let unmatched_subscribed: Vec<&str> = if options.recursive_match && options.subscribed {
        folders
            .iter()
            .filter(|f| f.subscribed && !matches(&f.name))
            .map(|f| f.name.as_str())
            .collect()
    } else {
        Vec::new()
    };
    let has_unmatched_child = |name: &str| {
        unmatched_subscribed.iter().any(|child| {
            child.len() > name.len()
                && child.starts_with(name)
                && child[name.len()..].starts_with(DELIMITER)
        })
    };
    folders
        .iter()
        .filter(|f| matches(&f.name))
        .filter_map(|f| {
            let childinfo = has_unmatched_child(&f.name);
            (selected(f) || childinfo).then(|| Row {
                attributes: attributes(f, mark),
                name: f.name.clone(),
                selectable: f.selectable && f.exists,
                childinfo,
            })
        })
        .collect()
}

/// The LIST response `data` with RFC 5258's CHILDINFO extended data:
/// `* LIST (...) "/" name ("CHILDINFO" ("SUBSCRIBED"))`. imap-codec has no
/// extended items, so its line gets them before the CRLF.
fn with_childinfo(data: &Data<'static>) -> Vec<u8> {
    let mut line = ResponseCodec::default()
        .encode(&Response::Data(data.clone()))
        .dump();
    if line.ends_with(b"\r\n") {
        line.truncate(line.len() - 2);
    }
    line.extend_from_slice(b" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
    line
}

/// LSUB rows: subscribed names matching `pattern`, and for a trailing `%`
/// the parents of deeper subscribed names, as \Noselect (RFC 3501 §6.3.9).
fn lsub_rows(folders: &[FolderInfo], pattern: &Pattern) -> Vec<Row> {
    let subscribed: Vec<&FolderInfo> = folders.iter().filter(|f| f.subscribed).collect();
    let names: BTreeSet<&str> = subscribed.iter().map(|f| f.name.as_str()).collect();
    let mut rows = Vec::new();
    let mut parents = BTreeSet::new();
    for f in &subscribed {
        if pattern.matches(&f.name) {
            let mut attrs = Vec::new();
            if !f.selectable && f.exists {
                attrs.push(FlagNameAttribute::Noselect);
            }
            rows.push(Row::new(attrs, f.name.clone(), f.selectable && f.exists));
        } else if pattern.text.ends_with('%') {
            for parent in names::prefix_levels(&f.name) {
                if pattern.matches(parent) && !names.contains(parent) {
                    parents.insert(parent.to_string());
                }
            }
        }
    }
    rows.extend(
        parents
            .into_iter()
            .map(|p| Row::new(vec![FlagNameAttribute::Noselect], p, false)),
    );
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    rows
}

fn list_data(items: Vec<FlagNameAttribute<'static>>, name: &str, lsub: bool) -> Data<'static> {
    let delimiter = QuotedChar::try_from(DELIMITER).ok();
    let mailbox = to_wire(name);
    if lsub {
        Data::Lsub {
            items,
            delimiter,
            mailbox,
        }
    } else {
        Data::List {
            items,
            delimiter,
            mailbox,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> FolderInfo {
        FolderInfo {
            name: name.into(),
            special_use: None,
            has_children: false,
            selectable: true,
            subscribed: true,
            exists: true,
        }
    }

    #[test]
    fn collapsed_patterns_match_as_written() {
        let names = [
            "INBOX",
            "INBOX/a",
            "INBOX/a/b",
            "Sent",
            "x%y",
            "Shared/s@x/INBOX",
        ];
        for raw in [
            "*", "%", "*%*", "%%", "%*", "INBOX/%%", "I*%X", "*/%", "%/%/%", "S*%*x*",
        ] {
            let p = Pattern::new(raw);
            for name in names {
                assert_eq!(p.matches(name), names::matches(raw, name), "{raw} {name}");
            }
        }
        assert_eq!(Pattern::new("a**%%*b%%").text, "a*b%");
    }

    /// `LIST "" "*%*%...` or `"*a*a*a...` with a 64 KiB pattern over many
    /// folders cost (pattern × name) characters per folder. Now a pattern
    /// is at most twice its literal characters long, and one with more
    /// literal characters than a name is refused without matching.
    #[test]
    fn a_long_pattern_is_no_longer_than_the_names_it_can_match() {
        let wild = Pattern::new(&"*%".repeat(30_000));
        assert_eq!(wild.text, "*");
        let folders: Vec<FolderInfo> = (0..2_000)
            .map(|i| folder(&format!("Folder {i}/Sub")))
            .collect();
        assert_eq!(
            list_rows(
                &folders,
                std::slice::from_ref(&wild),
                &ListOptions::default()
            )
            .len(),
            2_000
        );
        let long = Pattern::new(&"*a%%".repeat(20_000));
        assert!(long.text.len() <= 2 * long.literals + 1);
        assert_eq!(long.literals, 20_000);
        assert!(
            list_rows(
                &folders,
                std::slice::from_ref(&long),
                &ListOptions::default()
            )
            .is_empty()
        );
    }
}
