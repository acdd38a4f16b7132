//! Looking for the Sent Items copy of one send: to learn whether a send
//! whose answer was lost went after all, and to find the one copy to remove
//! for `no_sent_copy` accounts. A copy counts only if it carries the
//! Message-ID, fits the message's fingerprint (subject, recipients), was
//! made after the send began (less a clock allowance), and, when graphgate
//! looked before sending, was not there already. The copy may be in more
//! than one place: a send-as user without FullAccess on the shared mailbox
//! cannot read its Sent Items, and Exchange files such a copy in the user's
//! own Sent Items; a place that answers 403 or 404 is left out, never
//! taken for "not sent" on its own.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::fingerprint::Fingerprint;
use crate::graph;

/// Allowance between the gateway's clock and Microsoft's (and for Graph's
/// times in whole seconds): a copy made up to this long before the send
/// began by our clock still counts as made by it.
pub(crate) const CLOCK_ALLOWANCE: chrono::TimeDelta = chrono::TimeDelta::seconds(120);

/// Pauses between looks while Exchange files the copy (about three seconds
/// in all).
pub(crate) const FILING_WAITS_MS: [u64; 4] = [0, 250, 750, 2000];

/// What one place held before the send.
#[derive(Debug, Clone)]
enum Before {
    /// Not looked at: any copy that fits counts.
    NotLooked,
    /// These copies were there already.
    Ids(HashSet<String>),
    /// Exchange refused to show this Sent Items (403/404).
    Unreadable,
    /// The look failed otherwise; with `exact`, this place cannot be used.
    Failed,
}

struct Place {
    mailbox: graph::Mailbox,
    before: Before,
}

/// The result of looking for the copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// The copy, by the index of its place and its Graph id.
    Copy { place: usize, id: String },
    /// Every readable place was searched; no copy of this send is there.
    Nothing,
    /// No place could be read: whether it went cannot be known.
    Unreadable,
}

/// The places one send's copy may be filed in, and what they held before.
pub(crate) struct SentWatch {
    places: Vec<Place>,
    message_id: String,
    fingerprint: Fingerprint,
    since: DateTime<Utc>,
    /// Copies already there before the send must be told apart.
    exact: bool,
}

fn unreadable(e: &graph::Error) -> bool {
    e.is_access_denied() || e.is_not_found()
}

impl SentWatch {
    /// Watch `places` (their Sent Items) for the copy of a send of
    /// `fingerprint` that began at `began`.
    pub fn new(
        places: Vec<graph::Mailbox>,
        message_id: &str,
        fingerprint: Fingerprint,
        began: DateTime<Utc>,
    ) -> SentWatch {
        SentWatch {
            places: places
                .into_iter()
                .map(|mailbox| Place {
                    mailbox,
                    before: Before::NotLooked,
                })
                .collect(),
            message_id: message_id.to_string(),
            fingerprint,
            since: began - CLOCK_ALLOWANCE,
            exact: false,
        }
    }

    /// The mailbox of place `i`.
    pub fn mailbox(&self, i: usize) -> Option<&graph::Mailbox> {
        self.places.get(i).map(|p| &p.mailbox)
    }

    /// Note the copies with this Message-ID that are already there (one
    /// request per place), so that only a new one counts later.
    pub async fn look_before(&mut self) {
        self.exact = true;
        for place in &mut self.places {
            place.before = match place
                .mailbox
                .find_copies("sentitems", &self.message_id, self.since)
                .await
            {
                Ok(list) => Before::Ids(list.into_iter().map(|c| c.item.id).collect()),
                Err(e) if unreadable(&e) => Before::Unreadable,
                Err(e) => {
                    tracing::warn!(mailbox = %place.mailbox.address(), error = %e, "could not look at Sent Items before sending");
                    Before::Failed
                }
            };
        }
    }

    /// Take `ids` as what was there before (an earlier attempt's look), or
    /// nothing looked at when `None`.
    pub fn assume_before(&mut self, ids: Option<&HashSet<String>>) {
        if let Some(ids) = ids {
            self.exact = true;
            for place in &mut self.places {
                place.before = Before::Ids(ids.clone());
            }
        }
    }

    /// The ids seen before the send, if graphgate looked in every
    /// readable place (for the record of an attempt that ends unconfirmed).
    pub fn before_ids(&self) -> Option<HashSet<String>> {
        if !self.exact {
            return None;
        }
        let mut all = HashSet::new();
        for place in &self.places {
            match &place.before {
                Before::Ids(ids) => all.extend(ids.iter().cloned()),
                Before::Unreadable => {}
                Before::NotLooked | Before::Failed => return None,
            }
        }
        Some(all)
    }

    /// Look for the copy, once after each of `waits` (milliseconds).
    pub async fn find(&mut self, waits: &[u64]) -> Found {
        for wait in waits {
            tokio::time::sleep(Duration::from_millis(*wait)).await;
            let mut readable = false;
            for (i, place) in self.places.iter_mut().enumerate() {
                let known = match &place.before {
                    Before::Unreadable => continue,
                    Before::Failed if self.exact => continue,
                    Before::NotLooked if self.exact => continue,
                    Before::Ids(ids) => Some(ids),
                    Before::Failed | Before::NotLooked => None,
                };
                let list = match place
                    .mailbox
                    .find_copies("sentitems", &self.message_id, self.since)
                    .await
                {
                    Ok(list) => list,
                    Err(e) if unreadable(&e) => {
                        tracing::info!(mailbox = %place.mailbox.address(), error = %e, "Sent Items cannot be read; looking elsewhere");
                        place.before = Before::Unreadable;
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(mailbox = %place.mailbox.address(), error = %e, "could not search Sent Items");
                        readable = true;
                        continue;
                    }
                };
                readable = true;
                let new = list.into_iter().find(|c| {
                    self.fingerprint.fits(c) && known.is_none_or(|k| !k.contains(&c.item.id))
                });
                if let Some(copy) = new {
                    return Found::Copy {
                        place: i,
                        id: copy.item.id,
                    };
                }
            }
            if !readable {
                return Found::Unreadable;
            }
        }
        Found::Nothing
    }
}
