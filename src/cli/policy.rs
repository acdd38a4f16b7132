//! `graphgate policy show` (who may use which shared mailbox, as the
//! configuration says) and `graphgate policy reload` (tell the running
//! server to read it again: SIGHUP to the pid in the data directory).

use anyhow::Result;
use clap::Subcommand;

use super::pidfile::{self, PID_FILE};
use graphgate::config::Config;

#[derive(Debug, Subcommand)]
pub(super) enum PolicyCommand {
    /// Print each shared mailbox and who may read, change, send as and on behalf of it
    Show,
    /// Make the running `graphgate serve` reload the policy from its configuration
    Reload,
}

pub(super) fn run(config: Config, command: &PolicyCommand) -> Result<()> {
    match command {
        PolicyCommand::Show => {
            if config.shared_mailbox.is_empty() {
                println!(
                    "no shared mailboxes are configured: every user reaches only their own mailbox"
                );
            }
            let list = |l: &[String]| {
                if l.is_empty() {
                    "nobody".to_string()
                } else {
                    l.join(", ")
                }
            };
            for s in &config.shared_mailbox {
                println!("{}", s.address);
                println!("  read only       {}", list(&s.readers));
                println!("  read and change {}", list(&s.writers));
                println!("  send as         {}", list(&s.send_as));
                println!("  send on behalf  {}", list(&s.send_on_behalf));
            }
            Ok(())
        }
        PolicyCommand::Reload => {
            let path = config.server.data_dir.join(PID_FILE);
            let pid = pidfile::running_server(&path)?;
            pidfile::hang_up(pid)?;
            println!(
                "asked graphgate serve (pid {pid}) to reload the policy; its log says whether it did"
            );
            Ok(())
        }
    }
}
