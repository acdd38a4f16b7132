//! The client connections open on this instance, for the admin console:
//! who (once logged in), over which protocol, from where, since when; and
//! a way to end one. Ending a session fires its own shutdown signal, so it
//! says goodbye the way it does when the server stops (`* BYE`, `421`),
//! also in the middle of IDLE or DATA.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;
use tokio::sync::watch;

/// The registry, one per gateway.
#[derive(Debug, Default)]
pub struct LiveSessions {
    next: AtomicU64,
    open: Mutex<BTreeMap<u64, Arc<LiveSession>>>,
}

/// One open connection. Removed from the registry when `LiveEntry` drops.
#[derive(Debug)]
pub struct LiveSession {
    pub id: u64,
    pub protocol: &'static str,
    pub peer: SocketAddr,
    /// Unix time of accept.
    pub since: i64,
    login: Mutex<Option<String>>,
    end: watch::Sender<bool>,
}

/// What the admin console lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveInfo {
    pub id: u64,
    pub protocol: &'static str,
    pub peer: SocketAddr,
    pub since: i64,
    /// `None` until the client has logged in.
    pub login: Option<String>,
}

impl LiveSession {
    /// A session in no registry (tests and the fuzz harness serve a
    /// connection without a gateway around it).
    pub fn unregistered(protocol: &'static str, peer: SocketAddr) -> Arc<LiveSession> {
        Arc::new(LiveSessions::default())
            .open(protocol, peer)
            .session
            .clone()
    }

    /// The client logged in as `login`.
    pub fn logged_in(&self, login: &str) {
        *self.login.lock() = Some(login.to_string());
    }

    /// Whether an administrator ended this session.
    pub fn ended(&self) -> bool {
        *self.end.borrow()
    }

    pub(super) fn subscribe(&self) -> watch::Receiver<bool> {
        self.end.subscribe()
    }

    fn info(&self) -> LiveInfo {
        LiveInfo {
            id: self.id,
            protocol: self.protocol,
            peer: self.peer,
            since: self.since,
            login: self.login.lock().clone(),
        }
    }
}

/// A connection's place in the registry; dropping it removes it.
#[derive(Debug)]
pub struct LiveEntry {
    registry: Arc<LiveSessions>,
    pub session: Arc<LiveSession>,
}

impl Drop for LiveEntry {
    fn drop(&mut self) {
        self.registry.open.lock().remove(&self.session.id);
    }
}

impl LiveSessions {
    /// Register a connection just accepted.
    pub fn open(self: &Arc<Self>, protocol: &'static str, peer: SocketAddr) -> LiveEntry {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let session = Arc::new(LiveSession {
            id,
            protocol,
            peer,
            since: chrono::Utc::now().timestamp(),
            login: Mutex::new(None),
            end: watch::channel(false).0,
        });
        self.open.lock().insert(id, session.clone());
        LiveEntry {
            registry: self.clone(),
            session,
        }
    }

    /// Every open connection, oldest first.
    pub fn list(&self) -> Vec<LiveInfo> {
        self.open.lock().values().map(|s| s.info()).collect()
    }

    /// End connection `id`; `false` if it is no longer open.
    pub fn end(&self, id: u64) -> bool {
        let Some(session) = self.open.lock().get(&id).cloned() else {
            return false;
        };
        session.end.send_replace(true);
        true
    }

    /// End every connection logged in as `login`; how many.
    pub fn end_login(&self, login: &str) -> usize {
        let sessions: Vec<Arc<LiveSession>> = self
            .open
            .lock()
            .values()
            .filter(|s| s.login.lock().as_deref() == Some(login))
            .cloned()
            .collect();
        for s in &sessions {
            s.end.send_replace(true);
        }
        sessions.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::LiveSessions;

    #[test]
    fn sessions_are_listed_ended_and_removed() {
        let live = Arc::new(LiveSessions::default());
        let peer = "127.0.0.2:5000".parse().unwrap();
        let a = live.open("imap", peer);
        let b = live.open("smtp", peer);
        a.session.logged_in("alice");
        let listed = live.list();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].login.as_deref(), Some("alice"));
        assert_eq!(listed[1].login, None);
        let mut rx = b.session.subscribe();
        assert!(live.end(b.session.id));
        assert!(*rx.borrow_and_update());
        assert!(b.session.ended());
        assert_eq!(live.end_login("alice"), 1);
        assert!(a.session.ended());
        drop(a);
        assert_eq!(live.list().len(), 1);
        drop(b);
        assert!(live.list().is_empty());
        assert!(!live.end(1));
    }
}
