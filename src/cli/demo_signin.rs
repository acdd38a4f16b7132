//! The demo's users, ready to log in: local accounts alice, bob and carol
//! with the gateway password `graphgate-demo`, each signed in to the
//! emulated tenant through its device-code pages, by the same form posts a
//! person's browser would send. Only the demo does this (it knows the
//! demo's Microsoft password); a real tenant needs `graphgate login`.

use anyhow::{Context, Result, bail};

use graphgate::accounts::{Accounts, Mode};
use graphgate::auth::{Tokens, login};
use graphgate::secret::Secret;
use graphgate_emulator::seed::{DEMO_DOMAIN, DEMO_SIGNIN_PASSWORD};

pub(super) const DEMO_USERS: [&str; 3] = ["alice", "bob", "carol"];

/// Make the demo accounts that are missing and sign in those that are not
/// signed in; returns the logins signed in now.
pub(super) async fn prepare(
    accounts: &Accounts,
    tokens: &Tokens,
    tenant_url: &str,
    password: &str,
) -> Result<Vec<String>> {
    let mut signed_in = Vec::new();
    let mut pending = Vec::new();
    for user in DEMO_USERS {
        let login = format!("{user}@{DEMO_DOMAIN}");
        let account = match accounts.get(&login).await? {
            Some(a) => a,
            None => {
                let a = accounts.add(&login, &login, Mode::Delegated).await?;
                accounts
                    .set_password(&login, "demo", &Secret::new(password))
                    .await?;
                a
            }
        };
        if tokens.refresh_tokens().get(&login).await?.is_none() {
            pending.push(account);
        }
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let runs = pending.iter().map(|account| {
        let http = http.clone();
        async move {
            let code = login::device_start(tokens).await?;
            approve(&http, tenant_url, &code.user_code, &account.microsoft_user)
                .await
                .with_context(|| format!("signing {} in to the demo tenant", account.login))?;
            login::device_finish(tokens, account, &code).await?;
            Ok::<_, anyhow::Error>(account.login.clone())
        }
    });
    for done in futures::future::join_all(runs).await {
        signed_in.push(done?);
    }
    Ok(signed_in)
}

/// What a person does on the sign-in pages: the code, the user name, the
/// password, "Continue" on the consent page.
async fn approve(http: &reqwest::Client, base: &str, user_code: &str, user: &str) -> Result<()> {
    let page = |path: &str, form: Vec<(&str, String)>| {
        let request = http.post(format!("{base}{path}")).form(&form);
        async move {
            let response = request.send().await?;
            Ok::<_, anyhow::Error>(response.text().await?)
        }
    };
    let html = page("/devicelogin", vec![("otc", user_code.to_string())]).await?;
    let flow = hidden(&html, "flow").context("the code page did not lead to the sign-in page")?;
    let html = page(
        "/login",
        vec![("flow", flow), ("loginfmt", user.to_string())],
    )
    .await?;
    let flow = hidden(&html, "flow").context("no password page")?;
    let html = page(
        "/login",
        vec![("flow", flow), ("passwd", DEMO_SIGNIN_PASSWORD.to_string())],
    )
    .await?;
    let flow = hidden(&html, "flow").context("no consent page")?;
    let done = page(
        "/login/consent",
        vec![("flow", flow), ("accept", "Continue".to_string())],
    )
    .await?;
    if !done.contains("signed in") {
        bail!("the demo tenant did not confirm the sign-in");
    }
    Ok(())
}

/// The value of a hidden form field on the emulator's pages.
fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker)? + marker.len();
    let end = html[at..].find('"')?;
    Some(
        html[at..at + end]
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
}
