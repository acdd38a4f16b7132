//! The folder commands: LIST (with SPECIAL-USE and LIST-STATUS options),
//! LSUB, STATUS, CREATE, DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE. Names are
//! decoded from modified UTF-7 once, at the edge, and matched as UTF-8.

use std::collections::BTreeSet;

use imap_types::core::{Atom, QuotedChar};
use imap_types::flag::FlagNameAttribute;
use imap_types::mailbox::{ListMailbox, Mailbox};
use imap_types::response::Data;
use imap_types::status::{StatusDataItem, StatusDataItemName};

use super::backend::{Backend, OpenFolder, UserFolders};
use super::list_ext::ListOptions;
use super::names::{self, from_wire, matches, pattern_from_wire, to_wire};
use super::reply::{self, Reply, Role};
use super::session::{LOGIN_FIRST, Outcome, Session, nz};
use crate::mailbox::names::{DELIMITER, SHARED_PREFIX, canonical};
use crate::mailbox::{FolderInfo, FolderStatus};

impl<B: Backend> Session<'_, B> {
    pub(super) async fn list(
        &mut self,
        reference: Mailbox<'static>,
        pattern: ListMailbox<'static>,
        options: ListOptions,
        lsub: bool,
    ) -> Outcome {
        let Some(user) = &self.user else {
            return Ok(Reply::bad(LOGIN_FIRST));
        };
        let empty = match &pattern {
            ListMailbox::Token(_) => false,
            ListMailbox::String(s) => s.as_ref().is_empty(),
        };
        let pattern = match pattern_from_wire(&reference, &pattern) {
            Ok(pattern) => pattern,
            Err(why) => return Ok(Reply::bad(why)),
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
            self.wire
                .data(list_data(vec![FlagNameAttribute::Noselect], &root, lsub));
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
            self.wire.data(list_data(attributes, &name, lsub));
            if let (Some(items), true) = (&options.return_status, selectable) {
                // RFC 5819: a mailbox whose status fails is listed without it.
                if let Ok(status) = user.mail.status(&name).await {
                    self.wire.data(status_data(&name, &status, items));
                }
            }
            self.wire.flush_if_full().await?;
        }
        Ok(Reply::ok(format!("{command} completed")))
    }

    pub(super) async fn status(
        &mut self,
        mailbox: Mailbox<'static>,
        items: &[StatusDataItemName],
    ) -> Outcome {
        let Some(user) = &self.user else {
            return Ok(Reply::bad(LOGIN_FIRST));
        };
        let name = match from_wire(&mailbox) {
            Ok(name) => name,
            Err(why) => return Ok(Reply::bad(why)),
        };
        match user.mail.status(&name).await {
            Ok(status) => {
                self.wire.data(status_data(&name, &status, items));
                Ok(Reply::ok("STATUS completed"))
            }
            Err(e) => Ok(reply::mail_error(&e, Role::Subject)),
        }
    }

    pub(super) async fn create(&mut self, mailbox: Mailbox<'static>) -> Outcome {
        self.folder_op(mailbox, FolderOp::Create).await
    }

    pub(super) async fn delete(&mut self, mailbox: Mailbox<'static>) -> Outcome {
        let name = match from_wire(&mailbox) {
            Ok(name) => name,
            Err(why) => return Ok(Reply::bad(why)),
        };
        // Deleting the selected folder ends its selection first.
        if self
            .selected
            .as_ref()
            .is_some_and(|s| canonical(s.folder.name()) == name)
        {
            self.selected = None;
        }
        self.folder_op(mailbox, FolderOp::Delete).await
    }

    pub(super) async fn subscribe(&mut self, mailbox: Mailbox<'static>, on: bool) -> Outcome {
        self.folder_op(mailbox, FolderOp::Subscribe(on)).await
    }

    pub(super) async fn rename(&mut self, from: Mailbox<'static>, to: Mailbox<'static>) -> Outcome {
        let Some(user) = &self.user else {
            return Ok(Reply::bad(LOGIN_FIRST));
        };
        let (from, to) = match (from_wire(&from), from_wire(&to)) {
            (Ok(from), Ok(to)) => (from, to),
            (Err(why), _) | (_, Err(why)) => return Ok(Reply::bad(why)),
        };
        match user.mail.rename(&from, &to).await {
            Ok(()) => Ok(Reply::ok("RENAME completed")),
            Err(e) => Ok(reply::mail_error(&e, Role::Subject)),
        }
    }

    async fn folder_op(&mut self, mailbox: Mailbox<'static>, op: FolderOp) -> Outcome {
        let Some(user) = &self.user else {
            return Ok(Reply::bad(LOGIN_FIRST));
        };
        let name = match from_wire(&mailbox) {
            Ok(name) => name,
            Err(why) => return Ok(Reply::bad(why)),
        };
        let (result, command) = match op {
            FolderOp::Create => (user.mail.create(&name).await, "CREATE"),
            FolderOp::Delete => (user.mail.delete(&name).await, "DELETE"),
            FolderOp::Subscribe(true) => (user.mail.subscribe(&name, true).await, "SUBSCRIBE"),
            FolderOp::Subscribe(false) => (user.mail.subscribe(&name, false).await, "UNSUBSCRIBE"),
        };
        match result {
            Ok(()) => Ok(Reply::ok(format!("{command} completed"))),
            Err(e) => Ok(reply::mail_error(&e, Role::Subject)),
        }
    }
}

/// The folder commands that take one name and return nothing.
enum FolderOp {
    Create,
    Delete,
    Subscribe(bool),
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
pub(super) fn list_rows(folders: &[FolderInfo], pattern: &str, options: &ListOptions) -> Vec<Row> {
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
pub(super) fn lsub_rows(folders: &[FolderInfo], pattern: &str) -> Vec<Row> {
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

pub(super) fn status_data(
    name: &str,
    status: &FolderStatus,
    items: &[StatusDataItemName],
) -> Data<'static> {
    let items: Vec<StatusDataItem> = items
        .iter()
        .filter_map(|item| match item {
            StatusDataItemName::Messages => Some(StatusDataItem::Messages(status.messages)),
            StatusDataItemName::Recent => Some(StatusDataItem::Recent(0)),
            StatusDataItemName::UidNext => Some(StatusDataItem::UidNext(nz(status.uidnext))),
            StatusDataItemName::UidValidity => {
                Some(StatusDataItem::UidValidity(nz(status.uidvalidity)))
            }
            StatusDataItemName::Unseen => Some(StatusDataItem::Unseen(status.unseen)),
            _ => None,
        })
        .collect();
    Data::Status {
        mailbox: to_wire(name),
        items: items.into(),
    }
}
