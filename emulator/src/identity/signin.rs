//! The sign-in pages a person uses in a browser: `/devicelogin` (enter the
//! user code), `/login` (user name, then password) and `/login/consent`
//! ("Are you trying to sign in to …?"). A hidden `flow` field names the
//! server-side state of the sign-in; errors are shown on the page.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use http::StatusCode;

use super::devicecode::{self, Unusable, normalise_user_code};
use super::pages::{self, respond};
use super::params::Params;
use super::state::{DeviceStatus, FLOW_LIFETIME, Flow, FlowKind};
use super::{authorize, scopes};
use crate::directory::UserKind;
use crate::tenant::Emulator;
use crate::tokens::random_id;

const BAD_CODE: &str = "That code didn't work. Check the code and try again.";
const EXPIRED_CODE: &str = "The code you entered has expired. Get a new code from the device you're trying to sign in to and try again.";
const USED_CODE: &str =
    "That code has already been used. Get a new code from the device you're trying to sign in to.";
const UNKNOWN_USER: &str = "This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.";
const WRONG_PASSWORD: &str =
    "Your account or password is incorrect. If you don't remember your password, reset it now.";

fn ok(page: String) -> Response {
    respond(StatusCode::OK, page)
}

fn flow_gone() -> Response {
    respond(
        StatusCode::BAD_REQUEST,
        pages::error(
            50089,
            "Your sign-in session has expired or is unknown. Go back to the app or device and start signing in again.",
        ),
    )
}

fn app_name(t: &Emulator, client_id: &str) -> String {
    t.directory
        .read()
        .app(client_id)
        .map(|a| a.display_name.clone())
        .unwrap_or_else(|| client_id.to_string())
}

/// `GET /devicelogin`.
pub(crate) async fn enter_code() -> Response {
    ok(pages::enter_code(None))
}

/// `POST /devicelogin`: the user code typed by the person.
pub(crate) async fn submit_code(State(t): State<Arc<Emulator>>, body: Bytes) -> Response {
    let p = Params::parse(&body);
    let typed = p.get("otc").map(normalise_user_code).unwrap_or_default();
    if typed.is_empty() {
        return ok(pages::enter_code(Some(
            "Enter the code displayed on your app or device.",
        )));
    }
    let Some((device_code, d)) = t.identity.by_user_code(&typed) else {
        return ok(pages::enter_code(Some(BAD_CODE)));
    };
    let now = Instant::now();
    if now >= d.expires {
        return ok(pages::enter_code(Some(EXPIRED_CODE)));
    }
    if d.status != DeviceStatus::Pending {
        return ok(pages::enter_code(Some(USED_CODE)));
    }
    let flow_id = random_id(32);
    t.identity.insert_flow(
        flow_id.clone(),
        Flow {
            kind: FlowKind::Device { device_code },
            client_id: d.client_id.clone(),
            scope: d.scope.clone(),
            login_hint: None,
            username: None,
            user: None,
            expires: d.expires.min(now + FLOW_LIFETIME),
        },
    );
    ok(pages::username(
        &flow_id,
        &app_name(&t, &d.client_id),
        "",
        None,
    ))
}

/// The permissions listed on the consent page.
fn permissions(t: &Emulator, flow: &Flow) -> Vec<String> {
    let dir = t.directory.read();
    let Ok(r) = scopes::parse(&flow.scope, &dir) else {
        return Vec::new();
    };
    let names: Vec<String> = if r.default {
        dir.app(&flow.client_id)
            .map(|a| scopes::consented(&r, a, &dir).unwrap_or_default())
            .unwrap_or_default()
            .into_iter()
            .collect()
    } else {
        r.resource.iter().cloned().collect()
    };
    // An API's permissions are shown in full (`api://…/Mail.Gateway`).
    let mut out: Vec<String> = match &r.api {
        Some(api) => names
            .iter()
            .map(|n| format!("{}/{n}", api.identifier.trim_end_matches('/')))
            .collect(),
        None => names.iter().map(|s| pages::describe(s)).collect(),
    };
    out.extend(r.oidc.iter().map(|s| pages::describe(s)));
    out
}

/// `POST /login`: the user name, the password, or both at once.
pub(crate) async fn login(State(t): State<Arc<Emulator>>, body: Bytes) -> Response {
    let p = Params::parse(&body);
    let Some(flow_id) = p.get("flow") else {
        return flow_gone();
    };
    let Some(mut flow) = t.identity.flow(flow_id) else {
        return flow_gone();
    };
    let app = app_name(&t, &flow.client_id);
    if let Some(typed) = p.get("loginfmt") {
        let typed = typed.trim();
        let found = t
            .directory
            .read()
            .user(typed)
            .map(|u| (u.upn.clone(), u.kind));
        match found {
            None => return ok(pages::username(flow_id, &app, typed, Some(UNKNOWN_USER))),
            Some((upn, UserKind::SharedMailbox)) => {
                let text = format!(
                    "{upn} is a shared mailbox: sign-in is blocked for this account. Sign in with your own account."
                );
                return ok(pages::username(flow_id, &app, typed, Some(&text)));
            }
            Some((upn, UserKind::Member)) => {
                t.identity.update_flow(flow_id, |f| {
                    f.username = Some(upn.clone());
                    f.user = None;
                });
                flow.username = Some(upn);
                flow.user = None;
            }
        }
    } else if p.has("loginfmt") {
        let hint = flow.login_hint.clone().unwrap_or_default();
        let text = "Enter a valid email address, phone number, or Skype name.";
        return ok(pages::username(flow_id, &app, &hint, Some(text)));
    }
    let Some(username) = flow.username.clone() else {
        let hint = flow.login_hint.clone().unwrap_or_default();
        return ok(pages::username(flow_id, &app, &hint, None));
    };
    let Some(password) = p.get("passwd") else {
        let error = p.has("passwd").then_some("Please enter your password.");
        return ok(pages::password(flow_id, &username, error));
    };
    let user = {
        let dir = t.directory.read();
        dir.user(&username)
            .filter(|u| u.kind == UserKind::Member && u.password.as_deref() == Some(password))
            .map(|u| u.oid)
    };
    let Some(user) = user else {
        return ok(pages::password(flow_id, &username, Some(WRONG_PASSWORD)));
    };
    t.identity.update_flow(flow_id, |f| f.user = Some(user));
    let device = matches!(flow.kind, FlowKind::Device { .. });
    ok(pages::consent(
        flow_id,
        &app,
        &username,
        &permissions(&t, &flow),
        device,
    ))
}

/// `POST /login/consent`: Continue/Accept (`accept`) or Cancel (`decline`).
pub(crate) async fn consent(State(t): State<Arc<Emulator>>, body: Bytes) -> Response {
    let p = Params::parse(&body);
    let Some(flow_id) = p.get("flow") else {
        return flow_gone();
    };
    let Some(flow) = t.identity.flow(flow_id) else {
        return flow_gone();
    };
    let Some(user) = flow.user else {
        let hint = flow
            .username
            .clone()
            .or(flow.login_hint.clone())
            .unwrap_or_default();
        return ok(pages::username(
            flow_id,
            &app_name(&t, &flow.client_id),
            &hint,
            None,
        ));
    };
    t.identity.take_flow(flow_id);
    let declined = p.has("decline") && !p.has("accept");
    let app = app_name(&t, &flow.client_id);
    match &flow.kind {
        FlowKind::Authorize(req) if declined => authorize::declined(req),
        FlowKind::Authorize(req) => authorize::complete(&t, &flow, req, user),
        FlowKind::Device { device_code } => {
            match devicecode::answer(&t, device_code, (!declined).then_some(user)) {
                Ok(()) if declined => ok(pages::message(
                    "Sign-in cancelled",
                    &format!(
                        "You declined to sign in to the {app} application on your device. You may now close this window."
                    ),
                )),
                Ok(()) => ok(pages::message(
                    &app,
                    &format!(
                        "You have signed in to the {app} application on your device. You may now close this window."
                    ),
                )),
                Err(Unusable::Expired) => respond(
                    StatusCode::BAD_REQUEST,
                    pages::enter_code(Some(EXPIRED_CODE)),
                ),
                Err(Unusable::AlreadyUsed) => {
                    respond(StatusCode::BAD_REQUEST, pages::enter_code(Some(USED_CODE)))
                }
                Err(Unusable::Unknown) => {
                    respond(StatusCode::BAD_REQUEST, pages::enter_code(Some(BAD_CODE)))
                }
            }
        }
    }
}
