//! `Stream`: a client connection that is plain TCP or TLS over TCP, read and
//! written the same way either way, so a protocol session need not care
//! which; `start_tls` turns a plain one into a TLS one for STARTTLS.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// A client connection, and who is at the other end of it.
#[derive(Debug)]
pub struct Stream {
    io: Io,
    /// The client: the socket's peer, or the address a PROXY header gave.
    peer: SocketAddr,
    /// False when a PROXY header relayed a client without saying who it is
    /// (v1 UNKNOWN, v2 UNSPEC or AF_UNIX): such a client is never taken for
    /// one on this machine, whatever the proxy's own address.
    peer_known: bool,
    /// A trusted TLS terminator in front of us said the client used TLS.
    tls_terminated: bool,
}

#[derive(Debug)]
enum Io {
    Plain(TcpStream),
    /// Boxed: a TLS stream is large, and most of a session's life is spent
    /// moving it around.
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// A plain connection from the socket's own peer.
    pub fn plain(tcp: TcpStream) -> io::Result<Stream> {
        let peer = tcp.peer_addr()?;
        Ok(Stream {
            io: Io::Plain(tcp),
            peer,
            peer_known: true,
            tls_terminated: false,
        })
    }

    /// The same connection, the client being `peer` as a PROXY header said
    /// (`None`: relayed, but the header did not say from where).
    pub(crate) fn relayed(mut self, peer: Option<SocketAddr>, tls_terminated: bool) -> Stream {
        match peer {
            Some(peer) => self.peer = peer,
            None => self.peer_known = false,
        }
        self.tls_terminated = tls_terminated;
        self
    }

    fn tcp(&self) -> &TcpStream {
        match &self.io {
            Io::Plain(tcp) => tcp,
            Io::Tls(tls) => tls.get_ref().0,
        }
    }

    /// The client's address (the one a trusted PROXY header gave, if any).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.peer)
    }

    pub(crate) fn peer(&self) -> SocketAddr {
        self.peer
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp().local_addr()
    }

    /// Encrypted: by our own TLS, or by a trusted terminator in front.
    pub fn is_tls(&self) -> bool {
        matches!(self.io, Io::Tls(_)) || self.tls_terminated
    }

    /// Whether the client is on this machine (a loopback address, IPv4
    /// written as IPv6 included): plain-text passwords are allowed there.
    /// Behind a PROXY header this is the real client's address.
    pub fn is_loopback(&self) -> bool {
        self.peer_known && is_loopback(self.peer.ip())
    }

    /// The server name the client asked for in TLS (SNI), if any.
    pub fn server_name(&self) -> Option<&str> {
        match &self.io {
            Io::Plain(_) => None,
            Io::Tls(tls) => tls.get_ref().1.server_name(),
        }
    }

    /// Run the TLS handshake on a plain stream (STARTTLS). The caller sends
    /// its "go ahead" reply first and bounds this with a timeout.
    pub async fn start_tls(self, acceptor: &TlsAcceptor) -> io::Result<Stream> {
        match self.io {
            Io::Plain(tcp) => Ok(Stream {
                io: Io::Tls(Box::new(acceptor.accept(tcp).await?)),
                ..self
            }),
            Io::Tls(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the connection already uses TLS",
            )),
        }
    }

    /// Before closing on a client that may still be sending (an overlong
    /// line, too many errors): end our side, then read and drop what is in
    /// flight for a moment and a bounded amount. A close with unread input
    /// makes the kernel send a reset, which can throw away replies not yet
    /// delivered (a BYE, a "250 sent" the client would then send again).
    /// Quick when the client already left: its end of file comes at once.
    pub async fn linger(&mut self) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let _ = tokio::time::timeout(LINGER_SHUTDOWN, self.shutdown()).await;
        let mut budget = LINGER_BYTES;
        let mut buf = [0u8; 16 * 1024];
        let deadline = tokio::time::Instant::now() + LINGER_READ;
        while budget > 0 {
            match tokio::time::timeout_at(deadline, self.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => budget = budget.saturating_sub(n),
                _ => break,
            }
        }
    }
}

/// `Stream::linger`'s bounds: time to end our side, time and bytes to drain.
const LINGER_SHUTDOWN: Duration = Duration::from_secs(1);
const LINGER_READ: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 4 * 1024 * 1024;

pub(crate) fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Io::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Io::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().io {
            Io::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Io::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().io {
            Io::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Io::Tls(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.io {
            Io::Plain(s) => s.is_write_vectored(),
            Io::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Io::Plain(s) => Pin::new(s).poll_flush(cx),
            Io::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().io {
            Io::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Io::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::is_loopback;

    #[test]
    fn loopback_includes_ipv4_mapped_ipv6() {
        let cases = [
            ("127.0.0.1", true),
            ("127.8.9.10", true),
            ("::1", true),
            ("::ffff:127.0.0.1", true),
            ("10.0.0.1", false),
            ("::ffff:10.0.0.1", false),
            ("2001:db8::1", false),
        ];
        for (ip, want) in cases {
            assert_eq!(is_loopback(ip.parse::<IpAddr>().unwrap()), want, "{ip}");
        }
    }
}
