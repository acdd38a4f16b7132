//! `$search` on messages: the value is one or more double-quoted KQL strings
//! (`"pizza"`, `"from:alice subject:report"`), each holding terms, phrases,
//! property restrictions (`subject:`, `from:`, `received>=2025-01-01`, ...)
//! and `AND`/`OR`/`NOT` with parentheses.
//!
//! APPROXIMATE ON PURPOSE, as Exchange's own `$search` is fuzzy: a term
//! matches, case- and accent-insensitively, when words of the field start with
//! the term's words. Gateways must re-check results; tests should not depend
//! on the fine edges.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::entity::Entity;
use super::error::QueryError;
use super::search_match::{DateField, Field, SNode};
use super::search_text::words;

/// Nesting limit for parentheses and `NOT` (garbage must not exhaust the stack).
const MAX_DEPTH: usize = 64;

/// A parsed `$search` (KQL subset).
#[derive(Debug, Clone)]
pub(crate) struct Search {
    pub(super) root: SNode,
}

impl Search {
    pub(crate) fn parse(text: &str) -> Result<Search, QueryError> {
        let toks = outer_tokens(text)?;
        if toks.is_empty() {
            return Err(syntax_error(text, 0));
        }
        let root = BoolParser {
            toks,
            at: 0,
            depth: 0,
            text,
        }
        .parse()?;
        Ok(Search { root })
    }

    /// Does the message match? Reads (and tokenizes) each field at most once.
    pub(crate) fn matches(&self, e: &dyn Entity) -> bool {
        self.root.matches(e)
    }
}

/// `BadRequest` "Syntax error: character 'c' is not valid at position n in 'text'."
fn syntax_error(text: &str, pos: usize) -> QueryError {
    let message = match text.chars().nth(pos) {
        Some(c) => {
            format!("Syntax error: character '{c}' is not valid at position {pos} in '{text}'.")
        }
        None => format!("Syntax error: unexpected end of query at position {pos} in '{text}'."),
    };
    QueryError {
        code: "BadRequest",
        message,
    }
}

/// Tokens of both levels (the quoted OData search phrases, and the KQL inside).
#[derive(Debug, Clone)]
enum BTok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Atom(SNode),
    /// `subject:(` … : the next primary searches this field.
    Scope(Field),
}

/// The OData level: quoted strings (`\"` and `\\` escaped) with `AND`, `OR`,
/// `NOT` and parentheses between them. Bare words are refused (Graph wants
/// message searches quoted).
fn outer_tokens(text: &str) -> Result<Vec<(BTok, usize)>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' => {
                out.push((if c == '(' { BTok::LParen } else { BTok::RParen }, i));
                i += 1;
            }
            '"' => {
                let start = i;
                let mut inner = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err(syntax_error(text, start)),
                        Some('\\') if matches!(chars.get(i + 1), Some('"' | '\\')) => {
                            inner.push(chars[i + 1]);
                            i += 2;
                        }
                        Some('"') => break,
                        Some(ch) => {
                            inner.push(*ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
                let node = BoolParser {
                    toks: kql_tokens(&inner, text, start + 1)?,
                    at: 0,
                    depth: 0,
                    text,
                }
                .parse()?;
                out.push((BTok::Atom(node), start));
            }
            _ => {
                let start = i;
                let mut word = String::new();
                while let Some(ch) = chars
                    .get(i)
                    .filter(|ch| !ch.is_whitespace() && !matches!(ch, '(' | ')' | '"'))
                {
                    word.push(*ch);
                    i += 1;
                }
                match word.as_str() {
                    "AND" => out.push((BTok::And, start)),
                    "OR" => out.push((BTok::Or, start)),
                    "NOT" => out.push((BTok::Not, start)),
                    _ => return Err(syntax_error(text, start)),
                }
            }
        }
    }
    Ok(out)
}

/// The KQL inside one quoted string. `base` is where `inner` starts in `text`
/// (for error positions; approximate when escapes were present).
fn kql_tokens(inner: &str, text: &str, base: usize) -> Result<Vec<(BTok, usize)>, QueryError> {
    let chars: Vec<char> = inner.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = base + i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '(' || c == ')' {
            out.push((if c == '(' { BTok::LParen } else { BTok::RParen }, pos));
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            let (phrase, next) = read_phrase(&chars, i).ok_or_else(|| syntax_error(text, pos))?;
            out.push((
                BTok::Atom(SNode::Term {
                    field: Field::Default,
                    words: words(&phrase),
                }),
                pos,
            ));
            i = next;
            continue;
        }
        // A property restriction: name, operator, value.
        if let Some((prop, op, after)) = restriction_at(&chars, i) {
            i = after;
            match (prop, chars.get(i)) {
                (Prop::Text(field), Some('(')) => {
                    out.push((BTok::Scope(field), pos));
                    continue;
                }
                (Prop::Text(field), Some('\'' | '"')) => {
                    let (phrase, next) =
                        read_phrase(&chars, i).ok_or_else(|| syntax_error(text, pos))?;
                    out.push((
                        BTok::Atom(SNode::Term {
                            field,
                            words: words(&phrase),
                        }),
                        pos,
                    ));
                    i = next;
                    continue;
                }
                _ => {}
            }
            let (value, next) = read_word(&chars, i);
            i = next;
            let node = match prop {
                Prop::Text(field) => SNode::Term {
                    field,
                    words: words(&value),
                },
                Prop::HasAttachments => match value.to_ascii_lowercase().as_str() {
                    "true" | "yes" => SNode::HasAttachments(true),
                    "false" | "no" => SNode::HasAttachments(false),
                    _ => SNode::Never,
                },
                Prop::Date(field) => date_restriction(field, op, &value),
            };
            out.push((BTok::Atom(node), pos));
            continue;
        }
        let (word, next) = read_word(&chars, i);
        i = next;
        let tok = match word.as_str() {
            "AND" => BTok::And,
            "OR" => BTok::Or,
            "NOT" => BTok::Not,
            w if w.len() > 1 && (w.starts_with('-') || w.starts_with('+')) => {
                if w.starts_with('-') {
                    out.push((BTok::Not, pos));
                }
                BTok::Atom(SNode::Term {
                    field: Field::Default,
                    words: words(&w[1..]),
                })
            }
            w => BTok::Atom(SNode::Term {
                field: Field::Default,
                words: words(w),
            }),
        };
        out.push((tok, pos));
    }
    Ok(out)
}

/// A phrase quoted with the quote character at `open`: its text and the index
/// after the closing quote; None when it is not closed.
fn read_phrase(chars: &[char], open: usize) -> Option<(String, usize)> {
    let q = *chars.get(open)?;
    let rest = chars.get(open + 1..)?;
    let close = rest.iter().position(|x| *x == q)?;
    Some((rest[..close].iter().collect(), open + close + 2))
}

fn read_word(chars: &[char], mut i: usize) -> (String, usize) {
    let mut w = String::new();
    while let Some(c) = chars
        .get(i)
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '"'))
    {
        w.push(*c);
        i += 1;
    }
    (w, i)
}

#[derive(Debug, Clone, Copy)]
enum Prop {
    Text(Field),
    HasAttachments,
    Date(DateField),
}

/// `name:`, `name=`, `name>=`, ... at `i` with a known property name: the
/// property, the operator and the index after the operator.
fn restriction_at(chars: &[char], i: usize) -> Option<(Prop, &'static str, usize)> {
    let mut j = i;
    while chars.get(j).is_some_and(|c| c.is_ascii_alphabetic()) {
        j += 1;
    }
    let name: String = chars[i..j].iter().collect::<String>().to_ascii_lowercase();
    let prop = match name.as_str() {
        "from" => Prop::Text(Field::From),
        "to" => Prop::Text(Field::To),
        "cc" => Prop::Text(Field::Cc),
        "bcc" => Prop::Text(Field::Bcc),
        "participants" => Prop::Text(Field::Participants),
        "subject" => Prop::Text(Field::Subject),
        "body" => Prop::Text(Field::Body),
        "attachment" | "attachmentnames" => Prop::Text(Field::Attachment),
        "hasattachments" | "hasattachment" => Prop::HasAttachments,
        "received" => Prop::Date(DateField::Received),
        "sent" => Prop::Date(DateField::Sent),
        _ => return None,
    };
    let ops: [&'static str; 6] = [">=", "<=", ":", "=", ">", "<"];
    let op = ops.into_iter().find(|op| {
        op.chars()
            .enumerate()
            .all(|(k, c)| chars.get(j + k) == Some(&c))
    })?;
    let text_op = matches!(op, ":" | "=");
    if matches!(prop, Prop::Text(_) | Prop::HasAttachments) && !text_op {
        return None;
    }
    Some((prop, op, j + op.len()))
}

/// `received>=2025-01-01`, `sent:3/15/2025`, `received:2025-01-01..2025-01-31`
/// as a half-open range of instants (days in UTC). An unreadable date matches nothing.
fn date_restriction(field: DateField, op: &str, value: &str) -> SNode {
    let day = |s: &str| -> Option<DateTime<Utc>> {
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(s, "%m/%d/%Y"))
            .ok()?;
        d.and_hms_opt(0, 0, 0).map(|n| n.and_utc())
    };
    let one_day = Duration::days(1);
    let range = if let Some((a, b)) = value.split_once("..") {
        day(a)
            .zip(day(b))
            .map(|(a, b)| (Some(a), Some(b + one_day)))
    } else {
        day(value).map(|d| match op {
            ">=" => (Some(d), None),
            ">" => (Some(d + one_day), None),
            "<" => (None, Some(d)),
            "<=" => (None, Some(d + one_day)),
            _ => (Some(d), Some(d + one_day)),
        })
    };
    match range {
        Some((from, until)) => SNode::Date { field, from, until },
        None => SNode::Never,
    }
}

/// Boolean structure shared by both levels: `OR` binds loosest, then `AND`
/// (also implied between neighbours), then `NOT`.
struct BoolParser<'t> {
    toks: Vec<(BTok, usize)>,
    at: usize,
    depth: usize,
    text: &'t str,
}

impl BoolParser<'_> {
    fn parse(mut self) -> Result<SNode, QueryError> {
        let node = self.or()?;
        match self.toks.get(self.at) {
            None => Ok(node),
            Some((_, pos)) => Err(syntax_error(self.text, *pos)),
        }
    }

    fn end_pos(&self) -> usize {
        self.text.chars().count()
    }

    fn or(&mut self) -> Result<SNode, QueryError> {
        let mut items = vec![self.and()?];
        while matches!(self.toks.get(self.at), Some((BTok::Or, _))) {
            self.at += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            SNode::Or(items)
        })
    }

    fn and(&mut self) -> Result<SNode, QueryError> {
        let mut items = vec![self.unary()?];
        loop {
            match self.toks.get(self.at) {
                None | Some((BTok::Or | BTok::RParen, _)) => break,
                Some((BTok::And, _)) => self.at += 1,
                Some(_) => {}
            }
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            SNode::And(items)
        })
    }

    fn unary(&mut self) -> Result<SNode, QueryError> {
        if matches!(self.toks.get(self.at), Some((BTok::Not, _))) {
            self.at += 1;
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(SNode::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn enter(&mut self) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError {
                code: "BadRequest",
                message: "The search query is nested too deeply.".into(),
            });
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<SNode, QueryError> {
        let Some((tok, pos)) = self.toks.get(self.at).cloned() else {
            return Err(syntax_error(self.text, self.end_pos()));
        };
        self.at += 1;
        match tok {
            BTok::Atom(node) => Ok(node),
            BTok::LParen => {
                self.enter()?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.toks.get(self.at) {
                    Some((BTok::RParen, _)) => {
                        self.at += 1;
                        Ok(inner)
                    }
                    Some((_, p)) => Err(syntax_error(self.text, *p)),
                    None => Err(syntax_error(self.text, self.end_pos())),
                }
            }
            BTok::Scope(field) => {
                self.enter()?;
                let inner = self.primary()?;
                self.depth -= 1;
                Ok(inner.retarget(field))
            }
            BTok::RParen | BTok::And | BTok::Or | BTok::Not => Err(syntax_error(self.text, pos)),
        }
    }
}
