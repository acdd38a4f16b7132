//! The audit log: every refusal by policy and every use of a shared mailbox
//! or of send-as / send-on-behalf, with who, what, which mailbox, when and
//! the outcome. Each entry goes to the store (for `graphgate audit`), to a
//! JSON-lines file in the data directory, and to the log under the target
//! `audit`. Recording never blocks or fails the user's command.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::observe::escape_controls;
use crate::store::{AuditRow, Store};

/// The file's name in the data directory.
pub const AUDIT_FILE: &str = "audit.log";

#[derive(Clone)]
pub struct Audit {
    store: Store,
    file: Option<Arc<Mutex<PathBuf>>>,
}

impl Audit {
    /// Record to `store` and, when given, to `data_dir/audit.log`.
    pub fn new(store: Store, data_dir: Option<&Path>) -> Audit {
        Audit {
            store,
            file: data_dir.map(|d| Arc::new(Mutex::new(d.join(AUDIT_FILE)))),
        }
    }

    pub fn allowed(&self, login: &str, action: &str, mailbox: &str, detail: &str) {
        self.record(login, action, mailbox, "allowed", detail);
    }

    pub fn refused(&self, login: &str, action: &str, mailbox: &str, detail: &str) {
        crate::observe::metrics::policy_refusal(action);
        self.record(login, action, mailbox, "refused", detail);
    }

    fn record(&self, login: &str, action: &str, mailbox: &str, outcome: &str, detail: &str) {
        let row = AuditRow {
            at: chrono::Utc::now().timestamp(),
            // The one normalised form of logins, as policy and the store use,
            // and what a client sent (a login, a mailbox name) is kept with
            // its control characters escaped, here and in `graphgate audit`.
            login: escape_controls(&crate::accounts::normalise_login(login)).into_owned(),
            action: action.to_string(),
            mailbox: escape_controls(&mailbox.to_ascii_lowercase()).into_owned(),
            outcome: outcome.to_string(),
            detail: escape_controls(&detail.chars().take(500).collect::<String>()).into_owned(),
        };
        tracing::info!(target: "audit", login = %row.login, action = %row.action, mailbox = %row.mailbox, outcome = %row.outcome, detail = %row.detail, "audit");
        if let Some(file) = &self.file {
            let path = file.lock();
            if let Ok(line) = serde_json::to_string(&row) {
                let written =
                    crate::files::open_append(&path).and_then(|mut f| writeln!(f, "{line}"));
                if let Err(e) = written {
                    tracing::warn!(error = %e, "cannot write the audit file");
                }
            }
        }
        let store = self.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.audit_add(&row).await {
                tracing::warn!(error = %e, "cannot store an audit entry");
            }
        });
    }
}
