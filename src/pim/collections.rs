//! Collections clients make, rename, recolour and delete (MKCALENDAR and
//! extended MKCOL, PROPPATCH, DELETE of a collection): each is one Graph
//! request on a calendar, To Do list or contact folder of the user's own
//! mailbox (or, for changes, of a shared mailbox policy lets them write).
//! A collection made by a client lives at the URL segment the client
//! chose; the store keeps that segment next to the Graph id. After each
//! change the mailbox's listing kept in memory is amended with what Graph
//! answered, so the change shows at the next request without listing
//! again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use dashmap::DashMap;

use super::error::PimError;
use super::service::{Collection, Kind, PimService, Place, UserPim, slug};
use crate::graph::{self, CalendarChange};
use crate::store::DavKey;

/// The longest collection name graphgate sends Graph, in characters
/// (Outlook's folder-name limit).
pub const MAX_NAME_CHARS: usize = 255;

/// The home a kind of collection lives in, as the store names it.
fn home_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Contacts => "addressbooks",
        _ => "calendars",
    }
}

/// The segments clients chose for one mailbox's collections, by (kind,
/// Graph id).
pub(super) struct ChosenNames(HashMap<(String, String), String>);

impl ChosenNames {
    /// The URL segment of a collection: the one chosen for it, or the one
    /// graphgate derives from its Graph id.
    pub(super) fn slug(
        &self,
        own: bool,
        mailbox: &str,
        kind: Kind,
        graph_id: &str,
        is_default: bool,
    ) -> String {
        self.0
            .get(&(kind.store_name().to_string(), graph_id.to_string()))
            .cloned()
            .unwrap_or_else(|| slug(own, mailbox, kind, graph_id, is_default))
    }
}

/// Amend a listing kept in memory (if one is), keeping when it was made.
fn amend<T: Clone>(
    map: &DashMap<String, (Instant, Arc<Vec<T>>)>,
    mailbox: &str,
    change: impl FnOnce(&mut Vec<T>),
) {
    if let Some(mut entry) = map.get_mut(mailbox) {
        let mut list = entry.1.as_ref().clone();
        change(&mut list);
        entry.1 = Arc::new(list);
    }
}

/// What a listing holds after a change Graph answered.
enum Listed {
    Calendar(graph::Calendar),
    List(graph::tasks::TaskList),
    Folder(graph::ContactFolder),
}

impl PimService {
    fn keep(&self, mailbox: &str, listed: Listed) {
        match listed {
            Listed::Calendar(cal) => amend(&self.calendars, mailbox, |all| {
                match all.iter_mut().find(|c| c.id == cal.id) {
                    Some(old) => *old = cal,
                    None => all.push(cal),
                }
            }),
            Listed::List(list) => amend(&self.task_lists, mailbox, |all| {
                match all.iter_mut().find(|l| l.id == list.id) {
                    Some(old) => *old = list,
                    None => all.push(list),
                }
            }),
            Listed::Folder(folder) => amend(&self.folders, mailbox, |all| {
                match all.iter_mut().find(|(f, _)| f.id == folder.id) {
                    Some(old) => old.0 = folder,
                    None => all.push((folder, false)),
                }
            }),
        }
    }

    fn drop_listed(&self, mailbox: &str, kind: Kind, id: &str) {
        match kind {
            Kind::Events => amend(&self.calendars, mailbox, |all| all.retain(|c| c.id != id)),
            Kind::Tasks => amend(&self.task_lists, mailbox, |all| all.retain(|l| l.id != id)),
            Kind::Contacts => amend(&self.folders, mailbox, |all| {
                all.retain(|(f, _)| f.id != id)
            }),
        }
    }
}

/// Graph's refusal of a name that is taken, in words; other failures as
/// they are.
fn named(e: graph::Error, name: &str) -> PimError {
    match &e {
        graph::Error::Graph(f) if f.status == 409 => PimError::Conflict(format!(
            "the mailbox already has a calendar, list or folder named \"{name}\""
        )),
        _ => e.into(),
    }
}

impl UserPim {
    /// The segments clients chose for `place`'s collections (only the own
    /// mailbox's collections are made through graphgate).
    pub(super) async fn chosen_names(&self, place: &Place) -> Result<ChosenNames, PimError> {
        let mut out = HashMap::new();
        if place.grant.is_own() {
            for n in self.service.store.dav_names(place.grant.mailbox()).await? {
                out.insert((n.kind, n.collection), n.segment);
            }
        }
        Ok(ChosenNames(out))
    }

    /// Make a collection of `kind` named `name` (with a Graph colour name,
    /// for calendars) in the user's own mailbox, at `segment` of its home.
    /// The caller has checked that nothing is there.
    pub async fn create_collection(
        &self,
        segment: &str,
        kind: Kind,
        name: &str,
        color: Option<&'static str>,
    ) -> Result<(), PimError> {
        let place = self
            .places
            .iter()
            .find(|p| p.grant.is_own())
            .ok_or_else(|| PimError::Denied("no mailbox of your own is open".into()))?;
        if !place.grant.can_write() {
            return Err(PimError::ReadOnly(
                "policy lets you read your mailbox only".into(),
            ));
        }
        let mailbox = place.grant.mailbox().to_string();
        let (id, listed) = match kind {
            Kind::Events => {
                let change = CalendarChange {
                    name: Some(name.to_string()),
                    color: color.map(str::to_string),
                };
                let cal = place
                    .graph
                    .create_calendar(&change)
                    .await
                    .map_err(|e| named(e, name))?;
                (cal.id.clone(), Listed::Calendar(cal))
            }
            Kind::Tasks => {
                let list = place
                    .graph
                    .create_task_list(name)
                    .await
                    .map_err(|e| named(e, name))?;
                (list.id.clone(), Listed::List(list))
            }
            Kind::Contacts => {
                let folder = place
                    .graph
                    .create_contact_folder(name)
                    .await
                    .map_err(|e| named(e, name))?;
                (folder.id.clone(), Listed::Folder(folder))
            }
        };
        let key = DavKey {
            mailbox: mailbox.clone(),
            kind: kind.store_name(),
            collection: id.clone(),
        };
        if !self
            .service
            .store
            .dav_name(&key, home_of(kind), segment)
            .await?
        {
            // Another request took the segment meanwhile: ours goes again.
            if let Err(e) = self.remove_at_graph(place, kind, &id).await {
                tracing::warn!(error = %e, "a collection made twice could not be removed");
            }
            return Err(PimError::Exists(format!(
                "{segment} was made by another request meanwhile"
            )));
        }
        self.service.keep(&mailbox, listed);
        Ok(())
    }

    async fn remove_at_graph(&self, place: &Place, kind: Kind, id: &str) -> Result<(), PimError> {
        let done = match kind {
            Kind::Events => place.graph.delete_calendar(id).await,
            Kind::Tasks => place.graph.delete_task_list(id).await,
            Kind::Contacts => place.graph.delete_contact_folder(id).await,
        };
        match done {
            // Already gone: what the client asked for holds.
            Err(graph::Error::Graph(f)) if f.status == 404 => Ok(()),
            other => Ok(other?),
        }
    }

    /// Rename and/or recolour (calendars only) a collection.
    pub async fn change_collection(
        &self,
        c: &Collection,
        name: Option<&str>,
        color: Option<&'static str>,
    ) -> Result<(), PimError> {
        if !c.writable {
            return Err(PimError::ReadOnly(format!("{} may only be read", c.name)));
        }
        if name.is_none() && color.is_none() {
            return Ok(());
        }
        let place = self.place(c);
        let shown = name.unwrap_or(&c.name);
        let listed = match c.kind {
            Kind::Events => {
                let change = CalendarChange {
                    name: name.map(str::to_string),
                    color: color.map(str::to_string),
                };
                let cal = place
                    .graph
                    .update_calendar(&c.graph_id, &change)
                    .await
                    .map_err(|e| named(e, shown))?;
                Listed::Calendar(cal)
            }
            _ if color.is_some() => {
                return Err(PimError::Forbidden(
                    "Microsoft 365 keeps a colour for calendars only".into(),
                ));
            }
            Kind::Tasks => {
                if c.built_in {
                    return Err(PimError::Forbidden(format!(
                        "Microsoft To Do does not let its built-in list \"{}\" be renamed",
                        c.name
                    )));
                }
                let list = place
                    .graph
                    .rename_task_list(&c.graph_id, shown)
                    .await
                    .map_err(|e| named(e, shown))?;
                Listed::List(list)
            }
            Kind::Contacts => {
                let folder = place
                    .graph
                    .rename_contact_folder(&c.graph_id, shown)
                    .await
                    .map_err(|e| named(e, shown))?;
                Listed::Folder(folder)
            }
        };
        self.service.keep(place.grant.mailbox(), listed);
        self.audit_shared(c, "dav-change-collection", shown);
        Ok(())
    }

    /// Delete a collection with everything in it. Its chosen segment, its
    /// state and every sync token of it go too.
    pub async fn delete_collection(&self, c: &Collection) -> Result<(), PimError> {
        if !c.writable {
            return Err(PimError::ReadOnly(format!("{} may only be read", c.name)));
        }
        if c.built_in {
            let what = match c.kind {
                Kind::Events => "the mailbox's default calendar",
                Kind::Tasks => "a built-in To Do list",
                Kind::Contacts => "the mailbox's default contact folder",
            };
            return Err(PimError::Forbidden(format!(
                "Microsoft 365 does not let {what} (\"{}\") be deleted",
                c.name
            )));
        }
        let place = self.place(c);
        self.remove_at_graph(place, c.kind, &c.graph_id).await?;
        let key = c.key();
        self.service.store.dav_forget(&key).await?;
        self.service.drop_listed(&c.mailbox, c.kind, &c.graph_id);
        self.audit_shared(c, "dav-delete-collection", "");
        Ok(())
    }
}

impl UserPim {
    /// Whether the user may make collections: policy lets them write their
    /// own mailbox.
    pub fn can_make_collections(&self) -> bool {
        self.places
            .iter()
            .any(|p| p.grant.is_own() && p.grant.can_write())
    }

    /// Whether `segment` names a collection of a shared mailbox policy
    /// lets this user read only.
    pub fn shared_read_only(&self, segment: &str) -> bool {
        let lower = segment.to_ascii_lowercase();
        self.places.iter().any(|p| {
            !p.grant.is_own()
                && !p.grant.can_write()
                && lower.starts_with(&format!("{}-", p.grant.mailbox()))
        })
    }
}
