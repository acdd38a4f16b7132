//! Who may touch a mailbox's contacts and To Do, as Graph decides it.
//!
//! Contacts follow the calendar model: delegated `Contacts.Read` /
//! `Contacts.ReadWrite` for one's own folders, `Contacts.Read.Shared` /
//! `Contacts.ReadWrite.Shared` plus Exchange access (FullAccess here) for
//! anyone else's, and app-only `Contacts.Read` / `Contacts.ReadWrite`
//! within RBAC's mailbox scope. To Do is the signed-in user's alone:
//! delegated `Tasks.Read` / `Tasks.ReadWrite` reach only the caller's own
//! lists, app-only `Tasks.Read.All` / `Tasks.ReadWrite.All` every user's,
//! and Exchange's application access policies do not cover them
//! (docs/microsoft-graph.md §31.6, §32.4).

use std::collections::BTreeSet;

use axum::http::StatusCode;

use super::access::has_scope;
use super::contact_route::ContactOp;
use super::error::GraphError;
use super::todo_route::TodoOp;
use crate::directory::{Directory, DirectoryUser, MailboxRight};
use crate::tokens::Principal;

fn any_of(set: &BTreeSet<String>, names: &[&str]) -> bool {
    names.iter().any(|n| has_scope(set, n))
}

fn allow(ok: bool) -> Result<(), GraphError> {
    if ok {
        Ok(())
    } else {
        Err(GraphError::access_denied())
    }
}

/// May `principal` perform the contact operation `op` on `owner`'s mailbox?
pub(crate) fn authorize_contacts(
    dir: &Directory,
    principal: &Principal,
    owner: &DirectoryUser,
    op: &ContactOp,
) -> Result<(), GraphError> {
    let write = op.writes();
    match principal {
        Principal::App { client_id, roles } => {
            if let Some(scope) = dir.app(client_id).and_then(|a| a.mailbox_scope.as_ref())
                && !scope.iter().any(|u| u.eq_ignore_ascii_case(&owner.upn))
            {
                return Err(GraphError::new(
                    StatusCode::FORBIDDEN,
                    "ErrorAccessDenied",
                    "Access to OData is disabled.",
                ));
            }
            allow(if write {
                any_of(roles, &["Contacts.ReadWrite"])
            } else {
                any_of(roles, &["Contacts.Read", "Contacts.ReadWrite"])
            })
        }
        Principal::Delegated { user, scopes, .. } => {
            if *user == owner.oid {
                return allow(if write {
                    any_of(scopes, &["Contacts.ReadWrite", "Contacts.ReadWrite.Shared"])
                } else {
                    any_of(
                        scopes,
                        &[
                            "Contacts.Read",
                            "Contacts.ReadWrite",
                            "Contacts.Read.Shared",
                            "Contacts.ReadWrite.Shared",
                        ],
                    )
                });
            }
            let scope_ok = if write {
                any_of(scopes, &["Contacts.ReadWrite.Shared"])
            } else {
                any_of(
                    scopes,
                    &["Contacts.Read.Shared", "Contacts.ReadWrite.Shared"],
                )
            };
            allow(scope_ok && dir.has_right(*user, owner.oid, MailboxRight::FullAccess))
        }
    }
}

/// May `principal` perform the To Do operation `op` on `owner`'s lists?
pub(crate) fn authorize_todo(
    principal: &Principal,
    owner: &DirectoryUser,
    op: &TodoOp,
) -> Result<(), GraphError> {
    let write = op.writes();
    match principal {
        // Application access policies and RBAC scopes do not cover
        // Tasks.*.All, so `mailbox_scope` does not apply here.
        Principal::App { roles, .. } => allow(if write {
            any_of(roles, &["Tasks.ReadWrite.All"])
        } else {
            any_of(roles, &["Tasks.Read.All", "Tasks.ReadWrite.All"])
        }),
        Principal::Delegated { user, scopes, .. } => {
            if *user != owner.oid {
                return Err(GraphError::access_denied());
            }
            allow(if write {
                any_of(scopes, &["Tasks.ReadWrite"])
            } else {
                any_of(scopes, &["Tasks.Read", "Tasks.ReadWrite"])
            })
        }
    }
}
