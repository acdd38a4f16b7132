//! Who Microsoft 365 still lets into a mailbox whose engine several users
//! share. The engine's folder tree, UID maps, the MIME cache and the poller
//! serve every user of the mailbox, so a request one user's token made must
//! not vouch for another: each login's access is proven by a Graph request
//! made with that login's own token, proven again once the proof is older
//! than `[mail] shared_access_recheck_s`, and withdrawn as soon as Graph
//! answers 403 to any request made for that login. Shared data is served to
//! a login only while its proof is fresh; the poller polls with the token of
//! a login Exchange has not refused (docs/security-shared.md).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex as SyncMutex;
use tokio::sync::Mutex;

use super::error::{About, MailError};
use crate::graph::Mailbox;

/// The folder whose one-field read proves access: every mailbox has it and
/// reading it touches no message.
const PROOF_FOLDER: &str = "msgfolderroot";

/// One login's standing with the mailbox.
struct Reader {
    /// The login's own Graph handle on the mailbox (its token).
    graph: Mailbox,
    /// When Exchange last answered a proof for this login.
    proven: Option<Instant>,
    /// Exchange answered 403 for this login: refused until a proof succeeds.
    withdrawn: bool,
    /// When the login last opened a folder here (the poller prefers it).
    seen: Instant,
    /// One proof at a time per login, however many of its sessions ask.
    proving: Arc<Mutex<()>>,
}

impl Reader {
    fn new(graph: &Mailbox) -> Reader {
        Reader {
            graph: graph.clone(),
            proven: None,
            withdrawn: false,
            seen: Instant::now(),
            proving: Arc::new(Mutex::new(())),
        }
    }

    fn fresh(&self, recheck: Duration) -> bool {
        !self.withdrawn && self.proven.is_some_and(|at| at.elapsed() < recheck)
    }
}

/// The logins using one mailbox and what Exchange last said about each.
pub(crate) struct Readers {
    recheck: Duration,
    by_login: SyncMutex<HashMap<String, Reader>>,
}

impl Readers {
    pub fn new(recheck: Duration) -> Readers {
        Readers {
            recheck,
            by_login: SyncMutex::new(HashMap::new()),
        }
    }

    /// `login` opened a folder here through `graph` (its own token): the
    /// poller may use it.
    pub fn register(&self, login: &str, graph: &Mailbox) {
        let mut map = self.by_login.lock();
        let reader = map
            .entry(login.to_string())
            .or_insert_with(|| Reader::new(graph));
        reader.graph = graph.clone();
        reader.seen = Instant::now();
    }

    /// Exchange answered 403 to a request made for `login`: serve it
    /// nothing more until a proof succeeds, and stop polling with its token.
    pub fn withdraw(&self, login: &str) {
        if let Some(reader) = self.by_login.lock().get_mut(login) {
            reader.withdrawn = true;
            reader.proven = None;
        }
    }

    /// Prove that Exchange still lets `login` into the mailbox, with one
    /// Graph request made with `graph` (the login's own token) unless a
    /// proof younger than the recheck interval exists. A 403 withdraws the
    /// login; any other failure refuses this request without withdrawing
    /// (fail closed: nothing shared is served on an unproven access).
    pub async fn vouch(&self, login: &str, graph: &Mailbox) -> Result<(), MailError> {
        let proving = {
            let mut map = self.by_login.lock();
            let reader = map
                .entry(login.to_string())
                .or_insert_with(|| Reader::new(graph));
            if reader.fresh(self.recheck) {
                return Ok(());
            }
            reader.proving.clone()
        };
        let _one = proving.lock().await;
        if self
            .by_login
            .lock()
            .get(login)
            .is_some_and(|r| r.fresh(self.recheck))
        {
            return Ok(());
        }
        match graph.folder(PROOF_FOLDER).await {
            Ok(_) => {
                if let Some(reader) = self.by_login.lock().get_mut(login) {
                    reader.proven = Some(Instant::now());
                    reader.withdrawn = false;
                }
                Ok(())
            }
            Err(e) => {
                let e = match MailError::from_graph(graph.address(), About::Folder, e) {
                    // Every mailbox has a folder root: Graph hiding it
                    // (404, as it sometimes answers for a mailbox the user
                    // may not open) is a refusal too.
                    MailError::NoSuchFolder(_) => MailError::NoPermission(
                        format!(
                            "Microsoft 365 denies access to the mailbox {} (its folders are hidden from {login})",
                            graph.address()
                        )
                        .into(),
                    ),
                    e => e,
                };
                e.log(graph.address());
                if matches!(e, MailError::NoPermission(_)) {
                    self.withdraw(login);
                }
                Err(e)
            }
        }
    }

    /// The handles the poller may use, best first: logins Exchange has not
    /// refused, the most recently proven (then the most recently seen) first.
    pub fn pollers(&self) -> Vec<(String, Mailbox)> {
        let map = self.by_login.lock();
        let mut usable: Vec<(&String, &Reader)> =
            map.iter().filter(|(_, r)| !r.withdrawn).collect();
        usable.sort_by(|a, b| {
            b.1.proven
                .cmp(&a.1.proven)
                .then_with(|| b.1.seen.cmp(&a.1.seen))
        });
        usable
            .into_iter()
            .map(|(login, r)| (login.clone(), r.graph.clone()))
            .collect()
    }
}
