//! One user's mail for one session: their own mailbox and the shared ones
//! policy granted, under one folder namespace (`Shared/<address>/...`), with
//! LIST, STATUS, CREATE, DELETE, RENAME, SUBSCRIBE and SELECT.

use std::collections::HashMap;
use std::sync::Arc;

use super::api::{FolderInfo, FolderStatus, MailError};
use super::engine::{MailboxEngine, Tree, graph_error};
use super::names::{
    DELIMITER, FolderTree, NamedFolder, SHARED_PREFIX, canonical, display_of, shared_name,
    split_shared,
};
use super::selected::SelectedFolder;
use super::service::MailService;
use super::sync::store_error;
use crate::graph::Mailbox;
use crate::policy::Grant;

/// A mailbox the user may use, with the handle to reach it.
#[derive(Clone)]
pub(crate) struct Place {
    pub graph: Mailbox,
    pub engine: Arc<MailboxEngine>,
    pub grant: Grant,
    pub audit: crate::audit::Audit,
}

impl Place {
    /// The full IMAP name of `folder` (a name inside this mailbox).
    pub fn full_name(&self, folder: &str) -> String {
        if self.grant.is_own() {
            folder.to_string()
        } else {
            shared_name(self.grant.mailbox(), folder)
        }
    }

    pub fn check_write(&self) -> Result<(), MailError> {
        if self.grant.can_write() {
            Ok(())
        } else {
            let why = format!(
                "{} may only read the mailbox {}",
                self.grant.login(),
                self.grant.mailbox()
            );
            self.audit
                .refused(self.grant.login(), "write", self.grant.mailbox(), &why);
            Err(MailError::NoPermission(why))
        }
    }
}

/// A folder a name resolved to.
pub(crate) struct Resolved {
    pub place: Place,
    pub tree: Arc<Tree>,
    pub folder: NamedFolder,
}

pub(crate) struct UserInner {
    pub service: Arc<MailService>,
    pub login: String,
    pub own: Place,
    pub shared: Vec<Place>,
}

pub struct UserMail {
    pub(crate) inner: Arc<UserInner>,
}

impl UserMail {
    pub(crate) fn new(
        service: Arc<MailService>,
        login: String,
        own: Place,
        shared: Vec<Place>,
    ) -> UserMail {
        UserMail {
            inner: Arc::new(UserInner {
                service,
                login,
                own,
                shared,
            }),
        }
    }
}

impl UserInner {
    /// Does policy (as it is now, after any reload) still grant `place`?
    /// A revoked grant ends access at the next command.
    pub fn still_granted(&self, place: &Place) -> Result<(), MailError> {
        if place.grant.is_own() {
            return Ok(());
        }
        let policy = self.service.policy.read();
        let own = self.own.grant.mailbox();
        match policy.open(
            &self.login,
            own,
            place.grant.mailbox(),
            place.grant.access(),
        ) {
            Ok(_) => Ok(()),
            Err(denied) => {
                drop(policy);
                place.audit.refused(
                    &self.login,
                    "open",
                    place.grant.mailbox(),
                    &format!("{} (revoked)", denied.reason),
                );
                Err(MailError::NoPermission(format!(
                    "{} (the grant was withdrawn)",
                    denied.reason
                )))
            }
        }
    }

    /// The mailbox a name belongs to and the name inside it.
    pub fn place_of(&self, name: &str) -> Result<(&Place, String), MailError> {
        if name.eq_ignore_ascii_case(SHARED_PREFIX)
            || name
                .strip_suffix(DELIMITER)
                .is_some_and(|n| n.eq_ignore_ascii_case(SHARED_PREFIX))
        {
            return Err(MailError::CannotDo(format!(
                "{SHARED_PREFIX} only holds the shared mailboxes; it is not a folder"
            )));
        }
        let Some((address, inner)) = split_shared(name) else {
            // "Shared/" followed by something that names no mailbox
            // ("Shared//x"), or an encoded or back slash in its place
            // ("Shared%2Fx", "Shared\\x"), is a path trick, not a folder.
            let lower = name.to_ascii_lowercase();
            let shared = SHARED_PREFIX.to_ascii_lowercase();
            if [
                format!("{shared}{DELIMITER}"),
                format!("{shared}%2f"),
                format!("{shared}\\"),
            ]
            .iter()
            .any(|p| lower.starts_with(p.as_str()))
            {
                let why = format!("{} may not open {name}", self.login);
                self.service.audit.refused(&self.login, "open", name, &why);
                return Err(MailError::NoPermission(why));
            }
            return Ok((&self.own, canonical(name)));
        };
        let place = self
            .shared
            .iter()
            .find(|p| p.grant.mailbox() == address)
            .ok_or_else(|| {
                let why = format!("{} may not open the mailbox {address}", self.login);
                self.service.audit.refused(
                    &self.login,
                    "open",
                    &address,
                    &format!("{why} (asked for {name})"),
                );
                MailError::NoPermission(why)
            })?;
        self.still_granted(place)?;
        if inner.is_empty() {
            return Err(MailError::CannotDo(format!(
                "{SHARED_PREFIX}/{address} holds that mailbox's folders; it is not a folder"
            )));
        }
        Ok((place, inner))
    }

    pub async fn resolve(&self, name: &str) -> Result<Resolved, MailError> {
        let (place, inner) = self.place_of(name)?;
        let tree = match place.engine.tree(&place.graph, false).await {
            Ok(t) => t,
            Err(e @ MailError::NoPermission(_)) => {
                // Exchange refused though local policy allows: audited too.
                place
                    .audit
                    .refused(&self.login, "open", place.grant.mailbox(), &e.to_string());
                return Err(e);
            }
            Err(e) => return Err(e),
        };
        let folder = match tree.names.find(&inner) {
            Some(f) => f.clone(),
            None => {
                // Someone may have just made it: look once more, fresh.
                let tree = place.engine.tree(&place.graph, true).await?;
                let folder = tree
                    .names
                    .find(&inner)
                    .cloned()
                    .ok_or_else(|| MailError::NoSuchFolder(name.to_string()))?;
                return Ok(Resolved {
                    place: place.clone(),
                    tree,
                    folder,
                });
            }
        };
        Ok(Resolved {
            place: place.clone(),
            tree,
            folder,
        })
    }

    async fn subscriptions(&self) -> Result<HashMap<String, bool>, MailError> {
        Ok(self
            .service
            .store
            .mail_subscriptions(&self.login)
            .await
            .map_err(store_error)?
            .into_iter()
            .collect())
    }
}

impl UserMail {
    /// Whether policy (as it is now) grants any shared mailbox.
    pub fn has_shared(&self) -> bool {
        let u = &self.inner;
        let policy = u.service.policy.read();
        u.shared.iter().any(|p| {
            policy
                .open(
                    &u.login,
                    u.own.grant.mailbox(),
                    p.grant.mailbox(),
                    p.grant.access(),
                )
                .is_ok()
        })
    }

    /// Every folder the user may see (own, then granted shared mailboxes).
    /// Folders are subscribed unless the user unsubscribed them, so clients
    /// that show only subscribed folders see everything at first.
    pub async fn list(&self) -> Result<Vec<FolderInfo>, MailError> {
        let u = &self.inner;
        let subs = u.subscriptions().await?;
        let subscribed = |name: &str| subs.get(name).copied().unwrap_or(true);
        let mut out = Vec::new();
        let tree = u.own.engine.tree(&u.own.graph, false).await?;
        for f in tree.names.folders() {
            out.push(FolderInfo {
                name: f.name.clone(),
                special_use: f.special_use,
                has_children: f.has_children,
                selectable: true,
                subscribed: subscribed(&f.name),
            });
        }
        if !u.shared.is_empty() {
            out.push(FolderInfo {
                name: SHARED_PREFIX.to_string(),
                special_use: None,
                has_children: true,
                selectable: false,
                subscribed: subscribed(SHARED_PREFIX),
            });
        }
        for place in &u.shared {
            if u.still_granted(place).is_err() {
                continue;
            }
            let tree = match place.engine.tree(&place.graph, false).await {
                Ok(t) => t,
                Err(e) => {
                    // Exchange has the last word: a mailbox it refuses is not listed.
                    tracing::info!(login = %u.login, mailbox = %place.grant.mailbox(), error = %e, "shared mailbox left out of LIST");
                    continue;
                }
            };
            let top = format!("{SHARED_PREFIX}{DELIMITER}{}", place.grant.mailbox());
            out.push(FolderInfo {
                subscribed: subscribed(&top),
                name: top,
                special_use: None,
                has_children: true,
                selectable: false,
            });
            for f in tree.names.folders() {
                let name = place.full_name(&f.name);
                out.push(FolderInfo {
                    subscribed: subscribed(&name),
                    name,
                    special_use: f.special_use,
                    has_children: f.has_children,
                    selectable: true,
                });
            }
        }
        Ok(out)
    }

    pub async fn status(&self, name: &str) -> Result<FolderStatus, MailError> {
        let r = self.inner.resolve(name).await?;
        let sync = r.place.engine.folder(&r.folder.id).await?;
        sync.sync(&r.place.graph).await?;
        let state = sync.state.lock().await;
        Ok(FolderStatus {
            messages: state.messages.len() as u32,
            unseen: state.unseen(),
            uidnext: state.uidnext,
            uidvalidity: state.uidvalidity,
        })
    }

    /// Create a folder, and any missing parents (RFC 3501 §6.3.3).
    pub async fn create(&self, name: &str) -> Result<(), MailError> {
        let (place, inner) = self.inner.place_of(name)?;
        place.check_write()?;
        let inner = inner.trim_end_matches(DELIMITER).to_string();
        if inner.is_empty() {
            return Err(MailError::CannotDo("a folder needs a name".into()));
        }
        let tree = place.engine.tree(&place.graph, true).await?;
        if tree.names.find(&inner).is_some() {
            return Err(MailError::AlreadyExists(name.to_string()));
        }
        let mut parent_id: Option<String> = None;
        let mut path = String::new();
        let levels: Vec<&str> = inner.split(DELIMITER).collect();
        for (i, level) in levels.iter().enumerate() {
            if level.is_empty() {
                return Err(MailError::CannotDo(format!("{name} has an empty level")));
            }
            if !path.is_empty() {
                path.push(DELIMITER);
            }
            path.push_str(level);
            if let Some(existing) = tree.names.find(&path) {
                parent_id = Some(existing.id.clone());
                continue;
            }
            let created = place
                .graph
                .create_folder(parent_id.as_deref(), &display_of(level))
                .await
                .map_err(|e| match graph_error(place.grant.mailbox(), e) {
                    MailError::AlreadyExists(_) => MailError::AlreadyExists(name.to_string()),
                    other => other,
                });
            place.engine.invalidate_tree().await;
            let created = created?;
            parent_id = Some(created.id);
            if i + 1 == levels.len() {
                break;
            }
        }
        Ok(())
    }

    pub async fn delete(&self, name: &str) -> Result<(), MailError> {
        let r = self.inner.resolve(name).await?;
        r.place.check_write()?;
        if r.folder.special_use.is_some() || r.folder.name == "INBOX" {
            return Err(MailError::CannotDo(format!(
                "{name} is one of Microsoft 365's own folders and cannot be deleted"
            )));
        }
        if r.folder.has_children {
            return Err(MailError::CannotDo(format!(
                "{name} has subfolders; delete them first"
            )));
        }
        let result = r.place.graph.delete_folder(&r.folder.id).await;
        r.place.engine.invalidate_tree().await;
        result.map_err(|e| graph_error(r.place.grant.mailbox(), e))?;
        r.place.engine.forget(&r.folder.id).await;
        Ok(())
    }

    pub async fn rename(&self, from: &str, to: &str) -> Result<(), MailError> {
        let r = self.inner.resolve(from).await?;
        r.place.check_write()?;
        let (to_place, to_inner) = self.inner.place_of(to)?;
        if to_place.grant.mailbox() != r.place.grant.mailbox() {
            return Err(MailError::CannotDo(
                "a folder can only be renamed within its own mailbox".into(),
            ));
        }
        if r.folder.special_use.is_some() || r.folder.name == "INBOX" {
            return Err(MailError::CannotDo(format!(
                "{from} is one of Microsoft 365's own folders and cannot be renamed"
            )));
        }
        let to_inner = to_inner.trim_end_matches(DELIMITER).to_string();
        if r.tree.names.find(&to_inner).is_some() {
            return Err(MailError::AlreadyExists(to.to_string()));
        }
        let (old_parent, _) = FolderTree::parent_of(&r.folder.name);
        let (new_parent, leaf) = FolderTree::parent_of(&to_inner);
        let mailbox = r.place.grant.mailbox().to_string();
        if new_parent != old_parent {
            let dest = match &new_parent {
                Some(p) => r
                    .tree
                    .names
                    .find(p)
                    .map(|f| f.id.clone())
                    .ok_or_else(|| MailError::NoSuchFolder(p.clone()))?,
                None => r
                    .tree
                    .id_of("msgfolderroot")
                    .unwrap_or("msgfolderroot")
                    .to_string(),
            };
            let moved = r.place.graph.move_folder(&r.folder.id, &dest).await;
            r.place.engine.invalidate_tree().await;
            moved.map_err(|e| graph_error(&mailbox, e))?;
        }
        let current_leaf = r
            .folder
            .name
            .rsplit(DELIMITER)
            .next()
            .unwrap_or_default()
            .to_string();
        if leaf != current_leaf {
            let renamed = r
                .place
                .graph
                .rename_folder(&r.folder.id, &display_of(&leaf))
                .await;
            r.place.engine.invalidate_tree().await;
            renamed.map_err(|e| graph_error(&mailbox, e))?;
        }
        Ok(())
    }

    pub async fn subscribe(&self, name: &str, on: bool) -> Result<(), MailError> {
        let name = canonical(name.trim_end_matches(DELIMITER));
        self.inner
            .service
            .store
            .mail_subscribe(&self.inner.login, &name, on)
            .await
            .map_err(store_error)
    }

    /// Open a folder; `read_only` for EXAMINE (a read grant forces it).
    pub async fn select(&self, name: &str, read_only: bool) -> Result<SelectedFolder, MailError> {
        let r = self.inner.resolve(name).await?;
        let read_only = read_only || !r.place.grant.can_write();
        r.place.engine.register(&r.place.graph);
        // The front's first snapshot(true) runs the delta round.
        let sync = r.place.engine.folder(&r.folder.id).await?;
        let is_trash = r.tree.id_of("deleteditems") == Some(r.folder.id.as_str());
        if !r.place.grant.is_own() {
            r.place.audit.allowed(
                &self.inner.login,
                if read_only { "examine" } else { "select" },
                r.place.grant.mailbox(),
                &r.folder.name,
            );
        }
        Ok(SelectedFolder::new(
            self.inner.clone(),
            r.place.full_name(&r.folder.name),
            read_only,
            r.place,
            sync,
            is_trash,
        ))
    }
}
