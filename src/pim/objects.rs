//! What a client writes: PUT (create or replace one resource) and DELETE,
//! with If-Match / If-None-Match checked against the ETag the store holds
//! after a fresh delta round, and nothing written down before Graph
//! confirmed it.

use sha2::{Digest, Sha256};

use super::error::CALDAV_NS;
use super::error::PimError;
use super::ical::{self, Series, WriteRequest};
use super::service::{Collection, Kind, UserPim};
use crate::store::DavChanges;

/// The preconditions a request carries (RFC 7232).
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    /// `If-Match`: one of these ETags (or `*`: any).
    pub if_match: Option<Vec<String>>,
    /// `If-None-Match: *`: only if nothing is there.
    pub if_none_match_any: bool,
}

/// What a PUT did. (No ETag: the stored object is graphgate's rendering,
/// not the client's bytes, and RFC 4791 §5.3.4 says not to send one then.)
#[derive(Debug, Clone)]
pub struct PutOutcome {
    pub created: bool,
}

impl Conditions {
    fn check(&self, current: Option<&str>) -> Result<(), PimError> {
        if self.if_none_match_any && current.is_some() {
            return Err(PimError::Changed(
                "a resource already exists at this address (If-None-Match: *)".into(),
            ));
        }
        if let Some(tags) = &self.if_match {
            let ok = match current {
                None => false,
                Some(cur) => tags.iter().any(|t| t == "*" || t == cur),
            };
            if !ok {
                return Err(PimError::Changed(
                    "the resource changed since it was read (If-Match): read it again".into(),
                ));
            }
        }
        Ok(())
    }
}

impl UserPim {
    /// Store `body` at `name` in `c`.
    pub async fn put(
        &self,
        c: &Collection,
        name: &str,
        body: &str,
        conditions: &Conditions,
    ) -> Result<PutOutcome, PimError> {
        if !c.writable {
            return Err(PimError::ReadOnly(format!("{} may only be read", c.name)));
        }
        self.sync(c).await?;
        let key = c.key();
        let store = &self.service.store;
        let row = store
            .dav_item(&key, name)
            .await?
            .filter(|r| r.graph_id.is_some());
        conditions.check(row.as_ref().and_then(|r| r.etag.as_deref()))?;
        let outcome = match c.kind {
            Kind::Events => self.put_event(c, name, body, row).await?,
            Kind::Tasks | Kind::Contacts => {
                let created = self.put_item(c, name, body, row).await?;
                PutOutcome { created }
            }
        };
        self.audit_shared(c, "dav-put", name);
        Ok(outcome)
    }

    /// A change to a shared mailbox's collection is audited, as mail's
    /// uses of shared mailboxes are (the user's own ones are not).
    pub(crate) fn audit_shared(&self, c: &Collection, action: &str, name: &str) {
        if !c.mailbox.eq_ignore_ascii_case(&self.own) {
            self.service.mail.audit().allowed(
                &self.login,
                action,
                &c.mailbox,
                &format!("{}/{name}", c.name),
            );
        }
    }

    async fn put_event(
        &self,
        c: &Collection,
        name: &str,
        body: &str,
        row: Option<crate::store::DavItemRow>,
    ) -> Result<PutOutcome, PimError> {
        let key = c.key();
        let store = &self.service.store;
        let object = ical::parse(body, &self.context(c)).map_err(refusal)?;
        if let Some(other) = store.dav_item_by_uid(&key, &object.uid).await?
            && other.name != name
        {
            return Err(PimError::Precondition {
                ns: CALDAV_NS,
                name: "no-uid-conflict",
                sentence: format!(
                    "another event in this calendar already has the UID {}",
                    object.uid
                ),
            });
        }
        let existing: Option<Series> = match row.as_ref().and_then(|r| r.graph_id.clone()) {
            Some(id) => self.read(c, &id).await?,
            None => None,
        };
        let transaction = transaction_id(&c.graph_id, name, &object.uid);
        let mb = &self.place(c).graph;
        let request = WriteRequest {
            calendar_id: &c.graph_id,
            existing: existing.as_ref(),
            object: &object,
            transaction_id: Some(&transaction),
            horizon: self.horizon(),
            context: self.context(c),
        };
        let written = ical::write_series(mb, request).await;
        let id = match &written {
            Ok(o) => o.id.clone(),
            Err(ical::WriteError::Partial { id, .. }) => id.clone(),
            Err(ical::WriteError::Refused(r)) => return Err(refusal(r.clone())),
            Err(ical::WriteError::Graph(e)) => return Err(e.clone().into()),
        };
        // Whatever Graph holds now is what the store remembers, even after
        // a partial write (the client is told and may send it again).
        let mut changes = DavChanges::default();
        let removed = matches!(&written, Ok(o) if o.removed);
        let created = row.is_none();
        match self.read(c, &id).await? {
            Some(s) if !removed => {
                let item = self.rendered(name.to_string(), &s, Some(object.uid.clone()))?;
                changes.members.push((s.id().to_string(), name.to_string()));
                changes.upserts.push(item);
            }
            _ => changes.removed.push(name.to_string()),
        }
        store.dav_write(&key, &changes, 0).await?;
        if let Err(ical::WriteError::Partial { sentence, .. }) = written {
            return Err(PimError::Unavailable(sentence));
        }
        Ok(PutOutcome { created })
    }

    /// Remove the resource at `name`.
    pub async fn delete(
        &self,
        c: &Collection,
        name: &str,
        conditions: &Conditions,
    ) -> Result<(), PimError> {
        if !c.writable {
            return Err(PimError::ReadOnly(format!("{} may only be read", c.name)));
        }
        self.sync(c).await?;
        let key = c.key();
        let store = &self.service.store;
        let row = store
            .dav_item(&key, name)
            .await?
            .filter(|r| r.graph_id.is_some())
            .ok_or(PimError::NotFound)?;
        conditions.check(row.etag.as_deref())?;
        let id = row.graph_id.clone().unwrap_or_default();
        match c.kind {
            Kind::Events => {
                if let Some(s) = self.read(c, &id).await? {
                    ical::delete_series(&self.place(c).graph, &s).await?;
                }
            }
            Kind::Tasks | Kind::Contacts => self.delete_item(c, &id).await?,
        }
        let changes = DavChanges {
            removed: vec![name.to_string()],
            members_gone: vec![id],
            ..DavChanges::default()
        };
        store.dav_write(&key, &changes, 0).await?;
        self.audit_shared(c, "dav-delete", name);
        Ok(())
    }
}

/// A refused calendar object as the DAV front shows it.
fn refusal(r: ical::Refusal) -> PimError {
    PimError::Precondition {
        ns: CALDAV_NS,
        name: r.precondition.name(),
        sentence: r.sentence,
    }
}

/// Graph's `transactionId` for a PUT: the same for a retried request, so
/// that Graph does not create the event twice.
fn transaction_id(calendar: &str, name: &str, uid: &str) -> String {
    let digest = Sha256::digest(format!("{calendar}\n{name}\n{uid}").as_bytes());
    hex::encode(&digest[..16])
}
