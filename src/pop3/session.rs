//! One POP3 session (RFC 1939): AUTHORIZATION (CAPA, STLS, USER/PASS, AUTH
//! in `auth.rs`), TRANSACTION over the maildrop as it was at login
//! (STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP), and UPDATE at QUIT,
//! which removes the messages marked. A connection that ends any other way
//! removes nothing. Response codes are RFC 2449's and RFC 3206's.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::Pop3Protocol;
use super::backend::{Maildrop, Pop3Backend};
use super::text::{dot_stuffed, top};
use crate::accounts::Account;
use crate::mailbox::MailError;
use crate::secret::Secret;
use crate::server::{Admission, Connection, LiveSession, Shutdown, Stream};

/// Longest line accepted: RFC 2449 allows 255 octets for a command, but a
/// SASL response (and some clients' AUTH with an initial response) is
/// longer, and OAuth tokens run to kilobytes.
const MAX_LINE: usize = 64 * 1024;
/// How long a client gets to log in after the greeting.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(60);

/// A message of the maildrop as this session sees it.
pub(super) struct Message {
    pub(super) uid: u32,
    pub(super) deleted: bool,
    /// Filled in when first asked (sizes may cost a download).
    pub(super) size: Option<u64>,
}

pub(super) struct Transaction<D> {
    pub(super) account: Account,
    pub(super) drop: D,
    pub(super) uidvalidity: u32,
    pub(super) messages: Vec<Message>,
}

pub(super) enum State<D> {
    Authorization { user: Option<String> },
    Transaction(Box<Transaction<D>>),
}

/// How a read ended.
pub(super) enum Read {
    Line(Vec<u8>),
    /// Closed, timed out, shut down or broken: the session is over (a
    /// goodbye has been queued where one is due).
    End,
}

pub(super) struct Session<'p, B: Pop3Backend> {
    pub(super) proto: &'p Pop3Protocol<B>,
    pub(super) stream: Option<Stream>,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    tls: bool,
    pub(super) peer: std::net::SocketAddr,
    input: Vec<u8>,
    pub(super) out: Vec<u8>,
    shutdown: Shutdown,
    admission: Arc<Admission>,
    pub(super) live: Arc<LiveSession>,
    pub(super) state: State<B::Drop>,
}

pub(super) async fn run<B: Pop3Backend>(
    proto: &Pop3Protocol<B>,
    conn: Connection,
    shutdown: Shutdown,
) {
    let span = tracing::info_span!("pop3", peer = %conn.peer, user = tracing::field::Empty);
    let _enter = span.enter();
    let mut s = Session {
        proto,
        tls: conn.implicit_tls,
        acceptor: if conn.implicit_tls { None } else { conn.tls },
        stream: Some(conn.stream),
        peer: conn.peer,
        input: Vec::new(),
        out: Vec::new(),
        shutdown,
        admission: conn.admission,
        live: conn.live,
        state: State::Authorization { user: None },
    };
    s.ok("graphgate POP3 ready");
    s.serve().await;
    let _ = s.flush().await;
    if let Some(stream) = s.stream.as_mut() {
        stream.linger().await;
    }
}

impl<B: Pop3Backend> Session<'_, B> {
    pub(super) fn ok(&mut self, text: &str) {
        self.out.extend_from_slice(b"+OK ");
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    pub(super) fn err(&mut self, text: &str) {
        self.out.extend_from_slice(b"-ERR ");
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    /// A multi-line answer: `+OK first`, the lines, and the end marker.
    pub(super) fn multi(&mut self, first: &str, lines: &[String]) {
        self.ok(first);
        for l in lines {
            if l.starts_with('.') {
                self.out.push(b'.');
            }
            self.out.extend_from_slice(l.as_bytes());
            self.out.extend_from_slice(b"\r\n");
        }
        self.out.extend_from_slice(b".\r\n");
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        if self.out.is_empty() {
            return Ok(());
        }
        let Some(stream) = self.stream.as_mut() else {
            return Ok(());
        };
        let out = std::mem::take(&mut self.out);
        tokio::time::timeout(Duration::from_secs(60), async {
            stream.write_all(&out).await?;
            stream.flush().await
        })
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
    }

    fn logged_in(&self) -> bool {
        matches!(self.state, State::Transaction(_))
    }

    /// The next line (CRLF or LF removed), flushing what is queued first.
    pub(super) async fn line(&mut self) -> Read {
        loop {
            if let Some(end) = self.input.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.input.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Read::Line(line);
            }
            if self.input.len() > MAX_LINE {
                self.err("line too long; closing the connection");
                return Read::End;
            }
            if self.flush().await.is_err() {
                return Read::End;
            }
            let timeout = if self.logged_in() {
                self.proto.settings.idle_timeout
            } else {
                LOGIN_TIMEOUT
            };
            let Some(stream) = self.stream.as_mut() else {
                return Read::End;
            };
            let mut buf = [0u8; 8192];
            let read = tokio::select! {
                r = tokio::time::timeout(timeout, stream.read(&mut buf)) => r,
                () = self.shutdown.recv() => {
                    if self.shutdown.ended_by_admin() {
                        tracing::info!("ended by an administrator");
                        self.err("[SYS/TEMP] an administrator ended this session; nothing was deleted");
                    } else {
                        self.err("[SYS/TEMP] graphgate is shutting down; nothing was deleted");
                    }
                    return Read::End;
                }
                () = self.admission.prelogin_expired() => {
                    tracing::info!("closing: no login before the pre-login deadline");
                    self.err("log in sooner after connecting; closing the connection");
                    return Read::End;
                }
            };
            match read {
                Ok(Ok(n)) if n > 0 => self.input.extend_from_slice(&buf[..n]),
                Ok(_) => return Read::End,
                Err(_) => {
                    self.err("autologout; idle for too long (nothing was deleted)");
                    return Read::End;
                }
            }
        }
    }

    async fn serve(&mut self) {
        loop {
            let line = match self.line().await {
                Read::Line(line) => line,
                Read::End => return,
            };
            let text = String::from_utf8_lossy(&line).into_owned();
            let (keyword, args) = match text.split_once(' ') {
                Some((k, a)) => (k.to_ascii_uppercase(), a.to_string()),
                None => (text.to_ascii_uppercase(), String::new()),
            };
            if self.logged_in() && !self.recheck(&keyword).await {
                return;
            }
            let go_on = match keyword.as_str() {
                "CAPA" => {
                    self.capa();
                    true
                }
                "QUIT" => {
                    self.quit().await;
                    false
                }
                "NOOP" if self.logged_in() => {
                    self.ok("");
                    true
                }
                _ if self.logged_in() => self.transaction(&keyword, &args).await,
                _ => self.authorization(&keyword, &args).await,
            };
            if self.logged_in() {
                self.admission.authenticated();
            }
            if !go_on {
                return;
            }
        }
    }

    /// Before each command of a logged-in session: the account and the
    /// grant still stand. `false` when the session must end.
    async fn recheck(&mut self, keyword: &str) -> bool {
        let State::Transaction(t) = &self.state else {
            return true;
        };
        if let Err(why) = self.proto.backend.still_signed_in(&t.account).await {
            self.err(&format!("[AUTH] {why}; nothing was deleted"));
            return false;
        }
        if keyword != "QUIT"
            && let Err(e) = t.drop.check_access().await
        {
            self.err(&format!("[SYS/PERM] {e}; nothing was deleted"));
            return false;
        }
        true
    }

    fn capa(&mut self) {
        let mut lines: Vec<String> = [
            "TOP",
            "UIDL",
            "RESP-CODES",
            "AUTH-RESP-CODE",
            "PIPELINING",
            "EXPIRE NEVER",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if !self.logged_in() {
            if self.login_allowed() {
                lines.push("USER".into());
                if self.proto.backend.bearer_offered() {
                    lines.push("SASL PLAIN LOGIN OAUTHBEARER XOAUTH2".into());
                } else {
                    lines.push("SASL PLAIN LOGIN".into());
                }
            }
            if self.acceptor.is_some() && !self.tls {
                lines.push("STLS".into());
            }
        }
        lines.push("IMPLEMENTATION graphgate".into());
        self.multi("capability list follows", &lines);
    }

    /// Passwords travel only over TLS, from loopback, or where allowed.
    fn login_allowed(&self) -> bool {
        self.tls
            || self.peer.ip().is_loopback()
            || self.proto.settings.allow_plaintext_auth_on_non_loopback
    }

    async fn authorization(&mut self, keyword: &str, args: &str) -> bool {
        match keyword {
            "STLS" => return self.stls().await,
            "USER" | "PASS" | "AUTH" if !self.login_allowed() => {
                self.err("[AUTH] passwords are only accepted over TLS: use STLS (or the POP3S port) first");
            }
            "USER" => {
                if args.trim().is_empty() {
                    self.err("USER needs a name");
                } else {
                    self.state = State::Authorization {
                        user: Some(args.trim().to_string()),
                    };
                    self.ok("send PASS");
                }
            }
            "PASS" => {
                let State::Authorization { user } = &mut self.state else {
                    return true;
                };
                let Some(login) = user.take() else {
                    self.err("USER first");
                    return true;
                };
                let password = Secret::new(args.to_string());
                self.login(&login, &password).await;
            }
            "AUTH" => return self.auth(args).await,
            "APOP" => self.err("APOP is not offered: use USER/PASS or AUTH over TLS"),
            "STAT" | "LIST" | "UIDL" | "RETR" | "TOP" | "DELE" | "RSET" | "NOOP" => {
                self.err("log in first");
            }
            _ => self.err("unknown command"),
        }
        true
    }

    async fn stls(&mut self) -> bool {
        let Some(acceptor) = self.acceptor.take() else {
            self.err("TLS is already on or not available here");
            return true;
        };
        self.ok("begin TLS negotiation");
        if self.flush().await.is_err() {
            return false;
        }
        // Nothing sent before the handshake may be read after it.
        self.input.clear();
        let Some(plain) = self.stream.take() else {
            return false;
        };
        match tokio::time::timeout(Duration::from_secs(30), plain.start_tls(&acceptor)).await {
            Ok(Ok(tls)) => {
                self.stream = Some(tls);
                self.tls = true;
                self.state = State::Authorization { user: None };
                true
            }
            _ => false,
        }
    }

    async fn transaction(&mut self, keyword: &str, args: &str) -> bool {
        match keyword {
            "STAT" => match self.sizes(None).await {
                Ok(sizes) => {
                    let total: u64 = sizes.iter().map(|(_, s)| s).sum();
                    self.ok(&format!("{} {total}", sizes.len()));
                }
                Err(e) => self.mail_err(&e),
            },
            "LIST" => self.list(args).await,
            "UIDL" => self.uidl(args),
            "RETR" => self.retr(args, None).await,
            "TOP" => {
                let mut parts = args.split_whitespace();
                let (n, lines) = (parts.next().unwrap_or(""), parts.next());
                match lines.and_then(|l| l.parse::<usize>().ok()) {
                    Some(lines) => self.retr(n, Some(lines)).await,
                    None => self.err("TOP needs a message number and a number of lines"),
                }
            }
            "DELE" => self.dele(args),
            "RSET" => {
                if let State::Transaction(t) = &mut self.state {
                    for m in &mut t.messages {
                        m.deleted = false;
                    }
                    let n = t.messages.len();
                    self.ok(&format!("maildrop has {n} messages"));
                }
            }
            "USER" | "PASS" | "AUTH" | "APOP" | "STLS" => self.err("already logged in"),
            _ => self.err("unknown command"),
        }
        true
    }

    fn transaction_ref(&self) -> Option<&Transaction<B::Drop>> {
        match &self.state {
            State::Transaction(t) => Some(t),
            State::Authorization { .. } => None,
        }
    }

    /// The message numbered `arg` that is not marked deleted: its index.
    fn number(&mut self, arg: &str) -> Option<usize> {
        let t = self.transaction_ref()?;
        let count = t.messages.len();
        let found = match arg.trim().parse::<usize>() {
            Ok(n) if n >= 1 && n <= count => Ok(n - 1),
            Ok(n) => Err(format!("no message {n} (the maildrop has {count})")),
            Err(_) => Err(format!("{:?} is not a message number", arg.trim())),
        };
        match found {
            Ok(i) if t.messages[i].deleted => {
                self.err(&format!("message {} is deleted", i + 1));
                None
            }
            Ok(i) => Some(i),
            Err(why) => {
                self.err(&why);
                None
            }
        }
    }

    /// (number, size) of each message not deleted, or of the one at `only`.
    async fn sizes(&mut self, only: Option<usize>) -> Result<Vec<(usize, u64)>, MailError> {
        let State::Transaction(t) = &mut self.state else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (i, m) in t.messages.iter_mut().enumerate() {
            if m.deleted || only.is_some_and(|o| o != i) {
                continue;
            }
            let size = match m.size {
                Some(size) => size,
                None => match t.drop.size(m.uid).await {
                    Ok(size) => size,
                    // Gone since login: still listed (numbers are fixed),
                    // with no octets; RETR says what happened.
                    Err(MailError::Gone(_)) => 0,
                    Err(e) => return Err(e),
                },
            };
            m.size = Some(size);
            out.push((i + 1, size));
        }
        Ok(out)
    }

    async fn list(&mut self, args: &str) {
        if args.trim().is_empty() {
            match self.sizes(None).await {
                Ok(sizes) => {
                    let lines: Vec<String> =
                        sizes.iter().map(|(n, s)| format!("{n} {s}")).collect();
                    self.multi(&format!("{} messages", lines.len()), &lines);
                }
                Err(e) => self.mail_err(&e),
            }
            return;
        }
        let Some(i) = self.number(args) else { return };
        match self.sizes(Some(i)).await {
            Ok(sizes) => match sizes.first() {
                Some((n, s)) => self.ok(&format!("{n} {s}")),
                None => self.err("no such message"),
            },
            Err(e) => self.mail_err(&e),
        }
    }

    fn uidl(&mut self, args: &str) {
        let Some(t) = self.transaction_ref() else {
            return;
        };
        let id = |m: &Message| format!("{:08x}{:08x}", t.uidvalidity, m.uid);
        if args.trim().is_empty() {
            let lines: Vec<String> = t
                .messages
                .iter()
                .enumerate()
                .filter(|(_, m)| !m.deleted)
                .map(|(i, m)| format!("{} {}", i + 1, id(m)))
                .collect();
            self.multi("unique-id listing follows", &lines);
            return;
        }
        let Some(i) = self.number(args) else { return };
        let Some(t) = self.transaction_ref() else {
            return;
        };
        let line = format!("{} {:08x}{:08x}", i + 1, t.uidvalidity, t.messages[i].uid);
        self.ok(&line);
    }

    async fn retr(&mut self, arg: &str, lines: Option<usize>) {
        let Some(i) = self.number(arg) else { return };
        let Some(t) = self.transaction_ref() else {
            return;
        };
        let uid = t.messages[i].uid;
        let fetched = t.drop.message(uid).await;
        match fetched {
            Ok(mime) => {
                let body = match lines {
                    Some(n) => top(&mime, n),
                    None => mime.to_vec(),
                };
                if lines.is_none()
                    && let State::Transaction(t) = &mut self.state
                {
                    t.messages[i].size = Some(mime.len() as u64);
                }
                let first = match lines {
                    Some(_) => "top of message follows".to_string(),
                    None => format!("{} octets", mime.len()),
                };
                self.ok(&first);
                dot_stuffed(&body, &mut self.out);
                self.out.extend_from_slice(b".\r\n");
            }
            Err(MailError::Gone(_)) => self.err(&format!(
                "[SYS/PERM] message {} was removed from the mailbox by another client since this session began",
                i + 1
            )),
            Err(e) => self.mail_err(&e),
        }
    }

    fn dele(&mut self, arg: &str) {
        let Some(i) = self.number(arg) else { return };
        let State::Transaction(t) = &mut self.state else {
            return;
        };
        if t.drop.read_only() {
            let login = t.account.login.clone();
            self.err(&format!(
                "[SYS/PERM] {login} may only read this mailbox: nothing can be deleted"
            ));
            return;
        }
        t.messages[i].deleted = true;
        self.ok(&format!("message {} deleted", i + 1));
    }

    /// QUIT: in TRANSACTION, the UPDATE state removes what was marked.
    async fn quit(&mut self) {
        let State::Transaction(t) = &self.state else {
            self.ok("graphgate POP3 signing off");
            return;
        };
        let marked: Vec<u32> = t
            .messages
            .iter()
            .filter(|m| m.deleted)
            .map(|m| m.uid)
            .collect();
        if marked.is_empty() {
            self.ok("graphgate POP3 signing off");
            return;
        }
        match t.drop.remove(&marked).await {
            Ok(removed) => {
                tracing::info!(
                    marked = marked.len(),
                    removed = removed.len(),
                    "pop3: messages deleted at QUIT"
                );
                self.ok(&format!(
                    "graphgate POP3 signing off ({} message{} deleted)",
                    marked.len(),
                    if marked.len() == 1 { "" } else { "s" }
                ));
            }
            Err(e) => {
                tracing::warn!(error = %e, "pop3: messages not deleted at QUIT");
                self.err(&format!(
                    "[SYS/TEMP] some messages marked for deletion were not removed: {e}"
                ));
            }
        }
    }

    fn mail_err(&mut self, e: &MailError) {
        let code = if e.is_temporary() {
            "SYS/TEMP"
        } else {
            "SYS/PERM"
        };
        self.err(&format!("[{code}] {e}"));
    }
}
