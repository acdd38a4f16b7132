//! Accounts: the list with each one's Microsoft sign-in state, adding and
//! removing them, and an account's page with its gateway passwords (added
//! and shown once, or revoked) and a button that starts the device-code
//! sign-in.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Flash, back, segment};
use crate::accounts::{Account, Mode};
use crate::admin::Console;
use crate::admin::html::{csrf_field, flash, page, when};
use crate::admin::http::Admin;
use crate::admin::signin::SignIn;

/// An account's Microsoft sign-in, in words, and whether it works.
async fn sign_in_state(console: &Console, account: &Account) -> (bool, String) {
    match account.mode {
        Mode::AppOnly => {
            if console.tokens.oauth().has_app_credential() {
                (true, "app-only: the app's own credentials".into())
            } else {
                (
                    false,
                    "app-only, but the app has no client secret or certificate".into(),
                )
            }
        }
        Mode::Delegated => match console.tokens.refresh_tokens().get(&account.login).await {
            Ok(Some(_)) => (true, "signed in".into()),
            Ok(None) => (false, "not signed in".into()),
            Err(e) => (false, format!("cannot read the sign-in: {e}")),
        },
    }
}

pub(in crate::admin) async fn list(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Query(flash_msg): Query<Flash>,
) -> Response {
    let accounts = match console.accounts.list().await {
        Ok(list) => list,
        Err(e) => return unavailable(&e.to_string()),
    };
    let mut rows = Vec::new();
    for account in &accounts {
        let (ok, state) = sign_in_state(&console, account).await;
        let active = console
            .accounts
            .passwords(&account.login)
            .await
            .map(|p| p.iter().filter(|p| p.is_active()).count())
            .unwrap_or(0);
        rows.push((account, ok, state, active));
    }
    let body = html! {
        (flash(flash_msg.message(&admin).as_ref()))
        table id="accounts" {
            thead { tr { th { "Login" } th { "Microsoft 365 user" } th { "Access" } th { "Microsoft sign-in" } th { "Active passwords" } } }
            tbody {
                @for (account, ok, state, active) in &rows {
                    tr {
                        td { a href={ "/accounts/" (segment(&account.login)) } { (account.login) } }
                        td { (account.microsoft_user) }
                        td { (mode_label(account.mode)) }
                        td class=(if *ok { "ok" } else { "fail" }) { (state) }
                        td { (active) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="5" class="muted" { "No accounts yet." } } }
            }
        }
        form method="post" action="/accounts" id="add-account" {
            fieldset {
                legend { "Add an account" }
                (csrf_field(admin.csrf()))
                label { "Login " input type="text" name="login" required placeholder="alice@contoso.com"; }
                label { "Microsoft 365 user " input type="text" name="microsoft_user" placeholder="same as the login"; }
                label { "Access "
                    select name="mode" {
                        option value="delegated" selected { "delegated (the user signs in)" }
                        option value="app-only" { "app-only (the app's credentials)" }
                    }
                }
                label { "First password label " input type="text" name="label" value="default"; }
                button type="submit" { "Add" }
            }
        }
    };
    page("Accounts", "/accounts", admin.name(), admin.csrf(), body).into_response()
}

fn mode_label(mode: Mode) -> &'static str {
    match mode {
        Mode::Delegated => "delegated",
        Mode::AppOnly => "app-only",
    }
}

fn unavailable(why: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("graphgate cannot read its store: {why}"),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(in crate::admin) struct AddForm {
    csrf: String,
    login: String,
    #[serde(default)]
    microsoft_user: String,
    mode: String,
    #[serde(default)]
    label: String,
}

pub(in crate::admin) async fn add(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Form(form): Form<AddForm>,
) -> Response {
    if let Some(refused) = admin.refused(&form.csrf) {
        return refused;
    }
    let Some(mode) = Mode::parse(&form.mode) else {
        return back(
            "/accounts",
            &admin,
            Err(format!("{:?} is not an access mode", form.mode)),
        );
    };
    let login = form.login.trim().to_string();
    let user = match form.microsoft_user.trim() {
        "" => login.clone(),
        u => u.to_string(),
    };
    let account = match console.accounts.add(&login, &user, mode).await {
        Ok(a) => a,
        Err(e) => return back("/accounts", &admin, Err(e.to_string())),
    };
    console.audit(
        admin.name(),
        "admin-add-account",
        &account.microsoft_user,
        &account.login,
    );
    let label = match form.label.trim() {
        "" => "default",
        l => l,
    };
    match console.accounts.add_password(&account.login, label).await {
        Ok((info, password)) => {
            console.audit(
                admin.name(),
                "admin-add-password",
                &account.microsoft_user,
                &format!("{} {}", account.login, info.label),
            );
            new_password(&admin, &account, &info.label, password.expose())
        }
        Err(e) => back(
            &format!("/accounts/{}", segment(&account.login)),
            &admin,
            Err(format!("the account was added, but not its password: {e}")),
        ),
    }
}

/// The page that shows a new password, once.
fn new_password(admin: &Admin, account: &Account, label: &str, password: &str) -> Response {
    let body = html! {
        div.notice role="status" {
            p { "The gateway password " strong { (label) } " of " strong { (account.login) } " is:" }
            p { span.secret id="new-password" { (password) } }
            p { "It is shown only now: copy it into the mail client. It is a gateway password, not a Microsoft one." }
        }
        p { a href={ "/accounts/" (segment(&account.login)) } { "Back to " (account.login) } }
    };
    page(
        "New gateway password",
        "/accounts",
        admin.name(),
        admin.csrf(),
        body,
    )
    .into_response()
}

async fn find(console: &Console, login: &str) -> Result<Account, Response> {
    match console.accounts.get(login).await {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err((
            StatusCode::NOT_FOUND,
            format!("there is no account {login}"),
        )
            .into_response()),
        Err(e) => Err(unavailable(&e.to_string())),
    }
}

pub(in crate::admin) async fn show(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Path(login): Path<String>,
    Query(flash_msg): Query<Flash>,
) -> Response {
    let account = match find(&console, &login).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let passwords = console
        .accounts
        .passwords(&account.login)
        .await
        .unwrap_or_default();
    let (ok, state) = sign_in_state(&console, &account).await;
    let signin = console.signins.get(&account.login);
    let base = format!("/accounts/{}", segment(&account.login));
    let waiting = matches!(signin, Some(SignIn::Waiting { .. }));
    let body = html! {
        (flash(flash_msg.message(&admin).as_ref()))
        table {
            tr { th { "Microsoft 365 user" } td { (account.microsoft_user) } }
            tr { th { "Access" } td { (mode_label(account.mode)) } }
            tr { th { "Microsoft sign-in" } td id="signin-state" class=(if ok { "ok" } else { "fail" }) { (state) } }
            tr { th { "Created" } td { (when(Some(account.created_at))) } }
        }
        @if account.mode == Mode::Delegated {
            h2 { "Microsoft sign-in" }
            (signin_block(signin.as_ref()))
            form method="post" action={ (base) "/signin" } {
                (csrf_field(admin.csrf()))
                button type="submit" id="start-signin" { "Sign in with a device code" }
            }
        }
        h2 { "Gateway passwords" }
        table id="passwords" {
            thead { tr { th { "Label" } th { "Id" } th { "Created" } th { "Last used" } th { "State" } th {} } }
            tbody {
                @for p in &passwords {
                    tr {
                        td { (p.label) } td { code { (p.id) } } td { (when(Some(p.created_at))) } td { (when(p.last_used_at)) }
                        @if p.is_active() {
                            td.ok { "active" }
                            td {
                                form.inline method="post" action={ (base) "/passwords/" (segment(&p.id)) "/revoke" } {
                                    (csrf_field(admin.csrf()))
                                    button.danger type="submit" name="revoke" value=(p.label) { "Revoke" }
                                }
                            }
                        } @else {
                            td.muted { "revoked " (when(p.revoked_at)) } td {}
                        }
                    }
                }
            }
        }
        form method="post" action={ (base) "/passwords" } id="add-password" {
            fieldset {
                legend { "Add a gateway password" }
                (csrf_field(admin.csrf()))
                label { "Label " input type="text" name="label" required placeholder="scanner, thunderbird…"; }
                button type="submit" { "Generate" }
            }
        }
        h2 { "Remove" }
        form method="post" action={ (base) "/remove" } {
            (csrf_field(admin.csrf()))
            button.danger type="submit" id="remove-account" { "Remove " (account.login) " and its passwords and sign-in" }
        }
    };
    let mut response = page(
        &account.login,
        "/accounts",
        admin.name(),
        admin.csrf(),
        body,
    )
    .into_response();
    if waiting {
        // Reload while the person signs in (no script needed).
        response
            .headers_mut()
            .insert("Refresh", axum::http::HeaderValue::from_static("3"));
    }
    response
}

fn signin_block(signin: Option<&SignIn>) -> Markup {
    html! {
        @match signin {
            Some(SignIn::Waiting { code, link }) => div.notice id="device-code" {
                p { "Open " a href=(link) rel="noreferrer" { (link) } " and enter the code" }
                p { span.secret id="user-code" { (code) } }
                p.muted { "This page refreshes until the sign-in is done." }
            },
            Some(SignIn::Done { who }) => div.notice id="signin-done" { "Signed in as " (who) "." },
            Some(SignIn::Failed { why }) => div.error id="signin-failed" { "The sign-in failed: " (why) },
            None => {},
        }
    }
}

#[derive(Deserialize)]
pub(in crate::admin) struct CsrfForm {
    csrf: String,
}

#[derive(Deserialize)]
pub(in crate::admin) struct LabelForm {
    csrf: String,
    label: String,
}

pub(in crate::admin) async fn remove(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Path(login): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = admin.refused(&form.csrf) {
        return refused;
    }
    let account = match find(&console, &login).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.accounts.remove(&account.login).await {
        Ok(_) => {
            let ended = console.live.end_login(&account.login);
            console.audit(
                admin.name(),
                "admin-remove-account",
                &account.microsoft_user,
                &account.login,
            );
            back(
                "/accounts",
                &admin,
                Ok(format!(
                    "{} removed; {ended} open session(s) ended",
                    account.login
                )),
            )
        }
        Err(e) => back("/accounts", &admin, Err(e.to_string())),
    }
}

pub(in crate::admin) async fn add_password(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Path(login): Path<String>,
    Form(form): Form<LabelForm>,
) -> Response {
    if let Some(refused) = admin.refused(&form.csrf) {
        return refused;
    }
    let account = match find(&console, &login).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console
        .accounts
        .add_password(&account.login, form.label.trim())
        .await
    {
        Ok((info, password)) => {
            console.audit(
                admin.name(),
                "admin-add-password",
                &account.microsoft_user,
                &format!("{} {}", account.login, info.label),
            );
            new_password(&admin, &account, &info.label, password.expose())
        }
        Err(e) => back(
            &format!("/accounts/{}", segment(&account.login)),
            &admin,
            Err(e.to_string()),
        ),
    }
}

pub(in crate::admin) async fn revoke_password(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Path((login, id)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = admin.refused(&form.csrf) {
        return refused;
    }
    let account = match find(&console, &login).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let base = format!("/accounts/{}", segment(&account.login));
    match console.accounts.revoke_password(&account.login, &id).await {
        Ok(true) => {
            console.audit(
                admin.name(),
                "admin-revoke-password",
                &account.microsoft_user,
                &format!("{} {id}", account.login),
            );
            back(
                &base,
                &admin,
                Ok(format!(
                    "password {id} revoked; clients using it are logged out at their next command"
                )),
            )
        }
        Ok(false) => back(&base, &admin, Err(format!("no active password {id}"))),
        Err(e) => back(&base, &admin, Err(e.to_string())),
    }
}

pub(in crate::admin) async fn start_signin(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Path(login): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = admin.refused(&form.csrf) {
        return refused;
    }
    let account = match find(&console, &login).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let base = format!("/accounts/{}", segment(&account.login));
    if account.mode != Mode::Delegated {
        return back(
            &base,
            &admin,
            Err("app-only accounts need no sign-in".into()),
        );
    }
    console.audit(
        admin.name(),
        "admin-start-signin",
        &account.microsoft_user,
        &account.login,
    );
    match console.signins.start(console.tokens.clone(), account).await {
        SignIn::Failed { why } => back(
            &base,
            &admin,
            Err(format!("the sign-in could not start: {why}")),
        ),
        _ => back(&base, &admin, Ok("sign-in started".into())),
    }
}
