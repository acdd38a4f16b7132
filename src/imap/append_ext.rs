//! APPEND with several messages (MULTIAPPEND, RFC 3502) or with messages
//! put together from parts (CATENATE, RFC 4469), which imap-codec cannot
//! decode. The command is cut into its messages here; the mailbox, flags
//! and date of each are handed back to imap-codec as a one-message APPEND
//! (`tag APPEND mailbox flags date {1}`), so they are decoded by one
//! grammar only. What is left to this module is the framing: literals
//! (`{n}`, `{n+}`, `~{n}`), `CATENATE (TEXT literal URL astring ...)` and
//! the final CRLF. The fragmentizer in `wire.rs` has already bounded every
//! literal and the whole command.

use bytes::Bytes;
use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_types::IntoStatic;
use imap_types::command::CommandBody;
use imap_types::core::Tag;
use imap_types::datetime::DateTime;
use imap_types::flag::Flag;
use imap_types::mailbox::Mailbox;

/// The most messages one APPEND may carry (and parts one CATENATE).
pub(super) const MAX_MESSAGES: usize = 1000;

/// An APPEND imap-codec could not decode: several messages, or CATENATE.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AppendCommand {
    pub mailbox: Mailbox<'static>,
    pub messages: Vec<AppendMessage>,
}

/// One message of an APPEND.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct AppendMessage {
    pub flags: Vec<Flag<'static>>,
    pub date: Option<DateTime>,
    pub content: Content,
}

/// What a message is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Content {
    /// A literal (or literal8) holding the whole message.
    Literal(Bytes),
    /// CATENATE: the message is these parts, in order.
    Catenate(Vec<Part>),
}

/// One part of a CATENATE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    Text(Bytes),
    /// An IMAP URL (RFC 5092), parsed when the command runs so that a bad
    /// one is `NO [BADURL]`, not BAD.
    Url(String),
}

/// What is wrong with an APPEND (the text of the BAD reply).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum AppendError {
    #[error("APPEND needs a mailbox and a message")]
    Truncated,
    #[error("the flags or date of message {0} of APPEND are not valid (see RFC 3501)")]
    BadHead(usize),
    #[error("message {0} of APPEND is not a literal or CATENATE (...)")]
    BadMessage(usize),
    #[error("CATENATE takes TEXT literal and URL \"url\" parts (RFC 4469)")]
    BadPart,
    #[error("a literal may not hold NUL; send it as a literal8 ~{{n}} (RFC 3516)")]
    Nul,
    #[error("APPEND may carry at most {MAX_MESSAGES} messages or parts")]
    TooMany,
    #[error("APPEND ends with CRLF after its last message")]
    Trailing,
}

/// `None` if `message` (one complete command) is not an APPEND; otherwise
/// the command cut into its messages, or what is wrong with it.
pub(super) fn parse(message: &[u8]) -> Option<Result<(Tag<'static>, AppendCommand), AppendError>> {
    let sp = message.iter().position(|&b| b == b' ')?;
    let name = message.get(sp + 1..sp + 8)?;
    if !name.eq_ignore_ascii_case(b"APPEND ") {
        return None;
    }
    Some(
        Cursor {
            buf: message,
            pos: sp + 8,
        }
        .command(&message[..sp]),
    )
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn command(mut self, tag: &[u8]) -> Result<(Tag<'static>, AppendCommand), AppendError> {
        let mailbox_start = self.pos;
        self.astring()?;
        let mailbox_raw = &self.buf[mailbox_start..self.pos];
        let mut mailbox = None;
        let mut decoded_tag = None;
        let mut messages = Vec::new();
        loop {
            let head_start = self.pos;
            self.head()?;
            let head = &self.buf[head_start..self.pos];
            let index = messages.len() + 1;
            // Mailbox, flags and date, decoded by imap-codec as an APPEND
            // of a one-byte message.
            let mut single = Vec::with_capacity(tag.len() + mailbox_raw.len() + head.len() + 20);
            single.extend_from_slice(tag);
            single.extend_from_slice(b" APPEND ");
            single.extend_from_slice(mailbox_raw);
            single.extend_from_slice(head);
            single.extend_from_slice(b"{1}\r\nx\r\n");
            let command = match CommandCodec::default().decode(&single) {
                Ok((b"", command)) => command.into_static(),
                _ => return Err(AppendError::BadHead(index)),
            };
            let CommandBody::Append {
                mailbox: decoded_mailbox,
                flags,
                date,
                ..
            } = command.body
            else {
                return Err(AppendError::BadHead(index));
            };
            decoded_tag.get_or_insert(command.tag);
            mailbox.get_or_insert(decoded_mailbox);
            let content = if self.keyword(b"CATENATE (") {
                Content::Catenate(self.parts()?)
            } else {
                let (data, binary) = self.literal().ok_or(AppendError::BadMessage(index))?;
                if !binary && data.contains(&0) {
                    return Err(AppendError::Nul);
                }
                Content::Literal(Bytes::copy_from_slice(data))
            };
            messages.push(AppendMessage {
                flags,
                date,
                content,
            });
            if messages.len() > MAX_MESSAGES {
                return Err(AppendError::TooMany);
            }
            if &self.buf[self.pos..] == b"\r\n" {
                break;
            }
            if self.buf.get(self.pos) != Some(&b' ') {
                return Err(AppendError::Trailing);
            }
        }
        match (decoded_tag, mailbox) {
            (Some(tag), Some(mailbox)) => Ok((tag, AppendCommand { mailbox, messages })),
            _ => Err(AppendError::Truncated),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Consume `word` (ASCII case ignored) if it comes next.
    fn keyword(&mut self, word: &[u8]) -> bool {
        let found = self
            .buf
            .get(self.pos..self.pos + word.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(word));
        if found {
            self.pos += word.len();
        }
        found
    }

    /// Skip what comes before a message: ` [(flags)] ["date"] `, up to
    /// the literal or `CATENATE`. Checked by imap-codec afterwards.
    fn head(&mut self) -> Result<(), AppendError> {
        self.space()?;
        if self.peek() == Some(b'(') {
            self.skip_past(b')')?;
            self.space()?;
        }
        if self.peek() == Some(b'"') {
            self.pos += 1;
            self.skip_past(b'"')?;
            self.space()?;
        }
        Ok(())
    }

    fn space(&mut self) -> Result<(), AppendError> {
        if self.peek() != Some(b' ') {
            return Err(AppendError::Truncated);
        }
        self.pos += 1;
        Ok(())
    }

    /// Move past the next `end` on this line.
    fn skip_past(&mut self, end: u8) -> Result<(), AppendError> {
        let rest = &self.buf[self.pos..];
        let at = rest
            .iter()
            .position(|&b| b == end || b == b'\r' || b == b'\n')
            .filter(|&i| rest[i] == end)
            .ok_or(AppendError::Truncated)?;
        self.pos += at + 1;
        Ok(())
    }

    /// An astring (atom, quoted string or literal); returns its value.
    fn astring(&mut self) -> Result<Vec<u8>, AppendError> {
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                let mut out = Vec::new();
                loop {
                    match self.peek().ok_or(AppendError::Truncated)? {
                        b'"' => {
                            self.pos += 1;
                            return Ok(out);
                        }
                        b'\\' => {
                            let escaped =
                                *self.buf.get(self.pos + 1).ok_or(AppendError::Truncated)?;
                            out.push(escaped);
                            self.pos += 2;
                        }
                        b'\r' | b'\n' => return Err(AppendError::Truncated),
                        b => {
                            out.push(b);
                            self.pos += 1;
                        }
                    }
                }
            }
            Some(b'{') => self
                .literal()
                .map(|(data, _)| data.to_vec())
                .ok_or(AppendError::Truncated),
            _ => {
                let rest = &self.buf[self.pos..];
                let len = rest
                    .iter()
                    .position(|&b| matches!(b, b' ' | b'(' | b')' | b'\r' | b'\n'))
                    .unwrap_or(rest.len());
                if len == 0 {
                    return Err(AppendError::Truncated);
                }
                self.pos += len;
                Ok(rest[..len].to_vec())
            }
        }
    }

    /// A literal `{n}`, `{n+}` or literal8 `~{n}` (`true`) and its bytes.
    fn literal(&mut self) -> Option<(&'a [u8], bool)> {
        let start = self.pos;
        let binary = self.peek() == Some(b'~');
        if binary {
            self.pos += 1;
        }
        let parsed = self.literal_body();
        if parsed.is_none() {
            self.pos = start;
        }
        parsed.map(|data| (data, binary))
    }

    fn literal_body(&mut self) -> Option<&'a [u8]> {
        if self.peek() != Some(b'{') {
            return None;
        }
        let rest = &self.buf[self.pos + 1..];
        let close = rest.iter().position(|&b| b == b'}')?;
        let spec = &rest[..close];
        let digits = spec.strip_suffix(b"+").unwrap_or(spec);
        if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
        let data_start = self.pos + 1 + close + 1 + 2;
        if self.buf.get(data_start - 2..data_start)? != b"\r\n" {
            return None;
        }
        let data = self.buf.get(data_start..data_start.checked_add(n)?)?;
        self.pos = data_start + n;
        Some(data)
    }

    /// The parts of `CATENATE (` up to its `)`.
    fn parts(&mut self) -> Result<Vec<Part>, AppendError> {
        let mut parts = Vec::new();
        loop {
            if self.keyword(b"TEXT ") {
                let (data, binary) = self.literal().ok_or(AppendError::BadPart)?;
                if !binary && data.contains(&0) {
                    return Err(AppendError::Nul);
                }
                parts.push(Part::Text(Bytes::copy_from_slice(data)));
            } else if self.keyword(b"URL ") {
                let url = self.astring().map_err(|_| AppendError::BadPart)?;
                // Not UTF-8: no URL of ours; the command still answers NO [BADURL].
                parts.push(Part::Url(String::from_utf8_lossy(&url).into_owned()));
            } else {
                return Err(AppendError::BadPart);
            }
            if parts.len() > MAX_MESSAGES {
                return Err(AppendError::TooMany);
            }
            match self.peek() {
                Some(b')') => {
                    self.pos += 1;
                    return Ok(parts);
                }
                Some(b' ') => self.pos += 1,
                _ => return Err(AppendError::BadPart),
            }
        }
    }
}

#[cfg(test)]
#[path = "append_ext_tests.rs"]
mod tests;
