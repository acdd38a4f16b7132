//! The count of open IMAP sessions per user, for
//! `imap.max_connections_per_user`. A successful login claims a slot and the
//! slot frees itself when the session ends, however it ends.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

/// Open sessions per user, shared by every session of one IMAP front.
#[derive(Debug, Default)]
pub(super) struct UserSessions {
    open: Mutex<HashMap<String, u32>>,
}

/// One logged-in session of a user; dropping it frees the place.
#[derive(Debug)]
pub(super) struct UserSlot {
    sessions: Arc<UserSessions>,
    login: String,
}

impl UserSessions {
    /// A slot for `login`, unless it already has `max` sessions open.
    pub(super) fn claim(self: &Arc<Self>, login: &str, max: u32) -> Option<UserSlot> {
        let mut open = self.open.lock();
        let count = open.entry(login.to_string()).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(UserSlot {
            sessions: self.clone(),
            login: login.to_string(),
        })
    }
}

impl Drop for UserSlot {
    fn drop(&mut self) {
        let mut open = self.sessions.open.lock();
        if let Some(count) = open.get_mut(&self.login) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.login);
            }
        }
    }
}
