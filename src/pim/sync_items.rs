//! To Do lists (VTODO calendars) and contact folders (address books):
//! one delta round per sync (Graph's contact and task delta need no
//! window), every changed item rendered from what the round brought (a
//! contact's photo read with it), and the writes a client makes.

use std::collections::BTreeMap;

use super::error::{CALDAV_NS, CARDDAV_NS, PimError};
use super::service::{Collection, Kind, UserPim};
use super::sync_events::{etag_of, name_for};
use super::{vcard, vtodo};
use crate::graph::{self, Contact, Task};
use crate::store::{DavChanges, DavCollectionRow, DavItemRow};

/// What one delta round brought, whatever the kind.
enum Round {
    Tasks(graph::Delta<Task>),
    Contacts(graph::Delta<Contact>),
}

impl UserPim {
    /// One delta round of a task list or contact folder, written down.
    pub(crate) async fn refresh_items(
        &self,
        c: &Collection,
        state: DavCollectionRow,
    ) -> Result<DavCollectionRow, PimError> {
        let link = state.delta_link.as_deref();
        let round = match self.delta(c, link).await {
            Ok(r) => (r, link.is_none()),
            Err(graph::Error::SyncReset) if link.is_some() => (self.delta(c, None).await?, true),
            Err(e) => return Err(e.into()),
        };
        let (round, first) = round;
        let key = c.key();
        let store = &self.service.store;
        let before: BTreeMap<String, DavItemRow> = store
            .dav_items(&key, false)
            .await?
            .into_iter()
            .filter_map(|r| r.graph_id.clone().map(|id| (id, r)))
            .collect();
        let mut changes = DavChanges {
            reset: first,
            ..DavChanges::default()
        };
        let (removed, link) = match round {
            Round::Tasks(d) => {
                for task in &d.changed {
                    let row = before.get(&task.id);
                    changes.upserts.push(self.task_row(task, row));
                }
                (d.removed, d.delta_link)
            }
            Round::Contacts(d) => {
                for contact in &d.changed {
                    let row = before.get(&contact.id);
                    let photo = self.place(c).graph.contact_photo(&contact.id).await?;
                    changes
                        .upserts
                        .push(contact_row(contact, photo.as_ref(), row));
                }
                (d.removed, d.delta_link)
            }
        };
        changes.delta_link = Some(Some(link));
        if !first {
            for id in removed {
                if let Some(row) = before.get(&id) {
                    changes.removed.push(row.name.clone());
                }
            }
            // Unchanged renderings are not news to clients.
            changes.upserts.retain(|u| {
                let old = u.graph_id.as_ref().and_then(|id| before.get(id));
                old.is_none_or(|o| o.etag != u.etag)
            });
        }
        Ok(store
            .dav_write(&key, &changes, crate::store::now_ms())
            .await?)
    }

    async fn delta(&self, c: &Collection, link: Option<&str>) -> Result<Round, graph::Error> {
        let mb = &self.place(c).graph;
        Ok(match c.kind {
            Kind::Tasks => Round::Tasks(mb.tasks_delta(&c.graph_id, link).await?),
            _ => Round::Contacts(mb.contacts_delta(&c.graph_id, link).await?),
        })
    }

    fn task_row(&self, task: &Task, row: Option<&DavItemRow>) -> DavItemRow {
        let name = row
            .map(|r| r.name.clone())
            .unwrap_or_else(|| name_for(&task.id, "ics"));
        let uid = row
            .and_then(|r| r.uid.clone())
            .unwrap_or_else(|| task.id.clone());
        let extras = row
            .and_then(|r| r.extras.as_deref())
            .and_then(|j| vtodo::TaskExtras::from_json(j).ok());
        let body = vtodo::render(task, &uid, extras.as_ref());
        DavItemRow {
            etag: Some(etag_of(&body)),
            graph_id: Some(task.id.clone()),
            uid: Some(uid),
            body: Some(body),
            extras: row.and_then(|r| r.extras.clone()),
            name,
            revision: 0,
        }
    }

    /// Store a client's VTODO or vCard at `name`.
    pub(crate) async fn put_item(
        &self,
        c: &Collection,
        name: &str,
        body: &str,
        row: Option<DavItemRow>,
    ) -> Result<bool, PimError> {
        let key = c.key();
        let store = &self.service.store;
        let mb = &self.place(c).graph;
        let existing = row.as_ref().and_then(|r| r.graph_id.clone());
        let stored = match c.kind {
            Kind::Tasks => {
                let parsed = vtodo::parse(body).map_err(|r| PimError::Precondition {
                    ns: CALDAV_NS,
                    name: r.precondition.element(),
                    sentence: r.reason,
                })?;
                let uid = parsed.uid.clone().unwrap_or_else(|| name.to_string());
                self.uid_free(c, &uid, name).await?;
                let task = match &existing {
                    Some(id) => mb.update_task(&c.graph_id, id, &parsed.write).await?,
                    None => {
                        mb.create_task(&c.graph_id, &parsed.write.for_create())
                            .await?
                    }
                };
                let extras = parsed.extras.to_json();
                let shown = DavItemRow {
                    name: name.to_string(),
                    uid: Some(uid),
                    extras: Some(extras),
                    ..DavItemRow::default()
                };
                self.task_row(&task, Some(&shown))
            }
            _ => {
                let parsed = vcard::parse(body).map_err(|r| PimError::Precondition {
                    ns: CARDDAV_NS,
                    name: r.precondition.element(),
                    sentence: r.reason,
                })?;
                let uid = parsed.uid.clone().unwrap_or_else(|| name.to_string());
                self.uid_free(c, &uid, name).await?;
                let contact = match &existing {
                    Some(id) => mb.update_contact(&c.graph_id, id, &parsed.write).await?,
                    None => {
                        mb.create_contact(&c.graph_id, &parsed.write.clone().for_create())
                            .await?
                    }
                };
                match &parsed.photo {
                    Some(photo) => mb.put_contact_photo(&contact.id, photo).await?,
                    None if existing.is_some() => {
                        // Microsoft documents photo deletion for users, not
                        // contacts: if Exchange refuses, the photo stays.
                        if let Err(e) = mb.delete_contact_photo(&contact.id).await {
                            tracing::info!(error = %e, "a contact's photo could not be removed");
                        }
                    }
                    None => {}
                }
                let contact = mb.contact(&c.graph_id, &contact.id).await?;
                let photo = mb.contact_photo(&contact.id).await?;
                let shown = DavItemRow {
                    name: name.to_string(),
                    uid: Some(uid),
                    extras: Some(parsed.extras.to_json()),
                    ..DavItemRow::default()
                };
                contact_row(&contact, photo.as_ref(), Some(&shown))
            }
        };
        let changes = DavChanges {
            upserts: vec![stored],
            ..DavChanges::default()
        };
        store.dav_write(&key, &changes, 0).await?;
        Ok(existing.is_none())
    }

    /// Remove a task or contact.
    pub(crate) async fn delete_item(&self, c: &Collection, id: &str) -> Result<(), PimError> {
        let mb = &self.place(c).graph;
        let gone = match c.kind {
            Kind::Tasks => mb.delete_task(&c.graph_id, id).await,
            _ => mb.delete_contact(&c.graph_id, id).await,
        };
        match gone {
            Ok(()) => Ok(()),
            Err(graph::Error::Graph(f)) if f.status == 404 => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// RFC 4791 §5.3.2.1 / RFC 6352 §6.3.2.1: one UID per collection.
    async fn uid_free(&self, c: &Collection, uid: &str, name: &str) -> Result<(), PimError> {
        if let Some(other) = self.service.store.dav_item_by_uid(&c.key(), uid).await?
            && other.name != name
        {
            let ns = if c.kind == Kind::Contacts {
                CARDDAV_NS
            } else {
                CALDAV_NS
            };
            return Err(PimError::Precondition {
                ns,
                name: "no-uid-conflict",
                sentence: format!("another resource in this collection already has the UID {uid}"),
            });
        }
        Ok(())
    }
}

/// A contact rendered (vCard 3.0, which every client reads).
fn contact_row(
    contact: &Contact,
    photo: Option<&graph::Photo>,
    row: Option<&DavItemRow>,
) -> DavItemRow {
    let name = row
        .map(|r| r.name.clone())
        .unwrap_or_else(|| name_for(&contact.id, "vcf"));
    let uid = row
        .and_then(|r| r.uid.clone())
        .unwrap_or_else(|| contact.id.clone());
    let extras = row
        .and_then(|r| r.extras.as_deref())
        .and_then(|j| vcard::Extras::from_json(j).ok());
    let body = vcard::render(contact, photo, &uid, vcard::Version::V3, extras.as_ref());
    DavItemRow {
        etag: Some(etag_of(&body)),
        graph_id: Some(contact.id.clone()),
        uid: Some(uid),
        body: Some(body),
        extras: row.and_then(|r| r.extras.clone()),
        name,
        revision: 0,
    }
}
