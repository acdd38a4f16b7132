//! `graphgate user …`: create, list and remove local accounts and their
//! gateway passwords in the configured store. A new password is printed
//! once, with a reminder that it is a gateway password, not a Microsoft one.

use std::io::Write;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};

use graphgate::accounts::{Account, Accounts, Mode, PasswordInfo};
use graphgate::config::Config;
use graphgate::secret::Secret;

#[derive(Debug, Subcommand)]
pub(super) enum UserCommand {
    /// Create an account and its first gateway password
    Add(AddArgs),
    /// List the accounts, their Microsoft 365 users and active passwords
    List,
    /// Remove an account, all its gateway passwords and its Microsoft 365
    /// sign-in; its open IMAP and SMTP sessions end at their next command
    Remove {
        /// The account's login name
        login: String,
    },
    /// Add, revoke and list an account's gateway passwords
    #[command(subcommand)]
    Password(PasswordCommand),
}

#[derive(Debug, Args)]
pub(super) struct AddArgs {
    /// The name clients log in with, usually the email address
    login: String,
    /// The Microsoft 365 user (UPN) whose mailbox the account uses [default: LOGIN]
    #[arg(long, value_name = "UPN")]
    microsoft_user: Option<String>,
    /// Reach the mailbox with the app registration's own token (client
    /// credentials) instead of the user's sign-in
    #[arg(long)]
    app_only: bool,
    /// Label of the first password, e.g. the device that will use it
    #[arg(long, value_name = "LABEL", default_value = "default")]
    label: String,
}

#[derive(Debug, Subcommand)]
pub(super) enum PasswordCommand {
    /// Generate another gateway password for an account (shown once)
    Add {
        /// The account's login name
        login: String,
        /// What the password is for, e.g. "scanner" or "thunderbird"
        #[arg(long, value_name = "LABEL")]
        label: String,
    },
    /// Revoke a gateway password: clients using it can no longer log in,
    /// and their open sessions end at their next command
    Revoke {
        /// The account's login name
        login: String,
        /// The password's label or id (see `graphgate user password list`)
        #[arg(value_name = "LABEL|ID")]
        label_or_id: String,
    },
    /// List an account's gateway passwords, revoked ones too
    List {
        /// The account's login name
        login: String,
    },
}

/// Run a `user` command against the store `config` names.
pub(super) async fn run(config: Config, command: &UserCommand) -> Result<()> {
    let store = graphgate::app::open_store(&config).await?;
    let accounts = graphgate::app::accounts(&config, store);
    let mut out = std::io::stdout().lock();
    match command {
        UserCommand::Add(args) => add(&accounts, args, &mut out).await,
        UserCommand::List => list(&accounts, &mut out).await,
        UserCommand::Remove { login } => {
            let count = accounts.passwords(login).await?.len();
            if !accounts.remove(login).await? {
                bail!("no account {}", login.to_lowercase());
            }
            writeln!(
                out,
                "Removed {} and its {}.",
                login.to_lowercase(),
                plural(count, "gateway password")
            )?;
            Ok(())
        }
        UserCommand::Password(PasswordCommand::Add { login, label }) => {
            let (info, password) = accounts.add_password(login, label).await?;
            show_password(&mut out, &login.to_lowercase(), &info, &password)
        }
        UserCommand::Password(PasswordCommand::Revoke { login, label_or_id }) => {
            let login = login.to_lowercase();
            if !accounts.revoke_password(&login, label_or_id).await? {
                bail!(
                    "account {login} has no active password with the label or id {label_or_id:?} \
                     (see `graphgate user password list {login}`)"
                );
            }
            writeln!(
                out,
                "Revoked the password {label_or_id:?} of {login}: clients using it can no longer log in, and their open sessions end at their next command."
            )?;
            Ok(())
        }
        UserCommand::Password(PasswordCommand::List { login }) => {
            let passwords = accounts.passwords(login).await?;
            password_table(&mut out, &login.to_lowercase(), &passwords)
        }
    }
}

async fn add(accounts: &Accounts, args: &AddArgs, out: &mut impl Write) -> Result<()> {
    let mode = if args.app_only {
        Mode::AppOnly
    } else {
        Mode::Delegated
    };
    let microsoft_user = args.microsoft_user.as_deref().unwrap_or(&args.login);
    // Check the label before creating anything, so a bad one leaves no
    // account without a password behind.
    graphgate::accounts::check_label(&args.label)?;
    let account = accounts.add(&args.login, microsoft_user, mode).await?;
    let (info, password) = match accounts.add_password(&account.login, &args.label).await {
        Ok(made) => made,
        Err(e) => {
            // Leave nothing half made: the command can simply be run again.
            let _ = accounts.remove(&account.login).await;
            return Err(anyhow::Error::new(e).context(format!(
                "cannot make a password for {}, so the account was not added",
                account.login
            )));
        }
    };
    writeln!(
        out,
        "Added {} (Microsoft 365 user {}, {}).",
        account.login, account.microsoft_user, account.mode
    )?;
    show_password(out, &account.login, &info, &password)?;
    next_step(out, &account)
}

/// The password, once, with what it is and is not.
fn show_password(
    out: &mut impl Write,
    login: &str,
    info: &PasswordInfo,
    password: &Secret,
) -> Result<()> {
    writeln!(
        out,
        "\nGateway password {:?} (id {}) for {login}:\n\n    {}\n\n\
         This password is shown only now: graphgate keeps just a hash of it. It is a\n\
         gateway password for IMAP and SMTP clients, not the Microsoft 365 password;\n\
         put it in the mail client or scanner instead of the Microsoft password.",
        info.label,
        info.id,
        password.expose()
    )?;
    Ok(())
}

fn next_step(out: &mut impl Write, account: &Account) -> Result<()> {
    match account.mode {
        Mode::Delegated => writeln!(
            out,
            "\nNext, sign {} in to Microsoft 365 (once) so graphgate can reach the mailbox:\n\n    \
             graphgate login {}",
            account.microsoft_user, account.login
        )?,
        Mode::AppOnly => writeln!(
            out,
            "\ngraphgate reaches the mailbox of {} with the app registration's own token:\n\
             the app needs the application permissions Mail.ReadWrite and Mail.Send, and\n\
             access to that mailbox.",
            account.microsoft_user
        )?,
    }
    Ok(())
}

async fn list(accounts: &Accounts, out: &mut impl Write) -> Result<()> {
    let all = accounts.list().await?;
    if all.is_empty() {
        writeln!(
            out,
            "No accounts yet; add one with `graphgate user add LOGIN`."
        )?;
        return Ok(());
    }
    let mut rows = vec![[
        "LOGIN".to_string(),
        "MICROSOFT USER".to_string(),
        "MODE".to_string(),
        "ACTIVE PASSWORDS".to_string(),
    ]];
    for account in &all {
        let passwords = accounts.passwords(&account.login).await?;
        let active: Vec<String> = passwords
            .iter()
            .filter(|p| p.is_active())
            .map(|p| format!("{} ({})", p.label, last_use(p.last_used_at)))
            .collect();
        rows.push([
            account.login.clone(),
            account.microsoft_user.clone(),
            account.mode.to_string(),
            if active.is_empty() {
                "none".to_string()
            } else {
                active.join(", ")
            },
        ]);
    }
    table(out, &rows)
}

fn password_table(out: &mut impl Write, login: &str, passwords: &[PasswordInfo]) -> Result<()> {
    if passwords.is_empty() {
        writeln!(
            out,
            "{login} has no gateway passwords; add one with \
             `graphgate user password add {login} --label LABEL`."
        )?;
        return Ok(());
    }
    let mut rows = vec![[
        "ID".to_string(),
        "LABEL".to_string(),
        "CREATED".to_string(),
        "LAST USED".to_string(),
        "STATE".to_string(),
    ]];
    for p in passwords {
        rows.push([
            p.id.clone(),
            p.label.clone(),
            time(p.created_at),
            p.last_used_at.map(time).unwrap_or_else(|| "never".into()),
            match p.revoked_at {
                None => "active".to_string(),
                Some(at) => format!("revoked {}", time(at)),
            },
        ]);
    }
    table(out, &rows)
}

/// Rows in columns as wide as their widest cell, the last one unpadded.
fn table<const N: usize>(out: &mut impl Write, rows: &[[String; N]]) -> Result<()> {
    let mut widths = [0usize; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn last_use(at: Option<i64>) -> String {
    match at {
        Some(at) => format!("last used {}", time(at)),
        None => "never used".to_string(),
    }
}

/// Unix seconds as `2025-06-01 14:03 UTC`.
fn time(secs: i64) -> String {
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        None => secs.to_string(),
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_line_up() {
        let rows = [
            ["A".to_string(), "BB".to_string(), "C".to_string()],
            ["long".to_string(), "x".to_string(), "last cell".to_string()],
        ];
        let mut out = Vec::new();
        table(&mut out, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "A     BB  C\nlong  x   last cell\n"
        );
    }

    #[test]
    fn times_are_shown_in_utc() {
        assert_eq!(time(0), "1970-01-01 00:00 UTC");
        assert_eq!(time(1_750_000_000), "2025-06-15 15:06 UTC");
        assert_eq!(last_use(None), "never used");
    }
}
