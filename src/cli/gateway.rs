//! Starting the gateway (`App::build`, then its listeners) from a `Config`,
//! and `graphgate serve`, which runs it until SIGTERM or Ctrl-C and reloads
//! the policy on SIGHUP, telling systemd each step (`service`).

use anyhow::{Context, Result};
use graphgate::app::{App, ListenAddrs, Listening, Overrides};
use graphgate::config::Config;
use graphgate::policy::Policy;
use graphgate::server::{Gateway, Signals};

use super::pidfile::{self, PID_FILE};
use super::{service, shut_down};

/// The gateway's listeners, running, and the parts demo and serve use.
pub(super) struct RunningGateway {
    pub gateway: Gateway,
    pub addrs: ListenAddrs,
    pub app: App,
}

/// Assemble the gateway and bind every listener that is on; `setting`
/// says how a person sets a listener's address (given its config key).
pub(super) async fn start(
    config: &Config,
    setting: impl Fn(&'static str) -> String,
) -> Result<RunningGateway> {
    let app = App::build(config, Overrides::default()).await?;
    let Listening { gateway, addrs, .. } = app.listen(config, setting).await?;
    Ok(RunningGateway {
        gateway,
        addrs,
        app,
    })
}

/// `graphgate serve`.
pub(super) async fn serve(config: Config, reload: impl Fn() -> Result<Config>) -> Result<()> {
    let mut signals = Signals::register().context("cannot watch for SIGTERM and Ctrl-C")?;
    let any_on = [
        config.imap.listen,
        config.imap.listen_tls,
        config.smtp.listen,
        config.smtp.listen_tls,
        config.pop3.listen,
        config.pop3.listen_tls,
    ]
    .iter()
    .any(Option::is_some);
    if !any_on {
        anyhow::bail!(
            "every listener is off (imap.listen, imap.listen_tls, smtp.listen, smtp.listen_tls, pop3.listen and pop3.listen_tls are \"\"): \
             set at least one address"
        );
    }
    if config.microsoft.tenant.is_empty() || config.microsoft.client_id.is_empty() {
        tracing::warn!(
            "microsoft.tenant or microsoft.client_id is empty: Microsoft 365 sign-ins will fail until both are set"
        );
    }
    let running = start(&config, |key| format!("config key `{key}`")).await?;
    let pid_file = config.server.data_dir.join(PID_FILE);
    if let Err(e) = pidfile::write(&pid_file) {
        tracing::warn!(error = %e, "cannot write the pid file (`graphgate policy reload` needs it)");
    }
    let a = running.addrs;
    tracing::info!(
        imap = ?a.imap, imaps = ?a.imaps, smtp = ?a.smtp, smtps = ?a.smtps,
        cert = %running.app.cert.cert.display(),
        "graphgate is ready"
    );
    let mut hangups = Hangups::register()?;
    service::ready(&a);
    service::start_watchdog();
    loop {
        tokio::select! {
            signal = signals.recv() => {
                tracing::info!(signal, "shutting down");
                service::stopping();
                break;
            }
            () = hangups.recv() => {
                service::reloading();
                match reload().and_then(|c| {
                    let n = c.shared_mailbox.len();
                    Policy::from_config(&c).map(|p| (p, n)).map_err(anyhow::Error::from)
                }) {
                    Ok((policy, n)) => {
                        running.app.mail.set_policy(policy);
                        tracing::info!(shared_mailboxes = n, "policy reloaded; withdrawn grants end at each session's next command");
                    }
                    Err(e) => tracing::error!(error = %format!("{e:#}"), "policy not reloaded: the configuration has an error; the old policy stays"),
                }
                // Ready again either way: a refused file leaves the old
                // policy serving.
                service::ready(&a);
            }
        }
    }
    shut_down(&mut signals, async {
        running.gateway.shutdown().await;
    })
    .await;
    let _ = std::fs::remove_file(&pid_file);
    tracing::info!("graphgate stopped");
    Ok(())
}

/// SIGHUP: reload the policy.
struct Hangups {
    #[cfg(unix)]
    signal: tokio::signal::unix::Signal,
}

impl Hangups {
    fn register() -> Result<Hangups> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Hangups {
                signal: signal(SignalKind::hangup()).context("cannot watch for SIGHUP")?,
            })
        }
        #[cfg(not(unix))]
        Ok(Hangups {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        {
            self.signal.recv().await;
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    }
}
