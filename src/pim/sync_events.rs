//! Event calendars: a calendarView delta round brings the store up to date
//! (one request when nothing changed), every series a changed occurrence
//! belongs to is read again whole (master, exceptions, cancelled dates) and
//! rendered once; and the writes a client makes (PUT, DELETE) go through
//! `ical::write_series` before the store hears of them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration as Days, Utc};
use futures::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};

use super::error::PimError;
use super::ical::{self, Context, KnownEvents, Series};
use super::service::{Collection, UserPim};
use super::zones::Zones;
use crate::graph::{self, EventKind};
use crate::store::{DavChanges, DavCollectionRow, DavItemRow};

/// Series read at once in a round (Graph runs 4 requests per mailbox at
/// once; the mailbox's permits keep the rest waiting).
const SERIES_READS_AT_ONCE: usize = 4;

/// A window whose start lags today's by more than this is moved (a new
/// first round), so that the calendar keeps covering `past_days`.
const REBASE_AFTER_DAYS: i64 = 30;

/// The zones every request shares (its cache of equivalent zones).
pub(crate) fn zones() -> &'static Zones {
    static ZONES: std::sync::OnceLock<Zones> = std::sync::OnceLock::new();
    ZONES.get_or_init(Zones::new)
}

/// A strong ETag over the rendered bytes.
pub(crate) fn etag_of(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// The resource name of a series Graph made (not a client's PUT).
pub(crate) fn name_for(graph_id: &str, ext: &str) -> String {
    let digest = Sha256::digest(graph_id.as_bytes());
    format!("{}.{ext}", hex::encode(&digest[..12]))
}

impl UserPim {
    /// What reading a client's object in `c` needs: the owner, and the
    /// zone of `c`'s mailbox for floating times.
    pub(crate) fn context(&self, c: &Collection) -> Context<'_> {
        Context {
            owner: &self.own,
            mailbox_zone: c.zone,
            zones: zones(),
        }
    }

    /// Where series are read up to: the end of the window.
    pub(crate) fn horizon(&self) -> DateTime<Utc> {
        Utc::now() + Days::days(i64::from(self.service.settings.future_days))
    }

    fn window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let now = Utc::now();
        (
            now - Days::days(i64::from(self.service.settings.past_days)),
            self.horizon(),
        )
    }

    /// One delta round of an event calendar, written down.
    pub(crate) async fn refresh_events(
        &self,
        c: &Collection,
        state: DavCollectionRow,
    ) -> Result<DavCollectionRow, PimError> {
        let mb = &self.place(c).graph;
        let (from, to) = self.window();
        let stale = state
            .window
            .is_none_or(|(start, _)| from.timestamp() - start > REBASE_AFTER_DAYS * 86_400);
        let link = if stale {
            None
        } else {
            state.delta_link.as_deref()
        };
        let round = match mb.calendar_view_delta(&c.graph_id, link, from, to).await {
            Ok(r) => r,
            Err(graph::Error::SyncReset) if link.is_some() => {
                return self.full_round(c, from, to).await;
            }
            Err(e) => return Err(e.into()),
        };
        if link.is_none() {
            return self.apply_first_round(c, round, from, to).await;
        }
        let key = c.key();
        let store = &self.service.store;
        // Which resources the changes touch: singles directly, series by
        // their master; removed ids through the member map.
        let mut singles = Vec::new();
        let mut series: BTreeSet<String> = BTreeSet::new();
        let mut members = Vec::new();
        let mut whole = KnownEvents::new();
        for ev in round.changed {
            match (ev.kind, ev.series_master_id.clone()) {
                (EventKind::Occurrence | EventKind::Exception, Some(master)) => {
                    members.push((ev.id.clone(), master.clone()));
                    series.insert(master);
                    if ev.kind == EventKind::Exception {
                        whole.insert(ev.id.clone(), ev);
                    }
                }
                _ => singles.push(ev),
            }
        }
        let known = store.dav_member_names(&key, &round.removed).await?;
        let mut removed_names: BTreeSet<String> = BTreeSet::new();
        for (_, name) in &known {
            removed_names.insert(name.clone());
        }
        let mut changes = DavChanges {
            delta_link: Some(Some(round.delta_link)),
            members_gone: round.removed.clone(),
            ..DavChanges::default()
        };
        // A removed single is gone; a removed occurrence changes its series.
        for name in removed_names {
            let Some(row) = store.dav_item(&key, &name).await? else {
                continue;
            };
            match &row.graph_id {
                Some(id) if round.removed.contains(id) => changes.removed.push(name),
                Some(id) => {
                    series.insert(id.clone());
                }
                None => {}
            }
        }
        for ev in singles {
            let row = store.dav_item_by_graph_id(&key, &ev.id).await?;
            let name = row
                .as_ref()
                .map(|r| r.name.clone())
                .unwrap_or_else(|| name_for(&ev.id, "ics"));
            changes.members.push((ev.id.clone(), name.clone()));
            let uid = row.as_ref().and_then(|r| r.uid.clone());
            let s = Series::single(ev, c.zone);
            changes.upserts.push(self.rendered(name, &s, uid)?);
        }
        let read = self
            .read_many(c, series.into_iter().collect(), &whole)
            .await?;
        for (master, found) in read {
            let row = store.dav_item_by_graph_id(&key, &master).await?;
            let name = row
                .as_ref()
                .map(|r| r.name.clone())
                .unwrap_or_else(|| name_for(&master, "ics"));
            match found {
                Some(s) => {
                    let uid = row.as_ref().and_then(|r| r.uid.clone());
                    changes.upserts.push(self.rendered(name, &s, uid)?);
                }
                None => changes.removed.push(name),
            }
        }
        for (member, master) in members {
            let name = changes
                .upserts
                .iter()
                .find(|u| u.graph_id.as_deref() == Some(master.as_str()))
                .map(|u| u.name.clone());
            if let Some(name) = name {
                changes.members.push((member, name));
            }
        }
        changes.window = Some((from.timestamp(), to.timestamp()));
        Ok(store
            .dav_write(&key, &changes, crate::store::now_ms())
            .await?)
    }

    /// Start the calendar's history over (no link, or Graph forgot it).
    async fn full_round(
        &self,
        c: &Collection,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<DavCollectionRow, PimError> {
        let mb = &self.place(c).graph;
        let round = mb.calendar_view_delta(&c.graph_id, None, from, to).await?;
        self.apply_first_round(c, round, from, to).await
    }

    /// A first round lists everything in the window: the store is rebuilt
    /// from it (names and client UIDs kept for what is still there).
    async fn apply_first_round(
        &self,
        c: &Collection,
        round: graph::EventDelta,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<DavCollectionRow, PimError> {
        let key = c.key();
        let store = &self.service.store;
        let before: BTreeMap<String, DavItemRow> = store
            .dav_items(&key, false)
            .await?
            .into_iter()
            .filter_map(|r| r.graph_id.clone().map(|id| (id, r)))
            .collect();
        let mut changes = DavChanges {
            delta_link: Some(Some(round.delta_link)),
            window: Some((from.timestamp(), to.timestamp())),
            reset: true,
            ..DavChanges::default()
        };
        let mut series: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut known = KnownEvents::new();
        for ev in round.changed {
            match (ev.kind, ev.series_master_id.clone()) {
                (EventKind::Occurrence | EventKind::Exception, Some(master)) => {
                    series.entry(master).or_default().push(ev.id.clone());
                    if ev.kind == EventKind::Exception {
                        known.insert(ev.id.clone(), ev);
                    }
                }
                _ => {
                    let row = before.get(&ev.id);
                    let name = row
                        .map(|r| r.name.clone())
                        .unwrap_or_else(|| name_for(&ev.id, "ics"));
                    changes.members.push((ev.id.clone(), name.clone()));
                    let uid = row.and_then(|r| r.uid.clone());
                    let s = Series::single(ev, c.zone);
                    changes.upserts.push(self.rendered(name, &s, uid)?);
                }
            }
        }
        let masters: Vec<String> = series.keys().cloned().collect();
        let mut read: BTreeMap<String, Option<Series>> = self
            .read_many(c, masters, &known)
            .await?
            .into_iter()
            .collect();
        for (master, occurrences) in series {
            let Some(Some(s)) = read.remove(&master) else {
                continue;
            };
            let row = before.get(&master);
            let name = row
                .map(|r| r.name.clone())
                .unwrap_or_else(|| name_for(&master, "ics"));
            for o in occurrences {
                changes.members.push((o, name.clone()));
            }
            changes.members.push((master.clone(), name.clone()));
            let uid = row.and_then(|r| r.uid.clone());
            changes.upserts.push(self.rendered(name, &s, uid)?);
        }
        Ok(store
            .dav_write(&key, &changes, crate::store::now_ms())
            .await?)
    }

    /// The series of `ids`, [`SERIES_READS_AT_ONCE`] at a time, in the
    /// order of `ids`; exceptions in `known` are not read again.
    async fn read_many(
        &self,
        c: &Collection,
        ids: Vec<String>,
        known: &KnownEvents,
    ) -> Result<Vec<(String, Option<Series>)>, PimError> {
        futures::stream::iter(ids)
            .map(|id| async move {
                let s = self.read_with(c, &id, known).await?;
                Ok::<_, PimError>((id, s))
            })
            .buffered(SERIES_READS_AT_ONCE)
            .try_collect()
            .await
    }

    /// The series `id` belongs to, or `None` if it is gone.
    pub(crate) async fn read(&self, c: &Collection, id: &str) -> Result<Option<Series>, PimError> {
        self.read_with(c, id, &KnownEvents::new()).await
    }

    async fn read_with(
        &self,
        c: &Collection,
        id: &str,
        known: &KnownEvents,
    ) -> Result<Option<Series>, PimError> {
        let mb = &self.place(c).graph;
        match ical::read_series_knowing(mb, id, self.horizon(), c.zone, known).await {
            Ok(s) => Ok(Some(s)),
            Err(ical::ReadError::Graph(graph::Error::Graph(f))) if f.status == 404 => Ok(None),
            Err(ical::ReadError::Graph(e)) => Err(e.into()),
            Err(ical::ReadError::Unreadable(e)) => Err(PimError::Unavailable(format!(
                "an event in {} cannot be read: {e}",
                c.name
            ))),
        }
    }

    /// A series rendered into a row named `name`.
    pub(crate) fn rendered(
        &self,
        name: String,
        s: &Series,
        uid: Option<String>,
    ) -> Result<DavItemRow, PimError> {
        let body = ical::render(s, uid.as_deref(), &self.own)
            .map_err(|e| PimError::Unavailable(format!("an event cannot be shown: {e}")))?;
        Ok(DavItemRow {
            etag: Some(etag_of(&body)),
            graph_id: Some(s.id().to_string()),
            uid: Some(uid.unwrap_or_else(|| uid_in(&body))),
            body: Some(body),
            name,
            extras: None,
            revision: 0,
        })
    }
}

/// The UID line of a rendered object.
fn uid_in(body: &str) -> String {
    let mut lines = body.split('\n').map(|l| l.trim_end_matches('\r'));
    let Some(first) = lines.by_ref().find_map(|l| l.strip_prefix("UID:")) else {
        return String::new();
    };
    // A long UID is folded over several lines (RFC 5545 §3.1).
    let mut uid = first.to_string();
    for next in lines {
        match next.strip_prefix(' ').or_else(|| next.strip_prefix('\t')) {
            Some(more) => uid.push_str(more),
            None => break,
        }
    }
    uid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folded_uid_is_read_whole() {
        let body = "BEGIN:VEVENT\r\nUID:0400000082\r\n 00E0074\r\nSUMMARY:x\r\nEND:VEVENT\r\n";
        assert_eq!(uid_in(body), "040000008200E0074");
        assert_eq!(uid_in("UID:abc\nEND:VEVENT\n"), "abc");
        assert_eq!(uid_in("SUMMARY:x\n"), "");
        assert_eq!(etag_of("a"), etag_of("a"));
        assert_ne!(etag_of("a"), etag_of("b"));
    }
}
