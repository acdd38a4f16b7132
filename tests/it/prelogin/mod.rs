//! Exhaustion before login, from outside: raw sockets bound to distinct
//! loopback addresses (127.0.0.2, 127.0.0.3, … stand for distinct clients)
//! against the real listeners. Per-address connection caps, the absolute
//! pre-login deadline, the cap on concurrent password verifications, how
//! failed logins are counted, and the PROXY protocol.

mod caps;
mod logins;
mod proxy;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpSocket;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// How long a test waits for any one line.
const LINE_WAIT: Duration = Duration::from_secs(30);

/// A line-based client on a raw socket.
pub struct Raw {
    r: BufReader<OwnedReadHalf>,
    w: OwnedWriteHalf,
}

impl Raw {
    /// Connect to `to` from the loopback address `from` (e.g. "127.0.0.2").
    pub async fn connect(from: &str, to: SocketAddr) -> Raw {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
        let stream = socket.connect(to).await.unwrap();
        let (r, w) = stream.into_split();
        Raw {
            r: BufReader::new(r),
            w,
        }
    }

    /// Connect and send `header` (a PROXY header) before anything else.
    pub async fn connect_with(from: &str, to: SocketAddr, header: &[u8]) -> Raw {
        let mut raw = Raw::connect(from, to).await;
        raw.w.write_all(header).await.unwrap();
        raw
    }

    pub async fn send(&mut self, text: &str) {
        // The server may have closed already; the next read tells.
        let _ = self.w.write_all(text.as_bytes()).await;
    }

    /// The next line; `None` when the server closed the connection.
    pub async fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        match tokio::time::timeout(LINE_WAIT, self.r.read_line(&mut line)).await {
            Ok(Ok(0)) | Ok(Err(_)) => None,
            Ok(Ok(_)) => Some(line),
            Err(_) => panic!("no line from the server within {LINE_WAIT:?}"),
        }
    }

    /// Send an IMAP command; the tagged answer (untagged lines skipped).
    pub async fn imap(&mut self, tag: &str, command: &str) -> String {
        self.send(&format!("{tag} {command}\r\n")).await;
        loop {
            let line = self
                .line()
                .await
                .unwrap_or_else(|| panic!("connection closed before {tag} was answered"));
            if line.starts_with(&format!("{tag} ")) {
                return line;
            }
        }
    }

    /// Send an SMTP command; the last line of its reply.
    pub async fn smtp(&mut self, command: &str) -> String {
        self.send(&format!("{command}\r\n")).await;
        self.smtp_reply().await
    }

    pub async fn smtp_reply(&mut self) -> String {
        loop {
            let line = self.line().await.expect("an SMTP reply");
            if line.as_bytes().get(3) != Some(&b'-') {
                return line;
            }
        }
    }

    /// Whether the server closes the connection before `within` passes,
    /// reading (and returning) what it said until then.
    pub async fn closed_within(&mut self, within: Duration) -> Option<Vec<String>> {
        let read = async {
            let mut said = Vec::new();
            loop {
                let mut line = String::new();
                match self.r.read_line(&mut line).await {
                    Ok(0) | Err(_) => return said,
                    Ok(_) => said.push(line),
                }
            }
        };
        tokio::time::timeout(within, read).await.ok()
    }
}
