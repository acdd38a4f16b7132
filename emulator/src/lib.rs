//! The emulated Microsoft 365 tenant: Microsoft Graph's mail endpoints and the
//! identity platform's token endpoints, over HTTP, following Microsoft's
//! documented behaviour (shared/reference/graph-mail.md), strict parts included.
//!
//! It is a product feature: `graphgate demo` runs the gateway against it, and
//! every test and benchmark uses it. The gateway never links to this module;
//! it reaches it over HTTP exactly as it reaches graph.microsoft.com.

pub mod control;
pub mod directory;
pub mod graph;
pub mod identity;
pub mod mailstore;
pub mod odata;
pub mod persist;
pub mod props;
pub mod seed;
pub mod seed_corpus;
pub mod settings;
pub mod stats;
pub mod throttle;
pub mod tokens;

pub use settings::Settings;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use dashmap::DashMap;
use parking_lot::{Mutex, RwLock};
use tokio::net::TcpListener;
use tokio::sync::watch;
use uuid::Uuid;

use directory::Directory;
use mailstore::Mailbox;
use tokens::TokenKeys;

/// How to run the emulated tenant.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub listen: SocketAddr,
    /// Where the tenant is saved; None keeps it in memory only.
    pub data_dir: Option<PathBuf>,
    /// Extra generated messages for alice's Inbox (benchmarks).
    pub seed_messages: usize,
    /// Skip the large (10 MB) seed message; tests that never read it start faster.
    pub skip_large_seed: bool,
    pub settings: Settings,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data_dir: None,
            seed_messages: 0,
            skip_large_seed: false,
            settings: Settings::default(),
        }
    }
}

/// Mail that left the tenant (recipients outside it), kept for inspection
/// through `GET /_emulator/outbound`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboundMessage {
    pub from_mailbox: String,
    pub recipients: Vec<String>,
    pub internet_message_id: Option<String>,
    pub size: usize,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The whole tenant, shared by every request handler.
pub struct Emulator {
    pub directory: RwLock<Directory>,
    /// Mailboxes by owner object id.
    pub mailboxes: DashMap<Uuid, Arc<Mutex<Mailbox>>>,
    pub settings: RwLock<Settings>,
    pub keys: TokenKeys,
    pub identity: identity::IdentityState,
    pub stats: stats::Stats,
    pub throttle: throttle::Throttle,
    pub outbound: Mutex<Vec<OutboundMessage>>,
    pub uploads: graph::uploads::UploadSessions,
    pub persist: Option<persist::Persistence>,
    dirty: AtomicBool,
}

impl Emulator {
    /// Build a tenant from parts (seeded or loaded).
    pub fn new(
        directory: Directory,
        mailboxes: Vec<Mailbox>,
        keys: TokenKeys,
        settings: Settings,
        persist: Option<persist::Persistence>,
    ) -> Emulator {
        let map = DashMap::new();
        for mut mb in mailboxes {
            mb.reindex();
            map.insert(mb.owner, Arc::new(Mutex::new(mb)));
        }
        Emulator {
            directory: RwLock::new(directory),
            mailboxes: map,
            settings: RwLock::new(settings),
            keys,
            identity: identity::IdentityState::default(),
            stats: stats::Stats::default(),
            throttle: throttle::Throttle::default(),
            outbound: Mutex::new(Vec::new()),
            uploads: graph::uploads::UploadSessions::default(),
            persist,
            dirty: AtomicBool::new(false),
        }
    }

    pub fn mailbox(&self, owner: Uuid) -> Option<Arc<Mutex<Mailbox>>> {
        self.mailboxes.get(&owner).map(|m| m.clone())
    }

    /// Note that the tenant changed; the saver writes it out shortly.
    pub fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::Release);
    }

    fn take_dirty(&self) -> bool {
        self.dirty.swap(false, Ordering::AcqRel)
    }

    /// Write the tenant to its data dir now (if it has one).
    pub fn save_now(&self) -> std::io::Result<()> {
        match &self.persist {
            Some(p) => p.save(self),
            None => Ok(()),
        }
    }
}

/// A running emulator: its address and a way to stop it.
pub struct RunningEmulator {
    pub addr: SocketAddr,
    pub tenant: Arc<Emulator>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningEmulator {
    /// Base URL, e.g. `http://127.0.0.1:8787`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop serving, save the tenant, and wait for the server task.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// Errors that stop the emulator from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("emulator data dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("emulator settings: {0}")]
    Settings(String),
}

/// Load or seed the tenant, bind, and serve until stopped.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, StartError> {
    config.settings.validate().map_err(StartError::Settings)?;
    let tenant = match &config.data_dir {
        Some(dir) => {
            persist::Persistence::open(dir, &config).map_err(|source| StartError::DataDir {
                path: dir.clone(),
                source,
            })?
        }
        None => {
            let (directory, mailboxes) = seed::demo_tenant(&seed::SeedOptions {
                extra_inbox_messages: config.seed_messages,
                large_message: !config.skip_large_seed,
            });
            Emulator::new(
                directory,
                mailboxes,
                TokenKeys::generate(),
                config.settings.clone(),
                None,
            )
        }
    };
    let tenant = Arc::new(tenant);
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;
    let (tx, mut rx) = watch::channel(false);
    let app = router(tenant.clone());
    let saver_tenant = tenant.clone();
    let task = tokio::spawn(async move {
        let mut saver_rx = rx.clone();
        let saver = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
                    _ = saver_rx.changed() => {}
                }
                if saver_tenant.take_dirty() {
                    let t = saver_tenant.clone();
                    let r = tokio::task::spawn_blocking(move || t.save_now()).await;
                    if let Ok(Err(e)) = r {
                        tracing::error!(error = %e, "could not save the emulated tenant");
                    }
                }
                if *saver_rx.borrow() {
                    break;
                }
            }
        });
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = rx.wait_for(|stop| *stop).await;
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "emulator server stopped");
        }
        let _ = saver.await;
    });
    tracing::info!(%addr, "emulated Microsoft 365 tenant listening");
    Ok(RunningEmulator {
        addr,
        tenant,
        shutdown: tx,
        task,
    })
}

/// Every route of the emulator: identity platform at the root, Graph under
/// `/v1.0`, upload sessions, and the loopback-only control API.
pub fn router(tenant: Arc<Emulator>) -> axum::Router {
    axum::Router::new()
        .merge(identity::routes())
        .merge(graph::routes())
        .merge(control::routes())
        .with_state(tenant)
}
