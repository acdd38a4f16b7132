//! One user's mail for one session: their own mailbox and the shared ones
//! policy granted, under one folder namespace (`Shared/<address>/...`), with
//! LIST, STATUS, CREATE, DELETE, RENAME, SUBSCRIBE, SELECT and APPEND
//! (one message, or several all or none), and the messages CATENATE's URLs
//! name.

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};

use super::api::{FolderInfo, FolderRights, FolderStatus, NewMessage};
use super::append::{StoreRequest, store_all, store_message};
use super::download::download;
use super::error::{About, MailError};
use super::flags::FlagName;
use super::names::{DELIMITER, FolderTree, SHARED_PREFIX, canonical, display_of, split_shared};
use super::namespace::Namespace;
use super::object_id::ObjectId;
use super::reason::Reason;
use super::selected::SelectedFolder;
use crate::graph;

pub struct UserMail {
    pub(crate) inner: Arc<Namespace>,
}

impl UserMail {
    /// Whether policy (as it is now) grants any shared mailbox.
    pub fn has_shared(&self) -> bool {
        let u = &self.inner;
        let policy = u.context.policy.read();
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
    /// Folders are subscribed unless the user unsubscribed them (or created
    /// them over IMAP), so clients that show only subscribed folders see
    /// everything at first. Names subscribed to that name no folder come
    /// last, with `exists` false.
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
                exists: true,
            });
        }
        if !u.shared.is_empty() {
            out.push(FolderInfo {
                name: SHARED_PREFIX.to_string(),
                special_use: None,
                has_children: true,
                selectable: false,
                subscribed: subscribed(SHARED_PREFIX),
                exists: true,
            });
        }
        for place in &u.shared {
            // The tree is shared by every user of the mailbox: listed only
            // while policy grants it and Exchange lets this user in.
            if u.check(place).await.is_err() {
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
                exists: true,
            });
            for f in tree.names.folders() {
                let name = place.full_name(&f.name);
                out.push(FolderInfo {
                    subscribed: subscribed(&name),
                    name,
                    special_use: f.special_use,
                    has_children: f.has_children,
                    selectable: true,
                    exists: true,
                });
            }
        }
        // Names subscribed to that name no folder (deleted, renamed, or a
        // grant withdrawn): shown only where subscriptions are listed.
        let listed: HashSet<&str> = out.iter().map(|f| f.name.as_str()).collect();
        let mut gone: Vec<FolderInfo> = subs
            .iter()
            .filter(|(name, on)| **on && !listed.contains(name.as_str()))
            .map(|(name, _)| FolderInfo {
                name: name.clone(),
                special_use: None,
                has_children: false,
                selectable: false,
                subscribed: true,
                exists: false,
            })
            .collect();
        gone.sort_by(|a, b| a.name.cmp(&b.name));
        out.append(&mut gone);
        Ok(out)
    }

    pub async fn status(&self, name: &str) -> Result<FolderStatus, MailError> {
        let r = self.inner.resolve(name).await?;
        let sync = r.place.engine.folder(&r.folder.id).await?;
        sync.sync(&r.place.graph)
            .await
            .inspect_err(|e| self.inner.saw(&r.place, e))?;
        let state = sync.state.lock().await;
        Ok(FolderStatus {
            messages: state.messages.len() as u32,
            recent: sync.recent_count(&state),
            unseen: state.unseen(),
            uidnext: state.uidnext,
            uidvalidity: state.uidvalidity,
            highestmodseq: state.modseq,
            deleted: state.deleted(),
            size: state.total_size(),
            mailbox_id: ObjectId::of(&r.folder.id),
        })
    }

    /// The login this namespace belongs to (normalised).
    pub fn login(&self) -> &str {
        &self.inner.login
    }

    /// What the user may do with the folder `name`, by the checks the
    /// commands make: it resolves as SELECT resolves it (a mailbox policy
    /// does not grant is refused the same way whether it exists or not,
    /// and audited), and changing is allowed as `Place::check_write`
    /// would allow it now. `Shared` and `Shared/<address>` are only
    /// listed; folders can be created in the latter with a write grant.
    pub async fn rights(&self, name: &str) -> Result<FolderRights, MailError> {
        let u = &self.inner;
        if name.eq_ignore_ascii_case(SHARED_PREFIX) {
            return match self.has_shared() {
                true => Ok(FolderRights::default()),
                false => Err(MailError::NoSuchFolder(name.into())),
            };
        }
        if let Some((address, inner)) = split_shared(name)
            && inner.is_empty()
        {
            // Refused (and audited) here unless policy grants the mailbox.
            if let Err(e) = u.place_of(name)
                && !matches!(e, MailError::CannotDo(_))
            {
                return Err(e);
            }
            let place = u
                .shared
                .iter()
                .find(|p| p.grant.mailbox() == address)
                .ok_or_else(|| MailError::NoSuchFolder(name.into()))?;
            u.vouch(place).await?;
            return Ok(FolderRights {
                create_children: place.can_write_now(),
                ..FolderRights::default()
            });
        }
        let r = u.resolve(name).await?;
        let change = r.place.can_write_now();
        let microsofts_own = r.folder.special_use.is_some() || r.folder.name == "INBOX";
        Ok(FolderRights {
            read: true,
            change,
            create_children: change,
            remove: change && !microsofts_own,
        })
    }

    /// Create a folder, and any missing parents (RFC 3501 §6.3.3); the
    /// new folder's id (MAILBOXID).
    pub async fn create(&self, name: &str) -> Result<ObjectId, MailError> {
        let (place, inner) = self.inner.place_of(name)?;
        self.inner.vouch(place).await?;
        place.check_write()?;
        let inner = inner.trim_end_matches(DELIMITER).to_string();
        if inner.is_empty() {
            return Err(MailError::CannotDo("a folder needs a name".into()));
        }
        let tree = place.engine.tree(&place.graph, true).await?;
        if tree.names.find(&inner).is_some() {
            return Err(MailError::AlreadyExists(name.into()));
        }
        let mut parent_id: Option<String> = None;
        let mut path = String::new();
        let levels: Vec<&str> = inner.split(DELIMITER).collect();
        for (i, level) in levels.iter().enumerate() {
            if level.is_empty() {
                return Err(MailError::CannotDo(
                    format!("{name} has an empty level").into(),
                ));
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
                .map_err(|e| {
                    if e.failure().is_some_and(|f| f.is("ErrorFolderExists")) {
                        MailError::AlreadyExists(Reason::because(name, e))
                    } else {
                        folder_failed(place.mailbox(), e)
                    }
                });
            place.engine.invalidate_tree().await;
            let created = created?;
            parent_id = Some(created.id);
            // Folders from Exchange are subscribed until unsubscribed; one
            // a client creates starts unsubscribed, as on other IMAP
            // servers (the client subscribes it if it wants it listed).
            self.inner
                .context
                .store
                .mail_unsubscribed_unless_chosen(
                    &self.inner.login,
                    &canonical(&place.full_name(&path)),
                )
                .await
                .map_err(MailError::from_store)?;
            if i + 1 == levels.len() {
                break;
            }
        }
        Ok(ObjectId::of(parent_id.as_deref().unwrap_or_default()))
    }

    pub async fn delete(&self, name: &str) -> Result<(), MailError> {
        let r = self.inner.resolve(name).await?;
        r.place.check_write()?;
        if r.folder.special_use.is_some() || r.folder.name == "INBOX" {
            return Err(MailError::CannotDo(
                format!("{name} is one of Microsoft 365's own folders and cannot be deleted")
                    .into(),
            ));
        }
        if r.folder.has_children {
            return Err(MailError::CannotDo(
                format!("{name} has subfolders; delete them first").into(),
            ));
        }
        let result = r.place.graph.delete_folder(&r.folder.id).await;
        r.place.engine.invalidate_tree().await;
        result.map_err(|e| folder_failed(r.place.mailbox(), e))?;
        r.place.engine.forget(&r.folder.id).await;
        Ok(())
    }

    pub async fn rename(&self, from: &str, to: &str) -> Result<(), MailError> {
        let r = self.inner.resolve(from).await?;
        r.place.check_write()?;
        let (to_place, to_inner) = self.inner.place_of(to)?;
        // Writing where it would land must be granted too (refused and
        // audited), before the "within its own mailbox" rule.
        to_place.check_write()?;
        if to_place.grant.mailbox() != r.place.grant.mailbox() {
            return Err(MailError::CannotDo(
                "a folder can only be renamed within its own mailbox".into(),
            ));
        }
        if r.folder.special_use.is_some() || r.folder.name == "INBOX" {
            return Err(MailError::CannotDo(
                format!("{from} is one of Microsoft 365's own folders and cannot be renamed")
                    .into(),
            ));
        }
        let to_inner = to_inner.trim_end_matches(DELIMITER).to_string();
        if r.tree.names.find(&to_inner).is_some() {
            return Err(MailError::AlreadyExists(to.into()));
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
                    .ok_or_else(|| MailError::NoSuchFolder(p.as_str().into()))?,
                None => r
                    .tree
                    .id_of("msgfolderroot")
                    .unwrap_or("msgfolderroot")
                    .to_string(),
            };
            let moved = r.place.graph.move_folder(&r.folder.id, &dest).await;
            r.place.engine.invalidate_tree().await;
            moved.map_err(|e| folder_failed(&mailbox, e))?;
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
            renamed.map_err(|e| folder_failed(&mailbox, e))?;
        }
        Ok(())
    }

    pub async fn subscribe(&self, name: &str, on: bool) -> Result<(), MailError> {
        let name = canonical(name.trim_end_matches(DELIMITER));
        // Subscribing under Shared/ needs the grant (refused and audited
        // otherwise, like opening it); the namespace itself and the
        // mailbox level are fine. Unsubscribing is always allowed.
        if on && !name.eq_ignore_ascii_case(SHARED_PREFIX) {
            match self.inner.place_of(&name) {
                Ok(_) | Err(MailError::CannotDo(_)) => {}
                Err(e) => return Err(e),
            }
        }
        self.inner
            .context
            .store
            .mail_subscribe(&self.inner.login, &name, on)
            .await
            .map_err(MailError::from_store)
            .inspect_err(|e| e.log(self.inner.own.mailbox()))
    }

    /// Store a message; returns (UIDVALIDITY, UID) for APPENDUID.
    pub async fn append(
        &self,
        name: &str,
        flags: &[FlagName],
        date: Option<DateTime<Utc>>,
        mime: Bytes,
    ) -> Result<(u32, u32), MailError> {
        let context = &self.inner.context;
        if mime.len() > context.settings.max_message_bytes {
            return Err(MailError::TooLarge(
                format!(
                    "the message is larger than the {} bytes Microsoft 365 accepts here",
                    context.settings.max_message_bytes
                )
                .into(),
            ));
        }
        let target = self.inner.resolve(name).await?;
        target.place.check_write()?;
        let sync = target.place.engine.folder(&target.folder.id).await?;
        let uid =
            store_message(context, &target, &sync, StoreRequest { flags, date, mime }).await?;
        let uidvalidity = sync.state.lock().await.uidvalidity;
        Ok((uidvalidity, uid))
    }

    /// Store `messages` in one folder, all or none (MULTIAPPEND, RFC 3502):
    /// one message failing deletes those stored before it. Returns the
    /// folder's UIDVALIDITY and the new UIDs, in order.
    pub async fn append_all(
        &self,
        name: &str,
        messages: Vec<NewMessage>,
    ) -> Result<(u32, Vec<u32>), MailError> {
        let context = &self.inner.context;
        let limit = context.settings.max_message_bytes;
        if let Some(big) = messages.iter().find(|m| m.mime.len() > limit) {
            return Err(MailError::TooLarge(
                format!(
                    "a message of {} bytes is larger than the {limit} bytes Microsoft 365 accepts here",
                    big.mime.len()
                )
                .into(),
            ));
        }
        let target = self.inner.resolve(name).await?;
        target.place.check_write()?;
        let sync = target.place.engine.folder(&target.folder.id).await?;
        let requests = messages
            .iter()
            .map(|m| StoreRequest {
                flags: &m.flags,
                date: m.date,
                mime: m.mime.clone(),
            })
            .collect();
        let uids = store_all(context, &target, &sync, requests).await?;
        let uidvalidity = sync.state.lock().await.uidvalidity;
        Ok((uidvalidity, uids))
    }

    /// Whether `name` exists and takes new messages: asked before
    /// CATENATE reads its URLs, so that a missing folder is `[TRYCREATE]`
    /// whatever the URLs say. No Graph request while the folder tree is
    /// cached.
    pub async fn check_append(&self, name: &str) -> Result<(), MailError> {
        let target = self.inner.resolve(name).await?;
        target.place.check_write()
    }

    /// The message with `uid` in folder `name` and the folder's
    /// UIDVALIDITY (the messages CATENATE's URLs name). A UID not known yet
    /// is looked for once more after a delta round.
    pub async fn message(&self, name: &str, uid: u32) -> Result<(u32, Bytes), MailError> {
        let r = self.inner.resolve(name).await?;
        let sync = r.place.engine.folder(&r.folder.id).await?;
        let found = |state: &super::folder::FolderData| {
            (
                state.uidvalidity,
                state.get(uid).map(|m| m.message_id.clone()),
            )
        };
        let (mut uidvalidity, mut id) = found(&*sync.state.lock().await);
        if id.is_none() {
            sync.sync(&r.place.graph)
                .await
                .inspect_err(|e| self.inner.saw(&r.place, e))?;
            (uidvalidity, id) = found(&*sync.state.lock().await);
        }
        let id = id.ok_or(MailError::Gone(uid))?;
        let mime = download(&self.inner.context, &r.place, uid, &id).await?;
        Ok((uidvalidity, mime))
    }

    /// Open a folder; `read_only` for EXAMINE (a read grant forces it).
    pub async fn select(&self, name: &str, read_only: bool) -> Result<SelectedFolder, MailError> {
        let r = self.inner.resolve(name).await?;
        let read_only = read_only || !r.place.can_write_now();
        r.place.engine.register(&self.inner.login, &r.place.graph);
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

/// A failed Graph request about a folder of `mailbox`, logged.
fn folder_failed(mailbox: &str, e: graph::Error) -> MailError {
    let e = MailError::from_graph(mailbox, About::Folder, e);
    e.log(mailbox);
    e
}
