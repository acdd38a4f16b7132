//! `graphgate admin …`: the admin console's administrators. A new one gets
//! a generated password, shown once.

use std::io::Write;

use anyhow::{Result, bail};
use clap::Subcommand;

use graphgate::admin::Admins;
use graphgate::config::Config;

#[derive(Debug, Subcommand)]
pub(super) enum AdminCommand {
    /// Add an administrator of the web console, with a generated password (shown once)
    Add {
        /// The name to sign in with
        name: String,
    },
    /// List the administrators
    List,
    /// Remove an administrator; their console sign-ins end at once
    Remove {
        /// The administrator's name
        name: String,
    },
}

pub(super) async fn run(config: Config, command: &AdminCommand) -> Result<()> {
    let store = graphgate::app::open_store(&config).await?;
    let admins = Admins::new(store.clone(), graphgate::app::accounts(&config, store));
    let mut out = std::io::stdout().lock();
    match command {
        AdminCommand::Add { name } => {
            let password = admins.add(name).await?;
            let name = name.trim().to_ascii_lowercase();
            writeln!(
                out,
                "Added administrator {name}. Their console password (shown only now):\n\n  {}\n",
                password.expose()
            )?;
            match config.admin.listen {
                Some(addr) => {
                    let https = config.admin.tls == graphgate::config::AdminTls::Always
                        || !addr.ip().is_loopback();
                    let scheme = if https { "https" } else { "http" };
                    writeln!(out, "The console is at {scheme}://{addr}/")?;
                }
                None => writeln!(
                    out,
                    "The console is off: set [admin] listen in the configuration (e.g. \"127.0.0.1:8788\")."
                )?,
            }
        }
        AdminCommand::List => {
            let list = admins.list().await?;
            if list.is_empty() {
                writeln!(
                    out,
                    "no administrators: add one with `graphgate admin add NAME`"
                )?;
            }
            for (name, created) in list {
                let when = chrono::DateTime::from_timestamp(created, 0)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default();
                writeln!(out, "{name}  (added {when})")?;
            }
        }
        AdminCommand::Remove { name } => {
            if !admins.remove(name).await? {
                bail!("no administrator {}", name.trim().to_ascii_lowercase());
            }
            writeln!(
                out,
                "Removed administrator {}.",
                name.trim().to_ascii_lowercase()
            )?;
        }
    }
    Ok(())
}
