//! Real sessions over real TCP on 127.0.0.1: the protocol front gets an
//! accepted connection exactly as from a listener, the fuzzer's client
//! writes the input in pieces (so framing sees commands split and
//! pipelined) while reading everything the server says until it closes.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

use super::Rng;
use crate::server::{Admission, Connection, Protocol, Stream, shutdown_channel};

/// More than this from one fuzzed session is a reply that grew without bound.
pub(crate) const MAX_OUTPUT: usize = 16 * 1024 * 1024;
/// A session that neither answers nor ends in this long is hung. Generous:
/// it only catches loops and waits that never end.
const HANG: Duration = Duration::from_secs(30);

/// What the server said, and whether the connection ended in a reset.
pub(crate) struct Output {
    pub bytes: Vec<u8>,
    pub reset: bool,
}

/// A runtime and a listener, reused for every execution of a target.
pub(crate) struct Loopback {
    runtime: Runtime,
    listener: TcpListener,
}

impl Loopback {
    pub(crate) fn new() -> Loopback {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("no tokio runtime: {e}"));
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .unwrap_or_else(|e| panic!("cannot listen on 127.0.0.1: {e}"));
        Loopback { runtime, listener }
    }

    /// One session of `protocol` fed `input`; everything the server wrote.
    pub(crate) fn session<P: Protocol>(
        &self,
        protocol: &P,
        input: &[u8],
    ) -> Result<Output, String> {
        self.runtime.block_on(async {
            let addr = self.listener.local_addr().map_err(|e| e.to_string())?;
            let (client, accepted) = tokio::join!(TcpStream::connect(addr), self.listener.accept());
            let client = client.map_err(|e| format!("connect: {e}"))?;
            let (server, peer) = accepted.map_err(|e| format!("accept: {e}"))?;
            let local = server.local_addr().map_err(|e| e.to_string())?;
            let conn = Connection {
                stream: Stream::plain(server).map_err(|e| e.to_string())?,
                implicit_tls: false,
                tls: None,
                peer,
                local,
                admission: Admission::unlimited(std::time::Duration::from_secs(60)),
                live: crate::server::LiveSession::unregistered(protocol.name(), peer),
            };
            let (_trigger, shutdown) = shutdown_channel();
            let (mut read, mut write) = client.into_split();
            let pieces = pieces(input);
            let writer = async move {
                for piece in pieces {
                    // The server may close first (BYE, a refused literal):
                    // what it said is still read below.
                    if write.write_all(piece).await.is_err() {
                        return;
                    }
                    tokio::task::yield_now().await;
                }
                let _ = write.shutdown().await;
            };
            let reader = async move {
                let mut out = Vec::new();
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    match read.read(&mut buf).await {
                        Ok(0) => {
                            return Ok(Output {
                                bytes: out,
                                reset: false,
                            });
                        }
                        // The server closed with our input unread: the
                        // kernel resets, and may drop what it said last.
                        Err(_) => {
                            return Ok(Output {
                                bytes: out,
                                reset: true,
                            });
                        }
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                    }
                    if out.len() > MAX_OUTPUT {
                        return Err(format!("the server said more than {MAX_OUTPUT} bytes"));
                    }
                }
            };
            let all = async {
                let ((), (), out) = tokio::join!(protocol.serve(conn, shutdown), writer, reader);
                out
            };
            tokio::time::timeout(HANG, all)
                .await
                .map_err(|_| format!("the session hung for {} s", HANG.as_secs()))?
        })
    }
}

/// The input cut in one to eight pieces at places drawn from its own hash,
/// so the same input is always sent the same way.
fn pieces(input: &[u8]) -> Vec<&[u8]> {
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut rng = Rng::new(hash);
    let mut cuts: Vec<usize> = (0..rng.below(8))
        .map(|_| rng.below(input.len() + 1))
        .collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut from = 0;
    for cut in cuts.into_iter().chain([input.len()]) {
        out.push(&input[from..cut]);
        from = cut;
    }
    out
}
