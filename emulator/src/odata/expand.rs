//! `$expand` on messages: the extended-property navigations with their
//! `$filter=id eq '…' or id eq '…'` (the only way Graph offers to read extended
//! properties) and `attachments`. Anything else is refused as Graph refuses
//! an unknown navigation.

use super::error::QueryError;
use super::lexer::{Tok, filter_error, tokenize};
use super::propid::normalize_property_id;
use super::schema::MESSAGE;

/// A parsed `$expand`. Only `singleValueExtendedProperties($filter=id eq '…' or …)`
/// (and the same for `multiValueExtendedProperties`) and `attachments` are supported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Expand {
    /// Normalised extended property ids asked for (see `normalize_property_id`).
    pub single_value_properties: Vec<String>,
    pub attachments: bool,
    /// Normalised ids asked for through `multiValueExtendedProperties(...)`.
    pub multi_value_properties: Vec<String>,
}

fn expand_error(detail: impl std::fmt::Display) -> QueryError {
    QueryError {
        code: "BadRequest",
        message: format!("Parsing OData Select and Expand failed: {detail}"),
    }
}

pub(crate) fn parse_expand(text: &str) -> Result<Expand, QueryError> {
    let mut out = Expand::default();
    for item in split_top_level(text, ',')?
        .into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let (name, options) = match item.find('(') {
            Some(i) => {
                let inner = item[i..]
                    .strip_prefix('(')
                    .and_then(|s| s.strip_suffix(')'))
                    .ok_or_else(|| {
                        expand_error(format!("Syntax error at position {} in '{text}'.", i))
                    })?;
                (item[..i].trim(), Some(inner))
            }
            None => (item, None),
        };
        let Some(prop) = MESSAGE.find(name) else {
            return Err(expand_error(format!(
                "Could not find a property named '{name}' on type '{}'.",
                MESSAGE.name
            )));
        };
        match prop.name {
            "attachments" => out.attachments = true,
            "singleValueExtendedProperties" => extend_unique(
                &mut out.single_value_properties,
                ids_from_options(options, prop.name)?,
            ),
            "multiValueExtendedProperties" => extend_unique(
                &mut out.multi_value_properties,
                ids_from_options(options, prop.name)?,
            ),
            "extensions" => {
                return Err(expand_error(
                    "Expanding 'extensions' is not supported by the emulated tenant.",
                ));
            }
            other => {
                return Err(expand_error(format!(
                    "Property '{other}' on type '{}' is not a navigation property or complex property. \
                     Only navigation properties can be expanded.",
                    MESSAGE.name
                )));
            }
        }
    }
    Ok(out)
}

fn extend_unique(into: &mut Vec<String>, ids: Vec<String>) {
    for id in ids {
        if !into.contains(&id) {
            into.push(id);
        }
    }
}

/// Split on `sep` outside parentheses and single-quoted strings.
fn split_top_level(text: &str, sep: char) -> Result<Vec<&str>, QueryError> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0usize, false, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| expand_error("Found an unbalanced bracket expression."))?;
            }
            c if c == sep && !quoted && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if depth != 0 || quoted {
        return Err(expand_error("Found an unbalanced bracket expression."));
    }
    parts.push(&text[start..]);
    Ok(parts)
}

/// The ids named by `$filter=id eq '…' or id eq '…'` among an item's options.
fn ids_from_options(options: Option<&str>, nav: &str) -> Result<Vec<String>, QueryError> {
    let mut ids = None;
    for opt in split_top_level(options.unwrap_or_default(), ';')?
        .into_iter()
        .map(str::trim)
    {
        let Some((key, value)) = opt.split_once('=') else {
            if opt.is_empty() {
                continue;
            }
            return Err(expand_error(format!(
                "Syntax error in the options of '{nav}': '{opt}'."
            )));
        };
        if key.trim().eq_ignore_ascii_case("$filter") {
            ids = Some(ids_from_filter(value)?);
        }
    }
    ids.ok_or_else(|| {
        expand_error(format!(
            "'{nav}' can only be expanded with a $filter on id (id eq '{{property id}}' or ...)."
        ))
    })
}

/// `id eq 'A' or (id eq 'B')`: an `or` of `id eq` comparisons, parentheses allowed.
fn ids_from_filter(text: &str) -> Result<Vec<String>, QueryError> {
    let toks = tokenize(text)?;
    let mut ids = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let syntax = |pos: usize| filter_error(format!("Syntax error at position {pos} in '{text}'."));
    let word = |i: usize, w: &str| matches!(toks.get(i).map(|t| &t.tok), Some(Tok::Ident(x)) if x.eq_ignore_ascii_case(w));
    let pos_of = |i: usize| toks.get(i).map_or(text.chars().count(), |t| t.pos);
    loop {
        while toks.get(i).is_some_and(|t| t.tok == Tok::LParen) {
            depth += 1;
            i += 1;
        }
        if !word(i, "id") {
            return Err(syntax(pos_of(i)));
        }
        if !word(i + 1, "eq") {
            return Err(syntax(pos_of(i + 1)));
        }
        let Some(Tok::Str(raw)) = toks.get(i + 2).map(|t| &t.tok) else {
            return Err(syntax(pos_of(i + 2)));
        };
        let id = normalize_property_id(raw).ok_or_else(|| QueryError {
            code: "ErrorInvalidExtendedProperty",
            message: "The extended property attribute combination is invalid.".into(),
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
        i += 3;
        while toks.get(i).is_some_and(|t| t.tok == Tok::RParen) {
            depth = depth.checked_sub(1).ok_or_else(|| syntax(pos_of(i)))?;
            i += 1;
        }
        match toks.get(i) {
            None if depth == 0 => return Ok(ids),
            None => {
                return Err(filter_error(format!(
                    "')' expected at position {} in '{text}'.",
                    pos_of(i)
                )));
            }
            Some(_) if word(i, "or") => i += 1,
            Some(t) => return Err(syntax(t.pos)),
        }
    }
}
