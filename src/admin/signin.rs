//! Microsoft sign-ins started from the console: the device-code flow, as
//! `graphgate login` runs it, with the code and the link shown on the
//! account's page (which reloads itself while it waits) and the wait in
//! the background. One sign-in per account at a time.

use std::sync::Arc;

use dashmap::DashMap;

use crate::accounts::Account;
use crate::auth::{Tokens, login};

/// Where a sign-in started from the console stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum SignIn {
    /// Waiting for the person: the code to enter and where.
    Waiting {
        code: String,
        link: String,
    },
    /// Done: who signed in.
    Done {
        who: String,
    },
    Failed {
        why: String,
    },
}

/// The console's sign-ins, by login.
#[derive(Default)]
pub(super) struct SignIns {
    by_login: Arc<DashMap<String, SignIn>>,
}

impl SignIns {
    pub(super) fn get(&self, login: &str) -> Option<SignIn> {
        self.by_login.get(login).map(|s| s.clone())
    }

    /// Start a device-code sign-in of `account` (unless one is waiting).
    pub(super) async fn start(&self, tokens: Arc<Tokens>, account: Account) -> SignIn {
        if let Some(waiting @ SignIn::Waiting { .. }) = self.get(&account.login) {
            return waiting;
        }
        let code = match login::device_start(&tokens).await {
            Ok(code) => code,
            Err(e) => {
                let failed = SignIn::Failed { why: e.to_string() };
                self.by_login.insert(account.login.clone(), failed.clone());
                return failed;
            }
        };
        let waiting = SignIn::Waiting {
            code: code.user_code.clone(),
            link: code.verification_uri.clone(),
        };
        self.by_login.insert(account.login.clone(), waiting.clone());
        let by_login = self.by_login.clone();
        tokio::spawn(async move {
            let outcome = match login::device_finish(&tokens, &account, &code).await {
                Ok(who) => SignIn::Done { who },
                Err(e) => SignIn::Failed { why: e.to_string() },
            };
            tracing::info!(login = %account.login, done = matches!(outcome, SignIn::Done { .. }), "admin console: Microsoft sign-in ended");
            by_login.insert(account.login.clone(), outcome);
        });
        waiting
    }
}
