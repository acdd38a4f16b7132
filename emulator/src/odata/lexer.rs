//! Tokens of an OData `$filter` expression (also used for the `$filter` inside
//! an extended-property `$expand`).
//!
//! Errors use the wording of Microsoft's OData library, which Graph passes on
//! behind "Invalid filter clause: ".

use chrono::{DateTime, NaiveDate, Utc};

use super::error::QueryError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    LParen,
    RParen,
    Comma,
    Slash,
    Colon,
    /// A name or keyword: `subject`, `eq`, `any`, `Edm.Int32`, `true`.
    Ident(String),
    /// `'text'` with `''` unescaped.
    Str(String),
    /// A qualified enum literal: `microsoft.graph.importance'high'` (the member).
    EnumLit(String),
    Int(i64),
    Float(f64),
    /// An unquoted `2024-01-01T00:00:00Z` (or a bare date, taken as midnight UTC).
    DateTime(DateTime<Utc>),
}

/// A token and the character position where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

/// `BadRequest` "Invalid filter clause: {detail}".
pub(super) fn filter_error(detail: impl std::fmt::Display) -> QueryError {
    QueryError {
        code: "BadRequest",
        message: format!("Invalid filter clause: {detail}"),
    }
}

pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let bad_char = |c: char, i: usize| {
        filter_error(format!(
            "Syntax error: character '{c}' is not valid at position {i} in '{text}'."
        ))
    };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => {
                i += 1;
                Tok::LParen
            }
            ')' => {
                i += 1;
                Tok::RParen
            }
            ',' => {
                i += 1;
                Tok::Comma
            }
            '/' => {
                i += 1;
                Tok::Slash
            }
            ':' => {
                i += 1;
                Tok::Colon
            }
            '\'' => {
                let (s, next) = quoted(&chars, i).ok_or_else(|| {
                    filter_error(format!(
                        "There is an unterminated string literal at position {} in '{text}'.",
                        chars.len()
                    ))
                })?;
                i = next;
                Tok::Str(s)
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let mut j = i + 1;
                while j < chars.len()
                    && (chars[j].is_ascii_alphanumeric()
                        || matches!(chars[j], ':' | '.' | '-' | '+'))
                {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                i = j;
                number_or_date(&word).ok_or_else(|| {
                    filter_error(format!("Syntax error: '{word}' at position {start} in '{text}' is not a valid literal."))
                })?
            }
            c if c.is_alphabetic() || c == '_' || c == '$' || c == '@' => {
                let mut j = i + 1;
                while j < chars.len()
                    && (chars[j].is_alphanumeric() || matches!(chars[j], '_' | '.'))
                {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                i = j;
                if word.contains('.') && chars.get(i) == Some(&'\'') {
                    let (s, next) = quoted(&chars, i).ok_or_else(|| {
                        filter_error(format!(
                            "There is an unterminated string literal at position {} in '{text}'.",
                            chars.len()
                        ))
                    })?;
                    i = next;
                    Tok::EnumLit(s)
                } else {
                    Tok::Ident(word)
                }
            }
            c => return Err(bad_char(c, i)),
        };
        out.push(Token { tok, pos: start });
    }
    Ok(out)
}

/// Read `'...'` starting at the opening quote; `''` is one quote. Returns the
/// text and the index after the closing quote.
fn quoted(chars: &[char], open: usize) -> Option<(String, usize)> {
    let mut s = String::new();
    let mut j = open + 1;
    loop {
        match chars.get(j)? {
            '\'' if chars.get(j + 1) == Some(&'\'') => {
                s.push('\'');
                j += 2;
            }
            '\'' => return Some((s, j + 1)),
            c => {
                s.push(*c);
                j += 1;
            }
        }
    }
}

fn number_or_date(word: &str) -> Option<Tok> {
    if let Ok(n) = word.parse::<i64>() {
        return Some(Tok::Int(n));
    }
    if word.contains(['T', 't']) || word.matches('-').count() >= 2 {
        return parse_datetime(word).map(Tok::DateTime);
    }
    if word
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return word
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Tok::Float);
    }
    None
}

/// An ISO 8601 instant (`2024-01-01T00:00:00Z`, fractional seconds, offsets)
/// or a bare date (midnight UTC). A date-time without a zone is taken as UTC.
pub(super) fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(n) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(n.and_utc());
    }
    if let Ok(n) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M") {
        return Some(n.and_utc());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()?
        .and_hms_opt(0, 0, 0)
        .map(|n| n.and_utc())
}
