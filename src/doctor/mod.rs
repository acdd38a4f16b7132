//! The checks of `graphgate doctor` and of the admin console's doctor
//! page: what will work and what will not, and why. They read the
//! configuration, reach the token endpoint, read each token's scopes or
//! roles, and try each account's mailbox and each shared mailbox it is
//! granted, one line per check with the fix when one fails; and they give
//! each account's effective rights on each shared mailbox (the local
//! policy intersected with what Microsoft 365 allows).

mod oauth;

use std::sync::Arc;

use crate::accounts::{Account, Mode};
use crate::auth::{Identity, Tokens, login};
use crate::config::Config;
use crate::graph::GraphClient;
use crate::policy::{Access, Policy, SendMode};

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub ok: bool,
    pub text: String,
}

/// The checks under one heading ("Configuration", "Account alice ...").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub checks: Vec<Check>,
}

/// An account's rights on a shared mailbox, local and effective.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rights {
    pub login: String,
    pub mailbox: String,
    /// What the local policy grants.
    pub local: Option<Access>,
    pub send: Option<SendMode>,
    /// Whether Microsoft 365 let this account's identity open the mailbox
    /// (`None`: not tried, as nothing local grants it).
    pub exchange_reads: Option<bool>,
    /// In words, as doctor prints it.
    pub effective: String,
}

/// Everything the checks found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub sections: Vec<Section>,
    pub failures: usize,
    pub rights: Vec<Rights>,
}

impl Report {
    fn section(&mut self, title: impl Into<String>) {
        self.sections.push(Section {
            title: title.into(),
            checks: Vec::new(),
        });
    }
    fn push(&mut self, ok: bool, text: String) {
        if self.sections.is_empty() {
            self.section("Checks");
        }
        if let Some(s) = self.sections.last_mut() {
            s.checks.push(Check { ok, text });
        }
    }
    fn ok(&mut self, text: impl AsRef<str>) {
        self.push(true, text.as_ref().to_string());
    }
    fn fail(&mut self, text: impl AsRef<str>) {
        self.failures += 1;
        self.push(false, text.as_ref().to_string());
    }

    /// The report as `graphgate doctor` prints it.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for s in &self.sections {
            out.push_str(&s.title);
            out.push('\n');
            for c in &s.checks {
                out.push_str(if c.ok { "  ok    " } else { "  FAIL  " });
                out.push_str(&c.text);
                out.push('\n');
            }
        }
        out.push('\n');
        if self.failures == 0 {
            out.push_str("Everything checked works.\n");
        } else {
            out.push_str(&format!("{} problem(s) found.\n", self.failures));
        }
        out
    }
}

/// What the checks use: the gateway's own parts (the console passes the
/// running ones; `graphgate doctor` builds them from the configuration).
pub struct Parts<'a> {
    pub config: &'a Config,
    pub store: crate::store::Store,
    pub tokens: Arc<Tokens>,
    pub graph: GraphClient,
    pub policy: Policy,
}

/// Run every check.
pub async fn run(parts: Parts<'_>) -> Report {
    let Parts {
        config,
        store,
        tokens,
        graph,
        policy,
    } = parts;
    let mut r = Report::default();
    r.section("Configuration");
    let endpoints = match config.microsoft.endpoints() {
        Ok(e) => e,
        Err(p) => {
            r.fail(p.to_string());
            return r;
        }
    };
    r.ok(format!(
        "cloud {:?}: sign-in at {}, Graph at {}",
        config.microsoft.cloud, endpoints.login, endpoints.graph
    ));
    r.ok(format!(
        "app registration {} in tenant {}",
        tokens.oauth().client_id,
        config.microsoft.tenant
    ));
    let accounts = match crate::accounts::Accounts::new(
        store.clone(),
        crate::accounts::LoginLimits::from(&config.accounts),
    )
    .list()
    .await
    {
        Ok(list) => list,
        Err(e) => {
            r.fail(format!("cannot read the accounts: {e}"));
            return r;
        }
    };

    r.section("App-only access (client credentials)");
    let app_roles = if tokens.oauth().has_app_credential() {
        match tokens.provider(&Identity::App).access_token().await {
            Ok(t) => {
                let roles = login::token_permissions(t.bearer());
                r.ok(format!("token endpoint answered; roles: {}", list(&roles)));
                for need in ["Mail.ReadWrite", "Mail.Send"] {
                    if !has(&roles, need) {
                        r.fail(format!(
                            "application permission {need} missing: add it to the app registration and grant admin consent ({})",
                            tokens.oauth().admin_consent_url()
                        ));
                    }
                }
                Some(roles)
            }
            Err(e) => {
                r.fail(e.to_string());
                None
            }
        }
    } else {
        r.ok("no client secret or certificate configured: app-only accounts are not possible");
        None
    };

    oauth::check(&mut r, config, &tokens, &store).await;

    for account in &accounts {
        r.section(format!(
            "Account {} ({}, mailbox {})",
            account.login, account.mode, account.microsoft_user
        ));
        let who = Who {
            tokens: &tokens,
            graph: &graph,
            app_roles: app_roles.as_deref(),
        };
        check_account(&mut r, &policy, &who, account).await;
    }
    if accounts.is_empty() {
        r.section("Accounts");
        r.fail("there are no accounts: add one with `graphgate user add LOGIN`");
    }
    r
}

/// The parts every account's checks use.
struct Who<'a> {
    tokens: &'a Arc<Tokens>,
    graph: &'a GraphClient,
    app_roles: Option<&'a [String]>,
}

fn has(perms: &[String], name: &str) -> bool {
    perms.iter().any(|p| p.eq_ignore_ascii_case(name))
}

fn list(perms: &[String]) -> String {
    if perms.is_empty() {
        "none".into()
    } else {
        perms.join(" ")
    }
}

async fn check_account(r: &mut Report, policy: &Policy, who: &Who<'_>, account: &Account) {
    let (tokens, graph, app_roles) = (who.tokens, who.graph, who.app_roles);
    let delegated = account.mode == Mode::Delegated;
    if !delegated && app_roles.is_none() {
        r.fail("app-only, but the app has no working credentials (see above)");
        return;
    }
    let provider = tokens.provider(&Identity::of(account));
    let token = match provider.access_token().await {
        Ok(t) => t,
        Err(e) => {
            r.fail(e.to_string());
            return;
        }
    };
    let perms = login::token_permissions(token.bearer());
    if delegated {
        r.ok(format!("signed in; scopes: {}", list(&perms)));
        for need in ["Mail.ReadWrite", "Mail.Send"] {
            if !has(&perms, need) {
                r.fail(format!(
                    "{need} missing: {} cannot {}; grant it to the app and run `graphgate login {}`",
                    account.login,
                    if need == "Mail.Send" { "send mail" } else { "read and change mail" },
                    account.login
                ));
            }
        }
    }
    let own = graph.mailbox(provider.clone(), &account.microsoft_user, delegated);
    match own.folder("inbox").await {
        Ok(_) => r.ok(format!("reads its mailbox {}", account.microsoft_user)),
        Err(e) => r.fail(format!("cannot open {}: {e}", account.microsoft_user)),
    }
    let login = account.login.as_str();
    let own = account.microsoft_user.to_ascii_lowercase();
    for shared in policy.shared_mailboxes() {
        let address = shared.address.to_ascii_lowercase();
        // The local side, as policy decides it (groups, read-only users).
        let local = policy
            .open(login, &own, &address, Access::Read)
            .ok()
            .map(|g| g.access());
        let send = policy.send(login, &own, &address).ok().map(|g| g.mode());
        if local.is_none() && send.is_none() {
            continue;
        }
        let writes = local == Some(Access::ReadWrite);
        if delegated {
            let read_scope = if writes {
                "Mail.ReadWrite.Shared"
            } else {
                "Mail.Read.Shared"
            };
            if local.is_some() && !has(&perms, read_scope) && !has(&perms, "Mail.ReadWrite.Shared")
            {
                r.fail(format!(
                    "{read_scope} missing: {login} cannot open {address}"
                ));
            }
            match send {
                Some(SendMode::As) if !has(&perms, "Mail.Send.Shared") => r.fail(format!(
                    "Mail.Send.Shared missing: {login} cannot send as {address}"
                )),
                Some(SendMode::OnBehalf) if !has(&perms, "Mail.Send.Shared") => r.fail(format!(
                    "Mail.Send.Shared missing: {login} cannot send on behalf of {address}"
                )),
                _ => {}
            }
        }
        // Microsoft's side: can this identity open it?
        let exchange_reads = if local.is_some() {
            let mb = graph.mailbox(provider.clone(), &address, false);
            match mb.folder("inbox").await {
                Ok(_) => {
                    r.ok(format!("reads shared mailbox {address}"));
                    true
                }
                Err(e) if e.is_access_denied() || e.is_not_found() => {
                    r.fail(format!(
                        "Microsoft 365 does not let {} open {address} ({e}): give FullAccess in Exchange",
                        account.microsoft_user
                    ));
                    false
                }
                Err(e) => {
                    r.fail(format!("cannot open {address}: {e}"));
                    false
                }
            }
        } else {
            false
        };
        let mut rights = Vec::new();
        match (local, exchange_reads) {
            (Some(Access::ReadWrite), true) => rights.push("read and change"),
            (Some(Access::Read), true) => rights.push("read only"),
            _ => {}
        }
        match send {
            Some(SendMode::As) => rights.push("send as (if Exchange grants SendAs)"),
            Some(SendMode::OnBehalf) => {
                rights.push("send on behalf (if Exchange grants SendOnBehalf)")
            }
            _ => {}
        }
        let rights = if rights.is_empty() {
            "nothing".to_string()
        } else {
            rights.join(", ")
        };
        r.ok(format!(
            "effective rights on {address} (local policy and Microsoft 365): {rights}"
        ));
        r.rights.push(Rights {
            login: login.to_string(),
            mailbox: address.clone(),
            local,
            send,
            exchange_reads: local.map(|_| exchange_reads),
            effective: rights,
        });
    }
}
