//! Starting the gateway's four listeners from a `Config`, with the TLS
//! certificate it names or a self-signed one, and `graphgate serve`, which
//! runs them until SIGTERM or Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use super::shut_down;
use graphgate::accounts::Accounts;
use graphgate::auth::{Oauth, RefreshTokens, TokenKey, Tokens};
use graphgate::config::Config;
use graphgate::graph::{GraphClient, GraphSettings};
use graphgate::imap::{GatewayBackend, ImapProtocol, ImapSettings};
use graphgate::mailbox::MailService;
use graphgate::mailbox::cache::MimeCache;
use graphgate::server::{Gateway, ListenSpec, Protocol, Signals};
use graphgate::smtp::{GatewaySubmitter, SmtpProtocol, SmtpSettings};
use graphgate::tls::{self, CertPaths};

/// The gateway's listeners, running.
pub(super) struct RunningGateway {
    pub gateway: Gateway,
    pub addrs: ListenAddrs,
    pub cert: CertPaths,
    pub tokens: Arc<Tokens>,
    pub accounts: Arc<Accounts>,
    pub mail: Arc<MailService>,
}

/// Bound addresses; `None` for a listener that is off.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct ListenAddrs {
    pub imap: Option<SocketAddr>,
    pub imaps: Option<SocketAddr>,
    pub smtp: Option<SocketAddr>,
    pub smtps: Option<SocketAddr>,
}

/// Whether the addresses may also have come from command-line flags (demo),
/// so errors name both ways of setting them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    ConfigFile,
    FlagsOrConfig,
}

/// Bind every listener that is on.
pub(super) async fn start(config: &Config, source: Source) -> Result<RunningGateway> {
    let cert = certificate(config)?;
    let acceptor = tls::acceptor(&cert).context(if config.tls.cert.is_some() {
        "the certificate set by config keys tls.cert and tls.key cannot be used"
    } else {
        "the self-signed certificate cannot be used; delete it to have a new one made"
    })?;
    let mut gateway = Gateway::new(
        config.server.max_connections,
        Duration::from_secs(config.server.shutdown_grace_s),
        Some(acceptor),
    );
    let parts = assemble(config).await?;
    let imap = Arc::new(ImapProtocol::new(
        ImapSettings::from(&config.imap),
        GatewayBackend {
            accounts: parts.accounts.clone(),
            mail: parts.mail.clone(),
        },
    ));
    let smtp = Arc::new(SmtpProtocol::new(
        SmtpSettings::from_section(&config.smtp).map_err(|e| anyhow::anyhow!(e))?,
        GatewaySubmitter {
            accounts: parts.accounts.clone(),
            mail: parts.mail.clone(),
            host: "graphgate.invalid".into(),
        },
    ));
    let listen = &mut ListenOn {
        gateway: &mut gateway,
        source,
    };
    let addrs = ListenAddrs {
        imap: listen
            .on(config.imap.listen, "imap.listen", "--imap", false, &imap)
            .await?,
        imaps: listen
            .on(
                config.imap.listen_tls,
                "imap.listen_tls",
                "--imaps",
                true,
                &imap,
            )
            .await?,
        smtp: listen
            .on(config.smtp.listen, "smtp.listen", "--smtp", false, &smtp)
            .await?,
        smtps: listen
            .on(
                config.smtp.listen_tls,
                "smtp.listen_tls",
                "--smtps",
                true,
                &smtp,
            )
            .await?,
    };
    Ok(RunningGateway {
        gateway,
        addrs,
        cert,
        tokens: parts.tokens,
        accounts: parts.accounts,
        mail: parts.mail,
    })
}

/// What the listeners serve: accounts, tokens and the mail service.
pub(super) struct Parts {
    pub accounts: Arc<Accounts>,
    pub tokens: Arc<Tokens>,
    pub mail: Arc<MailService>,
}

/// Open the store and build the layers under the protocol fronts.
pub(super) async fn assemble(config: &Config) -> Result<Parts> {
    let store = config.open_store().await.with_context(|| {
        format!(
            "cannot open graphgate's store at {} (config key `store.url`, or the data directory)",
            graphgate::store::redact(&config.store_url())
        )
    })?;
    let accounts = Arc::new(Accounts::new(store.clone(), config.accounts.limits()));
    let tokens = Arc::new(tokens(config, store.clone())?);
    let endpoints = config
        .microsoft
        .endpoints()
        .map_err(|p| anyhow::anyhow!("config key `{}`: {}", p.key, p.problem))?;
    let graph = GraphClient::new(GraphSettings::new(endpoints.graph))
        .map_err(|e| anyhow::anyhow!("cannot set up the Graph client: {e}"))?;
    let cache = if config.mail.cache_max_mb == 0 {
        None
    } else {
        let dir = config.server.data_dir.join("cache");
        Some(
            MimeCache::open(&dir, config.mail.cache_max_mb * 1024 * 1024)
                .with_context(|| format!("cannot open the message cache in {}", dir.display()))?,
        )
    };
    let policy = Arc::new(parking_lot::RwLock::new(
        config.policy().map_err(|e| anyhow::anyhow!(e))?,
    ));
    let audit = graphgate::audit::Audit::new(store.clone(), Some(&config.server.data_dir));
    let mail = MailService::new(
        graph,
        store,
        cache,
        policy,
        tokens.clone(),
        config.mail.settings(config.imap.max_literal_bytes as usize),
        audit,
    );
    Ok(Parts {
        accounts,
        tokens,
        mail,
    })
}

/// The token registry of `[microsoft]`, with the sealed cache in `store`.
pub(super) fn tokens(config: &Config, store: graphgate::store::Store) -> Result<Tokens> {
    let oauth = Oauth::from_config(&config.microsoft).map_err(|e| anyhow::anyhow!("{e}"))?;
    let key = TokenKey::load(&config.server.data_dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Tokens::new(
        oauth,
        RefreshTokens::new(store, key),
        !config.shared_mailbox.is_empty(),
    ))
}

struct ListenOn<'g> {
    gateway: &'g mut Gateway,
    source: Source,
}

impl ListenOn<'_> {
    async fn on<P: Protocol>(
        &mut self,
        addr: Option<SocketAddr>,
        key: &str,
        flag: &str,
        implicit_tls: bool,
        protocol: &Arc<P>,
    ) -> Result<Option<SocketAddr>> {
        let Some(addr) = addr else { return Ok(None) };
        let setting = match self.source {
            Source::ConfigFile => format!("config key `{key}`"),
            Source::FlagsOrConfig => format!("{flag} or config key `{key}`"),
        };
        let spec = ListenSpec {
            addr,
            implicit_tls,
            setting,
        };
        Ok(Some(self.gateway.listen(spec, protocol.clone()).await?))
    }
}

/// The configured certificate, or the self-signed one in
/// `<data_dir>/certs/` (made on first use).
fn certificate(config: &Config) -> Result<CertPaths> {
    if let (Some(cert), Some(key)) = (&config.tls.cert, &config.tls.key) {
        return Ok(CertPaths {
            cert: cert.clone(),
            key: key.clone(),
        });
    }
    let dir = config.server.cert_dir();
    let (paths, made) = tls::ensure_self_signed(&dir).with_context(|| {
        format!(
            "tls.cert and tls.key are empty, so graphgate keeps a self-signed certificate in {}",
            dir.display()
        )
    })?;
    if made {
        tracing::info!(cert = %paths.cert.display(), "made a self-signed certificate for localhost");
    }
    Ok(paths)
}

/// `graphgate serve`.
pub(super) async fn serve(config: Config, reload: impl Fn() -> Result<Config>) -> Result<()> {
    let mut signals = Signals::register().context("cannot watch for SIGTERM and Ctrl-C")?;
    let any_on = [
        config.imap.listen,
        config.imap.listen_tls,
        config.smtp.listen,
        config.smtp.listen_tls,
    ]
    .iter()
    .any(Option::is_some);
    if !any_on {
        anyhow::bail!(
            "every listener is off (imap.listen, imap.listen_tls, smtp.listen and smtp.listen_tls are \"\"): \
             set at least one address"
        );
    }
    if config.microsoft.tenant.is_empty() || config.microsoft.client_id.is_empty() {
        tracing::warn!(
            "microsoft.tenant or microsoft.client_id is empty: Microsoft 365 sign-ins will fail until both are set"
        );
    }
    let running = start(&config, Source::ConfigFile).await?;
    let pid_file = config.server.data_dir.join(PID_FILE);
    if let Err(e) = std::fs::write(&pid_file, std::process::id().to_string()) {
        tracing::warn!(error = %e, "cannot write the pid file (`graphgate policy reload` needs it)");
    }
    let a = running.addrs;
    tracing::info!(
        imap = ?a.imap, imaps = ?a.imaps, smtp = ?a.smtp, smtps = ?a.smtps,
        cert = %running.cert.cert.display(),
        "graphgate is ready"
    );
    let mut hangups = Hangups::register()?;
    loop {
        tokio::select! {
            signal = signals.recv() => {
                tracing::info!(signal, "shutting down");
                break;
            }
            () = hangups.recv() => match reload().and_then(|c| {
                let n = c.shared_mailbox.len();
                c.policy().map(|p| (p, n)).map_err(|e| anyhow::anyhow!(e))
            }) {
                Ok((policy, n)) => {
                    running.mail.set_policy(policy);
                    tracing::info!(shared_mailboxes = n, "policy reloaded; withdrawn grants end at each session's next command");
                }
                Err(e) => tracing::error!(error = %format!("{e:#}"), "policy not reloaded: the configuration has an error; the old policy stays"),
            },
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

/// The running server's process id, for `graphgate policy reload`.
pub(super) const PID_FILE: &str = "graphgate.pid";

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
