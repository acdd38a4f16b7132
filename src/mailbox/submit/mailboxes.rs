//! Strict RFC 5322 §3.4 address lists for the headers that decide who
//! sends and who receives. Unlike the lenient parser behind ENVELOPE, this
//! one refuses what it cannot read exactly once: unterminated quotes or
//! comments, stray specials, source routes, addresses hidden in encoded
//! words, quoted local parts holding an `@`, comments holding an address.
//! Display names come back decoded (RFC 2047) so the caller can judge them.

use mail_parser::HeaderValue;
use mail_parser::parsers::MessageStream;

/// Deepest comment nesting read.
const MAX_COMMENT_DEPTH: usize = 16;

/// One mailbox of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mailbox {
    /// `local@domain`, ASCII lower-case.
    pub address: String,
    /// The display name, RFC 2047 decoded.
    pub display: Option<String>,
}

impl Mailbox {
    /// The display name looks like an address other than the mailbox's own
    /// (`"sales@x" <carol@x>`): mail programs show the name, so it would
    /// make the message look as if it came from there. Look-alike at signs
    /// (full-width, small) count too.
    pub fn display_poses_as_address(&self) -> bool {
        let Some(name) = &self.display else {
            return false;
        };
        let trimmed = name.trim().trim_matches(['\'', '"', '<', '>', ' ']);
        if trimmed.eq_ignore_ascii_case(&self.address) {
            return false;
        }
        name.contains(['@', '\u{FF20}', '\u{FE6B}'])
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Atom(String),
    Quoted(String),
    Literal(String),
    Dot,
    Special(u8),
}

fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b) || b >= 0x80
}

/// Tokens of an unfolded value; comments are checked and dropped.
fn lex(s: &[u8]) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => {
                let mut depth = 0usize;
                let mut text = Vec::new();
                loop {
                    let Some(&c) = s.get(i) else {
                        return Err("a comment is not closed".into());
                    };
                    i += 1;
                    match c {
                        b'\\' => {
                            text.extend(s.get(i));
                            i += 1;
                        }
                        b'(' => {
                            depth += 1;
                            if depth > MAX_COMMENT_DEPTH {
                                return Err("comments are nested too deeply".into());
                            }
                        }
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => text.push(c),
                    }
                }
                let text = String::from_utf8_lossy(&text);
                if decoded(&text).contains(['@', '\u{FF20}', '\u{FE6B}']) {
                    return Err("a comment holds an address".into());
                }
            }
            b'"' => {
                let mut text = Vec::new();
                i += 1;
                loop {
                    let Some(&c) = s.get(i) else {
                        return Err("a quoted string is not closed".into());
                    };
                    i += 1;
                    match c {
                        b'"' => break,
                        b'\\' => {
                            let Some(&e) = s.get(i) else {
                                return Err("a quoted string is not closed".into());
                            };
                            text.push(e);
                            i += 1;
                        }
                        _ => text.push(c),
                    }
                }
                out.push(Tok::Quoted(String::from_utf8_lossy(&text).into_owned()));
            }
            b'[' => {
                let Some(len) = s[i..].iter().position(|c| *c == b']') else {
                    return Err("a domain literal is not closed".into());
                };
                let text = &s[i..i + len + 1];
                if text[1..text.len() - 1]
                    .iter()
                    .any(|c| matches!(c, b'[' | b'\\'))
                {
                    return Err("a domain literal holds a bracket or backslash".into());
                }
                out.push(Tok::Literal(String::from_utf8_lossy(text).into_owned()));
                i += len + 1;
            }
            b'.' => {
                out.push(Tok::Dot);
                i += 1;
            }
            b'<' | b'>' | b'@' | b',' | b':' | b';' => {
                out.push(Tok::Special(b));
                i += 1;
            }
            _ if is_atext(b) => {
                let len = s[i..].iter().take_while(|c| is_atext(**c)).count();
                out.push(Tok::Atom(
                    String::from_utf8_lossy(&s[i..i + len]).into_owned(),
                ));
                i += len;
            }
            _ => {
                return Err(format!(
                    "the character {:?} has no place in an address list",
                    char::from(b)
                ));
            }
        }
    }
    Ok(out)
}

/// RFC 2047 encoded words decoded; other text as it is.
fn decoded(text: &str) -> String {
    if !text.contains("=?") {
        return text.to_string();
    }
    let mut line = text.as_bytes().to_vec();
    line.push(b'\n');
    match MessageStream::new(&line).parse_unstructured() {
        HeaderValue::Text(t) => t.into_owned(),
        _ => text.to_string(),
    }
}

struct Parser {
    toks: Vec<Tok>,
    i: usize,
    out: Vec<Mailbox>,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i)
    }

    fn special(&self) -> Option<u8> {
        match self.peek() {
            Some(Tok::Special(b)) => Some(*b),
            _ => None,
        }
    }

    /// Words and dots up to the next special.
    fn words(&mut self) -> Vec<Tok> {
        let start = self.i;
        while matches!(
            self.peek(),
            Some(Tok::Atom(_) | Tok::Quoted(_) | Tok::Dot | Tok::Literal(_))
        ) {
            self.i += 1;
        }
        self.toks[start..self.i].to_vec()
    }

    /// One mailbox or group; `in_group` forbids nested groups.
    fn address(&mut self, groups: bool, in_group: bool) -> Result<(), String> {
        let words = self.words();
        match self.special() {
            Some(b':') => {
                if !groups || in_group {
                    return Err("a group is not allowed here".into());
                }
                phrase(&words)?;
                self.i += 1;
                loop {
                    match self.special() {
                        Some(b';') => {
                            self.i += 1;
                            return Ok(());
                        }
                        Some(b',') => self.i += 1,
                        _ if self.peek().is_none() => {
                            return Err("a group is not closed with ';'".into());
                        }
                        _ => self.address(groups, true)?,
                    }
                }
            }
            Some(b'<') => {
                let display = phrase(&words)?;
                self.i += 1;
                if self.special() == Some(b'@') {
                    return Err("source routes (<@host:...>) are not accepted".into());
                }
                let local = self.words();
                if self.special() != Some(b'@') {
                    return Err("an address in <> has no @".into());
                }
                self.i += 1;
                let domain = self.words();
                if self.special() != Some(b'>') {
                    return Err("an address in <> is not closed with '>'".into());
                }
                self.i += 1;
                self.push(display, &local, &domain)
            }
            Some(b'@') => {
                self.i += 1;
                let domain = self.words();
                self.push(None, &words, &domain)
            }
            _ if words.is_empty() => Err("an address list holds a stray character".into()),
            _ => Err(format!(
                "{} is not an address (no @)",
                plain(&words).chars().take(60).collect::<String>()
            )),
        }
    }

    fn push(
        &mut self,
        display: Option<String>,
        local: &[Tok],
        domain: &[Tok],
    ) -> Result<(), String> {
        let local = local_part(local)?;
        let domain = domain_part(domain)?;
        self.out.push(Mailbox {
            address: format!("{local}@{domain}").to_ascii_lowercase(),
            display,
        });
        Ok(())
    }
}

/// Text of tokens, for messages.
fn plain(toks: &[Tok]) -> String {
    toks.iter()
        .map(|t| match t {
            Tok::Atom(a) | Tok::Quoted(a) | Tok::Literal(a) => a.as_str(),
            Tok::Dot => ".",
            Tok::Special(_) => "",
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A display name: words, decoded, one space between them.
fn phrase(toks: &[Tok]) -> Result<Option<String>, String> {
    if toks.iter().any(|t| matches!(t, Tok::Literal(_))) {
        return Err("a display name holds a [domain literal]".into());
    }
    if toks.is_empty() {
        return Ok(None);
    }
    // Dots join words without a space, so an encoded word holding a dot
    // (`=?utf-8?q?sales=40x.test?=`) is decoded whole.
    let mut text = String::new();
    let mut after_dot = true;
    for t in toks {
        match t {
            Tok::Atom(a) | Tok::Quoted(a) => {
                if !after_dot {
                    text.push(' ');
                }
                text.push_str(a);
                after_dot = false;
            }
            _ => {
                text.push('.');
                after_dot = true;
            }
        }
    }
    Ok(Some(decoded(&text)))
}

fn hides(text: &str) -> bool {
    text.contains("=?") && text.contains("?=")
}

/// `word *("." word)`; a quoted word may not hold an `@`.
fn local_part(toks: &[Tok]) -> Result<String, String> {
    let mut out = String::new();
    let mut want_word = true;
    for t in toks {
        match (t, want_word) {
            (Tok::Atom(a), true) => out.push_str(a),
            (Tok::Quoted(q), true) => {
                if q.contains(['@', '\u{FF20}', '\u{FE6B}']) || q.is_empty() {
                    return Err("a quoted local part holds an @ (or nothing)".into());
                }
                if q.bytes().all(is_atext) {
                    out.push_str(q);
                } else {
                    out.push('"');
                    out.push_str(&q.replace('\\', "\\\\").replace('"', "\\\""));
                    out.push('"');
                }
            }
            (Tok::Dot, false) => out.push('.'),
            _ => return Err("the local part of an address is malformed".into()),
        }
        want_word = !want_word;
    }
    if want_word {
        return Err("the local part of an address is empty or ends with a dot".into());
    }
    if hides(&out) {
        return Err("an address is hidden in an encoded word".into());
    }
    Ok(out)
}

/// `atom *("." atom)` or one domain literal.
fn domain_part(toks: &[Tok]) -> Result<String, String> {
    if let [Tok::Literal(l)] = toks {
        return Ok(l.clone());
    }
    let mut out = String::new();
    let mut want_word = true;
    for t in toks {
        match (t, want_word) {
            (Tok::Atom(a), true) => out.push_str(a),
            (Tok::Dot, false) => out.push('.'),
            _ => return Err("the domain of an address is malformed".into()),
        }
        want_word = !want_word;
    }
    if want_word {
        return Err("the domain of an address is empty or ends with a dot".into());
    }
    if hides(&out) {
        return Err("an address is hidden in an encoded word".into());
    }
    Ok(out)
}

/// The mailboxes of an unfolded address-list value; with `groups` false a
/// group is refused (From, Sender, Resent-From and Resent-Sender hold
/// mailboxes only, RFC 5322 §3.6.2 and §3.6.6).
pub(super) fn list(value: &[u8], groups: bool) -> Result<Vec<Mailbox>, String> {
    let mut p = Parser {
        toks: lex(value)?,
        i: 0,
        out: Vec::new(),
    };
    while p.i < p.toks.len() {
        if p.special() == Some(b',') {
            p.i += 1;
            continue;
        }
        p.address(groups, false)?;
        match p.special() {
            Some(b',') => p.i += 1,
            None if p.peek().is_none() => {}
            _ => return Err("an address is followed by something that is not a comma".into()),
        }
    }
    Ok(p.out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(v: &str, groups: bool) -> Result<Vec<String>, String> {
        list(v.as_bytes(), groups).map(|l| l.into_iter().map(|m| m.address).collect())
    }

    #[test]
    fn valid_lists_read_as_written() {
        for (v, want) in [
            ("carol@x.test", vec!["carol@x.test"]),
            ("Carol <CAROL@X.test>", vec!["carol@x.test"]),
            (
                "\"Carol, C.\" <carol@x.test>, bob@x.test",
                vec!["carol@x.test", "bob@x.test"],
            ),
            ("carol @ x . test (Carol)", vec!["carol@x.test"]),
            ("\"carol\"@x.test", vec!["carol@x.test"]),
            ("=?utf-8?q?J=C3=B6rg?= <j@x.test>", vec!["j@x.test"]),
            (",, a@x.test ,", vec!["a@x.test"]),
            (
                "Team: a@x.test, B <b@x.test>;, c@x.test",
                vec!["a@x.test", "b@x.test", "c@x.test"],
            ),
            ("undisclosed-recipients:;", vec![]),
            ("", vec![]),
        ] {
            assert_eq!(addrs(v, true).unwrap(), want, "{v}");
        }
        let m = &list(b"=?utf-8?q?J=C3=B6rg?= <j@x.test>", false).unwrap()[0];
        assert_eq!(m.display.as_deref(), Some("J\u{f6}rg"));
    }

    #[test]
    fn anything_ambiguous_is_refused() {
        for v in [
            "carol@x.test <sales@x.test>",
            "<carol@x.test> sales@x.test",
            "\"sales@x.test\"@x.test",
            "\"sales\u{ff20}x.test\"@x.test",
            "carol@x.test (sales@x.test)",
            "carol@x.test (=?utf-8?q?sales=40x.test?=)",
            "=?utf-8?q?sales=40x.test?=",
            "<=?utf-8?q?sales?=@x.test>",
            "<@evil.test:sales@x.test>",
            "\"carol <carol@x.test>",
            "carol (unclosed <carol@x.test>",
            "carol@x.test>",
            "carol",
            "carol@",
            "@x.test",
            "carol\\@x.test",
            "carol@x..test",
            ".carol@x.test",
            "Team: a@x.test",
            "carol\u{ff20}x.test",
            "<carol@x.test",
            "a@x.test; b@x.test",
        ] {
            assert!(list(v.as_bytes(), true).is_err(), "{v}");
        }
        assert!(
            list(b"Team: a@x.test;", false).is_err(),
            "no groups in From"
        );
        assert!(list(b"A: B: c@x.test;;", true).is_err(), "no nested groups");
        let deep = format!("a@x.test {}{}", "(".repeat(40), ")".repeat(40));
        assert!(list(deep.as_bytes(), true).is_err());
    }

    #[test]
    fn display_names_posing_as_addresses() {
        let one = |v: &str| list(v.as_bytes(), false).unwrap().remove(0);
        assert!(one("\"sales@x.test\" <carol@x.test>").display_poses_as_address());
        assert!(one("=?utf-8?q?sales=40x.test?= <carol@x.test>").display_poses_as_address());
        assert!(one("\"sales\u{ff20}x.test\" <carol@x.test>").display_poses_as_address());
        assert!(!one("\"carol@x.test\" <Carol@x.test>").display_poses_as_address());
        assert!(!one("Carol <carol@x.test>").display_poses_as_address());
    }
}
