//! The audit log, newest first, filtered by user, action, outcome, mailbox
//! and age.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use crate::admin::Console;
use crate::admin::html::{page, when};
use crate::admin::http::Admin;
use crate::store::AuditFilter;

/// Entries shown at most.
const MAX: i64 = 500;

#[derive(Debug, Default, Deserialize)]
pub(in crate::admin) struct Filters {
    #[serde(default)]
    login: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    mailbox: String,
    /// Hours back; empty: all.
    #[serde(default)]
    hours: String,
}

fn set(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_ascii_lowercase())
}

pub(in crate::admin) async fn list(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Query(f): Query<Filters>,
) -> Response {
    let since = f
        .hours
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|h| *h > 0)
        .map(|h| chrono::Utc::now().timestamp() - h.saturating_mul(3600));
    let filter = AuditFilter {
        login: set(&f.login),
        action: set(&f.action),
        outcome: set(&f.outcome),
        mailbox: set(&f.mailbox),
        since,
    };
    let rows = console.store.audit_find(&filter, MAX).await;
    let body = html! {
        form method="get" action="/audit" id="audit-filter" {
            fieldset {
                legend { "Filter" }
                label { "User " input type="text" name="login" value=(f.login); }
                label { "Action " input type="text" name="action" value=(f.action) placeholder="send-as, open, admin-grant…"; }
                label { "Outcome "
                    select name="outcome" {
                        option value="" selected[f.outcome.is_empty()] { "any" }
                        option value="allowed" selected[f.outcome == "allowed"] { "allowed" }
                        option value="refused" selected[f.outcome == "refused"] { "refused" }
                    }
                }
                label { "Mailbox contains " input type="text" name="mailbox" value=(f.mailbox); }
                label { "Last hours " input type="text" name="hours" value=(f.hours) size="4"; }
                button type="submit" { "Show" }
            }
        }
        @match &rows {
            Err(e) => div.error { "Cannot read the audit log: " (e) },
            Ok(rows) => {
                p.muted { (rows.len()) " entr" (if rows.len() == 1 { "y" } else { "ies" }) (if rows.len() as i64 == MAX { " (the newest only)" } else { "" }) }
                table id="audit" {
                    thead { tr { th { "When" } th { "User" } th { "Action" } th { "Mailbox" } th { "Outcome" } th { "Detail" } } }
                    tbody {
                        @for r in rows {
                            tr {
                                td { (when(Some(r.at))) } td { (r.login) } td { (r.action) } td { (r.mailbox) }
                                td class=(if r.outcome == "refused" { "fail" } else { "ok" }) { (r.outcome) }
                                td { (r.detail) }
                            }
                        }
                    }
                }
            }
        }
    };
    page("Audit log", "/audit", admin.name(), admin.csrf(), body).into_response()
}
