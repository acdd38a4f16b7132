//! A minimal IMAP client for load tests and benchmarks: send a tagged
//! command, read to its completion (skipping literals), and keep the
//! untagged lines; or send a raw line and read what comes, for IDLE. It
//! parses only what they count, so a figure never depends on a client
//! library.

use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub struct Client {
    stream: BufReader<TcpStream>,
    tag: u32,
}

/// What one command came to.
pub struct Answer {
    /// `OK`, `NO` or `BAD`.
    pub status: String,
    /// The tagged line, without the tag.
    pub text: String,
    /// Untagged lines, without literals.
    pub untagged: Vec<String>,
    /// Untagged FETCH responses.
    pub fetches: usize,
    /// Bytes of literals received.
    pub literal_bytes: usize,
}

impl Answer {
    pub fn ok(&self) -> bool {
        self.status == "OK"
    }

    /// `n` of the last `* n EXISTS`.
    pub fn exists(&self) -> Option<u32> {
        self.untagged.iter().rev().find_map(|l| exists_of(l))
    }
}

/// `n` of a `* n EXISTS` line.
pub fn exists_of(line: &str) -> Option<u32> {
    let rest = line.strip_prefix("* ")?;
    let (n, word) = rest.trim_end().split_once(' ')?;
    word.eq_ignore_ascii_case("EXISTS")
        .then(|| n.parse().ok())
        .flatten()
}

/// The number after `key` in the first line that has it: `number_after(lines,
/// "[HIGHESTMODSEQ ")` reads `* OK [HIGHESTMODSEQ 7] ...`.
pub fn number_after(lines: &[String], key: &str) -> Option<u64> {
    lines.iter().find_map(|l| {
        let at = l.find(key)? + key.len();
        let digits: String = l[at..].chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let mut c = Client {
            stream: BufReader::new(stream),
            tag: 0,
        };
        c.line().await;
        c
    }

    /// Run `command`, which must succeed; returns (FETCH responses, bytes
    /// of literals).
    pub async fn run_ok(&mut self, command: &str) -> (usize, usize) {
        let answer = self.run(command).await;
        assert!(answer.ok(), "{command}: {} {}", answer.status, answer.text);
        (answer.fetches, answer.literal_bytes)
    }

    /// Run `command` and read to its tagged answer, whatever it is.
    pub async fn run(&mut self, command: &str) -> Answer {
        self.tag += 1;
        let tag = format!("b{}", self.tag);
        self.send(&format!("{tag} {command}")).await;
        let mut answer = Answer {
            status: String::new(),
            text: String::new(),
            untagged: Vec::new(),
            fetches: 0,
            literal_bytes: 0,
        };
        loop {
            let text = self.line().await;
            if let Some(rest) = text.strip_prefix(&format!("{tag} ")) {
                let (status, text) = rest.trim_end().split_once(' ').unwrap_or((rest, ""));
                answer.status = status.to_string();
                answer.text = text.to_string();
                return answer;
            }
            if text.starts_with("* ") && text.contains(" FETCH ") {
                answer.fetches += 1;
            }
            let mut rest = text.trim_end().to_string();
            answer.untagged.push(rest.clone());
            // A line may carry several literals; read each and its tail.
            while let Some(size) = literal_size(&rest) {
                let mut buf = vec![0; size];
                self.stream.read_exact(&mut buf).await.unwrap();
                answer.literal_bytes += size;
                rest = self.line().await.trim_end().to_string();
            }
        }
    }

    /// Write one line (CRLF added).
    pub async fn send(&mut self, line: &str) {
        self.stream
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
    }

    /// Read one line; the connection must still be open.
    pub async fn line(&mut self) -> String {
        let mut line = Vec::new();
        let n = self.stream.read_until(b'\n', &mut line).await.unwrap();
        assert!(n > 0, "the server closed the connection");
        String::from_utf8_lossy(&line).into_owned()
    }
}

fn literal_size(line: &str) -> Option<usize> {
    let open = line.rfind('{')?;
    let inner = line[open + 1..].strip_suffix('}')?;
    inner.trim_end_matches('+').parse().ok()
}
