//! `graphgate login USER`: sign a delegated account in to Microsoft 365,
//! with the device code flow (default: works on a server without a browser)
//! or, with `--browser`, the authorization code flow with PKCE and a
//! loopback redirect.

use std::io::Write as _;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::Args;

use graphgate::accounts::Mode;
use graphgate::auth::login;
use graphgate::config::Config;

#[derive(Debug, Args)]
pub(super) struct LoginArgs {
    /// The gateway login to sign in (see `graphgate user list`)
    user: String,
    /// Sign in with a browser on this machine instead of a device code
    #[arg(long)]
    browser: bool,
    /// Give up after this many seconds [default: 900]
    #[arg(long, value_name = "S", default_value_t = 900)]
    timeout_s: u64,
}

pub(super) async fn run(config: Config, args: &LoginArgs) -> Result<()> {
    let store = graphgate::app::open_store(&config).await?;
    let accounts = graphgate::app::accounts(&config, store.clone());
    let Some(account) = accounts.get(&args.user).await? else {
        bail!(
            "there is no account {}: add it with `graphgate user add {}`",
            args.user,
            args.user
        );
    };
    if account.mode == Mode::AppOnly {
        bail!(
            "{} is app-only: it uses the app's own credentials and needs no sign-in (`graphgate doctor` checks them)",
            account.login
        );
    }
    let tokens = graphgate::app::tokens(&config, store)?;
    let mut out = std::io::stdout().lock();
    let who = if args.browser {
        let sign_in = login::browser_start(&tokens, &account).await?;
        writeln!(
            out,
            "Open this address in a browser on this machine and sign in as {}:\n\n  {}\n",
            account.microsoft_user, sign_in.url
        )?;
        out.flush()?;
        drop(out);
        sign_in
            .finish(&tokens, &account, Duration::from_secs(args.timeout_s))
            .await?
    } else {
        let code = login::device_start(&tokens).await?;
        writeln!(
            out,
            "To sign {} in, open {} and enter the code {}",
            account.microsoft_user, code.verification_uri, code.user_code
        )?;
        if let Some(qr) = login::qr_text(&code.verification_uri) {
            writeln!(out, "(or scan this with a phone)\n{qr}")?;
        }
        out.flush()?;
        drop(out);
        let spinner = indicatif::ProgressBar::new_spinner();
        spinner.set_message("waiting for the sign-in…");
        spinner.enable_steady_tick(Duration::from_millis(200));
        let result = login::device_finish(&tokens, &account, &code).await;
        spinner.finish_and_clear();
        result?
    };
    println!(
        "Signed in as {who}. graphgate keeps the sign-in, encrypted, and renews it; {} can now log in to graphgate.",
        account.login
    );
    Ok(())
}
