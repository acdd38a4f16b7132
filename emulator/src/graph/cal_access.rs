//! Who may touch a mailbox's calendars, as Graph decides it: delegated
//! tokens need `Calendars.Read` / `Calendars.ReadWrite` for their own
//! calendars, and `Calendars.Read.Shared` / `Calendars.ReadWrite.Shared`
//! plus Exchange access (FullAccess here) for anyone else's; app-only
//! tokens need the `Calendars.Read` / `Calendars.ReadWrite` role and stay
//! within RBAC's mailbox scope. Free/busy (`getSchedule`) needs only a
//! calendar scope: every user's free/busy is shared with the organisation
//! (docs/microsoft-graph.md §30).

use axum::http::StatusCode;

use super::access::has_scope;
use super::cal_route::CalOp;
use super::error::GraphError;
use crate::directory::{Directory, DirectoryUser, MailboxRight};
use crate::tokens::Principal;

fn any_of(set: &std::collections::BTreeSet<String>, names: &[&str]) -> bool {
    names.iter().any(|n| has_scope(set, n))
}

/// Scopes or roles that read calendars (events with their details).
const READ: [&str; 4] = [
    "Calendars.Read",
    "Calendars.ReadWrite",
    "Calendars.Read.Shared",
    "Calendars.ReadWrite.Shared",
];
/// Scopes or roles that only see free/busy and calendar names.
const BASIC: [&str; 2] = ["Calendars.ReadBasic", "Calendars.ReadBasic.All"];

/// May `principal` perform the calendar operation `op` on `owner`'s mailbox?
pub(crate) fn authorize(
    dir: &Directory,
    principal: &Principal,
    owner: &DirectoryUser,
    op: &CalOp,
) -> Result<(), GraphError> {
    let write = op.writes();
    // Listing calendars and free/busy are open to the ReadBasic permission.
    let basic_ok = matches!(
        op,
        CalOp::GetSchedule | CalOp::ListCalendars | CalOp::GetCalendar(_)
    );
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
            let ok = if write {
                any_of(roles, &["Calendars.ReadWrite"])
            } else {
                any_of(roles, &["Calendars.Read", "Calendars.ReadWrite"])
                    || (basic_ok && any_of(roles, &BASIC))
            };
            if ok {
                Ok(())
            } else {
                Err(GraphError::access_denied())
            }
        }
        Principal::Delegated { user, scopes, .. } => {
            if *user == owner.oid || *op == CalOp::GetSchedule {
                let ok = if write {
                    any_of(
                        scopes,
                        &["Calendars.ReadWrite", "Calendars.ReadWrite.Shared"],
                    )
                } else {
                    any_of(scopes, &READ) || (basic_ok && any_of(scopes, &BASIC))
                };
                return if ok {
                    Ok(())
                } else {
                    Err(GraphError::access_denied())
                };
            }
            let scope_ok = if write {
                any_of(scopes, &["Calendars.ReadWrite.Shared"])
            } else {
                any_of(
                    scopes,
                    &["Calendars.Read.Shared", "Calendars.ReadWrite.Shared"],
                )
            };
            if scope_ok && dir.has_right(*user, owner.oid, MailboxRight::FullAccess) {
                Ok(())
            } else {
                Err(GraphError::access_denied())
            }
        }
    }
}

/// May `principal` see the details (subject, location) of `owner`'s
/// events, rather than only free/busy? Owners, FullAccess delegates and
/// apps may; everyone else sees free/busy only, the organisation-wide
/// default sharing of a primary calendar.
pub(crate) fn sees_details(dir: &Directory, principal: &Principal, owner: &DirectoryUser) -> bool {
    match principal {
        Principal::App { .. } => true,
        Principal::Delegated { user, .. } => {
            *user == owner.oid || dir.has_right(*user, owner.oid, MailboxRight::FullAccess)
        }
    }
}
