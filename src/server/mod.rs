//! Listeners and the life of a connection, in the shape of mini-redis's
//! server: one accept loop per address, a semaphore that bounds open
//! connections over all of them, a shutdown signal every session honours,
//! and a bounded wait for sessions to finish. Protocols (IMAP, SMTP) plug in
//! through the `Protocol` trait and get a `Connection` and a `Shutdown`.
//! Before a session starts, the listener reads the PROXY header where one
//! is expected (`proxy`) and admits the client under its per-address caps
//! (`admission`); the pre-login deadline runs from accept.

mod admission;
mod deflate;
mod live;
mod network;
mod proxy;
mod stream;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tracing::Instrument;

use admission::ClientTable;
pub use admission::{Admission, ClientLimits, Refusal};
pub use deflate::{CorruptStream, Deflate};
pub use live::{LiveInfo, LiveSession, LiveSessions};
pub use network::Network;
pub(crate) use stream::Stream;

use crate::config::{KeyError, ServerSection};
use crate::observe::metrics;

/// How long a client gets to finish a TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a proxy gets to send its PROXY header after connecting (the
/// spec expects it in the first segment).
pub const PROXY_HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long past the pre-login deadline the listener waits for a session
/// to say goodbye in its own words before it closes the connection itself.
const DEADLINE_BACKSTOP: Duration = Duration::from_secs(5);

/// Which sources speak the PROXY protocol, and what their headers mean.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxySettings {
    /// Sources that must send a header; empty: the protocol is off.
    pub from: Vec<Network>,
    /// Every relayed connection counts as TLS (the proxy terminates it).
    pub tls_terminated: bool,
}

impl ProxySettings {
    /// From `[server]`; a bad network is named by its key.
    pub fn from_section(s: &ServerSection) -> Result<ProxySettings, KeyError> {
        let mut from = Vec::new();
        for (i, text) in s.proxy_protocol_from.iter().enumerate() {
            let net = Network::parse(text).ok_or_else(|| {
                KeyError::new(
                    format!("server.proxy_protocol_from[{i}]"),
                    format!("{text:?} is not an IP address or a network like 10.0.0.0/8"),
                )
            })?;
            from.push(net);
        }
        Ok(ProxySettings {
            from,
            tls_terminated: s.proxy_protocol_tls_terminated,
        })
    }

    pub fn enabled(&self) -> bool {
        !self.from.is_empty()
    }

    fn allows(&self, ip: std::net::IpAddr) -> bool {
        self.from.iter().any(|net| net.contains(ip))
    }
}

/// A protocol front: it gets each accepted connection and serves it until
/// the client leaves, an error ends it, or `shutdown` fires (then it should
/// say goodbye in its own words, e.g. `* BYE` or `421`, and return).
pub trait Protocol: Send + Sync + 'static {
    /// Short name for logs: "imap", "smtp".
    fn name(&self) -> &'static str;

    /// Serve one connection. Errors are the session's to log; the listener
    /// only learns that it ended.
    fn serve(&self, conn: Connection, shutdown: Shutdown) -> impl Future<Output = ()> + Send;

    /// The line sent to a client turned away before its session starts
    /// (e.g. `* BYE [UNAVAILABLE] …`, `421 4.7.0 …`), on plain listeners;
    /// empty: just close.
    fn refusal(&self, why: Refusal) -> String {
        let _ = why;
        String::new()
    }
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
    /// The client: the socket's peer, or the address its PROXY header gave.
    pub peer: SocketAddr,
    pub local: SocketAddr,
    /// Its place under the per-address caps and its pre-login deadline:
    /// call `admission.authenticated()` once the client has logged in.
    pub admission: Arc<Admission>,
    /// Its entry in the list of open sessions: call `live.logged_in(login)`
    /// once the client has logged in.
    pub live: Arc<LiveSession>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("stream", &self.stream)
            .field("implicit_tls", &self.implicit_tls)
            .field("starttls_available", &self.tls.is_some())
            .field("peer", &self.peer)
            .field("local", &self.local)
            .field("authenticated", &self.admission.is_authenticated())
            .finish()
    }
}

/// Tells a session that the server is shutting down. Cheap to clone; a
/// session created after shutdown began sees it at once (it is a `watch`,
/// which keeps the state, not a `broadcast`, which a late receiver misses).
#[derive(Debug, Clone)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
    /// This session's own end (an administrator ended it), if it has one.
    own: Option<watch::Receiver<bool>>,
}

impl Shutdown {
    /// Resolves when shutdown begins, or this session is ended; at once if
    /// either already happened.
    pub async fn recv(&mut self) {
        // An error means the trigger was dropped: the server is gone, so
        // that is a shutdown too.
        match &mut self.own {
            None => {
                let _ = self.rx.wait_for(|stopping| *stopping).await;
            }
            Some(own) => {
                tokio::select! {
                    _ = self.rx.wait_for(|stopping| *stopping) => {}
                    Ok(_) = own.wait_for(|ended| *ended) => {}
                }
            }
        }
    }

    /// Whether this session was ended on its own (by an administrator),
    /// rather than by the server stopping.
    pub fn ended_by_admin(&self) -> bool {
        self.own.as_ref().is_some_and(|own| *own.borrow()) && !*self.rx.borrow()
    }

    /// This signal, also fired when `session` is ended.
    fn with_session(&self, session: &LiveSession) -> Shutdown {
        Shutdown {
            rx: self.rx.clone(),
            own: Some(session.subscribe()),
        }
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
            own: None,
        }
    }
}

/// A trigger and its first `Shutdown` (tests of a protocol use this too).
pub fn shutdown_channel() -> (ShutdownTrigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (ShutdownTrigger { tx }, Shutdown { rx, own: None })
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

impl ServerError {
    /// `addr` could not be bound.
    pub fn bind(addr: SocketAddr, setting: String, source: io::Error) -> ServerError {
        ServerError::Bind {
            addr,
            setting,
            advice: bind_advice(source.kind()),
            source,
        }
    }
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
    clients: Arc<ClientTable>,
    proxy: Arc<ProxySettings>,
    /// Fired when shutdown begins: listeners stop, sessions say goodbye.
    stopping: ShutdownTrigger,
    /// Fired when the grace period is over: sessions still open are dropped.
    closing: ShutdownTrigger,
    accept_loops: Vec<JoinHandle<()>>,
    live: Arc<LiveSessions>,
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
            clients: Arc::new(ClientTable::new(ClientLimits::default())),
            proxy: Arc::new(ProxySettings::default()),
            stopping: shutdown_channel().0,
            closing: shutdown_channel().0,
            accept_loops: Vec::new(),
            live: Arc::new(LiveSessions::default()),
        }
    }

    /// Fires when shutdown begins (other servers beside the gateway's
    /// listeners stop with it).
    pub fn stopping(&self) -> Shutdown {
        self.stopping.subscribe()
    }

    /// The sessions open on every listener of this gateway.
    pub fn live(&self) -> Arc<LiveSessions> {
        self.live.clone()
    }

    /// The per-address caps and pre-login deadline (the defaults of
    /// `[server]` otherwise). Set before `listen`.
    pub fn with_client_limits(mut self, limits: ClientLimits) -> Gateway {
        self.clients = Arc::new(ClientTable::new(limits));
        self
    }

    /// Expect PROXY protocol headers from these sources. Set before `listen`.
    pub fn with_proxy(mut self, proxy: ProxySettings) -> Gateway {
        self.proxy = Arc::new(proxy);
        self
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
            clients: self.clients.clone(),
            proxy: self.proxy.clone(),
            live: self.live.clone(),
        };
        let span = tracing::info_span!("listener", proto = listener.protocol.name(), %addr, tls = spec.implicit_tls, proxy = self.proxy.enabled());
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
    clients: Arc<ClientTable>,
    proxy: Arc<ProxySettings>,
    live: Arc<LiveSessions>,
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
            let accepted = Instant::now();
            let session = Session {
                protocol: self.protocol.clone(),
                tls: self.tls.clone(),
                implicit_tls: self.implicit_tls,
                clients: self.clients.clone(),
                proxy: self.proxy.clone(),
                stopping: self.stopping.clone(),
                live: self.live.clone(),
                accepted,
                _permit: permit,
            };
            let mut closing = self.closing.clone();
            let span = tracing::info_span!("session", proto = self.protocol.name(), %peer, tls = self.implicit_tls, client = tracing::field::Empty);
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
    clients: Arc<ClientTable>,
    proxy: Arc<ProxySettings>,
    stopping: Shutdown,
    live: Arc<LiveSessions>,
    accepted: Instant,
    _permit: OwnedSemaphorePermit,
}

impl<P: Protocol> Session<P> {
    async fn run(mut self, mut socket: TcpStream, socket_peer: SocketAddr) {
        let _ = socket.set_nodelay(true);
        let local = match socket.local_addr() {
            Ok(local) => local,
            Err(e) => return tracing::debug!(error = %e, "connection gone before it started"),
        };
        let deadline = self.accepted + self.clients.limits().prelogin_timeout;
        let header = if self.proxy.enabled() {
            let Some(header) = self.proxy_header(&mut socket, socket_peer, deadline).await else {
                return;
            };
            Some(header)
        } else {
            None
        };
        let mut stream = match Stream::plain(socket) {
            Ok(stream) => stream,
            Err(e) => return tracing::debug!(error = %e, "connection gone before it started"),
        };
        let mut tls_terminated = false;
        if let Some(proxy::Header::Proxy { source, client_tls }) = header {
            tls_terminated = client_tls || self.proxy.tls_terminated;
            stream = stream.relayed(source, tls_terminated);
        }
        let peer = stream.peer();
        tracing::Span::current().record("client", tracing::field::display(peer));
        let admission = match self.clients.admit(peer.ip(), self.accepted) {
            Ok(admission) => admission,
            Err(why) => return self.refuse(stream, why).await,
        };
        if let (Some(acceptor), true) = (&self.tls, self.implicit_tls) {
            let until = deadline.min(Instant::now() + HANDSHAKE_TIMEOUT);
            let handshake = tokio::time::timeout_at(until, stream.start_tls(acceptor));
            let result = tokio::select! {
                result = handshake => result,
                _ = self.stopping.recv() => return,
            };
            stream = match result {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => return tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_elapsed) => return tracing::debug!("TLS handshake timed out"),
            };
        }
        tracing::debug!("connection opened");
        let _open = metrics::OpenSession::new(self.protocol.name());
        let entry = self.live.open(self.protocol.name(), peer);
        let shutdown = self.stopping.with_session(&entry.session);
        let conn = Connection {
            stream,
            // A terminator's TLS counts as implicit: no STARTTLS on offer.
            implicit_tls: self.implicit_tls || tls_terminated,
            tls: self.tls.clone(),
            peer,
            local,
            admission: admission.clone(),
            live: entry.session.clone(),
        };
        tokio::select! {
            () = self.protocol.serve(conn, shutdown) => {}
            () = backstop(&admission) => {
                tracing::info!("closed: no login before the pre-login deadline");
            }
        }
        tracing::debug!("connection closed");
    }

    /// The PROXY header, read within its own timeout and the pre-login
    /// deadline; `None` (logged) when the connection is to be closed: a
    /// source not allowed to send one, or no valid header in time.
    async fn proxy_header(
        &mut self,
        socket: &mut TcpStream,
        socket_peer: SocketAddr,
        deadline: Instant,
    ) -> Option<proxy::Header> {
        if !self.proxy.allows(socket_peer.ip()) {
            // The spec forbids guessing whether a header is there: a source
            // that is not a configured proxy is refused outright.
            tracing::warn!(source = %socket_peer, "closed: not a source allowed by server.proxy_protocol_from");
            return None;
        }
        let until = deadline.min(Instant::now() + PROXY_HEADER_TIMEOUT);
        let read = tokio::time::timeout_at(until, proxy::read_header(socket));
        let result = tokio::select! {
            result = read => result,
            _ = self.stopping.recv() => return None,
        };
        match result {
            Ok(Ok(header)) => Some(header),
            Ok(Err(e)) => {
                tracing::warn!(source = %socket_peer, error = %e, "closed: bad PROXY protocol header");
                None
            }
            Err(_elapsed) => {
                tracing::warn!(source = %socket_peer, "closed: no PROXY protocol header in time");
                None
            }
        }
    }

    /// Turn the client away: the protocol's goodbye on a plain listener
    /// (a TLS client would not understand plain text), then close.
    async fn refuse(&self, mut stream: Stream, why: Refusal) {
        tracing::info!(reason = %why, "connection refused");
        let line = self.protocol.refusal(why);
        if self.implicit_tls || line.is_empty() {
            return;
        }
        use tokio::io::AsyncWriteExt;
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            stream.write_all(line.as_bytes()).await?;
            stream.shutdown().await
        })
        .await;
    }
}

/// Resolves a little after the pre-login deadline if the client has still
/// not logged in: the session should have said goodbye by then, and this
/// closes the connection if it did not (a command stuck waiting, say).
async fn backstop(admission: &Admission) {
    tokio::time::sleep_until(admission.deadline() + DEADLINE_BACKSTOP).await;
    if admission.is_authenticated() {
        std::future::pending::<()>().await;
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
