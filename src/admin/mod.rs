//! The admin console (`[admin] listen`): server-rendered pages over a
//! running gateway, for administrators who sign in with their own
//! password. Beside it, with no sign-in: `/metrics` (Prometheus text),
//! `/livez` and `/readyz`; `[metrics] listen` serves those three alone.
//!
//! The console is served over TLS with the gateway's certificate unless
//! it listens on loopback. Pages need no JavaScript; every change is a
//! form POST carrying the sign-in's form token.

mod admins;
mod health;
mod html;
mod http;
mod pages;
mod policy_file;
mod signin;
pub(crate) mod tls_listener;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

pub use admins::{AdminError, Admins, SessionLimits};
pub use health::Readiness;
pub use policy_file::{Edit, Right};

use crate::accounts::Accounts;
use crate::auth::Tokens;
use crate::config::{AdminTls, Config};
use crate::graph::GraphClient;
use crate::mailbox::MailService;
use crate::server::{LiveSessions, Shutdown};
use crate::store::Store;

/// What the console works on: the running gateway's parts.
pub struct Console {
    pub admins: Admins,
    pub accounts: Accounts,
    pub tokens: Arc<Tokens>,
    pub graph: GraphClient,
    pub mail: Arc<MailService>,
    pub store: Store,
    pub live: Arc<LiveSessions>,
    /// The configuration in force (its policy tables change with edits).
    pub config: parking_lot::RwLock<Config>,
    pub ready: Arc<Readiness>,
    /// Served over TLS (cookies are then `Secure`).
    pub secure: bool,
    pub limits: SessionLimits,
    /// Policy edits, one at a time.
    edits: tokio::sync::Mutex<()>,
    /// Device-code sign-ins started from the console, by login.
    signins: signin::SignIns,
}

/// The console's parts, from the running gateway.
pub struct ConsoleParts {
    pub accounts: Accounts,
    pub tokens: Arc<Tokens>,
    pub graph: GraphClient,
    pub mail: Arc<MailService>,
    pub store: Store,
    pub live: Arc<LiveSessions>,
    pub config: Config,
    pub ready: Arc<Readiness>,
}

impl Console {
    pub fn new(parts: ConsoleParts, secure: bool) -> Arc<Console> {
        let limits = SessionLimits {
            idle_s: i64::try_from(parts.config.admin.session_idle_s).unwrap_or(i64::MAX),
            max_s: i64::try_from(parts.config.admin.session_max_s).unwrap_or(i64::MAX),
        };
        Arc::new(Console {
            admins: Admins::new(parts.store.clone(), parts.accounts.clone()),
            accounts: parts.accounts,
            tokens: parts.tokens,
            graph: parts.graph,
            mail: parts.mail,
            store: parts.store,
            live: parts.live,
            config: parking_lot::RwLock::new(parts.config),
            ready: parts.ready,
            secure,
            limits,
            edits: tokio::sync::Mutex::new(()),
            signins: signin::SignIns::default(),
        })
    }

    /// Record a change made in the console, with the administrator's name.
    pub(crate) fn audit(&self, admin: &str, action: &str, subject: &str, detail: &str) {
        self.mail
            .audit()
            .allowed(&format!("admin:{admin}"), action, subject, detail);
    }
}

/// Every route of the console.
fn console_routes(console: Arc<Console>, with_metrics: bool) -> Router {
    let mut router = Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_page).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/static/console.css", get(pages::stylesheet))
        .route(
            "/accounts",
            get(pages::accounts::list).post(pages::accounts::add),
        )
        .route("/accounts/{login}", get(pages::accounts::show))
        .route("/accounts/{login}/remove", post(pages::accounts::remove))
        .route(
            "/accounts/{login}/passwords",
            post(pages::accounts::add_password),
        )
        .route(
            "/accounts/{login}/passwords/{id}/revoke",
            post(pages::accounts::revoke_password),
        )
        .route(
            "/accounts/{login}/signin",
            post(pages::accounts::start_signin),
        )
        .route(
            "/mailboxes",
            get(pages::mailboxes::list).post(pages::mailboxes::change),
        )
        .route("/mailboxes/{address}", get(pages::mailboxes::show))
        .route("/sessions", get(pages::sessions::list))
        .route("/sessions/{id}/end", post(pages::sessions::end))
        .route("/sessions/end-user", post(pages::sessions::end_user))
        .route("/audit", get(pages::audit::list))
        .route("/graph", get(pages::graph::budget))
        .route("/doctor", get(pages::doctor::run));
    if with_metrics {
        router = router.merge(health::routes(console.ready.clone()));
    }
    router
        .with_state(console.clone())
        .layer(axum::middleware::from_fn(http::security_headers))
}

/// A listener running in the background; dropping it does not stop it,
/// `Shutdown` does.
pub struct Served {
    pub addr: SocketAddr,
    /// Served over HTTPS.
    pub tls: bool,
    pub task: JoinHandle<()>,
}

/// Serve the console on `addr` (TLS with `acceptor` unless `addr` is
/// loopback and `admin.tls` is "auto"), until `shutdown`. The address and
/// whether it is HTTPS.
pub async fn serve_console(
    addr: SocketAddr,
    acceptor: Option<TlsAcceptor>,
    parts: ConsoleParts,
    shutdown: Shutdown,
) -> std::io::Result<Served> {
    let with_metrics = parts.config.admin.metrics;
    let tls = match parts.config.admin.tls {
        AdminTls::Auto if addr.ip().is_loopback() => None,
        _ => acceptor,
    };
    let console = Console::new(parts, tls.is_some());
    let app = console_routes(console, with_metrics);
    serve(addr, tls, app, shutdown).await
}

/// Serve `/metrics`, `/livez` and `/readyz` alone on `addr` (plain HTTP).
pub async fn serve_metrics(
    addr: SocketAddr,
    ready: Arc<Readiness>,
    shutdown: Shutdown,
) -> std::io::Result<Served> {
    let app = health::routes(ready).layer(axum::middleware::from_fn(http::security_headers));
    serve(addr, None, app, shutdown).await
}

/// Serve `app` on `addr` over HTTP, or HTTPS with `tls`, until `shutdown`
/// (the console, metrics and the DAV front use it).
pub(crate) async fn serve(
    addr: SocketAddr,
    tls: Option<TlsAcceptor>,
    app: Router,
    mut shutdown: Shutdown,
) -> std::io::Result<Served> {
    let tcp = tokio::net::TcpListener::bind(addr).await?;
    let addr = tcp.local_addr()?;
    let https = tls.is_some();
    let app = app.into_make_service_with_connect_info::<tls_listener::Peer>();
    let task = match tls {
        None => tokio::spawn(async move {
            let served = axum::serve(tcp, app)
                .with_graceful_shutdown(async move { shutdown.recv().await })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "HTTP listener stopped");
            }
        }),
        Some(acceptor) => tokio::spawn(async move {
            let listener = tls_listener::TlsListener::new(tcp, acceptor);
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move { shutdown.recv().await })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "HTTP listener stopped");
            }
        }),
    };
    Ok(Served {
        addr,
        tls: https,
        task,
    })
}
