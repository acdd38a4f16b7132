//! One SMTP connection: read what the client sends (pipelined commands are
//! answered in order, replies flushed when the client waits), move through
//! greeting → EHLO → (STARTTLS) → AUTH → MAIL → RCPT… → DATA/BDAT, and
//! hand each message to the submitter. Every bad input gets a reply with
//! an enhanced status code; sizes and times are bounded.

use std::borrow::Cow;
use std::time::Duration;

use smtp_proto::request::receiver::{BdatReceiver, DataReceiver, RequestReceiver};
use smtp_proto::{Error as ProtoError, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsAcceptor;

use super::reply::{Reply, submit_error};
use super::{SmtpProtocol, Submitter};
use crate::accounts::Account;
use crate::mailbox::submit::Envelope;
use crate::server::{Admission, Connection, Shutdown, Stream};

/// How long the client may take to send a command, and a message.
pub(super) const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);
pub(super) const DATA_TIMEOUT: Duration = Duration::from_secs(600);
/// Bad commands tolerated before the connection is closed.
pub(super) const MAX_ERRORS: u32 = 20;

pub(super) enum Stop {
    /// Said goodbye or the client left.
    Done,
}

pub(super) struct Session<'p, S: Submitter> {
    pub(super) proto: &'p SmtpProtocol<S>,
    stream: Option<Stream>,
    acceptor: Option<TlsAcceptor>,
    pub(super) peer: std::net::SocketAddr,
    pub(super) input: Vec<u8>,
    out: Vec<u8>,
    receiver: RequestReceiver,
    shutdown: Shutdown,
    helo: Option<String>,
    pub(super) account: Option<Account>,
    envelope: Option<Envelope>,
    /// BDAT chunks so far; `Some(true)` once one was over the size limit.
    chunks: Option<(Vec<u8>, bool)>,
    /// Commands refused so far (see `reply::counts_as_error`).
    pub(super) errors: u32,
    /// The per-address slot and pre-login deadline the server gave it.
    admission: std::sync::Arc<Admission>,
    /// Its entry in the list of open sessions (the admin console).
    pub(super) live: std::sync::Arc<crate::server::LiveSession>,
}

pub(super) async fn run<S: Submitter>(
    proto: &SmtpProtocol<S>,
    conn: Connection,
    shutdown: Shutdown,
) {
    let span = tracing::info_span!("smtp", peer = %conn.peer, user = tracing::field::Empty);
    let _enter = span.enter();
    let mut s = Session {
        proto,
        acceptor: if conn.implicit_tls { None } else { conn.tls },
        stream: Some(conn.stream),
        peer: conn.peer,
        input: Vec::new(),
        out: Vec::new(),
        receiver: RequestReceiver::default(),
        shutdown,
        helo: None,
        account: None,
        envelope: None,
        chunks: None,
        errors: 0,
        admission: conn.admission,
        live: conn.live,
    };
    if s.trusted_login().is_some() {
        // A trusted client sends without AUTH: its address is its login.
        s.admission.authenticated();
    }
    s.say(Reply::new(
        220,
        "",
        format!("{} ESMTP graphgate ready", proto.settings.hostname),
    ));
    let _ = s.serve().await;
    let _ = s.flush().await;
    // No reset may lose a reply already written (a "250 sent").
    if let Some(stream) = s.stream.as_mut() {
        stream.linger().await;
    }
}

impl<S: Submitter> Session<'_, S> {
    pub(super) fn say(&mut self, reply: Reply) {
        if super::reply::counts_as_error(reply.code) {
            self.errors += 1;
        }
        reply.write(&mut self.out);
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

    /// More bytes from the client; Err when it left, timed out or we stop.
    pub(super) async fn fill(&mut self, timeout: Duration) -> Result<(), Stop> {
        if self.flush().await.is_err() {
            return Err(Stop::Done);
        }
        let Some(stream) = self.stream.as_mut() else {
            return Err(Stop::Done);
        };
        let mut buf = [0u8; 16 * 1024];
        let read = tokio::select! {
            r = tokio::time::timeout(timeout, stream.read(&mut buf)) => r,
            () = self.shutdown.recv() => {
                if self.shutdown.ended_by_admin() {
                    tracing::info!("ended by an administrator");
                    self.say(Reply::new(421, "4.7.0", "an administrator ended this session"));
                } else {
                    self.say(Reply::new(421, "4.3.2", "graphgate is shutting down; try again shortly"));
                }
                return Err(Stop::Done);
            }
            () = self.admission.prelogin_expired() => {
                tracing::info!("closing: no AUTH before the pre-login deadline");
                self.say(Reply::new(421, "4.7.0", "authenticate sooner after connecting; closing the connection"));
                return Err(Stop::Done);
            }
        };
        match read {
            Ok(Ok(n)) if n > 0 => {
                self.input.extend_from_slice(&buf[..n]);
                Ok(())
            }
            Ok(_) => Err(Stop::Done),
            Err(_) => {
                self.say(Reply::new(421, "4.4.2", "timeout: closing the connection"));
                Err(Stop::Done)
            }
        }
    }

    async fn serve(&mut self) -> Result<(), Stop> {
        loop {
            // smtp-proto's parser keeps an unfinished line of its own and
            // allows 4 KiB; only whole lines (or ones already too long) go
            // to it, so AUTH lines up to 64 KiB can be taken here instead.
            match super::line::next_line(&self.input) {
                super::line::NextLine::Incomplete => {
                    self.fill(COMMAND_TIMEOUT).await?;
                    continue;
                }
                super::line::NextLine::LongAuth(end) => {
                    let line: Vec<u8> = self.input.drain(..=end).collect();
                    let (mechanism, initial) = super::line::long_auth_line(&line);
                    self.auth(mechanism, initial).await?;
                    continue;
                }
                super::line::NextLine::AuthTooLong => {
                    self.say(Reply::new(500, "5.5.6", "AUTH line too long"));
                    return Err(Stop::Done);
                }
                super::line::NextLine::Parse => {}
            }
            let request = {
                let mut bytes = self.input.iter();
                let before = bytes.len();
                let parsed = self.receiver.ingest(&mut bytes).map(Request::into_owned);
                let used = before - bytes.len();
                self.input.drain(..used);
                parsed
            };
            match request {
                Ok(request) => {
                    self.command(request).await?;
                    if self.account.is_some() {
                        // Idempotent: lifts the pre-login deadline and frees
                        // the unauthenticated slot once AUTH succeeded.
                        self.admission.authenticated();
                    }
                    if self.too_many_errors() {
                        return Err(Stop::Done);
                    }
                }
                Err(ProtoError::NeedsMoreData { .. }) => self.fill(COMMAND_TIMEOUT).await?,
                Err(e) => {
                    self.say(protocol_error(&e));
                    if self.too_many_errors() {
                        return Err(Stop::Done);
                    }
                }
            }
        }
    }

    /// The login a trusted client address sends as, if this is one.
    fn trusted_login(&self) -> Option<String> {
        let ip = self.peer.ip();
        self.proto
            .settings
            .trusted
            .iter()
            .find(|(net, _)| net.contains(ip))
            .map(|(_, login)| login.clone())
    }

    pub(super) fn auth_allowed(&self) -> bool {
        self.stream.as_ref().is_some_and(Stream::is_tls)
            || self.stream.as_ref().is_some_and(Stream::is_loopback)
            || self.proto.settings.allow_plaintext_auth_on_non_loopback
    }

    async fn command(&mut self, request: Request<String>) -> Result<(), Stop> {
        // The account removed or its password revoked since AUTH: 421 and
        // close, at the next command whatever it is (RSET and NOOP too).
        if let Some(account) = &self.account
            && let Err(why) = self.proto.submitter.still_signed_in(account).await
        {
            self.account = None;
            self.envelope = None;
            self.say(Reply::new(421, "4.7.0", format!("access ended: {why}")));
            return Err(Stop::Done);
        }
        match request {
            Request::Ehlo { host } => self.ehlo(host, true),
            Request::Helo { host } => self.ehlo(host, false),
            Request::Lhlo { .. } => self.say(Reply::new(500, "5.5.1", "LHLO is for LMTP; use EHLO")),
            Request::StartTls => return self.starttls().await,
            Request::Auth {
                mechanism,
                initial_response,
            } => return self.auth(mechanism, initial_response).await,
            Request::Mail { from } => self.mail(from).await,
            Request::Rcpt { to } => self.rcpt(to.address),
            Request::Data => return self.data().await,
            Request::Bdat {
                chunk_size,
                is_last,
            } => return self.bdat(chunk_size, is_last).await,
            Request::Rset => {
                self.envelope = None;
                self.chunks = None;
                self.say(Reply::new(250, "2.0.0", "reset"));
            }
            Request::Noop { .. } => self.say(Reply::new(250, "2.0.0", "OK")),
            Request::Quit => {
                self.say(Reply::new(221, "2.0.0", "bye"));
                return Err(Stop::Done);
            }
            Request::Help { .. } => self.say(Reply::new(
                214,
                "2.0.0",
                "graphgate submission: EHLO, STARTTLS, AUTH PLAIN or LOGIN, MAIL FROM, RCPT TO, DATA or BDAT, RSET, NOOP, QUIT",
            )),
            Request::Vrfy { .. } => self.say(Reply::new(
                252,
                "2.5.0",
                "graphgate does not verify addresses; send the message and Microsoft 365 will deliver or bounce it",
            )),
            Request::Expn { .. } => self.say(Reply::new(502, "5.5.1", "EXPN is not offered")),
            Request::Etrn { .. } | Request::Atrn { .. } | Request::Burl { .. } => {
                self.say(Reply::new(502, "5.5.1", "that command is not offered"))
            }
        }
        Ok(())
    }

    fn ehlo(&mut self, host: String, extended: bool) {
        self.helo = Some(host);
        self.envelope = None;
        self.chunks = None;
        let name = self.proto.settings.hostname.clone();
        if !extended {
            self.say(Reply::new(250, "", format!("{name} at your service")));
            return;
        }
        let mut lines = vec![format!("{name} at your service")];
        lines.push("PIPELINING".into());
        lines.push("8BITMIME".into());
        lines.push("SMTPUTF8".into());
        lines.push(format!("SIZE {}", self.proto.settings.max_message_bytes));
        lines.push("ENHANCEDSTATUSCODES".into());
        lines.push("CHUNKING".into());
        if self.acceptor.is_some() && !self.stream.as_ref().is_some_and(Stream::is_tls) {
            lines.push("STARTTLS".into());
        }
        if self.auth_allowed() && self.account.is_none() {
            if self.proto.submitter.bearer_offered() {
                lines.push("AUTH PLAIN LOGIN OAUTHBEARER XOAUTH2".into());
            } else {
                lines.push("AUTH PLAIN LOGIN".into());
            }
        }
        lines.push("HELP".into());
        let last = lines.len() - 1;
        for (i, line) in lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            self.out
                .extend_from_slice(format!("250{sep}{line}\r\n").as_bytes());
        }
    }

    async fn starttls(&mut self) -> Result<(), Stop> {
        let Some(acceptor) = self.acceptor.clone() else {
            self.say(Reply::new(502, "5.5.1", "STARTTLS is not offered here"));
            return Ok(());
        };
        if self.stream.as_ref().is_some_and(Stream::is_tls) {
            self.say(Reply::new(503, "5.5.1", "TLS is already on"));
            return Ok(());
        }
        self.say(Reply::new(220, "2.0.0", "ready to start TLS"));
        if self.flush().await.is_err() {
            return Err(Stop::Done);
        }
        // Anything pipelined after STARTTLS is discarded (RFC 3207 §4.2).
        self.input.clear();
        self.receiver = RequestReceiver::default();
        let Some(plain) = self.stream.take() else {
            return Err(Stop::Done);
        };
        match tokio::time::timeout(Duration::from_secs(30), plain.start_tls(&acceptor)).await {
            Ok(Ok(tls)) => {
                self.stream = Some(tls);
                self.helo = None;
                self.account = None;
                self.envelope = None;
                Ok(())
            }
            _ => Err(Stop::Done),
        }
    }

    async fn mail(&mut self, from: smtp_proto::MailFrom<String>) {
        if self.account.is_none()
            && let Some(login) = self.trusted_login()
        {
            match self.proto.submitter.account(&login).await {
                Some(account) => {
                    tracing::info!(user = %account.login, "trusted client sends without AUTH");
                    self.live.logged_in(&account.login);
                    self.account = Some(account);
                }
                None => {
                    tracing::warn!(%login, "a trusted client names an account that does not exist")
                }
            }
        }
        if self.account.is_none() {
            self.say(Reply::new(
                530,
                "5.7.0",
                "authentication required: AUTH first (graphgate relays only for its users)",
            ));
            return;
        }
        if self.envelope.is_some() {
            self.say(Reply::new(
                503,
                "5.5.1",
                "MAIL FROM was already given; RSET to start over",
            ));
            return;
        }
        let max = self.proto.settings.max_message_bytes;
        if from.size > max {
            self.say(Reply::new(
                552,
                "5.3.4",
                format!("the message is larger than the {max} bytes accepted"),
            ));
            return;
        }
        self.envelope = Some(Envelope {
            mail_from: from.address,
            rcpt_to: Vec::new(),
            author_name: None,
        });
        self.chunks = None;
        self.say(Reply::new(250, "2.1.0", "sender OK"));
    }

    fn rcpt(&mut self, to: String) {
        let max = self.proto.settings.max_recipients;
        let Some(envelope) = self.envelope.as_mut() else {
            self.say(Reply::new(503, "5.5.1", "MAIL FROM first"));
            return;
        };
        if to.is_empty() || !to.contains('@') {
            self.say(Reply::new(501, "5.1.3", "a recipient needs a full address"));
            return;
        }
        if envelope.rcpt_to.len() >= max {
            self.say(Reply::new(
                452,
                "4.5.3",
                format!("at most {max} recipients per message; send the rest in another"),
            ));
            return;
        }
        if !envelope.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(&to)) {
            envelope.rcpt_to.push(to);
        }
        self.say(Reply::new(250, "2.1.5", "recipient OK"));
    }

    fn ready_for_data(&mut self) -> bool {
        match &self.envelope {
            None => {
                self.say(Reply::new(503, "5.5.1", "MAIL FROM and RCPT TO first"));
                false
            }
            Some(e) if e.rcpt_to.is_empty() => {
                self.say(Reply::new(554, "5.5.1", "no valid recipients"));
                false
            }
            Some(_) => true,
        }
    }

    async fn data(&mut self) -> Result<(), Stop> {
        if self.chunks.is_some() {
            self.say(Reply::new(503, "5.5.1", "DATA cannot follow BDAT"));
            return Ok(());
        }
        if !self.ready_for_data() {
            return Ok(());
        }
        self.say(Reply::new(
            354,
            "",
            "send the message, end with <CRLF>.<CRLF>",
        ));
        let mut receiver = DataReceiver::new();
        let mut message = Vec::new();
        let mut too_big = false;
        self.receive(&mut message, &mut too_big, |bytes, buf| {
            receiver.ingest(bytes, buf)
        })
        .await?;
        self.finish(message, too_big).await;
        Ok(())
    }

    async fn bdat(&mut self, size: usize, last: bool) -> Result<(), Stop> {
        let ready = self.chunks.is_some() || self.ready_for_data();
        if !ready {
            // The reply for the missing MAIL/RCPT was given; the chunk is dropped.
            return self.discard_chunk(size).await;
        }
        let mut receiver = BdatReceiver::new(size, last);
        let (mut message, mut too_big) = self.chunks.take().unwrap_or_default();
        self.receive(&mut message, &mut too_big, |bytes, buf| {
            receiver.ingest(bytes, buf)
        })
        .await?;
        if !last {
            self.chunks = Some((message, too_big));
            self.say(Reply::new(250, "2.0.0", format!("{size} bytes received")));
            return Ok(());
        }
        self.finish(message, too_big).await;
        Ok(())
    }

    /// Feed the client's bytes to `ingest` (DATA or BDAT) until the message
    /// is complete. Beyond the size limit the bytes are dropped as they
    /// come and `too_big` is set; the client is read to the end either way.
    async fn receive(
        &mut self,
        message: &mut Vec<u8>,
        too_big: &mut bool,
        mut ingest: impl FnMut(&mut std::slice::Iter<'_, u8>, &mut Vec<u8>) -> bool,
    ) -> Result<(), Stop> {
        let max = self.proto.settings.max_message_bytes;
        loop {
            let done = {
                let mut bytes = self.input.iter();
                let before = bytes.len();
                let done = ingest(&mut bytes, message);
                let used = before - bytes.len();
                self.input.drain(..used);
                done
            };
            if message.len() > max {
                *too_big = true;
                message.clear();
            }
            if done {
                return Ok(());
            }
            self.fill(DATA_TIMEOUT).await?;
        }
    }

    /// The end of DATA or the last BDAT: refuse what was too big, send the rest.
    async fn finish(&mut self, message: Vec<u8>, too_big: bool) {
        if too_big {
            let max = self.proto.settings.max_message_bytes;
            self.envelope = None;
            self.say(Reply::new(
                552,
                "5.3.4",
                format!("the message is larger than the {max} bytes accepted"),
            ));
            return;
        }
        self.send(message).await;
    }

    /// Hand the message over; the reply says what Graph said.
    async fn send(&mut self, message: Vec<u8>) {
        let (Some(account), Some(envelope)) = (self.account.clone(), self.envelope.take()) else {
            self.say(Reply::new(503, "5.5.1", "MAIL FROM and RCPT TO first"));
            return;
        };
        let per_day = self.proto.settings.messages_per_day;
        let counted = match self
            .proto
            .submitter
            .count_message(&account.login, per_day)
            .await
        {
            Ok(Some(counted)) => counted,
            Ok(None) => {
                self.say(Reply::new(
                    550,
                    "5.7.1",
                    format!(
                        "{} has sent its {per_day} messages for today; more tomorrow (UTC)",
                        account.login
                    ),
                ));
                return;
            }
            Err(e) => {
                tracing::error!(user = %account.login, error = %e, "cannot count the message against the daily limit");
                self.say(Reply::new(
                    451,
                    "4.3.0",
                    "graphgate cannot check the daily sending limit right now; try again later",
                ));
                return;
            }
        };
        // While Graph works, keep the client informed of nothing: SMTP has
        // no progress replies; the submission is bounded by Graph timeouts.
        let _ = self.flush().await;
        let envelope = self.with_author_name(&account, envelope, &message).await;
        let keep_copy = !self.proto.settings.no_sent_copy.contains(&account.login);
        let started = std::time::Instant::now();
        let sent = self
            .proto
            .submitter
            .submit(&account, &envelope, &message, keep_copy)
            .await;
        let outcome = match &sent {
            Ok(_) => "sent",
            Err(e) if submit_error(e).code >= 500 => "refused",
            Err(_) => "failed",
        };
        crate::observe::metrics::smtp_submission(outcome, started.elapsed());
        match sent {
            Ok(id) => self.say(Reply::new(250, "2.0.0", format!("sent {id}"))),
            Err(e) => {
                self.proto.submitter.uncount_message(&counted).await;
                tracing::info!(user = %account.login, error = %e, "message not sent");
                self.say(submit_error(&e));
            }
        }
    }
}

fn protocol_error(e: &ProtoError) -> Reply {
    match e {
        ProtoError::UnknownCommand => Reply::new(500, "5.5.2", "unknown command"),
        ProtoError::InvalidSenderAddress => {
            Reply::new(501, "5.1.7", "the sender address is not valid")
        }
        ProtoError::InvalidRecipientAddress => {
            Reply::new(501, "5.1.3", "the recipient address is not valid")
        }
        ProtoError::SyntaxError { syntax } => Reply::new(501, "5.5.4", format!("syntax: {syntax}")),
        ProtoError::InvalidParameter { param } => {
            Reply::new(501, "5.5.4", format!("invalid parameter {param}"))
        }
        ProtoError::UnsupportedParameter { param } => Reply::new(
            555,
            "5.5.4",
            format!(
                "unsupported parameter {}",
                Cow::<str>::Borrowed(param)
                    .chars()
                    .take(40)
                    .collect::<String>()
            ),
        ),
        ProtoError::ResponseTooLong => Reply::new(500, "5.5.6", "line too long"),
        ProtoError::NeedsMoreData { .. } | ProtoError::InvalidResponse { .. } => {
            Reply::new(500, "5.5.2", "command not understood")
        }
    }
}
