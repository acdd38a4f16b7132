//! LIST and LSUB (RFC 3501 §6.3.8–9), with the LIST-EXTENDED selection and
//! return options SPECIAL-USE and LIST-STATUS use (RFC 5258, 6154, 5819).
//! Patterns are matched against UTF-8 names; every row carries
//! \HasChildren or \HasNoChildren and the special use, if any.

use std::collections::BTreeSet;

use imap_types::core::{Atom, QuotedChar};
use imap_types::flag::FlagNameAttribute;
use imap_types::mailbox::{ListMailbox, Mailbox};
use imap_types::response::Data;

use super::backend::UserFolders;
use super::list_ext::ListOptions;
use super::names::{self, from_wire, matches, pattern_from_wire, to_wire};
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
    };
    let pattern = match pattern_from_wire(&reference, &pattern) {
        Ok(pattern) => pattern,
        Err(why) => return Ok(Reply::bad(why.to_string())),
    };
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
        lsub_rows(&folders, &pattern)
    } else {
        list_rows(&folders, &pattern, &options)
    };
    for (attributes, name, selectable) in rows {
        wire.data(list_data(attributes, &name, lsub));
        if let (Some(items), true) = (&options.return_status, selectable) {
            // RFC 5819: a mailbox whose status fails is listed without it.
            if let Ok(status) = user.mail.status(&name).await {
                wire.data(status_data(&name, &status, items));
            }
        }
        wire.flush_if_full().await?;
    }
    Ok(Reply::ok(format!("{command} completed")))
}

/// One LIST/LSUB row: attributes, UTF-8 name, selectable.
type Row = (Vec<FlagNameAttribute<'static>>, String, bool);

fn attribute(name: &str) -> Option<FlagNameAttribute<'static>> {
    Atom::try_from(name.to_string())
        .ok()
        .map(FlagNameAttribute::from)
}

fn attributes(folder: &FolderInfo, subscribed_mark: bool) -> Vec<FlagNameAttribute<'static>> {
    let mut out = Vec::new();
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

/// LIST rows for `pattern`, with the selection options applied.
fn list_rows(folders: &[FolderInfo], pattern: &str, options: &ListOptions) -> Vec<Row> {
    folders
        .iter()
        .filter(|f| matches(pattern, &f.name))
        .filter(|f| !options.subscribed || f.subscribed)
        .filter(|f| !options.special_use_only || f.special_use.is_some())
        .map(|f| {
            let mark = options.subscribed || options.return_subscribed;
            (attributes(f, mark), f.name.clone(), f.selectable)
        })
        .collect()
}

/// LSUB rows: subscribed names matching `pattern`, and for a trailing `%`
/// the parents of deeper subscribed names, as \Noselect (RFC 3501 §6.3.9).
fn lsub_rows(folders: &[FolderInfo], pattern: &str) -> Vec<Row> {
    let subscribed: Vec<&FolderInfo> = folders.iter().filter(|f| f.subscribed).collect();
    let names: BTreeSet<&str> = subscribed.iter().map(|f| f.name.as_str()).collect();
    let mut rows = Vec::new();
    let mut parents = BTreeSet::new();
    for f in &subscribed {
        if matches(pattern, &f.name) {
            let mut attrs = Vec::new();
            if !f.selectable {
                attrs.push(FlagNameAttribute::Noselect);
            }
            rows.push((attrs, f.name.clone(), f.selectable));
        } else if pattern.ends_with('%') {
            for parent in names::prefix_levels(&f.name) {
                if matches(pattern, parent) && !names.contains(parent) {
                    parents.insert(parent.to_string());
                }
            }
        }
    }
    rows.extend(
        parents
            .into_iter()
            .map(|p| (vec![FlagNameAttribute::Noselect], p, false)),
    );
    rows.sort_by(|a, b| a.1.cmp(&b.1));
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
