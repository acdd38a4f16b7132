//! Starting the emulated tenant: check the switches, load it from its data
//! dir or seed the demo tenant, bind, and serve until stopped, while a saver
//! task writes changes out twice a second. This is the crate's entry point.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::EmulatorConfig;
use crate::persist::Persistence;
use crate::router::router;
use crate::seed::{SeedOptions, demo_tenant};
use crate::tenant::Emulator;
use crate::tokens::TokenKeys;

/// A running emulator: its address and a way to stop it.
pub struct RunningEmulator {
    /// The address it listens on (with the port chosen when `listen` had 0).
    pub addr: SocketAddr,
    /// The live tenant, for in-process inspection.
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
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The data dir could not be created, read or written.
    #[error("emulator data dir {path}: {source}")]
    DataDir {
        /// The data dir.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A switch has a value [`Settings::validate`] refuses.
    ///
    /// [`Settings::validate`]: crate::Settings::validate
    #[error("emulator settings: {0}")]
    Settings(String),
}

/// The seeded demo tenant, in memory or saved under `persist`.
fn seeded(config: &EmulatorConfig, persist: Option<Persistence>) -> Emulator {
    let (directory, mailboxes) = demo_tenant(&SeedOptions {
        extra_inbox_messages: config.seed_messages,
        large_message: !config.skip_large_seed,
    });
    Emulator::new(
        directory,
        mailboxes,
        TokenKeys::generate(),
        config.settings.clone(),
        persist,
    )
}

/// Load the tenant from `dir`, or seed a new one and save it there.
fn open(dir: &std::path::Path, config: &EmulatorConfig) -> std::io::Result<Emulator> {
    let (persist, loaded) = Persistence::open(dir)?;
    match loaded {
        Some(l) => Ok(Emulator::new(
            l.directory,
            l.mailboxes,
            l.keys,
            config.settings.clone(),
            Some(persist),
        )),
        None => {
            let em = seeded(config, Some(persist));
            em.save_now()?;
            Ok(em)
        }
    }
}

/// Load or seed the tenant, bind, and serve until stopped.
///
/// ```
/// use graphgate_emulator::{EmulatorConfig, start};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let tenant = start(EmulatorConfig {
///     listen: "127.0.0.1:0".parse().unwrap(),
///     skip_large_seed: true,
///     ..EmulatorConfig::default()
/// })
/// .await
/// .expect("the emulator starts");
/// let graph = format!("{}/v1.0", tenant.base_url());
/// assert!(graph.starts_with("http://127.0.0.1:"));
/// tenant.stop().await;
/// # });
/// ```
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, StartError> {
    config.settings.validate().map_err(StartError::Settings)?;
    let tenant = match &config.data_dir {
        Some(dir) => open(dir, &config).map_err(|source| StartError::DataDir {
            path: dir.clone(),
            source,
        })?,
        None => seeded(&config, None),
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
