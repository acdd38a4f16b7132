//! `graphgate doctor`: what will work and what will not, and why. It checks
//! the configuration, reaches the token endpoint, reads each token's scopes
//! or roles, and tries each account's mailbox and each shared mailbox it is
//! granted, printing one line per check with the fix when one fails.

use std::sync::Arc;

use anyhow::Result;

use graphgate::accounts::{Account, Mode};
use graphgate::auth::{Identity, Tokens, login};
use graphgate::config::Config;
use graphgate::graph::GraphClient;
use graphgate::policy::Policy;

struct Report {
    failures: usize,
}

impl Report {
    fn ok(&mut self, text: impl AsRef<str>) {
        println!("  ok    {}", text.as_ref());
    }
    fn fail(&mut self, text: impl AsRef<str>) {
        self.failures += 1;
        println!("  FAIL  {}", text.as_ref());
    }
}

/// Exit status: 0 when everything checked works, 1 otherwise.
pub(super) async fn run(config: Config) -> Result<bool> {
    let mut r = Report { failures: 0 };
    println!("Configuration");
    let endpoints = match config.microsoft.endpoints() {
        Ok(e) => e,
        Err(p) => {
            r.fail(p.to_string());
            return Ok(false);
        }
    };
    r.ok(format!(
        "cloud {:?}: sign-in at {}, Graph at {}",
        config.microsoft.cloud, endpoints.login, endpoints.graph
    ));
    let store = graphgate::app::open_store(&config).await?;
    let tokens = match graphgate::app::tokens(&config, store.clone()) {
        Ok(t) => Arc::new(t),
        Err(e) => {
            r.fail(format!("{e:#}"));
            return Ok(false);
        }
    };
    r.ok(format!(
        "app registration {} in tenant {}",
        tokens.oauth().client_id,
        config.microsoft.tenant
    ));
    let graph = graphgate::app::graph_client(&config)?;
    let accounts = graphgate::app::accounts(&config, store).list().await?;

    println!("App-only access (client credentials)");
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

    for account in &accounts {
        println!(
            "Account {} ({}, mailbox {})",
            account.login, account.mode, account.microsoft_user
        );
        check_account(
            &mut r,
            &config,
            &tokens,
            &graph,
            account,
            app_roles.as_deref(),
        )
        .await;
    }
    if accounts.is_empty() {
        println!("Accounts");
        r.fail("there are no accounts: add one with `graphgate user add LOGIN`");
    }
    println!();
    if r.failures == 0 {
        println!("Everything checked works.");
    } else {
        println!("{} problem(s) found.", r.failures);
    }
    Ok(r.failures == 0)
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

async fn check_account(
    r: &mut Report,
    config: &Config,
    tokens: &Arc<Tokens>,
    graph: &GraphClient,
    account: &Account,
    app_roles: Option<&[String]>,
) {
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
    let policy = match Policy::from_config(config) {
        Ok(p) => p,
        Err(e) => {
            r.fail(e.to_string());
            return;
        }
    };
    let login = account.login.as_str();
    let own = account.microsoft_user.to_ascii_lowercase();
    for shared in &config.shared_mailbox {
        let address = shared.address.to_ascii_lowercase();
        // The local side, as policy decides it (groups, read-only users).
        let local = policy
            .open(login, &own, &address, graphgate::policy::Access::Read)
            .ok()
            .map(|g| g.access());
        let send = policy.send(login, &own, &address).ok().map(|g| g.mode());
        if local.is_none() && send.is_none() {
            continue;
        }
        let writes = local == Some(graphgate::policy::Access::ReadWrite);
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
                Some(graphgate::policy::SendMode::As) if !has(&perms, "Mail.Send.Shared") => r
                    .fail(format!(
                        "Mail.Send.Shared missing: {login} cannot send as {address}"
                    )),
                Some(graphgate::policy::SendMode::OnBehalf) if !has(&perms, "Mail.Send.Shared") => {
                    r.fail(format!(
                        "Mail.Send.Shared missing: {login} cannot send on behalf of {address}"
                    ))
                }
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
            (Some(graphgate::policy::Access::ReadWrite), true) => rights.push("read and change"),
            (Some(graphgate::policy::Access::Read), true) => rights.push("read only"),
            _ => {}
        }
        match send {
            Some(graphgate::policy::SendMode::As) => {
                rights.push("send as (if Exchange grants SendAs)")
            }
            Some(graphgate::policy::SendMode::OnBehalf) => {
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
    }
}
