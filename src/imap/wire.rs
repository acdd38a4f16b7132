//! The IMAP byte stream of one connection: imap-codec's `Fragmentizer` cuts
//! the input into lines and literals, the codecs decode commands, SASL data
//! and IDLE's DONE, and responses are encoded and written with a stall
//! timeout. Limits on lines, literals and whole commands are enforced here,
//! before anything is buffered beyond them; after COMPRESS=DEFLATE they
//! apply to the inflated bytes, which arrive one read buffer at a time.
//!
//! imap-next's server state machine is not used: it answers an oversized
//! literal with its own untagged-code BAD (we owe `[TOOBIG]`), cannot change
//! its limits after login, and its stream type does not fit ours.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use imap_codec::decode::Decoder;
use imap_codec::encode::{Encoder, Fragment};
use imap_codec::fragmentizer::{FragmentInfo, Fragmentizer, LineEnding, LiteralAnnouncement};
use imap_codec::{
    AuthenticateDataCodec, CommandCodec, GreetingCodec, IdleDoneCodec, ResponseCodec,
};
use imap_types::IntoStatic;
use imap_types::auth::AuthenticateData;
use imap_types::core::{LiteralMode, Tag};
use imap_types::mailbox::Mailbox;
use imap_types::response::{Data, Greeting, Response, Status};
use tokio::io::AsyncWriteExt;
use tokio_rustls::TlsAcceptor;

use super::grammar::{self, Request};
use super::transport::Transport;
use super::utf8;
use crate::server::{CorruptStream, Deflate, Stream};

/// How long one write may make no progress before the client counts as gone.
const WRITE_STALL: Duration = Duration::from_secs(120);
/// Encoded output is written once this much is waiting (or at a flush).
const FLUSH_AT: usize = 64 * 1024;

/// Size limits for what a client sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Limits {
    /// Largest literal accepted.
    pub literal: u32,
    /// Longest line outside literals, its CRLF included.
    pub line: usize,
    /// Largest whole command, literals included.
    pub command: usize,
}

/// The longest command line: 64 KiB of text plus its CRLF, before and after
/// login, as Dovecot's default `imap_max_line_length` (clients such as an
/// ID with RFC 2971's 30 pairs of 1,024-octet values rely on that much).
const LINE: usize = 64 * 1024 + 2;

/// How many times the literal limit (APPENDLIMIT) one command may carry in
/// all. A command is buffered whole before it runs, and MULTIAPPEND (RFC
/// 3502) stores nothing before it has every message (all or none), so the
/// messages of one APPEND share this bound: each may be as large as
/// APPENDLIMIT, together at most twice that. A synchronizing literal that
/// would go over it is refused with `NO [TOOBIG]` before the client sends
/// it; the client can append the rest in another command. Two keeps a
/// connection's memory within a small multiple of what one APPEND of one
/// message already needs.
pub(super) const COMMAND_LITERALS: usize = 2;

impl Limits {
    /// Before login: a full command line, literals only as large as LOGIN
    /// and AUTHENTICATE need.
    pub(super) const BEFORE_LOGIN: Limits = Limits {
        literal: 8 * 1024,
        line: LINE,
        command: LINE + 16 * 1024,
    };

    /// After login, with APPEND literals up to `max_literal`, and up to
    /// `COMMAND_LITERALS` times that in one command (MULTIAPPEND).
    pub(super) fn after_login(max_literal: u32) -> Limits {
        Limits {
            literal: max_literal,
            line: LINE,
            command: (max_literal as usize)
                .saturating_mul(COMMAND_LITERALS)
                .saturating_add(128 * 1024),
        }
    }
}

/// What the next client message is expected to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    Command,
    /// A line of base64 SASL data (or `*`) after `+` in AUTHENTICATE.
    AuthData,
    /// `DONE` after `+ idling`.
    IdleDone,
}

/// One message from the client.
#[derive(Debug)]
pub(super) enum Incoming {
    Command(Box<Request>),
    AuthData(AuthenticateData<'static>),
    IdleDone,
    /// It could not be decoded: answer BAD (tagged when the tag is known).
    Malformed {
        tag: Option<Tag<'static>>,
        why: String,
    },
    /// A synchronizing literal over the limit was refused before the client
    /// sent it; the command is void.
    LiteralRefused {
        tag: Option<Tag<'static>>,
        length: u32,
    },
    /// A synchronizing literal within the literal limit, but that would
    /// take the whole command over its limit (a MULTIAPPEND of many large
    /// messages), was refused before the client sent it; the command is void.
    CommandRefused {
        tag: Option<Tag<'static>>,
        limit: usize,
    },
}

/// Why the connection cannot go on.
#[derive(Debug, thiserror::Error)]
pub(super) enum WireError {
    #[error("the client closed the connection")]
    Closed,
    #[error("connection error: {0}")]
    Io(#[from] io::Error),
    #[error("a line longer than {0} bytes")]
    LineTooLong(usize),
    #[error("a command longer than {0} bytes")]
    CommandTooLong(usize),
    /// A non-synchronizing literal (LITERAL+) over the limit is already on
    /// its way; RFC 7888 lets the server refuse it and close.
    #[error("a non-synchronizing literal of {length} bytes, over the limit")]
    LiteralPlusTooBig {
        tag: Option<Tag<'static>>,
        length: u32,
    },
    #[error("the client stopped reading")]
    WriteStalled,
    /// After COMPRESS: what the client sent is not DEFLATE.
    #[error("the client's compressed data could not be inflated")]
    Inflate,
}

/// Pieces at least this large are queued as they are, not gathered.
const PIECE: usize = 16 * 1024;

/// Output waiting for the socket, in order: large pieces (a message's
/// literal) as the encoder made them, small ones gathered into one buffer.
/// Written from an offset (never shifted), and the gathering buffer does
/// not keep more than twice `FLUSH_AT` once empty, so a session that once
/// sent a large message does not hold on to its size.
#[derive(Debug, Default)]
struct Outbox {
    pieces: VecDeque<Vec<u8>>,
    gathered: Vec<u8>,
    /// How much of the first piece (or of `gathered`, when there are no
    /// pieces) has been written.
    written: usize,
    /// Bytes queued and not yet written.
    len: usize,
}

impl Outbox {
    fn push(&mut self, data: Vec<u8>) {
        if data.len() < PIECE {
            return self.extend(&data);
        }
        if !self.gathered.is_empty() {
            let gathered = std::mem::take(&mut self.gathered);
            self.pieces.push_back(gathered);
        }
        self.len += data.len();
        self.pieces.push_back(data);
    }

    fn extend(&mut self, bytes: &[u8]) {
        self.gathered.extend_from_slice(bytes);
        self.len += bytes.len();
    }

    fn len(&self) -> usize {
        self.len
    }

    /// What to write next (`None`: nothing).
    fn front(&self) -> Option<&[u8]> {
        let next = match self.pieces.front() {
            Some(piece) => &piece[self.written..],
            None => &self.gathered[self.written..],
        };
        (!next.is_empty()).then_some(next)
    }

    /// `n` bytes of `front()` were written.
    fn consume(&mut self, n: usize) {
        self.written += n;
        self.len = self.len.saturating_sub(n);
        match self.pieces.front() {
            Some(piece) if self.written >= piece.len() => {
                self.pieces.pop_front();
                self.written = 0;
            }
            Some(_) => {}
            None if self.written >= self.gathered.len() => {
                self.written = 0;
                self.gathered.clear();
                if self.gathered.capacity() > 2 * FLUSH_AT {
                    self.gathered = Vec::new();
                }
            }
            None => {}
        }
    }
}

/// The connection's IMAP framing.
pub(super) struct Wire {
    /// `None` only while STARTTLS or COMPRESS swaps it.
    stream: Option<Transport>,
    max_command: usize,
    fragmentizer: Fragmentizer,
    out: Outbox,
    expect: Expect,
    limits: Limits,
    /// Start of the unfinished line in the current message.
    line_start: usize,
    in_literal: bool,
    /// Mailbox names in responses go out in UTF-8 (RFC 6855).
    utf8_names: bool,
}

impl Wire {
    /// `max_command` bounds every command for the life of the connection.
    pub(super) fn new(stream: Stream, max_command: usize) -> Wire {
        Wire {
            stream: Some(Transport::Plain(stream)),
            max_command,
            fragmentizer: fragmentizer(max_command),
            out: Outbox::default(),
            expect: Expect::Command,
            limits: Limits::BEFORE_LOGIN,
            line_start: 0,
            in_literal: false,
            utf8_names: false,
        }
    }

    /// From now on, mailbox names in responses are UTF-8 (UTF8=ACCEPT).
    pub(super) fn set_utf8_names(&mut self) {
        self.utf8_names = true;
    }

    /// A mailbox name as this client reads names.
    pub(super) fn mailbox_for_client(&self, mut mailbox: Mailbox<'static>) -> Mailbox<'static> {
        if self.utf8_names {
            utf8::mailbox_to_utf8(&mut mailbox);
        }
        mailbox
    }

    /// `data` with its mailbox name as this client reads names.
    pub(super) fn for_client<'a>(&self, mut data: Data<'a>) -> Data<'a> {
        if self.utf8_names {
            utf8::names_to_utf8(&mut data);
        }
        data
    }

    /// Whether the connection is encrypted.
    pub(super) fn is_tls(&self) -> bool {
        self.stream.as_ref().is_some_and(|t| t.stream().is_tls())
    }

    /// Whether the client is on this machine.
    pub(super) fn is_loopback(&self) -> bool {
        self.stream
            .as_ref()
            .is_some_and(|t| t.stream().is_loopback())
    }

    /// Whether COMPRESS=DEFLATE is on.
    pub(super) fn is_compressed(&self) -> bool {
        self.stream.as_ref().is_some_and(Transport::is_compressed)
    }

    fn stream(&mut self) -> Result<&mut Transport, WireError> {
        self.stream.as_mut().ok_or(WireError::Closed)
    }

    /// Send what is queued, then run the TLS handshake (STARTTLS). Input
    /// buffered so far is dropped on purpose: nothing the client sent before
    /// the handshake may count after it.
    pub(super) async fn start_tls(&mut self, acceptor: &TlsAcceptor) -> Result<(), WireError> {
        self.flush().await?;
        let plain = match self.stream.take() {
            Some(Transport::Plain(plain)) => plain,
            Some(Transport::Compressed(_)) | None => return Err(WireError::Closed),
        };
        self.stream = Some(Transport::Plain(plain.start_tls(acceptor).await?));
        self.fragmentizer = fragmentizer(self.max_command);
        self.line_start = 0;
        self.in_literal = false;
        self.expect = Expect::Command;
        Ok(())
    }

    /// Send what is queued (COMPRESS's tagged OK, uncompressed), then
    /// compress both directions from the next byte on (RFC 4978 §3).
    /// Input the client sent after the COMPRESS line and that was already
    /// read is kept, not dropped as at STARTTLS: the client compresses from
    /// the first command after COMPRESS, so those bytes are the start of its
    /// compressed stream (a client that did not wait for the OK loses
    /// nothing; one that sent plain text after it fails to inflate and is
    /// disconnected). There is no security boundary to protect here, unlike
    /// at STARTTLS: both sides of it are the same authenticated channel.
    pub(super) async fn start_deflate(&mut self) -> Result<(), WireError> {
        self.flush().await?;
        let already_read = unparsed(&mut self.fragmentizer);
        self.fragmentizer = fragmentizer(self.max_command);
        let plain = match self.stream.take() {
            Some(Transport::Plain(plain)) => plain,
            Some(Transport::Compressed(_)) | None => return Err(WireError::Closed),
        };
        self.stream = Some(Transport::Compressed(Deflate::new(plain, already_read)));
        self.line_start = 0;
        self.in_literal = false;
        self.expect = Expect::Command;
        Ok(())
    }

    pub(super) fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    pub(super) fn expect(&mut self, expect: Expect) {
        self.expect = expect;
    }

    /// The next message from the client.
    pub(super) async fn next(&mut self) -> Result<Incoming, WireError> {
        loop {
            if let Some(incoming) = self.progress()? {
                return Ok(incoming);
            }
            self.flush().await?;
            // One read: at most this much reaches the framing, inflated or
            // not, before the limits below are checked again.
            let mut buf = [0u8; 16 * 1024];
            let n = match self.stream()?.read(&mut buf).await {
                Ok(n) => n,
                Err(e) if CorruptStream::caused(&e) => {
                    tracing::debug!(error = %e, "COMPRESS input");
                    return Err(WireError::Inflate);
                }
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                return Err(WireError::Closed);
            }
            self.fragmentizer.enqueue_bytes(&buf[..n]);
        }
    }

    fn progress(&mut self) -> Result<Option<Incoming>, WireError> {
        loop {
            let Some(fragment) = self.fragmentizer.progress() else {
                let pending = self.fragmentizer.message_bytes().len();
                if !self.in_literal && pending.saturating_sub(self.line_start) > self.limits.line {
                    return Err(WireError::LineTooLong(self.limits.line));
                }
                return Ok(None);
            };
            if self.fragmentizer.message_bytes().len() > self.limits.command
                || self.fragmentizer.is_max_message_size_exceeded()
            {
                return Err(WireError::CommandTooLong(self.limits.command));
            }
            match fragment {
                FragmentInfo::Line {
                    start,
                    end,
                    announcement,
                    ending,
                } => {
                    if end - start > self.limits.line {
                        return Err(WireError::LineTooLong(self.limits.line));
                    }
                    if ending == LineEnding::Lf {
                        self.fragmentizer.poison_message();
                    }
                    self.line_start = end;
                    match announcement {
                        Some(LiteralAnnouncement { mode, length }) => {
                            if length > self.limits.literal {
                                let tag = self.tag();
                                self.line_start = 0;
                                return match mode {
                                    LiteralMode::Sync => {
                                        self.fragmentizer.skip_message();
                                        Ok(Some(Incoming::LiteralRefused { tag, length }))
                                    }
                                    LiteralMode::NonSync => {
                                        Err(WireError::LiteralPlusTooBig { tag, length })
                                    }
                                };
                            }
                            let total = self
                                .fragmentizer
                                .message_bytes()
                                .len()
                                .saturating_add(length as usize);
                            if total > self.limits.command && mode == LiteralMode::Sync {
                                let tag = self.tag();
                                self.line_start = 0;
                                self.fragmentizer.skip_message();
                                let limit = self.limits.command;
                                return Ok(Some(Incoming::CommandRefused { tag, limit }));
                            }
                            if mode == LiteralMode::Sync {
                                self.out.extend(b"+ Ready for literal data\r\n");
                            }
                            self.in_literal = true;
                        }
                        None => {
                            let incoming = self.decode(start);
                            self.line_start = 0;
                            return Ok(Some(incoming));
                        }
                    }
                }
                FragmentInfo::Literal { end, .. } => {
                    self.in_literal = false;
                    self.line_start = end;
                }
            }
        }
    }

    fn tag(&self) -> Option<Tag<'static>> {
        self.fragmentizer.decode_tag().map(IntoStatic::into_static)
    }

    /// Decode the complete current message; `last_line` is where its final line starts.
    fn decode(&self, last_line: usize) -> Incoming {
        let bytes = self.fragmentizer.message_bytes();
        let malformed = |why: &str| Incoming::Malformed {
            tag: match self.expect {
                Expect::Command => self.tag(),
                Expect::AuthData | Expect::IdleDone => None,
            },
            why: why.to_string(),
        };
        if self.fragmentizer.is_message_poisoned() {
            return malformed("lines must end with CRLF");
        }
        match self.expect {
            Expect::Command => match CommandCodec::default().decode(bytes) {
                Ok((b"", command)) => {
                    Incoming::Command(Box::new(Request::from(command.into_static())))
                }
                _ => match grammar::parse(bytes, last_line) {
                    Some(Ok(request)) => Incoming::Command(Box::new(request)),
                    Some(Err(why)) => malformed(&why),
                    None => malformed(&why_malformed(bytes)),
                },
            },
            Expect::AuthData => match AuthenticateDataCodec::default().decode(bytes) {
                Ok((b"", data)) => Incoming::AuthData(data.into_static()),
                _ => malformed("expected a line of base64 SASL data or *"),
            },
            Expect::IdleDone => match IdleDoneCodec::default().decode(bytes) {
                Ok((b"", _)) => Incoming::IdleDone,
                _ => malformed("expected DONE to end IDLE"),
            },
        }
    }

    /// Queue the greeting.
    pub(super) fn greet(&mut self, greeting: &Greeting<'_>) {
        self.out
            .push(GreetingCodec::default().encode(greeting).dump());
    }

    pub(super) fn status(&mut self, status: Status<'_>) {
        self.response(&Response::Status(status));
    }

    pub(super) fn data(&mut self, data: Data<'_>) {
        let data = self.for_client(data);
        self.response(&Response::Data(data));
    }

    /// Queue a response. Its pieces are moved, not copied: a message's
    /// literal goes to the socket from the buffer the encoder wrote it to.
    pub(super) fn response(&mut self, response: &Response<'_>) {
        for fragment in ResponseCodec::default().encode(response) {
            match fragment {
                Fragment::Line { data } | Fragment::Literal { data, .. } => self.out.push(data),
            }
        }
    }

    /// Queue a FETCH or STATUS response with `items` (already valid
    /// protocol bytes, such as OBJECTID's, which imap-types has no variant
    /// for) added at the end of its parenthesised list.
    pub(super) fn data_with_items(&mut self, data: Data<'_>, items: &[u8]) {
        let data = self.for_client(data);
        let mut fragments: Vec<Fragment> = ResponseCodec::default()
            .encode(&Response::Data(data))
            .collect();
        if let Some(Fragment::Line { data }) = fragments.last_mut()
            && !items.is_empty()
            && data.ends_with(b")\r\n")
        {
            let at = data.len() - 3;
            let mut added = Vec::with_capacity(items.len() + 1);
            // After a literal the line is `)` alone: a space still goes first.
            if at == 0 || data[at - 1] != b'(' {
                added.push(b' ');
            }
            added.extend_from_slice(items);
            data.splice(at..at, added);
        }
        for fragment in fragments {
            match fragment {
                Fragment::Line { data } | Fragment::Literal { data, .. } => self.out.push(data),
            }
        }
    }

    /// Queue raw, already valid protocol bytes (continuation requests).
    pub(super) fn raw(&mut self, bytes: &[u8]) {
        self.out.extend(bytes);
    }

    /// Whether enough output is waiting that it should be written now.
    pub(super) fn should_flush(&self) -> bool {
        self.out.len() >= FLUSH_AT
    }

    /// Write everything queued. Safe to cancel: what was written is gone
    /// from the queue, the rest stays.
    pub(super) async fn flush(&mut self) -> Result<(), WireError> {
        while let Some(pending) = self.out.front() {
            let stream = self.stream.as_mut().ok_or(WireError::Closed)?;
            let n = match tokio::time::timeout(WRITE_STALL, stream.write(pending)).await {
                Ok(result) => result?,
                Err(_elapsed) => return Err(WireError::WriteStalled),
            };
            if n == 0 {
                return Err(WireError::Closed);
            }
            self.out.consume(n);
        }
        match tokio::time::timeout(WRITE_STALL, self.stream()?.flush()).await {
            Ok(result) => Ok(result?),
            Err(_elapsed) => Err(WireError::WriteStalled),
        }
    }

    /// Before closing on a client that is still sending (an overlong line):
    /// see `Stream::linger`.
    pub(super) async fn linger(&mut self) {
        if let Some(transport) = self.stream.as_mut() {
            transport.stream_mut().linger().await;
        }
    }

    /// Flush if a lot is waiting (while streaming FETCH results).
    pub(super) async fn flush_if_full(&mut self) -> Result<(), WireError> {
        if self.should_flush() {
            self.flush().await?;
        }
        Ok(())
    }
}

/// The bytes enqueued in `fragmentizer` but not yet framed after its
/// current, complete message. imap-codec's Fragmentizer does not hand out
/// its unparsed input, so it is run to the end and the messages it cuts
/// are put back together: every byte it parses lands in its message
/// buffer. They are at most one read (`Wire::next` reads only once all
/// that was enqueued is parsed), far below the message size limit. The
/// fragmentizer is spent afterwards.
fn unparsed(fragmentizer: &mut Fragmentizer) -> Vec<u8> {
    let mut rest = Vec::new();
    while fragmentizer.progress().is_some() {
        if fragmentizer.is_message_complete() {
            rest.extend_from_slice(fragmentizer.message_bytes());
        }
    }
    // The unfinished last message (the loop ended inside it).
    rest.extend_from_slice(fragmentizer.message_bytes());
    rest
}

fn fragmentizer(max_command: usize) -> Fragmentizer {
    Fragmentizer::new(u32::try_from(max_command.saturating_add(1)).unwrap_or(u32::MAX))
}

/// A sentence for a command imap-codec could not decode.
fn why_malformed(bytes: &[u8]) -> String {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut words = line
        .split(|&b| b == b' ' || b == b'\r')
        .filter(|w| !w.is_empty());
    let _tag = words.next();
    let Some(name) = words.next() else {
        return "expected a tag and a command".into();
    };
    let mut name = String::from_utf8_lossy(name).to_ascii_uppercase();
    if name == "UID"
        && let Some(sub) = words.next()
    {
        name = format!("UID {}", String::from_utf8_lossy(sub).to_ascii_uppercase());
    }
    const KNOWN: [&str; 38] = [
        "CAPABILITY",
        "NOOP",
        "LOGOUT",
        "STARTTLS",
        "AUTHENTICATE",
        "LOGIN",
        "SELECT",
        "EXAMINE",
        "CREATE",
        "DELETE",
        "RENAME",
        "SUBSCRIBE",
        "UNSUBSCRIBE",
        "LIST",
        "LSUB",
        "STATUS",
        "APPEND",
        "CHECK",
        "CLOSE",
        "EXPUNGE",
        "SEARCH",
        "FETCH",
        "STORE",
        "COPY",
        "MOVE",
        "UID FETCH",
        "UID STORE",
        "UID COPY",
        "UID MOVE",
        "UID SEARCH",
        "UID EXPUNGE",
        "SORT",
        "UID SORT",
        "IDLE",
        "ENABLE",
        "UNSELECT",
        "NAMESPACE",
        "ID",
    ];
    if name == "COMPRESS" {
        "COMPRESS takes DEFLATE, the one algorithm graphgate offers (RFC 4978)".into()
    } else if KNOWN.contains(&name.as_str()) {
        format!("the arguments of {name} are not valid (see RFC 3501)")
    } else if name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
    {
        // Bounded: a reply never echoes a long client word (found by fuzzing).
        format!("unknown command {name}")
    } else {
        "unknown command".into()
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
