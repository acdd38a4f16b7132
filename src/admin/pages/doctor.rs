//! `graphgate doctor`'s checks, run now against the running gateway.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;

use crate::admin::Console;
use crate::admin::html::page;
use crate::admin::http::Admin;
use crate::doctor;

pub(in crate::admin) async fn run(State(console): State<Arc<Console>>, admin: Admin) -> Response {
    let config = console.config.read().clone();
    let report = doctor::run(doctor::Parts {
        config: &config,
        store: console.store.clone(),
        tokens: console.tokens.clone(),
        graph: console.graph.clone(),
        policy: console.mail.policy(),
    })
    .await;
    let body = html! {
        @if report.failures == 0 {
            div.notice id="doctor-summary" { "Everything checked works." }
        } @else {
            div.error id="doctor-summary" { (report.failures) " problem(s) found." }
        }
        @for s in &report.sections {
            h2 { (s.title) }
            table.doctor {
                tbody {
                    @for c in &s.checks {
                        tr {
                            td class=(if c.ok { "ok" } else { "fail" }) { (if c.ok { "ok" } else { "FAIL" }) }
                            td { (c.text) }
                        }
                    }
                }
            }
        }
    };
    page("Doctor", "/doctor", admin.name(), admin.csrf(), body).into_response()
}
