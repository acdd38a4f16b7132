//! What the IMAP wire reads from and writes to: the client's connection
//! (`Stream`, plain or TLS), and after COMPRESS=DEFLATE the same connection
//! under a DEFLATE layer (`Deflate`, RFC 4978). A compressed session that
//! waits for its client longer than `KEEP_COMPRESSOR` gives its compressor
//! back (about 300 KiB); the next response makes a new one.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWrite};
use tokio::time::Instant;

use crate::server::{Deflate, Stream};

/// How long a compressed session keeps its compressor once all its output
/// is flushed and it waits for the client: long enough that a client's
/// next command usually finds it (and the dictionary of what was just
/// sent), short enough that sessions in IDLE hold only the inflater.
pub(super) const KEEP_COMPRESSOR: Duration = Duration::from_secs(1);

/// The connection under the IMAP framing.
pub(super) enum Transport {
    Plain(Stream),
    Compressed(Deflate<Stream>),
}

impl Transport {
    /// The connection itself (who the client is, whether it is TLS).
    pub(super) fn stream(&self) -> &Stream {
        match self {
            Transport::Plain(stream) => stream,
            Transport::Compressed(deflate) => deflate.get_ref(),
        }
    }

    pub(super) fn stream_mut(&mut self) -> &mut Stream {
        match self {
            Transport::Plain(stream) => stream,
            Transport::Compressed(deflate) => deflate.get_mut(),
        }
    }

    pub(super) fn is_compressed(&self) -> bool {
        matches!(self, Transport::Compressed(_))
    }

    /// Read what the client sent (inflated, if compressed), at most
    /// `buf.len()` bytes. `quiet_since`: when output was last flushed; a
    /// compressed session that is still waiting `KEEP_COMPRESSOR` after it
    /// releases its compressor. Cancel-safe, as reads of a `Stream` are.
    pub(super) async fn read(&mut self, buf: &mut [u8], quiet_since: Instant) -> io::Result<usize> {
        match self {
            Transport::Plain(stream) => stream.read(buf).await,
            Transport::Compressed(deflate) => {
                if deflate.holds_compressor() {
                    tokio::select! {
                        read = deflate.read(buf) => return read,
                        () = tokio::time::sleep_until(quiet_since + KEEP_COMPRESSOR) => {
                            deflate.release_compressor();
                        }
                    }
                }
                deflate.read(buf).await
            }
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Compressed(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Compressed(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Compressed(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::time::Instant;

    use super::{KEEP_COMPRESSOR, Transport};
    use crate::server::{Deflate, Stream};

    /// A compressed transport on one end of a loopback connection, and a
    /// DEFLATE client on the other.
    async fn pair() -> (Transport, Deflate<TcpStream>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let server = Stream::plain(accepted.unwrap().0).unwrap();
        (
            Transport::Compressed(Deflate::new(server, Vec::new())),
            Deflate::new(client.unwrap(), Vec::new()),
        )
    }

    #[tokio::test]
    async fn a_session_quiet_for_long_enough_gives_its_compressor_back() {
        let (mut server, mut client) = pair().await;
        let Transport::Compressed(deflate) = &mut server else {
            unreachable!()
        };
        deflate.write_all(b"* OK hello\r\n").await.unwrap();
        deflate.flush().await.unwrap();
        assert!(deflate.holds_compressor());
        // Quiet since just now: a command that comes at once finds it.
        client.write_all(b"a1 NOOP\r\n").await.unwrap();
        client.flush().await.unwrap();
        let mut buf = [0u8; 64];
        let n = server.read(&mut buf, Instant::now()).await.unwrap();
        assert_eq!(&buf[..n], b"a1 NOOP\r\n");
        let Transport::Compressed(deflate) = &mut server else {
            unreachable!()
        };
        assert!(deflate.holds_compressor());
        // Quiet for longer than KEEP_COMPRESSOR: released while waiting,
        // and the read still gets the next command.
        let long_ago = Instant::now() - KEEP_COMPRESSOR - Duration::from_millis(1);
        let (read, ()) = tokio::join!(server.read(&mut buf, long_ago), async {
            client.write_all(b"a2 NOOP\r\n").await.unwrap();
            client.flush().await.unwrap();
        });
        assert_eq!(&buf[..read.unwrap()], b"a2 NOOP\r\n");
        let Transport::Compressed(deflate) = &mut server else {
            unreachable!()
        };
        assert!(!deflate.holds_compressor());
        // Output goes on with a new compressor, readable as one stream.
        deflate.write_all(b"a2 OK done\r\n").await.unwrap();
        deflate.flush().await.unwrap();
        let mut got = [0u8; 24];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"* OK hello\r\na2 OK done\r\n");
    }
}
