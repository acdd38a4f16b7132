//! What the IMAP wire reads from and writes to: the client's connection
//! (`Stream`, plain or TLS), and after COMPRESS=DEFLATE the same connection
//! under a DEFLATE layer (`Deflate`, RFC 4978). A compressed session that
//! has to wait for its client gives its compressor back (about 320 KiB);
//! the next response makes a new one. So only sessions producing output
//! hold one, and a session in IDLE keeps just its inflater (42 KiB).

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

use crate::server::{Deflate, Stream};

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
    /// `buf.len()` bytes; the caller has flushed its output. A compressed
    /// session whose client has sent nothing yet releases its compressor
    /// before it waits (one that finds input at once keeps it, and with it
    /// the dictionary of what it just sent). Cancel-safe, as reads of a
    /// `Stream` are.
    pub(super) async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let deflate = match self {
            Transport::Plain(stream) => return stream.read(buf).await,
            Transport::Compressed(deflate) => deflate,
        };
        let mut buf = ReadBuf::new(buf);
        poll_fn(|cx| match Pin::new(&mut *deflate).poll_read(cx, &mut buf) {
            Poll::Ready(read) => Poll::Ready(read.map(|()| buf.filled().len())),
            Poll::Pending => {
                deflate.release_compressor();
                Poll::Pending
            }
        })
        .await
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
    use flate2::{Compress, Compression, FlushCompress};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::Transport;
    use crate::server::{Deflate, Stream};

    /// A compressed transport on one end of a loopback connection, with
    /// `already_read` compressed input, and a DEFLATE client on the other.
    async fn pair(already_read: Vec<u8>) -> (Transport, Deflate<TcpStream>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let server = Stream::plain(accepted.unwrap().0).unwrap();
        (
            Transport::Compressed(Deflate::new(server, already_read)),
            Deflate::new(client.unwrap(), Vec::new()),
        )
    }

    fn deflate(transport: &mut Transport) -> &mut Deflate<Stream> {
        match transport {
            Transport::Compressed(deflate) => deflate,
            Transport::Plain(_) => unreachable!("compressed"),
        }
    }

    #[tokio::test]
    async fn a_session_that_waits_for_its_client_gives_its_compressor_back() {
        let mut command = Vec::with_capacity(256);
        Compress::new(Compression::fast(), false)
            .compress_vec(b"a1 NOOP\r\n", &mut command, FlushCompress::Sync)
            .unwrap();
        let (mut server, mut client) = pair(command).await;
        deflate(&mut server)
            .write_all(b"* OK hello\r\n")
            .await
            .unwrap();
        deflate(&mut server).flush().await.unwrap();
        assert!(deflate(&mut server).holds_compressor());
        // A command there already: the compressor is kept.
        let mut buf = [0u8; 64];
        let n = server.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"a1 NOOP\r\n");
        assert!(deflate(&mut server).holds_compressor());
        // Nothing there yet: released while waiting, and the read still
        // gets the next command.
        let (read, ()) = tokio::join!(server.read(&mut buf), async {
            client.write_all(b"a2 NOOP\r\n").await.unwrap();
            client.flush().await.unwrap();
        });
        assert_eq!(&buf[..read.unwrap()], b"a2 NOOP\r\n");
        assert!(!deflate(&mut server).holds_compressor());
        // Output goes on with a new compressor, readable as one stream.
        deflate(&mut server)
            .write_all(b"a2 OK done\r\n")
            .await
            .unwrap();
        deflate(&mut server).flush().await.unwrap();
        let mut got = [0u8; 24];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"* OK hello\r\na2 OK done\r\n");
    }
}
