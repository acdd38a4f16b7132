//! `graphgate audit`: the newest audit entries (refusals by policy, uses of
//! shared mailboxes, send-as and send-on-behalf), newest first.

use anyhow::Result;
use clap::Args;

use graphgate::config::Config;

#[derive(Debug, Args)]
pub(super) struct AuditArgs {
    /// Only this gateway login's entries
    #[arg(long, value_name = "LOGIN")]
    user: Option<String>,
    /// How many entries
    #[arg(long, value_name = "N", default_value_t = 50)]
    limit: i64,
    /// One JSON object per line instead of a table
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(config: Config, args: &AuditArgs) -> Result<()> {
    let store = graphgate::app::open_store(&config).await?;
    let login = args
        .user
        .as_deref()
        .map(graphgate::accounts::normalise_login);
    let rows = store
        .audit_recent(args.limit.clamp(1, 100_000), login.as_deref())
        .await?;
    if rows.is_empty() {
        println!("no audit entries yet");
        return Ok(());
    }
    for row in rows {
        if args.json {
            println!("{}", serde_json::to_string(&row)?);
            continue;
        }
        let at = chrono::DateTime::from_timestamp(row.at, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        println!(
            "{at}  {:<8} {:<24} {:<15} {:<28} {}",
            row.outcome, row.login, row.action, row.mailbox, row.detail
        );
    }
    Ok(())
}
