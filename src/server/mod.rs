//! Listeners and the life of a connection, in the shape of mini-redis's
//! server: one accept loop per address, a semaphore that bounds open
//! connections over all of them, a shutdown signal every session honours,
//! and a bounded wait for sessions to finish. Protocols (IMAP, SMTP) plug in
//! through the `Protocol` trait and get a `Connection` and a `Shutdown`.

mod stream;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tracing::Instrument;

pub(crate) use stream::Stream;

/// How long a client gets to finish a TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A protocol front: it gets each accepted connection and serves it until
/// the client leaves, an error ends it, or `shutdown` fires (then it should
/// say goodbye in its own words, e.g. `* BYE` or `421`, and return).
pub trait Protocol: Send + Sync + 'static {
    /// Short name for logs: "imap", "smtp".
    fn name(&self) -> &'static str;

    /// Serve one connection. Errors are the session's to log; the listener
    /// only learns that it ended.
    fn serve(&self, conn: Connection, shutdown: Shutdown) -> impl Future<Output = ()> + Send;
}

/// An accepted connection, handed to `Protocol::serve`.
pub struct Connection {
    /// Plain, or TLS already (on an implicit-TLS listener the handshake is done).
    pub stream: Stream,
    /// Whether it came in on an implicit-TLS listener (IMAPS, SMTPS).
    pub implicit_tls: bool,
    /// For STARTTLS on a plain listener: `stream.start_tls(&acceptor)`.
    /// `None` when the gateway has no certificate (then offer no STARTTLS).
    pub tls: Option<TlsAcceptor>,
    pub peer: SocketAddr,
    pub local: SocketAddr,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("stream", &self.stream)
            .field("implicit_tls", &self.implicit_tls)
            .field("starttls_available", &self.tls.is_some())
            .field("peer", &self.peer)
            .field("local", &self.local)
            .finish()
    }
}

/// Tells a session that the server is shutting down. Cheap to clone; a
/// session created after shutdown began sees it at once (it is a `watch`,
/// which keeps the state, not a `broadcast`, which a late receiver misses).
#[derive(Debug, Clone)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
}

impl Shutdown {
    /// Resolves when shutdown begins; at once if it already has.
    pub async fn recv(&mut self) {
        // An error means the trigger was dropped: the server is gone, so
        // that is a shutdown too.
        let _ = self.rx.wait_for(|stopping| *stopping).await;
    }
}

/// The sending side of `Shutdown`. Dropping it also shuts down.
#[derive(Debug)]
pub struct ShutdownTrigger {
    tx: watch::Sender<bool>,
}

impl ShutdownTrigger {
    pub fn fire(&self) {
        self.tx.send_replace(true);
    }

    pub fn subscribe(&self) -> Shutdown {
        Shutdown {
            rx: self.tx.subscribe(),
        }
    }
}

/// A trigger and its first `Shutdown` (tests of a protocol use this too).
pub fn shutdown_channel() -> (ShutdownTrigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (ShutdownTrigger { tx }, Shutdown { rx })
}

/// One address to listen on.
#[derive(Debug, Clone)]
pub struct ListenSpec {
    pub addr: SocketAddr,
    /// TLS handshake right after accept (IMAPS 993, SMTPS 465).
    pub implicit_tls: bool,
    /// How the person set this address, for errors: "config key `imap.listen` or --imap".
    pub setting: String,
}

/// Why a listener could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr} (set by {setting}): {source}; {advice}")]
    Bind {
        addr: SocketAddr,
        setting: String,
        source: io::Error,
        advice: &'static str,
    },
    #[error(
        "{addr} (set by {setting}) is an implicit-TLS listener but there is no TLS certificate"
    )]
    NoCertificate { addr: SocketAddr, setting: String },
}

fn bind_advice(kind: io::ErrorKind) -> &'static str {
    match kind {
        io::ErrorKind::AddrInUse => {
            "another program uses that port: stop it or choose another port"
        }
        io::ErrorKind::PermissionDenied => {
            "ports below 1024 need privileges: choose a port above 1023"
        }
        io::ErrorKind::AddrNotAvailable => {
            "that address is not on this machine: use 127.0.0.1 or one of its own"
        }
        _ => "check the address",
    }
}

/// The gateway's listeners and open sessions.
pub struct Gateway {
    /// Open connections allowed; a session holds one permit.
    limit: Arc<Semaphore>,
    max_connections: u32,
    grace: Duration,
    tls: Option<TlsAcceptor>,
    /// Fired when shutdown begins: listeners stop, sessions say goodbye.
    stopping: ShutdownTrigger,
    /// Fired when the grace period is over: sessions still open are dropped.
    closing: ShutdownTrigger,
    accept_loops: Vec<JoinHandle<()>>,
}

impl Gateway {
    pub fn new(max_connections: u32, grace: Duration, tls: Option<TlsAcceptor>) -> Gateway {
        let cap = u32::try_from(Semaphore::MAX_PERMITS).unwrap_or(u32::MAX);
        let max_connections = max_connections.clamp(1, cap);
        Gateway {
            limit: Arc::new(Semaphore::new(max_connections as usize)),
            max_connections,
            grace,
            tls,
            stopping: shutdown_channel().0,
            closing: shutdown_channel().0,
            accept_loops: Vec::new(),
        }
    }

    /// Bind `spec.addr` and serve `protocol` there. Returns the bound
    /// address (the real port when asked for port 0).
    pub async fn listen<P: Protocol>(
        &mut self,
        spec: ListenSpec,
        protocol: Arc<P>,
    ) -> Result<SocketAddr, ServerError> {
        if spec.implicit_tls && self.tls.is_none() {
            return Err(ServerError::NoCertificate {
                addr: spec.addr,
                setting: spec.setting,
            });
        }
        let bind_error = |source: io::Error| ServerError::Bind {
            addr: spec.addr,
            setting: spec.setting.clone(),
            advice: bind_advice(source.kind()),
            source,
        };
        let tcp = TcpListener::bind(spec.addr).await.map_err(bind_error)?;
        let addr = tcp.local_addr().map_err(bind_error)?;
        let listener = Listener {
            tcp,
            protocol,
            limit: self.limit.clone(),
            stopping: self.stopping.subscribe(),
            closing: self.closing.subscribe(),
            tls: self.tls.clone(),
            implicit_tls: spec.implicit_tls,
        };
        let span = tracing::info_span!("listener", proto = listener.protocol.name(), %addr, tls = spec.implicit_tls);
        tracing::info!(parent: &span, "listening");
        self.accept_loops
            .push(tokio::spawn(listener.run().instrument(span)));
        Ok(addr)
    }

    /// Stop accepting, tell every session, and wait up to the grace period
    /// for them to end; sessions still open then are closed. Returns how
    /// many that was.
    pub async fn shutdown(self) -> usize {
        self.stopping.fire();
        for accept_loop in self.accept_loops {
            let _ = accept_loop.await;
        }
        let all = self.max_connections;
        let still_open = match tokio::time::timeout(self.grace, self.limit.acquire_many(all)).await
        {
            Ok(_) => 0,
            Err(_elapsed) => (all as usize).saturating_sub(self.limit.available_permits()),
        };
        if still_open > 0 {
            tracing::warn!(
                still_open,
                grace_s = self.grace.as_secs(),
                "closing sessions that did not finish in time"
            );
            self.closing.fire();
            // Dropped sessions return their permits at once.
            let _ =
                tokio::time::timeout(Duration::from_secs(1), self.limit.acquire_many(all)).await;
        }
        still_open
    }
}

/// One accept loop.
struct Listener<P> {
    tcp: TcpListener,
    protocol: Arc<P>,
    limit: Arc<Semaphore>,
    stopping: Shutdown,
    closing: Shutdown,
    tls: Option<TlsAcceptor>,
    implicit_tls: bool,
}

impl<P: Protocol> Listener<P> {
    async fn run(mut self) {
        loop {
            // Wait for a free slot before accepting (as mini-redis does):
            // when the gateway is full, new clients wait in the kernel's
            // backlog instead of being accepted and left without service.
            let permit = tokio::select! {
                permit = self.limit.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_closed) => return,
                },
                _ = self.stopping.recv() => return,
            };
            let accepted = tokio::select! {
                accepted = self.tcp.accept() => accepted,
                _ = self.stopping.recv() => return,
            };
            let (socket, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Usually out of file descriptors or a connection reset
                    // before it was accepted: pause, then carry on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(100)) => continue,
                        _ = self.stopping.recv() => return,
                    }
                }
            };
            let session = Session {
                protocol: self.protocol.clone(),
                tls: self.tls.clone(),
                implicit_tls: self.implicit_tls,
                stopping: self.stopping.clone(),
                _permit: permit,
            };
            let mut closing = self.closing.clone();
            let span = tracing::info_span!("session", proto = self.protocol.name(), %peer, tls = self.implicit_tls);
            tokio::spawn(
                async move {
                    tokio::select! {
                        () = session.run(socket, peer) => {}
                        () = closing.recv() => tracing::debug!("session closed at the end of the grace period"),
                    }
                }
                .instrument(span),
            );
        }
    }
}

/// What a spawned session owns; the permit goes back when it is dropped.
struct Session<P> {
    protocol: Arc<P>,
    tls: Option<TlsAcceptor>,
    implicit_tls: bool,
    stopping: Shutdown,
    _permit: OwnedSemaphorePermit,
}

impl<P: Protocol> Session<P> {
    async fn run(mut self, socket: TcpStream, peer: SocketAddr) {
        let _ = socket.set_nodelay(true);
        let local = match socket.local_addr() {
            Ok(local) => local,
            Err(e) => return tracing::debug!(error = %e, "connection gone before it started"),
        };
        let stream = match (&self.tls, self.implicit_tls) {
            (Some(acceptor), true) => {
                let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(socket));
                let result = tokio::select! {
                    result = handshake => result,
                    _ = self.stopping.recv() => return,
                };
                match result {
                    Ok(Ok(tls)) => Stream::Tls(Box::new(tls)),
                    Ok(Err(e)) => return tracing::debug!(error = %e, "TLS handshake failed"),
                    Err(_elapsed) => return tracing::debug!("TLS handshake timed out"),
                }
            }
            _ => Stream::Plain(socket),
        };
        tracing::debug!("connection opened");
        let conn = Connection {
            stream,
            implicit_tls: self.implicit_tls,
            tls: self.tls.clone(),
            peer,
            local,
        };
        self.protocol.serve(conn, self.stopping.clone()).await;
        tracing::debug!("connection closed");
    }
}

/// The signals that end `serve`, `demo` and `emulator`: SIGTERM and
/// SIGINT (Ctrl-C). Registered up front so one that arrives during start-up
/// is not lost (and does not kill the process without a clean shutdown).
pub struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    /// Needs a running tokio runtime.
    pub fn register() -> io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Wait for one; returns its name for the log.
    pub async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => "SIGTERM",
                _ = self.interrupt.recv() => "SIGINT",
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        }
    }
}

#[cfg(test)]
mod tests;
