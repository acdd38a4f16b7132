//! The context of one authorised Graph operation: the tenant, the request,
//! the token's principal, the mailbox the path addresses, the switches as
//! they were when it started, and the time. Every handler takes a [`Ctx`].

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use parking_lot::Mutex;

use super::error::GraphError;
use super::request::{GraphRequest, Prefer};
use crate::directory::DirectoryUser;
use crate::mailstore::{Mailbox, StoredMessage};
use crate::settings::Settings;
use crate::tenant::Emulator;
use crate::tokens::Principal;

/// Everything an operation needs to know about its request.
pub(crate) struct Ctx<'a> {
    pub em: &'a Arc<Emulator>,
    pub req: &'a GraphRequest,
    pub principal: &'a Principal,
    /// The mailbox owner the path addresses.
    pub owner: DirectoryUser,
    pub prefer: Prefer,
    pub settings: Settings,
    pub now: DateTime<Utc>,
}

impl Ctx<'_> {
    pub(crate) fn mailbox(&self) -> Result<Arc<Mutex<Mailbox>>, GraphError> {
        self.em.mailbox(self.owner.oid).ok_or_else(|| {
            GraphError::new(
                StatusCode::NOT_FOUND,
                "MailboxNotEnabledForRESTAPI",
                "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
            )
        })
    }

    /// `http://host/v1.0` for links.
    pub(crate) fn service_root(&self) -> String {
        format!("{}/v1.0", self.req.base)
    }

    /// `users('alice%40contoso.test')` for `@odata.context`.
    pub(crate) fn context_user(&self) -> String {
        format!("users('{}')", self.owner.upn.replace('@', "%40"))
    }

    /// The id to show for a message: immutable or default, as the request prefers.
    pub(crate) fn message_id(&self, m: &StoredMessage) -> String {
        if self.prefer.immutable_ids {
            m.immutable_id.clone()
        } else {
            m.rest_id.clone()
        }
    }

    pub(crate) fn body_json(&self) -> Result<serde_json::Value, GraphError> {
        if self.req.body.is_empty() {
            return Ok(serde_json::Value::Object(Default::default()));
        }
        serde_json::from_slice(&self.req.body)
            .map_err(|e| GraphError::bad_request(format!("Invalid JSON in the request body: {e}")))
    }
}
