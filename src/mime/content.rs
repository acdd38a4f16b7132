//! The Content-* header fields that shape BODYSTRUCTURE: media type and its
//! parameters (RFC 2045, with RFC 2231 continuations joined), disposition,
//! transfer encoding and language. Parsing is lenient and total: a field that
//! cannot be read counts as absent, so the RFC 2045 defaults apply.

use super::lex::{quoted, skip_cfws, token, unfold};

/// A parameter list as it appears in the header, names and values raw.
pub(crate) type Params = Vec<(Vec<u8>, Vec<u8>)>;

/// What kind of entity a media type makes, which decides how its body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Media {
    Text,
    Multipart,
    Message,
    Other,
}

/// A parsed `Content-Type` value, with the case of the header kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContentType {
    pub r#type: Vec<u8>,
    pub subtype: Vec<u8>,
    pub params: Params,
}

impl ContentType {
    pub(crate) fn media(&self) -> Media {
        if self.r#type.eq_ignore_ascii_case(b"text") {
            Media::Text
        } else if self.r#type.eq_ignore_ascii_case(b"multipart") {
            Media::Multipart
        } else if self.r#type.eq_ignore_ascii_case(b"message")
            && self.subtype.eq_ignore_ascii_case(b"rfc822")
        {
            Media::Message
        } else {
            Media::Other
        }
    }

    /// The first parameter called `name` (ASCII case-insensitive).
    pub(crate) fn param(&self, name: &[u8]) -> Option<&[u8]> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}

/// Parses an unfolded `Content-Type` value; `None` if it has no `type/subtype`.
pub(crate) fn content_type(s: &[u8]) -> Option<ContentType> {
    let mut i = skip_cfws(s, 0);
    let r#type = token(s, &mut i)?;
    i = skip_cfws(s, i);
    if s.get(i) != Some(&b'/') {
        return None;
    }
    i = skip_cfws(s, i + 1);
    let subtype = token(s, &mut i)?;
    Some(ContentType {
        r#type,
        subtype,
        params: params(s, i),
    })
}

/// Parses an unfolded `Content-Disposition` value into its type and parameters.
pub(crate) fn disposition(s: &[u8]) -> Option<(Vec<u8>, Params)> {
    let mut i = skip_cfws(s, 0);
    let kind = token(s, &mut i)?;
    Some((kind, params(s, i)))
}

/// The first token of a value, e.g. the `Content-Transfer-Encoding` mechanism.
pub(crate) fn first_token(s: &[u8]) -> Option<Vec<u8>> {
    let mut i = skip_cfws(s, 0);
    token(s, &mut i)
}

/// The comma-separated language tags of `Content-Language` (RFC 3282).
pub(crate) fn languages(s: &[u8]) -> Vec<Vec<u8>> {
    s.split(|b| *b == b',').filter_map(first_token).collect()
}

/// Reads `*(";" attribute "=" value)` from `i`, skipping garbage between
/// parameters, then joins RFC 2231 continuations.
fn params(s: &[u8], mut i: usize) -> Params {
    let mut out = Params::new();
    loop {
        i = skip_cfws(s, i);
        if i >= s.len() {
            break;
        }
        if s[i] != b';' {
            match s[i..].iter().position(|b| *b == b';') {
                Some(k) => i += k,
                None => break,
            }
        }
        i = skip_cfws(s, i + 1);
        let Some(name) = token(s, &mut i) else {
            continue;
        };
        i = skip_cfws(s, i);
        if s.get(i) != Some(&b'=') {
            continue;
        }
        i = skip_cfws(s, i + 1);
        let value = if s.get(i) == Some(&b'"') {
            let (end, text) = quoted(s, i);
            i = end;
            text
        } else if let Some(value) = token(s, &mut i) {
            value
        } else {
            // Not a token (e.g. an unquoted encoded word): take it up to ';'.
            let end = s[i..]
                .iter()
                .position(|b| *b == b';')
                .map_or(s.len(), |k| i + k);
            let value = unfold(&s[i..end]);
            i = end;
            value
        };
        out.push((name, value));
    }
    join_continuations(out)
}

/// Splits an RFC 2231 continuation name `base*N` / `base*N*` into its base,
/// section number and whether the section is extended (percent-encoded).
fn continuation(name: &[u8]) -> Option<(&[u8], u32, bool)> {
    let (name, extended) = match name.strip_suffix(b"*") {
        Some(n) => (n, true),
        None => (name, false),
    };
    let star = name.iter().rposition(|b| *b == b'*')?;
    let digits = &name[star + 1..];
    if digits.is_empty() || digits.len() > 4 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((&name[..star], n, extended))
}

/// Joins `name*0`, `name*1*`, ... into one `name` (or `name*` when the first
/// section is extended, keeping its `charset'lang'` prefix), placed where the
/// first section was, as Dovecot does. Other parameters keep their order.
fn join_continuations(params: Params) -> Params {
    struct Group {
        base: Vec<u8>,
        slot: usize,
        sections: Vec<(u32, bool, Vec<u8>)>,
    }
    let mut out = Params::new();
    let mut groups: Vec<Group> = Vec::new();
    for (name, value) in params {
        let Some((base, n, extended)) = continuation(&name) else {
            out.push((name, value));
            continue;
        };
        let at = groups
            .iter()
            .position(|g| g.base.eq_ignore_ascii_case(base));
        let group = match at {
            Some(at) => &mut groups[at],
            None => {
                groups.push(Group {
                    base: base.to_vec(),
                    slot: out.len(),
                    sections: Vec::new(),
                });
                out.push((Vec::new(), Vec::new()));
                let last = groups.len() - 1;
                &mut groups[last]
            }
        };
        if !group.sections.iter().any(|(m, _, _)| *m == n) {
            group.sections.push((n, extended, value));
        }
    }
    for mut group in groups {
        group.sections.sort_by_key(|(n, _, _)| *n);
        let mut name = group.base;
        if group.sections.first().is_some_and(|(_, ext, _)| *ext) {
            name.push(b'*');
        }
        let value = group.sections.into_iter().flat_map(|(_, _, v)| v).collect();
        out[group.slot] = (name, value);
    }
    out
}
