//! The client connections open on this instance (each instance lists its
//! own), by user, with buttons that end one session or all of a user's.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::{Flash, back};
use crate::admin::Console;
use crate::admin::html::{csrf_field, flash, page, when};
use crate::admin::http::Admin;

pub(in crate::admin) async fn list(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Query(flash_msg): Query<Flash>,
) -> Response {
    let mut sessions = console.live.list();
    sessions.sort_by(|a, b| a.login.cmp(&b.login).then(a.id.cmp(&b.id)));
    let body = html! {
        (flash(flash_msg.message(&admin).as_ref()))
        p.muted { (sessions.len()) " open connection(s) on this instance. Ending one closes it at once (IMAP says BYE, SMTP 421); the client may reconnect unless its account or password is withdrawn." }
        table id="sessions" {
            thead { tr { th { "User" } th { "Protocol" } th { "Client" } th { "Since" } th {} } }
            tbody {
                @for s in &sessions {
                    tr data-login=[s.login.as_deref()] {
                        td { @match &s.login { Some(l) => (l), None => span.muted { "not logged in" } } }
                        td { (s.protocol) }
                        td { (s.peer) }
                        td { (when(Some(s.since))) }
                        td {
                            form.inline method="post" action={ "/sessions/" (s.id) "/end" } {
                                (csrf_field(admin.csrf()))
                                button.danger type="submit" { "End" }
                            }
                            @if let Some(login) = &s.login {
                                " "
                                form.inline method="post" action="/sessions/end-user" {
                                    (csrf_field(admin.csrf()))
                                    input type="hidden" name="login" value=(login);
                                    button.danger type="submit" { "End all of " (login) }
                                }
                            }
                        }
                    }
                }
                @if sessions.is_empty() { tr { td colspan="5" class="muted" { "No open connections." } } }
            }
        }
    };
    page("Sessions", "/sessions", admin.name(), admin.csrf(), body).into_response()
}

#[derive(Deserialize)]
pub(in crate::admin) struct EndForm {
    csrf: String,
}

pub(in crate::admin) async fn end(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Path(id): Path<u64>,
    Form(form): Form<EndForm>,
) -> Response {
    if let Some(refused) = admin.refused(&form.csrf) {
        return refused;
    }
    let who = console
        .live
        .list()
        .into_iter()
        .find(|s| s.id == id)
        .map(|s| (s.login.unwrap_or_default(), s.protocol, s.peer));
    if !console.live.end(id) {
        return back(
            "/sessions",
            &admin,
            Err(format!("session {id} has already ended")),
        );
    }
    let (login, protocol, peer) = who.unwrap_or((
        "".into(),
        "",
        "0.0.0.0:0"
            .parse()
            .unwrap_or(std::net::SocketAddr::from(([0, 0, 0, 0], 0))),
    ));
    console.audit(
        admin.name(),
        "admin-end-session",
        &login,
        &format!("{protocol} session from {peer}"),
    );
    back(
        "/sessions",
        &admin,
        Ok(format!(
            "ended the {protocol} session of {login} from {peer}"
        )),
    )
}

#[derive(Deserialize)]
pub(in crate::admin) struct EndUserForm {
    csrf: String,
    login: String,
}

pub(in crate::admin) async fn end_user(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Form(form): Form<EndUserForm>,
) -> Response {
    if let Some(refused) = admin.refused(&form.csrf) {
        return refused;
    }
    let n = console.live.end_login(&form.login);
    console.audit(
        admin.name(),
        "admin-end-session",
        &form.login,
        &format!("all {n} session(s)"),
    );
    back(
        "/sessions",
        &admin,
        Ok(format!("ended {n} session(s) of {}", form.login)),
    )
}
