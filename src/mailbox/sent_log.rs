//! The record of what graphgate sent lately, per (mailbox, Message-ID):
//! when each send began, its fingerprint, whether Microsoft 365 confirmed
//! it, and whether its Sent Items copy stays. It answers three questions:
//! may a client's APPEND to Sent be answered with the copy Exchange saved
//! (only for the same message, not just the same Message-ID); must the
//! "was it sent?" check tell this send's copy from an earlier one's (a
//! device that reuses its Message-ID); and did an earlier attempt of this
//! very message end without an answer (its copy may have shown up since).
//! Only in memory: a restart forgets it, and the checks then fall back on
//! the fingerprint and the time window alone.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use dashmap::DashMap;

use super::fingerprint::Fingerprint;

/// At most this many sends are remembered per (mailbox, Message-ID); a
/// device that sends more within the window only loses the oldest records.
const PER_MESSAGE_ID: usize = 32;

/// One send (or attempt) of one message.
#[derive(Debug, Clone)]
pub(crate) struct SentRecord {
    pub at: Instant,
    /// When the send began, by the gateway's clock.
    pub when: DateTime<Utc>,
    pub fingerprint: Fingerprint,
    /// Microsoft 365 said yes, or the copy was found.
    pub confirmed: bool,
    /// The Sent Items copy was left in place (not `no_sent_copy`).
    pub kept: bool,
    /// Graph ids of the copies with this Message-ID that were in Sent Items
    /// before the send began (`None` when graphgate did not look).
    pub before: Option<HashSet<String>>,
}

#[derive(Default)]
pub(crate) struct SentLog {
    entries: DashMap<(String, String), Vec<SentRecord>>,
}

fn key(mailbox: &str, message_id: &str) -> (String, String) {
    (mailbox.to_ascii_lowercase(), message_id.to_string())
}

impl SentLog {
    /// Remember `record` under each of `mailboxes` (the mailbox that sent
    /// and, for send-as, the user's own, where Exchange may file the copy),
    /// forgetting what is older than `window`.
    pub fn note(&self, mailboxes: &[&str], record: SentRecord, window: Duration) {
        let Some(mid) = record.fingerprint.message_id.clone() else {
            return;
        };
        let now = Instant::now();
        self.entries.retain(|_, list| {
            list.retain(|r| now.duration_since(r.at) < window);
            !list.is_empty()
        });
        let mut seen = HashSet::new();
        for mailbox in mailboxes {
            let k = key(mailbox, &mid);
            if !seen.insert(k.clone()) {
                continue;
            }
            let mut list = self.entries.entry(k).or_default();
            if list.len() >= PER_MESSAGE_ID {
                list.remove(0);
            }
            list.push(record.clone());
        }
    }

    /// The sends from `mailbox` with `message_id` within `window`, oldest first.
    pub fn recent(&self, mailbox: &str, message_id: &str, window: Duration) -> Vec<SentRecord> {
        self.entries
            .get(&key(mailbox, message_id))
            .map(|list| {
                list.iter()
                    .filter(|r| r.at.elapsed() < window)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// When the latest confirmed send of the message `fingerprint` shows
    /// (same Message-ID, subject and body) began, if `mailbox` sent it
    /// within `window` and kept its Sent Items copy.
    pub fn kept_copy(
        &self,
        mailbox: &str,
        fingerprint: &Fingerprint,
        window: Duration,
    ) -> Option<DateTime<Utc>> {
        let mid = fingerprint.message_id.as_deref()?;
        self.recent(mailbox, mid, window)
            .into_iter()
            .rev()
            .find(|r| r.confirmed && r.kept && r.fingerprint.same_content(fingerprint))
            .map(|r| r.when)
    }

    /// The latest unconfirmed attempt of exactly this message (same
    /// content and recipients) from `mailbox` within `window`, unless a
    /// confirmed send of it came after.
    pub fn unconfirmed(
        &self,
        mailbox: &str,
        fingerprint: &Fingerprint,
        window: Duration,
    ) -> Option<SentRecord> {
        let mid = fingerprint.message_id.as_deref()?;
        self.recent(mailbox, mid, window)
            .into_iter()
            .rev()
            .find(|r| r.fingerprint == *fingerprint)
            .filter(|r| !r.confirmed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(mime: &str, confirmed: bool, kept: bool) -> SentRecord {
        SentRecord {
            at: Instant::now(),
            when: Utc::now(),
            fingerprint: Fingerprint::of(mime.as_bytes()),
            confirmed,
            kept,
            before: None,
        }
    }

    const A: &str = "Message-ID: <same@dev>\r\nSubject: scan\r\nTo: b@x\r\n\r\npage A\r\n";
    const B: &str = "Message-ID: <same@dev>\r\nSubject: scan\r\nTo: b@x\r\n\r\npage B\r\n";

    #[test]
    fn the_append_shortcut_needs_the_same_message_not_just_the_message_id() {
        let log = SentLog::default();
        let w = Duration::from_secs(600);
        log.note(&["Sales@x", "alice@x"], record(A, true, true), w);
        let a = Fingerprint::of(A.as_bytes());
        let b = Fingerprint::of(B.as_bytes());
        assert!(log.kept_copy("sales@x", &a, w).is_some());
        assert!(log.kept_copy("alice@x", &a, w).is_some());
        assert!(log.kept_copy("sales@x", &b, w).is_none(), "other body");
        assert!(log.kept_copy("bob@x", &a, w).is_none(), "other mailbox");
        log.note(&["carol@x"], record(A, true, false), w);
        assert!(log.kept_copy("carol@x", &a, w).is_none(), "copy removed");
        log.note(&["dave@x"], record(A, false, true), w);
        assert!(log.kept_copy("dave@x", &a, w).is_none(), "not confirmed");
        assert!(log.unconfirmed("dave@x", &a, w).is_some());
        assert!(log.unconfirmed("dave@x", &b, w).is_none());
        log.note(&["dave@x"], record(A, true, true), w);
        assert!(log.unconfirmed("dave@x", &a, w).is_none(), "sent since");
    }

    #[test]
    fn records_expire_and_stay_bounded() {
        let log = SentLog::default();
        for _ in 0..100 {
            log.note(&["a@x"], record(A, true, true), Duration::from_secs(600));
        }
        assert_eq!(
            log.recent("a@x", "<same@dev>", Duration::from_secs(600))
                .len(),
            PER_MESSAGE_ID
        );
        assert!(
            log.recent("a@x", "<same@dev>", Duration::ZERO).is_empty(),
            "outside the window"
        );
    }
}
