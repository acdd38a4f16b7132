//! Shared mailboxes: who is listed to read, change, send as and send on
//! behalf of each (changed here, written into the policy's file), and on
//! a mailbox's own page the effective rights of every account, as
//! `graphgate doctor` computes them (the local grants intersected with
//! what Microsoft 365 lets each account's identity do).

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::{Flash, back, segment};
use crate::admin::Console;
use crate::admin::html::{csrf_field, flash, page};
use crate::admin::http::Admin;
use crate::admin::policy_file::{self, Edit, Right};
use crate::doctor;
use crate::policy::Policy;

pub(in crate::admin) async fn list(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Query(flash_msg): Query<Flash>,
) -> Response {
    // The policy in force (a reload by SIGHUP shows here too).
    let shared = console.mail.policy().shared_mailboxes().to_vec();
    let file = console
        .config
        .read()
        .policy_path()
        .map(|p| p.display().to_string());
    let body = html! {
        (flash(flash_msg.message(&admin).as_ref()))
        p.muted {
            @match &file {
                Some(f) => { "Grants are kept in " code { (f) } "; changes here are written there (comments kept) and apply at each session's next command." }
                None => { "graphgate was started without a configuration file, so grants cannot be changed here." }
            }
        }
        @for s in &shared {
            h2 { a href={ "/mailboxes/" (segment(&s.address)) } { (s.address) } }
            table class="grants" data-mailbox=(s.address) {
                thead { tr { th { "Right" } th { "Who (logins, @groups)" } } }
                tbody {
                    @for right in Right::ALL {
                        tr {
                            td { (right.label()) }
                            td {
                                @for who in list_of(s, right) {
                                    span { (who) " " }
                                    form.inline method="post" action="/mailboxes" {
                                        (csrf_field(admin.csrf()))
                                        input type="hidden" name="op" value="revoke";
                                        input type="hidden" name="mailbox" value=(s.address);
                                        input type="hidden" name="who" value=(who);
                                        input type="hidden" name="right" value=(right.key());
                                        button.danger type="submit" title={ "Remove " (who) } { "×" }
                                    }
                                    " "
                                }
                            }
                        }
                    }
                }
            }
        }
        @if shared.is_empty() { p.muted { "No shared mailboxes: every user reaches only their own mailbox." } }
        @if file.is_some() {
            form method="post" action="/mailboxes" id="grant" {
                fieldset {
                    legend { "Grant" }
                    (csrf_field(admin.csrf()))
                    input type="hidden" name="op" value="grant";
                    label { "Login or @group " input type="text" name="who" required; }
                    label { "Right "
                        select name="right" {
                            @for right in Right::ALL { option value=(right.key()) { (right.label()) } }
                        }
                    }
                    label { "Shared mailbox "
                        select name="mailbox" {
                            @for s in &shared { option value=(s.address) { (s.address) } }
                        }
                    }
                    button type="submit" { "Grant" }
                }
            }
            form method="post" action="/mailboxes" id="add-mailbox" {
                fieldset {
                    legend { "Add a shared mailbox" }
                    (csrf_field(admin.csrf()))
                    input type="hidden" name="op" value="add";
                    label { "Address " input type="text" name="mailbox" required placeholder="sales@contoso.com"; }
                    button type="submit" { "Add" }
                }
            }
        }
    };
    page(
        "Shared mailboxes",
        "/mailboxes",
        admin.name(),
        admin.csrf(),
        body,
    )
    .into_response()
}

fn list_of(s: &crate::config::SharedMailbox, right: Right) -> &[String] {
    match right {
        Right::Read => &s.readers,
        Right::Write => &s.writers,
        Right::SendAs => &s.send_as,
        Right::SendOnBehalf => &s.send_on_behalf,
    }
}

pub(in crate::admin) async fn show(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Path(address): Path<String>,
) -> Response {
    let address = address.to_ascii_lowercase();
    let config = console.config.read().clone();
    let policy = console.mail.policy();
    let known = policy
        .shared_mailboxes()
        .iter()
        .any(|s| s.address.eq_ignore_ascii_case(&address));
    let report = doctor::run(doctor::Parts {
        config: &config,
        store: console.store.clone(),
        tokens: console.tokens.clone(),
        graph: console.graph.clone(),
        policy,
    })
    .await;
    let rights: Vec<&doctor::Rights> = report
        .rights
        .iter()
        .filter(|r| r.mailbox == address)
        .collect();
    let body = html! {
        @if !known { div.error { (address) " is not a shared mailbox in the policy." } }
        p.muted { "Each account's local grants, and what Microsoft 365 lets its identity do (checked now)." }
        table id="effective" {
            thead { tr { th { "Account" } th { "Local: mailbox" } th { "Local: sending" } th { "Microsoft 365 opens it" } th { "Effective rights" } } }
            tbody {
                @for r in &rights {
                    tr {
                        td { (r.login) }
                        td { @match r.local { Some(crate::policy::Access::ReadWrite) => "read and change", Some(crate::policy::Access::Read) => "read only", None => "–" } }
                        td { @match r.send { Some(crate::policy::SendMode::As) => "send as", Some(crate::policy::SendMode::OnBehalf) => "send on behalf", _ => "–" } }
                        td { @match r.exchange_reads { Some(true) => span.ok { "yes" }, Some(false) => span.fail { "no" }, None => "not tried" } }
                        td { (r.effective) }
                    }
                }
                @if rights.is_empty() { tr { td colspan="5" class="muted" { "No account has a grant on it." } } }
            }
        }
        p { a href="/mailboxes" { "Back to the shared mailboxes" } }
    };
    page(&address, "/mailboxes", admin.name(), admin.csrf(), body).into_response()
}

#[derive(Deserialize)]
pub(in crate::admin) struct ChangeForm {
    csrf: String,
    op: String,
    mailbox: String,
    #[serde(default)]
    who: String,
    #[serde(default)]
    right: String,
}

pub(in crate::admin) async fn change(
    State(console): State<Arc<Console>>,
    admin: Admin,
    Form(form): Form<ChangeForm>,
) -> Response {
    if let Some(refused) = admin.refused(&form.csrf) {
        return refused;
    }
    let right = Right::parse(&form.right);
    let mailbox = form.mailbox.trim().to_ascii_lowercase();
    let edit = match (form.op.as_str(), right) {
        ("grant", Some(right)) => Edit::Grant {
            mailbox,
            who: form.who,
            right,
        },
        ("revoke", Some(right)) => Edit::Revoke {
            mailbox,
            who: form.who,
            right,
        },
        ("add", _) => Edit::AddMailbox { address: mailbox },
        ("remove", _) => Edit::RemoveMailbox { address: mailbox },
        _ => {
            return back(
                "/mailboxes",
                &admin,
                Err("that change is not one the console knows".into()),
            );
        }
    };
    let outcome = edit_policy(&console, admin.name(), &edit).await;
    back("/mailboxes", &admin, outcome)
}

/// Make `edit` in the policy's file: checked as a whole configuration
/// first, written atomically, then in force and audited.
pub(in crate::admin) async fn edit_policy(
    console: &Console,
    admin: &str,
    edit: &Edit,
) -> Result<String, String> {
    let _one_at_a_time = console.edits.lock().await;
    let current = console.config.read().clone();
    let Some(path) = current.policy_path().map(std::path::Path::to_path_buf) else {
        return Err(
            "graphgate was started without a configuration file: grants cannot be written anywhere"
                .into(),
        );
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && current.policy_file_is_separate() => {
            String::new()
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let edited = policy_file::apply(&text, edit)?;
    let config = current
        .with_policy_text(&edited)
        .map_err(|e| format!("the change would make the configuration invalid: {e}"))?;
    let policy = Policy::from_config(&config)
        .map_err(|e| format!("the change would make the policy invalid: {e}"))?;
    policy_file::write(&path, &edited)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    console.mail.set_policy(policy.clone());
    *console.config.write() = config;
    let what = edit.describe();
    console.audit(admin, edit.action(), edit.mailbox(), &what);
    tracing::info!(%admin, change = %what, file = %path.display(), "admin console: policy changed");
    let mut message = format!("{what}; saved in {}", path.display());
    if let Edit::Revoke {
        mailbox,
        who,
        right,
    } = edit
        && !who.starts_with('@')
        && still_granted(&policy, who, mailbox, *right)
    {
        message.push_str(&format!(" ({who} still has it through a group)"));
    }
    Ok(message)
}

fn still_granted(policy: &Policy, who: &str, mailbox: &str, right: Right) -> bool {
    match right {
        Right::Read | Right::Write => policy.shared_for(who).iter().any(|(m, access)| {
            m == mailbox && (right == Right::Read || *access == crate::policy::Access::ReadWrite)
        }),
        Right::SendAs | Right::SendOnBehalf => policy.send(who, "", mailbox).is_ok(),
    }
}
