//! The whole tenant in memory, shared by every request handler: directory,
//! mailboxes, switches, token keys, counters, throttling and the short-lived
//! state of sign-ins and uploads. Handlers reach it as `Arc<Emulator>`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use dashmap::DashMap;
use parking_lot::{Mutex, RwLock};
use uuid::Uuid;

use crate::directory::Directory;
use crate::graph::UploadSessions;
use crate::identity::IdentityState;
use crate::mailstore::Mailbox;
use crate::persist::Persistence;
use crate::settings::Settings;
use crate::stats::Stats;
use crate::throttle::Throttle;
use crate::tokens::TokenKeys;

/// Mail that left the tenant (recipients outside it), kept for inspection
/// through `GET /_emulator/outbound`.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct OutboundMessage {
    pub(crate) from_mailbox: String,
    pub(crate) recipients: Vec<String>,
    pub(crate) internet_message_id: Option<String>,
    pub(crate) size: usize,
    pub(crate) at: chrono::DateTime<chrono::Utc>,
}

/// A fault queued through the control API: the next `remaining` Graph
/// operations whose endpoint template contains `matching` answer `status`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct PlannedFault {
    pub(crate) status: u16,
    #[serde(default, rename = "match")]
    pub(crate) matching: String,
    #[serde(default = "one", rename = "count")]
    pub(crate) remaining: u32,
}

fn one() -> u32 {
    1
}

impl Emulator {
    /// Take one planned fault for an operation on `template`, if any.
    pub(crate) fn take_planned_fault(&self, template: &str) -> Option<u16> {
        let mut planned = self.planned_faults.lock();
        let i = planned
            .iter()
            .position(|f| f.remaining > 0 && template.contains(&f.matching))?;
        let status = planned[i].status;
        planned[i].remaining -= 1;
        if planned[i].remaining == 0 {
            planned.remove(i);
        }
        Some(status)
    }
}

/// The whole tenant, shared by every request handler.
pub struct Emulator {
    /// Users, app registrations and Exchange permissions.
    pub directory: RwLock<Directory>,
    /// Mailboxes by owner object id.
    pub(crate) mailboxes: DashMap<Uuid, Arc<Mutex<Mailbox>>>,
    /// The switches, as `PUT /_emulator/config` leaves them.
    pub settings: RwLock<Settings>,
    /// The keys every token is signed with (the RS256 ones rotate through
    /// the control API, hence their own lock inside).
    pub keys: TokenKeys,
    /// The counters `GET /_emulator/stats` reports.
    pub stats: Stats,
    pub(crate) identity: IdentityState,
    pub(crate) throttle: Throttle,
    pub(crate) outbound: Mutex<Vec<OutboundMessage>>,
    pub(crate) uploads: UploadSessions,
    /// Faults queued by `POST /_emulator/faults` for the next matching
    /// Graph operations.
    pub(crate) planned_faults: Mutex<Vec<PlannedFault>>,
    persist: Option<Persistence>,
    dirty: AtomicBool,
}

impl Emulator {
    /// Build a tenant from parts (seeded or loaded).
    pub(crate) fn new(
        directory: Directory,
        mailboxes: Vec<Mailbox>,
        keys: TokenKeys,
        settings: Settings,
        persist: Option<Persistence>,
    ) -> Emulator {
        let map = DashMap::new();
        for mut mb in mailboxes {
            mb.reindex();
            map.insert(mb.owner, Arc::new(Mutex::new(mb)));
        }
        // A tenant saved before RS256 keys existed gets one now, saved soon.
        let new_key = keys.api.ensure_signing_key();
        Emulator {
            directory: RwLock::new(directory),
            mailboxes: map,
            settings: RwLock::new(settings),
            keys,
            identity: IdentityState::default(),
            stats: Stats::default(),
            throttle: Throttle::default(),
            outbound: Mutex::new(Vec::new()),
            uploads: UploadSessions::default(),
            planned_faults: Mutex::new(Vec::new()),
            persist,
            dirty: AtomicBool::new(new_key),
        }
    }

    pub(crate) fn mailbox(&self, owner: Uuid) -> Option<Arc<Mutex<Mailbox>>> {
        self.mailboxes.get(&owner).map(|m| m.clone())
    }

    /// Note that the tenant changed; the saver writes it out shortly.
    pub(crate) fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    /// Did the tenant change since the last call? (The saver asks.)
    pub(crate) fn take_dirty(&self) -> bool {
        self.dirty.swap(false, Ordering::AcqRel)
    }

    /// Write the tenant to its data dir now (if it has one).
    pub(crate) fn save_now(&self) -> std::io::Result<()> {
        match &self.persist {
            Some(p) => {
                let directory = self.directory.read().clone();
                p.save(&directory, &self.keys, &self.mailboxes)
            }
            None => Ok(()),
        }
    }
}
