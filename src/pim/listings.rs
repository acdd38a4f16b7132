//! What a mailbox holds that changes seldom, kept in memory: its
//! calendars, To Do lists and contact folders (listed again after
//! [`LISTING_FRESH`]) and its time zone (read with the calendar listing,
//! again after [`ZONE_FRESH`]), so that an idle client's resync costs one
//! delta request and no listing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono_tz::Tz;

use super::service::{Folders, PimService, Place};
use super::zones;
use crate::graph::{self, Calendar, TaskList};

/// How long a mailbox's list of calendars (or lists, or folders) is used
/// before Graph is asked again.
const LISTING_FRESH: Duration = Duration::from_secs(300);
/// How long a mailbox's time zone is used before Graph is asked again
/// (when its calendars are next listed): users seldom change it.
const ZONE_FRESH: Duration = Duration::from_secs(3600);

impl PimService {
    /// A mailbox's calendars, from memory when listed recently.
    pub(crate) async fn calendars_of(
        &self,
        place: &Place,
    ) -> Result<Arc<Vec<Calendar>>, graph::Error> {
        let key = place.grant.mailbox().to_string();
        if let Some(hit) = self.calendars.get(&key)
            && hit.0.elapsed() < LISTING_FRESH
        {
            return Ok(hit.1.clone());
        }
        let listed = Arc::new(place.graph.calendars().await?);
        self.calendars.insert(key, (Instant::now(), listed.clone()));
        // The zone goes with the listing (at most one read per ZONE_FRESH).
        self.zone_of(place).await;
        Ok(listed)
    }

    /// A mailbox's time zone, read with its calendar listing and kept for
    /// [`ZONE_FRESH`]; UTC when Graph cannot say (no MailboxSettings.Read
    /// consent, another user's mailbox, a zone name graphgate cannot map),
    /// the zone read before when a read fails after a good one.
    async fn zone_of(&self, place: &Place) -> Tz {
        let key = place.grant.mailbox().to_string();
        if let Some(hit) = self.zones.get(&key)
            && hit.0.elapsed() < ZONE_FRESH
        {
            return hit.1;
        }
        let zone = match place.graph.mailbox_time_zone().await {
            Ok(name) => zones::from_name(&name).unwrap_or_else(|| {
                tracing::info!(mailbox = %key, zone = %name, "the mailbox's time zone is not known here; events without a zone are shown in UTC");
                Tz::UTC
            }),
            // A failed read keeps the zone read before, if any, so that a
            // passing Graph fault does not re-render events in UTC.
            Err(e) => {
                let before = self.zones.get(&key).map(|hit| hit.1);
                tracing::debug!(mailbox = %key, error = %e, "mailbox time zone not read; {} used",
                    before.map_or("UTC", |z| z.name()));
                before.unwrap_or(Tz::UTC)
            }
        };
        self.zones.insert(key, (Instant::now(), zone));
        zone
    }

    /// A mailbox's To Do lists, from memory when listed recently.
    pub(crate) async fn task_lists_of(
        &self,
        place: &Place,
    ) -> Result<Arc<Vec<TaskList>>, graph::Error> {
        let key = place.grant.mailbox().to_string();
        if let Some(hit) = self.task_lists.get(&key)
            && hit.0.elapsed() < LISTING_FRESH
        {
            return Ok(hit.1.clone());
        }
        let listed = Arc::new(place.graph.task_lists().await?);
        self.task_lists
            .insert(key, (Instant::now(), listed.clone()));
        Ok(listed)
    }

    /// A mailbox's contact folders, the default one first (flagged).
    pub(crate) async fn folders_of(&self, place: &Place) -> Result<Folders, graph::Error> {
        let key = place.grant.mailbox().to_string();
        if let Some(hit) = self.folders.get(&key)
            && hit.0.elapsed() < LISTING_FRESH
        {
            return Ok(hit.1.clone());
        }
        let mut listed = Vec::new();
        if let Some(default) = place.graph.default_contact_folder().await? {
            listed.push((default, true));
        }
        for f in place.graph.contact_folders().await? {
            if !listed.iter().any(|(d, _)| d.id == f.id) {
                listed.push((f, false));
            }
        }
        let listed = Arc::new(listed);
        self.folders.insert(key, (Instant::now(), listed.clone()));
        Ok(listed)
    }

    /// The zone last read for `place` (UTC if never read).
    pub(crate) fn cached_zone(&self, place: &Place) -> Tz {
        self.zones
            .get(place.grant.mailbox())
            .map_or(Tz::UTC, |hit| hit.1)
    }
}
