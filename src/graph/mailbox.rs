//! A handle on one Microsoft 365 mailbox as one identity reaches it: the
//! token provider, the `/me` or `/users/{address}` path, and the mailbox's
//! share of the client's concurrency permits. Requests are sent by
//! `execute`; what they are is in `folders`, `messages` and `batch`.

use std::sync::Arc;

use tokio::sync::Semaphore;
use url::Url;

use super::call::{Call, Target, encode};
use super::client::GraphClient;
use super::error::{BadAnswer, Error};
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
    pub(super) permits: Arc<Semaphore>,
}

impl GraphClient {
    /// A handle on `address`'s mailbox with `tokens`. `own` selects the
    /// `/me` form (a delegated user's own mailbox); otherwise `/users/{address}`.
    pub fn mailbox(&self, tokens: Arc<TokenProvider>, address: &str, own: bool) -> Mailbox {
        let key = address.to_ascii_lowercase();
        let permits = self.permits(&key);
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
            permits,
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
