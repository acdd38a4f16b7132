//! Graph's limits, per mailbox, as this instance uses them: operations in
//! Graph's 10-minute window (of the 10,000 it allows), 429 answers, and
//! requests running now (of the four it allows at once).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use crate::admin::Console;
use crate::admin::html::page;
use crate::admin::http::Admin;

pub(in crate::admin) async fn budget(
    State(console): State<Arc<Console>>,
    admin: Admin,
) -> Response {
    let usage = console.graph.usage();
    let settings = console.graph.settings();
    let window_min = settings.budget_window.as_secs() / 60;
    let body = html! {
        p.muted {
            "graphgate keeps each mailbox under " (settings.budget_requests) " requests per " (window_min)
            " minutes and " (settings.concurrency_per_mailbox) " at once (Graph's limits per app and mailbox), pacing requests before Graph has to refuse them. Figures are this instance's."
        }
        table id="budget" {
            thead { tr { th { "Mailbox" } th { "Requests, last 10 min" } th { "Budget left now" } th { "429 answers" } th { "Running now" } } }
            tbody {
                @for u in &usage {
                    tr {
                        td { (u.mailbox) }
                        td { (u.recent_operations) }
                        td { (format!("{:.0} %", u.headroom * 100.0)) }
                        td class=(if u.throttled > 0 { "fail" } else { "" }) { (u.throttled) }
                        td { (u.in_flight) " of " (u.in_flight_limit) }
                    }
                }
                @if usage.is_empty() { tr { td colspan="5" class="muted" { "No Graph requests yet." } } }
            }
        }
    };
    page("Graph budget", "/graph", admin.name(), admin.csrf(), body).into_response()
}
