//! Exchange's permission model as Graph applies it: delegated tokens need the
//! right scope for their own mailbox and the `.Shared` scope plus FullAccess
//! for anyone else's; app-only tokens need the role, and RBAC for Applications
//! can restrict them to some mailboxes (docs/microsoft-graph.md §17, §18).
//! Send-as and send-on-behalf are decided in `send.rs`, where `from` is known.

use axum::http::StatusCode;

use super::error::GraphError;
use super::route::Op;
use crate::directory::{Directory, DirectoryUser, MailboxRight};
use crate::tokens::Principal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    Read,
    Write,
    Send,
}

pub(crate) fn need_for(op: &Op) -> Need {
    match op {
        Op::SendMail | Op::SendDraft(_) | Op::ReplyNow(..) => Need::Send,
        op if op.writes() => Need::Write,
        _ => Need::Read,
    }
}

pub(crate) fn has_scope(set: &std::collections::BTreeSet<String>, name: &str) -> bool {
    has(set, &[name])
}

fn has(set: &std::collections::BTreeSet<String>, any_of: &[&str]) -> bool {
    any_of
        .iter()
        .any(|s| set.iter().any(|x| x.eq_ignore_ascii_case(s)))
}

fn insufficient() -> GraphError {
    GraphError::new(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

/// May `principal` perform `op` on `owner`'s mailbox?
pub(crate) fn authorize(
    dir: &Directory,
    principal: &Principal,
    owner: &DirectoryUser,
    op: &Op,
) -> Result<(), GraphError> {
    if *op == Op::GetUser {
        return authorize_user_read(principal, owner);
    }
    if let Op::GetMailboxSettings(_) = op {
        return authorize_settings_read(principal, owner);
    }
    match op {
        Op::Cal(c) => return super::cal_access::authorize(dir, principal, owner, c),
        Op::Contact(c) => return super::pim_access::authorize_contacts(dir, principal, owner, c),
        Op::Todo(t) => return super::pim_access::authorize_todo(principal, owner, t),
        _ => {}
    }
    let need = need_for(op);
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
            let ok = match need {
                Need::Read => has(roles, &["Mail.Read", "Mail.ReadWrite"]),
                Need::Write => has(roles, &["Mail.ReadWrite"]),
                Need::Send => has(roles, &["Mail.Send"]),
            };
            if ok {
                Ok(())
            } else {
                Err(GraphError::access_denied())
            }
        }
        Principal::Delegated { user, scopes, .. } => {
            if *user == owner.oid {
                let ok = match need {
                    Need::Read => has(scopes, &["Mail.Read", "Mail.ReadWrite"]),
                    Need::Write => has(scopes, &["Mail.ReadWrite"]),
                    Need::Send => has(scopes, &["Mail.Send"]),
                };
                return if ok {
                    Ok(())
                } else {
                    Err(GraphError::access_denied())
                };
            }
            let scope_ok = match need {
                Need::Read => has(scopes, &["Mail.Read.Shared", "Mail.ReadWrite.Shared"]),
                Need::Write => has(scopes, &["Mail.ReadWrite.Shared"]),
                Need::Send => has(scopes, &["Mail.Send.Shared"]),
            };
            if !scope_ok {
                return Err(GraphError::access_denied());
            }
            let right_ok = match need {
                Need::Read | Need::Write => {
                    dir.has_right(*user, owner.oid, MailboxRight::FullAccess)
                }
                // Sending through another mailbox needs a send right there; whether
                // `from` is allowed is checked when the message is known.
                Need::Send => {
                    dir.has_right(*user, owner.oid, MailboxRight::SendAs)
                        || dir.has_right(*user, owner.oid, MailboxRight::SendOnBehalf)
                }
            };
            if right_ok {
                Ok(())
            } else {
                Err(GraphError::access_denied())
            }
        }
    }
}

/// Mailbox settings: delegated MailboxSettings.Read(Write) reaches only the
/// signed-in user's own; app-only needs the role.
fn authorize_settings_read(principal: &Principal, owner: &DirectoryUser) -> Result<(), GraphError> {
    let names = ["MailboxSettings.Read", "MailboxSettings.ReadWrite"];
    let ok = match principal {
        Principal::Delegated { user, scopes, .. } => *user == owner.oid && has(scopes, &names),
        Principal::App { roles, .. } => has(roles, &names),
    };
    if ok {
        Ok(())
    } else {
        Err(GraphError::access_denied())
    }
}

fn authorize_user_read(principal: &Principal, owner: &DirectoryUser) -> Result<(), GraphError> {
    match principal {
        Principal::Delegated { user, scopes, .. } => {
            if *user == owner.oid
                && has(
                    scopes,
                    &["User.Read", "User.ReadBasic.All", "User.Read.All"],
                )
            {
                return Ok(());
            }
            if has(scopes, &["User.ReadBasic.All", "User.Read.All"]) {
                Ok(())
            } else {
                Err(insufficient())
            }
        }
        Principal::App { roles, .. } => {
            if has(roles, &["User.Read.All", "User.ReadBasic.All"]) {
                Ok(())
            } else {
                Err(insufficient())
            }
        }
    }
}
