//! The gateway wired in one place: from a `Config`, the store, local
//! accounts, the token registry, the Graph client, the mail service and the
//! IMAP and SMTP fronts over it, and then the listeners the configuration
//! turns on. `graphgate serve` and `demo` use it, and so does the test
//! harness, which replaces only what `Overrides` names.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::TlsAcceptor;

use crate::accounts::{Accounts, BearerLogins, LoginLimits};
use crate::admin::{self, ConsoleParts, Readiness};
use crate::audit::Audit;
use crate::auth::{self, BearerVerifier, Credentials, Oauth, RefreshTokens, TokenKey, Tokens};
use crate::config::{Config, KeyError, redact_url};
use crate::files;
use crate::graph::{self, GraphClient, GraphSettings};
use crate::imap::{GatewayBackend, ImapProtocol, ImapSettings};
use crate::mailbox::cache::MimeCache;
use crate::mailbox::{MailService, MailSettings};
use crate::policy::Policy;
use crate::pop3::{GatewayPop3, Pop3Protocol, Pop3Settings};
use crate::server::{ClientLimits, Gateway, ListenSpec, Protocol, ProxySettings, ServerError};
use crate::smtp::{self, GatewaySubmitter, SmtpProtocol, SmtpSettings};
use crate::store::{self, Store};
use crate::tls::{self, CertPaths, TlsError};

/// The name the SMTP front gives itself in Message-IDs it makes.
const SUBMISSION_HOST: &str = "graphgate.invalid";

/// What a caller may put in place of what the configuration would build.
#[derive(Default)]
pub struct Overrides {
    /// Where each account's Graph tokens come from (tests mint them through
    /// the emulated tenant); by default the token registry of `[microsoft]`.
    pub credentials: Option<Arc<dyn Credentials>>,
    /// The mail service's settings (tests poll more often than once a
    /// second); by default from `[mail]` and `[imap]`.
    pub mail: Option<MailSettings>,
}

/// Why the gateway could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("tls.cert and tls.key are empty, so graphgate keeps a self-signed certificate in {}", dir.display())]
    SelfSigned {
        dir: PathBuf,
        #[source]
        source: Box<TlsError>,
    },
    #[error("the certificate set by config keys tls.cert and tls.key cannot be used")]
    Certificate(#[source] Box<TlsError>),
    #[error("the self-signed certificate cannot be used; delete it to have a new one made")]
    SelfSignedUnusable(#[source] Box<TlsError>),
    #[error(
        "cannot open graphgate's store at {location} (config key `store.url`, or the data directory)"
    )]
    Store {
        location: String,
        #[source]
        source: store::Error,
    },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Smtp(#[from] smtp::SettingsError),
    #[error("cannot set up the Graph client")]
    Graph(#[source] graph::Error),
    #[error("cannot open the message cache in {}", dir.display())]
    Cache {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Tokens(#[from] auth::Error),
    #[error("cannot make the data directory {} private to graphgate's user (config key `server.data_dir`)", dir.display())]
    DataDir {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The gateway's parts, assembled and ready to listen.
pub struct App {
    pub accounts: Arc<Accounts>,
    /// The token registry of `[microsoft]` (sign-ins, refresh, the sealed
    /// cache), also when `Overrides::credentials` serves the mail service.
    pub tokens: Arc<Tokens>,
    pub graph: GraphClient,
    pub mail: Arc<MailService>,
    pub store: Store,
    /// The certificate the TLS listeners (and STARTTLS) present.
    pub cert: CertPaths,
    acceptor: TlsAcceptor,
    imap: Arc<ImapProtocol<GatewayBackend>>,
    smtp: Arc<SmtpProtocol<GatewaySubmitter>>,
    pop3: Arc<Pop3Protocol<GatewayPop3>>,
    dav: Arc<crate::dav::Dav>,
    max_connections: u32,
    grace: Duration,
    client_limits: ClientLimits,
    proxy: ProxySettings,
}

/// The listeners, running.
pub struct Listening {
    pub gateway: Gateway,
    pub addrs: ListenAddrs,
    /// What `/readyz` checks (its listeners are up by now).
    pub ready: Arc<Readiness>,
}

/// Bound addresses; `None` for a listener that is off.
#[derive(Debug, Default, Clone, Copy)]
pub struct ListenAddrs {
    pub imap: Option<SocketAddr>,
    pub imaps: Option<SocketAddr>,
    pub smtp: Option<SocketAddr>,
    pub smtps: Option<SocketAddr>,
    pub pop3: Option<SocketAddr>,
    pub pop3s: Option<SocketAddr>,
    /// CalDAV and CardDAV over HTTP and HTTPS.
    pub dav: Option<SocketAddr>,
    pub davs: Option<SocketAddr>,
    /// The admin console (with `/metrics` and health, unless turned off).
    pub admin: Option<SocketAddr>,
    /// The console is served over HTTPS.
    pub admin_tls: bool,
    /// `/metrics`, `/livez` and `/readyz` alone.
    pub metrics: Option<SocketAddr>,
}

impl App {
    /// Assemble the gateway `config` describes.
    pub async fn build(config: &Config, overrides: Overrides) -> Result<App, BuildError> {
        // Before anything is written there: the data directory and all in
        // it are graphgate's user's only (a looser one is fixed, loudly).
        let dir = &config.server.data_dir;
        files::secure_tree(dir).map_err(|source| BuildError::DataDir {
            dir: dir.clone(),
            source,
        })?;
        let cert = certificate(config)?;
        let acceptor = tls::acceptor(&cert).map_err(|e| {
            let e = Box::new(e);
            if config.tls.cert.is_some() {
                BuildError::Certificate(e)
            } else {
                BuildError::SelfSignedUnusable(e)
            }
        })?;
        let store = open_store(config).await?;
        let accounts = Arc::new(accounts(config, store.clone()));
        let tokens = Arc::new(tokens(config, store.clone())?);
        let graph = graph_client(config)?;
        let cache = if config.mail.cache_max_mb == 0 {
            None
        } else {
            let dir = config.server.data_dir.join("cache");
            let bytes = config.mail.cache_max_mb.saturating_mul(1024 * 1024);
            Some(MimeCache::open(&dir, bytes).map_err(|source| BuildError::Cache { dir, source })?)
        };
        let policy = Arc::new(parking_lot::RwLock::new(Policy::from_config(config)?));
        let audit = Audit::new(store.clone(), Some(&config.server.data_dir));
        let settings = match overrides.mail {
            Some(settings) => settings,
            None => MailSettings::from_sections(&config.mail, &config.imap)?,
        };
        let bearer = config.oauth.enabled.then(|| {
            Arc::new(BearerLogins::new(
                (*accounts).clone(),
                BearerVerifier::new(tokens.oauth().clone(), &config.oauth),
                tokens.clone(),
                audit.clone(),
            ))
        });
        let credentials = overrides.credentials.unwrap_or_else(|| tokens.clone());
        let mail = MailService::new(
            graph.clone(),
            store.clone(),
            cache,
            policy,
            credentials,
            settings,
            audit,
        );
        let imap = Arc::new(ImapProtocol::new(
            ImapSettings::from(&config.imap),
            GatewayBackend {
                accounts: accounts.clone(),
                mail: mail.clone(),
                bearer: bearer.clone(),
            },
        ));
        let smtp = Arc::new(SmtpProtocol::new(
            SmtpSettings::try_from(&config.smtp)?,
            GatewaySubmitter {
                accounts: accounts.clone(),
                mail: mail.clone(),
                bearer: bearer.clone(),
                host: SUBMISSION_HOST.into(),
            },
        ));
        let maildrops = config
            .users
            .iter()
            .filter(|(_, u)| !u.pop3_maildrop.trim().is_empty())
            .map(|(login, u)| {
                (
                    crate::accounts::normalise_login(login),
                    u.pop3_maildrop.trim().to_string(),
                )
            })
            .collect();
        let pop3 = Arc::new(Pop3Protocol::new(
            Pop3Settings::from(&config.pop3),
            GatewayPop3 {
                accounts: accounts.clone(),
                mail: mail.clone(),
                bearer: bearer.clone(),
                maildrops: Arc::new(maildrops),
                permanent: config.pop3.delete == crate::config::Pop3Delete::Permanent,
            },
        ));
        let pim = crate::pim::PimService::new(
            mail.clone(),
            store.clone(),
            crate::pim::PimSettings::from(&config.dav),
        );
        let dav = crate::dav::Dav::new(
            accounts.clone(),
            bearer.clone(),
            pim,
            crate::dav::DavSettings::from(&config.dav),
        );
        crate::observe::metrics::install();
        Ok(App {
            accounts,
            tokens,
            graph,
            mail,
            store,
            cert,
            acceptor,
            imap,
            smtp,
            pop3,
            dav,
            max_connections: config.server.max_connections,
            grace: Duration::from_secs(config.server.shutdown_grace_s),
            client_limits: ClientLimits::from(&config.server),
            proxy: ProxySettings::from_section(&config.server)?,
        })
    }

    /// Bind every listener `config` turns on. `setting` says how a person
    /// sets a listener's address, for errors (given its config key).
    pub async fn listen(
        &self,
        config: &Config,
        setting: impl Fn(&'static str) -> String,
    ) -> Result<Listening, ServerError> {
        let ready = Readiness::new(self.store.clone(), self.tokens.clone());
        let mut gateway = Gateway::new(
            self.max_connections,
            self.grace,
            Some(self.acceptor.clone()),
        )
        .with_client_limits(self.client_limits.clone())
        .with_proxy(self.proxy.clone());
        let g = &mut gateway;
        let addrs = ListenAddrs {
            imap: bind(
                g,
                config.imap.listen,
                setting("imap.listen"),
                false,
                &self.imap,
            )
            .await?,
            imaps: bind(
                g,
                config.imap.listen_tls,
                setting("imap.listen_tls"),
                true,
                &self.imap,
            )
            .await?,
            smtp: bind(
                g,
                config.smtp.listen,
                setting("smtp.listen"),
                false,
                &self.smtp,
            )
            .await?,
            smtps: bind(
                g,
                config.smtp.listen_tls,
                setting("smtp.listen_tls"),
                true,
                &self.smtp,
            )
            .await?,
            pop3: bind(
                g,
                config.pop3.listen,
                setting("pop3.listen"),
                false,
                &self.pop3,
            )
            .await?,
            pop3s: bind(
                g,
                config.pop3.listen_tls,
                setting("pop3.listen_tls"),
                true,
                &self.pop3,
            )
            .await?,
            dav: None,
            davs: None,
            admin: None,
            admin_tls: false,
            metrics: None,
        };
        let mut addrs = addrs;
        for (addr, key, tls) in [
            (config.dav.listen, "dav.listen", false),
            (config.dav.listen_tls, "dav.listen_tls", true),
        ] {
            let Some(addr) = addr else { continue };
            let acceptor = tls.then(|| self.acceptor.clone());
            let served = crate::dav::serve(self.dav.clone(), addr, acceptor, gateway.stopping())
                .await
                .map_err(|source| ServerError::bind(addr, setting(key), source))?;
            tracing::info!(addr = %served.addr, tls, "CalDAV/CardDAV listening");
            if tls {
                addrs.davs = Some(served.addr);
            } else {
                addrs.dav = Some(served.addr);
            }
        }
        if let Some(addr) = config.admin.listen {
            let parts = ConsoleParts {
                accounts: (*self.accounts).clone(),
                tokens: self.tokens.clone(),
                graph: self.graph.clone(),
                mail: self.mail.clone(),
                store: self.store.clone(),
                live: gateway.live(),
                config: config.clone(),
                ready: ready.clone(),
            };
            let served =
                admin::serve_console(addr, Some(self.acceptor.clone()), parts, gateway.stopping())
                    .await
                    .map_err(|source| ServerError::bind(addr, setting("admin.listen"), source))?;
            tracing::info!(addr = %served.addr, tls = served.tls, "admin console listening");
            addrs.admin = Some(served.addr);
            addrs.admin_tls = served.tls;
        }
        if let Some(addr) = config.metrics.listen {
            let served = admin::serve_metrics(addr, ready.clone(), gateway.stopping())
                .await
                .map_err(|source| ServerError::bind(addr, setting("metrics.listen"), source))?;
            tracing::info!(addr = %served.addr, "metrics listening");
            addrs.metrics = Some(served.addr);
        }
        if addrs.admin.is_some() || addrs.metrics.is_some() {
            // Only then can anyone ask whether graphgate is ready.
            ready.probe_token_endpoint();
        }
        ready.listeners_up();
        self.warn_if_self_signed_beyond_loopback(&addrs);
        Ok(Listening {
            gateway,
            addrs,
            ready,
        })
    }
}

/// Serve `protocol` on `addr`, if it is on.
async fn bind<P: Protocol>(
    gateway: &mut Gateway,
    addr: Option<SocketAddr>,
    setting: String,
    implicit_tls: bool,
    protocol: &Arc<P>,
) -> Result<Option<SocketAddr>, ServerError> {
    let Some(addr) = addr else { return Ok(None) };
    let spec = ListenSpec {
        addr,
        implicit_tls,
        setting,
    };
    gateway.listen(spec, protocol.clone()).await.map(Some)
}

/// The store `config` names, opened, with an error that says where it is.
pub async fn open_store(config: &Config) -> Result<Store, BuildError> {
    Store::open_configured(config)
        .await
        .map_err(|source| BuildError::Store {
            location: redact_url(&store::configured_url(config)),
            source,
        })
}

/// The local accounts in `store`, with the login limits of `[accounts]`.
pub fn accounts(config: &Config, store: Store) -> Accounts {
    Accounts::new(store, LoginLimits::from(&config.accounts))
}

/// The Graph client for the service root `[microsoft]` names, with the
/// request budget per mailbox of `[mail]`.
pub fn graph_client(config: &Config) -> Result<GraphClient, BuildError> {
    let endpoints = config.microsoft.endpoints()?;
    let mail = &config.mail;
    let settings = GraphSettings {
        budget_requests: mail.request_budget,
        budget_window: Duration::from_secs(mail.request_budget_window_s),
        max_budget_wait: Duration::from_secs(mail.request_budget_max_wait_s),
        ..GraphSettings::new(endpoints.graph)
    };
    GraphClient::new(settings).map_err(BuildError::Graph)
}

/// The token registry of `[microsoft]`, with the sealed cache in `store`.
pub fn tokens(config: &Config, store: Store) -> Result<Tokens, auth::Error> {
    let oauth = Oauth::from_config(&config.microsoft)?;
    let key = TokenKey::load(&config.server.data_dir)?;
    Ok(Tokens::new(
        oauth,
        RefreshTokens::new(store, key),
        !config.shared_mailbox.is_empty(),
    )
    .with_pim(config.dav.listen.is_some() || config.dav.listen_tls.is_some()))
}

impl App {
    /// A self-signed certificate is fine on loopback (the client is on this
    /// machine) but on an address other machines reach, clients either
    /// refuse it or are taught to accept any certificate: say so loudly.
    fn warn_if_self_signed_beyond_loopback(&self, addrs: &ListenAddrs) {
        let exposed: Vec<String> = [
            addrs.imap,
            addrs.imaps,
            addrs.smtp,
            addrs.smtps,
            addrs.pop3,
            addrs.pop3s,
            addrs.davs,
            addrs.admin,
        ]
        .into_iter()
        .flatten()
        .filter(|a| !a.ip().is_loopback())
        .map(|a| a.to_string())
        .collect();
        if !exposed.is_empty() && tls::is_self_signed(&self.cert.cert) {
            tracing::warn!(
                listeners = %exposed.join(", "),
                cert = %self.cert.cert.display(),
                "SELF-SIGNED CERTIFICATE ON A NETWORK ADDRESS: clients on other machines cannot verify graphgate \
                 and a man in the middle can read their passwords; set tls.cert and tls.key to a certificate \
                 they trust (see `graphgate cert generate` and the README)"
            );
        }
    }
}

/// The configured certificate, or the self-signed one in
/// `<data_dir>/certs/` (made on first use).
fn certificate(config: &Config) -> Result<CertPaths, BuildError> {
    if let (Some(cert), Some(key)) = (&config.tls.cert, &config.tls.key) {
        return Ok(CertPaths {
            cert: cert.clone(),
            key: key.clone(),
        });
    }
    let dir = config.server.cert_dir();
    let (paths, made) = tls::ensure_self_signed(&dir).map_err(|e| BuildError::SelfSigned {
        dir,
        source: Box::new(e),
    })?;
    if made {
        tracing::info!(cert = %paths.cert.display(), "made a self-signed certificate for localhost");
    }
    Ok(paths)
}
