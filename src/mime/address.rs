//! RFC 5322 address lists turned into RFC 3501 address structures: display
//! names and local parts lose their quoting but stay otherwise raw (encoded
//! words are kept), groups become start/end markers. The parser is lenient:
//! junk is skipped, a missing domain or mailbox is filled in as Dovecot does
//! (`MISSING_DOMAIN`, `MISSING_MAILBOX`) so a host is never NIL by accident.

use imap_types::envelope::Address;

use super::lex::{comment, is_wsp, quoted};
use super::strings::{nstring, nstring_opt};

pub(crate) const MISSING_DOMAIN: &[u8] = b"MISSING_DOMAIN";
pub(crate) const MISSING_MAILBOX: &[u8] = b"MISSING_MAILBOX";

#[derive(Debug)]
enum Tok {
    Atom(Vec<u8>),
    Quoted(Vec<u8>),
    Literal(Vec<u8>),
    Comment(Vec<u8>),
    Special(u8),
}

#[derive(Debug)]
struct Token {
    tok: Tok,
    /// Whitespace or a comment came before it.
    space: bool,
}

fn is_special(b: u8) -> bool {
    matches!(
        b,
        b')' | b'<' | b'>' | b']' | b':' | b';' | b'@' | b',' | b'.'
    )
}

fn lex(s: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut space = false;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        let (end, tok) = match b {
            _ if is_wsp(b) || b == b'\r' || b == b'\n' => {
                space = true;
                i += 1;
                continue;
            }
            b'(' => {
                let (end, text) = comment(s, i);
                (end, Tok::Comment(text))
            }
            b'"' => {
                let (end, text) = quoted(s, i);
                (end, Tok::Quoted(text))
            }
            b'[' => {
                let end = s[i..]
                    .iter()
                    .position(|c| *c == b']')
                    .map_or(s.len(), |k| i + k + 1);
                (end, Tok::Literal(s[i..end].to_vec()))
            }
            _ if is_special(b) => (i + 1, Tok::Special(b)),
            _ => {
                let len = s[i..]
                    .iter()
                    .take_while(|c| {
                        !(is_wsp(**c)
                            || matches!(**c, b'\r' | b'\n' | b'(' | b'"' | b'[')
                            || is_special(**c))
                    })
                    .count();
                (i + len.max(1), Tok::Atom(s[i..i + len.max(1)].to_vec()))
            }
        };
        let is_comment = matches!(tok, Tok::Comment(_));
        out.push(Token { tok, space });
        space = is_comment;
        i = end;
    }
    out
}

/// Parses an unfolded address-list header value.
pub(crate) fn address_list(value: &[u8]) -> Vec<Address<'static>> {
    let mut parser = Parser {
        toks: lex(value),
        i: 0,
        out: Vec::new(),
    };
    while parser.i < parser.toks.len() {
        parser.address(false);
    }
    parser.out
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    out: Vec<Address<'static>>,
}

/// The display name of `toks`: words with quoting removed, one space where
/// the source had whitespace, comments dropped.
fn phrase(toks: &[Token]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for t in toks {
        let bytes: &[u8] = match &t.tok {
            Tok::Comment(_) => continue,
            Tok::Atom(a) | Tok::Quoted(a) | Tok::Literal(a) => a,
            Tok::Special(b) => std::slice::from_ref(b),
        };
        if !out.is_empty() && t.space && !bytes.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(bytes);
    }
    (!out.is_empty()).then_some(out)
}

/// A local part or domain: the tokens' text joined without whitespace.
fn joined(toks: &[Token]) -> Vec<u8> {
    let mut out = Vec::new();
    for t in toks {
        match &t.tok {
            Tok::Comment(_) => {}
            Tok::Atom(a) | Tok::Quoted(a) | Tok::Literal(a) => out.extend_from_slice(a),
            Tok::Special(b) => out.push(*b),
        }
    }
    out
}

fn last_comment(toks: &[Token]) -> Option<Vec<u8>> {
    toks.iter().rev().find_map(|t| match &t.tok {
        Tok::Comment(c) if !c.is_empty() => Some(c.clone()),
        _ => None,
    })
}

fn non_empty(v: Vec<u8>) -> Option<Vec<u8>> {
    (!v.is_empty()).then_some(v)
}

impl Parser {
    fn special(&self, at: usize) -> Option<u8> {
        match self.toks.get(at).map(|t| &t.tok) {
            Some(Tok::Special(b)) => Some(*b),
            _ => None,
        }
    }

    /// Index after the run of word-like tokens (atoms, quoted strings,
    /// dots, comments) starting at `from`.
    fn words_end(&self, from: usize) -> usize {
        let mut j = from;
        while j < self.toks.len() && (self.special(j).is_none() || self.special(j) == Some(b'.')) {
            j += 1;
        }
        j
    }

    /// Reads one address, group, or piece of junk; always moves forward.
    fn address(&mut self, in_group: bool) {
        let start = self.i;
        let end = self.words_end(start);
        match self.special(end) {
            Some(b':') if !in_group => {
                let name = phrase(&self.toks[start..end]).unwrap_or_default();
                self.group(name, end + 1);
            }
            Some(b'<') => {
                let name = phrase(&self.toks[start..end]);
                self.i = end + 1;
                self.angle(name);
            }
            Some(b'@') => {
                let local = joined(&self.toks[start..end]);
                let before = last_comment(&self.toks[start..end]);
                self.i = end + 1;
                let (host, after) = self.domain();
                self.push(after.or(before), None, local, host);
            }
            _ if end > start => {
                // Words without '@': a mailbox with its domain missing.
                if let Some(mailbox) = phrase(&self.toks[start..end]) {
                    self.push(None, None, mailbox, Vec::new());
                }
                self.i = end;
            }
            // A separator or stray special.
            _ => self.i = start + 1,
        }
    }

    /// `name ":" [mailbox-list] ";"` from just after the colon.
    fn group(&mut self, name: Vec<u8>, from: usize) {
        self.out.push(Address {
            name: nstring_opt(None),
            adl: nstring_opt(None),
            mailbox: nstring(&name),
            host: nstring_opt(None),
        });
        self.i = from;
        while self.i < self.toks.len() {
            if self.special(self.i) == Some(b';') {
                self.i += 1;
                break;
            }
            self.address(true);
        }
        self.out.push(Address {
            name: nstring_opt(None),
            adl: nstring_opt(None),
            mailbox: nstring_opt(None),
            host: nstring_opt(None),
        });
    }

    /// `[route ":"] local-part "@" domain ">"` from just after the '<'.
    fn angle(&mut self, name: Option<Vec<u8>>) {
        let mut adl = None;
        if self.special(self.i) == Some(b'@') {
            let mut j = self.i;
            while j < self.toks.len() && !matches!(self.special(j), Some(b':' | b'>')) {
                j += 1;
            }
            if self.special(j) == Some(b':') {
                adl = non_empty(joined(&self.toks[self.i..j]));
                self.i = j + 1;
            }
        }
        let end = self.words_end(self.i);
        let local = joined(&self.toks[self.i..end]);
        self.i = end;
        let mut host = Vec::new();
        if self.special(self.i) == Some(b'@') {
            self.i += 1;
            host = self.domain().0;
        }
        while self.i < self.toks.len() && !matches!(self.special(self.i), Some(b'>' | b',')) {
            self.i += 1;
        }
        if self.special(self.i) == Some(b'>') {
            self.i += 1;
        }
        let mut name = name;
        if name.is_none()
            && let Some(Tok::Comment(c)) = self.toks.get(self.i).map(|t| &t.tok)
        {
            name = non_empty(c.clone());
        }
        if local.is_empty() && host.is_empty() {
            return; // `<>`: the null address names nobody.
        }
        self.push(name, adl, local, host);
    }

    /// A domain from the current token: atoms, dots and domain literals.
    /// Also returns the last comment seen inside or right after it.
    fn domain(&mut self) -> (Vec<u8>, Option<Vec<u8>>) {
        let end = self.words_end(self.i);
        let toks = &self.toks[self.i..end];
        self.i = end;
        (joined(toks), last_comment(toks))
    }

    fn push(&mut self, name: Option<Vec<u8>>, adl: Option<Vec<u8>>, local: Vec<u8>, host: Vec<u8>) {
        let mailbox = if local.is_empty() {
            MISSING_MAILBOX.to_vec()
        } else {
            local
        };
        let host = if host.is_empty() {
            MISSING_DOMAIN.to_vec()
        } else {
            host
        };
        self.out.push(Address {
            name: nstring_opt(name.as_deref()),
            adl: nstring_opt(adl.as_deref()),
            mailbox: nstring(&mailbox),
            host: nstring(&host),
        });
    }
}
