//! A handle on one Microsoft 365 mailbox as one identity reaches it: the
//! token provider, the `/me` or `/users/{address}` path, the mailbox's
//! limits (shared with every other handle on it) and this handle's lane in
//! the fair sharing of its permits. Requests are sent by `execute`; what
//! they are is in `folders`, `messages` and `batch`.

use std::sync::Arc;

use url::Url;

use super::call::{Call, Target, encode};
use super::client::{GraphClient, MailboxLimits};
use super::error::{BadAnswer, Error, NoAnswer};
use super::permits::Held;
use crate::auth::TokenProvider;

/// One Microsoft 365 mailbox as one identity reaches it.
#[derive(Clone)]
pub struct Mailbox {
    pub(super) client: GraphClient,
    pub(super) tokens: Arc<TokenProvider>,
    /// Lower-case SMTP address or UPN.
    pub(super) address: String,
    /// `/me` or `/users/{address}`.
    pub(super) path: String,
    pub(super) limits: Arc<MailboxLimits>,
    /// Requests of this handle wait in this lane for the mailbox's permits.
    lane: u64,
}

impl GraphClient {
    /// A handle on `address`'s mailbox with `tokens`. `own` selects the
    /// `/me` form (a delegated user's own mailbox); otherwise `/users/{address}`.
    pub fn mailbox(&self, tokens: Arc<TokenProvider>, address: &str, own: bool) -> Mailbox {
        let key = address.to_ascii_lowercase();
        let limits = self.limits(&key);
        let path = if own {
            "/me".to_string()
        } else {
            format!("/users/{}", encode(&key))
        };
        Mailbox {
            client: self.clone(),
            tokens,
            address: key,
            path,
            limits,
            lane: self.new_lane(),
        }
    }
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("address", &self.address)
            .field("path", &self.path)
            .finish()
    }
}

impl Mailbox {
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The mailbox's path below the service root (`/me`, `/users/x%40y`).
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn client(&self) -> &GraphClient {
        &self.client
    }

    /// The same handle in a lane of its own, for work that must take turns
    /// with the sessions rather than queue behind one (the poller).
    pub fn in_own_lane(&self) -> Mailbox {
        Mailbox {
            lane: self.client.new_lane(),
            ..self.clone()
        }
    }

    /// The share of the mailbox's request burst available now (0 to 1; 0
    /// while Graph's Retry-After runs): optional work runs only with room.
    pub fn budget_headroom(&self) -> f64 {
        self.limits.budget.headroom()
    }

    /// Clearance to send a request that Graph counts as `operations` and
    /// may run `operations` at once (a `$batch`): its share of the budget
    /// (waiting for it if need be, within the limit) and then its permits,
    /// in turn with the other lanes.
    pub(super) async fn admit(&self, operations: u32) -> Result<Held, Error> {
        let limits = &self.limits;
        limits
            .used
            .store(true, std::sync::atomic::Ordering::Relaxed);
        match limits.budget.reserve(operations) {
            Ok(wait) if wait.is_zero() => {}
            Ok(wait) => tokio::time::sleep(wait).await,
            Err(too_long) => {
                return Err(Error::Busy {
                    mailbox: self.address.clone(),
                    wait_s: too_long.0.as_secs().max(1),
                });
            }
        }
        limits.recent.add(operations);
        limits
            .permits
            .acquire(self.lane, operations)
            .await
            .map_err(|_| Error::Transport(NoAnswer::ShuttingDown))
    }

    /// Graph answered 429 with Retry-After `wait`: the whole mailbox waits.
    pub(super) fn pause(&self, wait: std::time::Duration) {
        self.limits.budget.pause(wait);
    }

    /// Where `call` goes.
    pub(super) fn url(&self, call: &Call) -> Result<Url, Error> {
        let settings = self.client.settings();
        let text = match &call.target {
            Target::Mailbox(p) => format!("{}{}{}", settings.base, self.path, p),
            Target::Root(p) => format!("{}{}", settings.base, p),
            Target::Link(link) => {
                let url = Url::parse(link).map_err(BadAnswer::from)?;
                // Never send our token to a host Graph did not live on.
                if url.origin() != settings.base.origin() {
                    return Err(BadAnswer::ForeignHost(url.host_str().unwrap_or("?").into()).into());
                }
                return Ok(url);
            }
        };
        let mut url = Url::parse(&text).map_err(BadAnswer::from)?;
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter());
        }
        Ok(url)
    }
}

impl Mailbox {
    /// The display name of the mailbox's owner as Microsoft 365 has it
    /// (`GET /me` or `/users/{id}` with `$select=displayName,mail`); `None`
    /// when the directory holds none. Needs `User.Read` (delegated) or
    /// `User.Read.All` / `User.ReadBasic.All` (app-only).
    pub async fn owner_display_name(&self) -> Result<Option<String>, Error> {
        let call = Call::get("owner display name", "").query("$select", "displayName,mail");
        let v = self.execute(&call).await?.json()?;
        Ok(v["displayName"]
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from))
    }
}
