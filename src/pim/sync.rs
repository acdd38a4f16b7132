//! A collection's resources as the store remembers them, brought up to
//! date from Graph's delta (at most one round per `fresh` interval, and one
//! at a time per collection in this process).

use super::error::PimError;
use super::service::{Collection, UserPim};
use crate::store::{DavCollectionRow, DavItemRow};

impl UserPim {
    /// The largest resource a client may PUT, in bytes.
    pub fn max_resource_size(&self) -> u64 {
        self.service.settings.max_resource_bytes
    }

    /// The collection's state as remembered, without asking Graph.
    pub async fn state(&self, c: &Collection) -> Result<DavCollectionRow, PimError> {
        Ok(self.service.store.dav_collection(&c.key()).await?)
    }

    /// The collection's state after asking Graph for its changes (unless
    /// it was asked within the fresh interval).
    pub async fn sync(&self, c: &Collection) -> Result<DavCollectionRow, PimError> {
        let key = c.key();
        let gate = self.service.gate(&key);
        let _turn = gate.lock().await;
        let state = self.service.store.dav_collection(&key).await?;
        let now = crate::store::now_ms();
        let fresh = i64::try_from(self.service.settings.fresh.as_millis()).unwrap_or(i64::MAX);
        if state.refreshed_at > 0 && now.saturating_sub(state.refreshed_at) < fresh {
            return Ok(state);
        }
        self.refresh(c, state).await
    }

    /// Ask Graph for what changed in `c` since `state` and write it down.
    async fn refresh(
        &self,
        c: &Collection,
        state: DavCollectionRow,
    ) -> Result<DavCollectionRow, PimError> {
        match c.kind {
            super::service::Kind::Events => self.refresh_events(c, state).await,
            _ => self.refresh_items(c, state).await,
        }
    }

    /// Every resource of the collection (as last synchronised), with their
    /// bodies only if `bodies`.
    pub async fn items(&self, c: &Collection, bodies: bool) -> Result<Vec<DavItemRow>, PimError> {
        Ok(self.service.store.dav_items(&c.key(), bodies).await?)
    }

    /// Resources and tombstones changed after `revision`, with their bodies
    /// only if `bodies`.
    pub async fn changed_since(
        &self,
        c: &Collection,
        revision: i64,
        bodies: bool,
    ) -> Result<Vec<DavItemRow>, PimError> {
        Ok(self
            .service
            .store
            .dav_items_since(&c.key(), revision, bodies)
            .await?)
    }

    /// The live resources among `names`, with bodies, in one read per
    /// few hundred names.
    pub async fn items_named(
        &self,
        c: &Collection,
        names: &[String],
    ) -> Result<Vec<DavItemRow>, PimError> {
        Ok(self.service.store.dav_items_named(&c.key(), names).await?)
    }

    /// One live resource by name.
    pub async fn item(&self, c: &Collection, name: &str) -> Result<Option<DavItemRow>, PimError> {
        let found = self.service.store.dav_item(&c.key(), name).await?;
        Ok(found.filter(|i| i.graph_id.is_some()))
    }
}
