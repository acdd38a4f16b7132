//! The IMAP URLs (RFC 5092) that CATENATE (RFC 4469) accepts: relative URLs
//! naming a message, or a part of one, in a folder of the logged-in user:
//! `/INBOX;UIDVALIDITY=7/;UID=3/;SECTION=1.TEXT/;PARTIAL=0.1024`. The
//! mailbox is percent-encoded UTF-8 (RFC 5092) or, as older clients write
//! it, percent-encoded modified UTF-7. Absolute `imap://` URLs and URLAUTH
//! are refused: the user and server a relative URL names are the session's.

use std::num::NonZeroU32;

use imap_codec::CommandCodec;
use imap_codec::decode::Decoder;
use imap_types::IntoStatic;
use imap_types::command::CommandBody;
use imap_types::fetch::{MacroOrMessageDataItemNames, MessageDataItemName, Section};

use crate::mailbox::mutf7;

/// The longest URL accepted, in bytes.
pub(super) const MAX_URL: usize = 2048;

/// A message, or a part of one, that a CATENATE URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MessageUrl {
    /// The folder's UTF-8 name.
    pub mailbox: String,
    /// The UIDVALIDITY the client expects, if it said.
    pub uidvalidity: Option<NonZeroU32>,
    pub uid: NonZeroU32,
    /// As in FETCH `BODY[section]`; `None` is the whole message.
    pub section: Option<Section<'static>>,
    /// `<offset.length>` of the section's bytes (length absent: to the end).
    pub partial: Option<(u32, Option<NonZeroU32>)>,
}

/// Why a URL is not one graphgate serves (the text after `[BADURL ...]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum UrlError {
    #[error("the URL is longer than {MAX_URL} bytes")]
    TooLong,
    #[error("only relative URLs (/mailbox/;UID=n) are accepted, not imap:// ones")]
    Absolute,
    #[error("the URL must start with / and name a mailbox")]
    NoMailbox,
    #[error("the URL has a bad %-escape or is not UTF-8")]
    BadEscape,
    #[error("the URL names no message (;UID=n)")]
    NoUid,
    #[error("the URL's {0} is not a valid number")]
    BadNumber(&'static str),
    #[error("the URL's section is not a FETCH BODY[] section")]
    BadSection,
    #[error("URLAUTH is not supported")]
    UrlAuth,
    #[error("the URL has an unknown or misplaced part")]
    Unexpected,
}

/// Parse a CATENATE URL.
pub(super) fn parse(url: &str) -> Result<MessageUrl, UrlError> {
    if url.len() > MAX_URL {
        return Err(UrlError::TooLong);
    }
    if url
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("imap://"))
    {
        return Err(UrlError::Absolute);
    }
    let rest = url.strip_prefix('/').ok_or(UrlError::NoMailbox)?;
    // `;` is not a character of an encoded mailbox name: the first one
    // starts the parameters.
    let semi = rest.find(';').ok_or(UrlError::NoUid)?;
    let (mut encoded, mut params) = rest.split_at(semi);
    if encoded.is_empty() || encoded == "/" {
        return Err(UrlError::NoMailbox);
    }
    let mut uidvalidity = None;
    if let Some(after) = strip_key(params, ";UIDVALIDITY=") {
        let (value, tail) = split_value(after);
        uidvalidity = Some(nz(value, "UIDVALIDITY")?);
        params = tail;
    } else {
        // Without UIDVALIDITY the mailbox ends with the `/` before `;UID=`.
        encoded = encoded.strip_suffix('/').ok_or(UrlError::Unexpected)?;
    }
    if encoded.is_empty() {
        return Err(UrlError::NoMailbox);
    }
    let mailbox = mailbox_name(encoded)?;
    // After UIDVALIDITY, or the mailbox's own `/`: each later part is `/;KEY=value`.
    if uidvalidity.is_some() {
        params = params.strip_prefix('/').ok_or(UrlError::NoUid)?;
    }
    let after = strip_key(params, ";UID=").ok_or(UrlError::NoUid)?;
    let (value, mut params) = split_value(after);
    let uid = nz(value, "UID")?;
    let mut section = None;
    let mut partial = None;
    if let Some(after) = params
        .strip_prefix('/')
        .and_then(|p| strip_key(p, ";SECTION="))
    {
        let (value, tail) = split_value(after);
        section = Some(parse_section(&percent_decode(value)?)?);
        params = tail;
    }
    if let Some(after) = params
        .strip_prefix('/')
        .and_then(|p| strip_key(p, ";PARTIAL="))
    {
        let (value, tail) = split_value(after);
        partial = Some(parse_partial(value)?);
        params = tail;
    }
    let auth = params.strip_prefix('/').unwrap_or(params);
    if strip_key(auth, ";URLAUTH=").is_some() || strip_key(auth, ";EXPIRE=").is_some() {
        return Err(UrlError::UrlAuth);
    }
    // A trailing `/` is tolerated (some clients end every part with one).
    if !(params.is_empty() || params == "/") {
        return Err(UrlError::Unexpected);
    }
    Ok(MessageUrl {
        mailbox,
        uidvalidity,
        uid,
        section,
        partial,
    })
}

/// `s` without `key` at its start (ASCII case ignored).
fn strip_key<'s>(s: &'s str, key: &str) -> Option<&'s str> {
    s.get(..key.len())
        .filter(|head| head.eq_ignore_ascii_case(key))
        .map(|_| &s[key.len()..])
}

/// A parameter's value and what follows it (from its `/` or `;` on).
fn split_value(s: &str) -> (&str, &str) {
    let end = s.find(['/', ';']).unwrap_or(s.len());
    s.split_at(end)
}

fn nz(value: &str, what: &'static str) -> Result<NonZeroU32, UrlError> {
    number(value, what).and_then(|n| NonZeroU32::new(n).ok_or(UrlError::BadNumber(what)))
}

fn number(value: &str, what: &'static str) -> Result<u32, UrlError> {
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::BadNumber(what));
    }
    value.parse().map_err(|_| UrlError::BadNumber(what))
}

fn parse_partial(value: &str) -> Result<(u32, Option<NonZeroU32>), UrlError> {
    match value.split_once('.') {
        Some((offset, length)) => Ok((number(offset, "PARTIAL")?, Some(nz(length, "PARTIAL")?))),
        None => Ok((number(value, "PARTIAL")?, None)),
    }
}

/// The UTF-8 name of a percent-encoded mailbox: UTF-8 as RFC 5092 wants,
/// or modified UTF-7 (RFC 2192's form) when it decodes as such.
fn mailbox_name(encoded: &str) -> Result<String, UrlError> {
    let name = percent_decode(encoded)?;
    if name.is_ascii()
        && name.contains('&')
        && let Ok(decoded) = mutf7::decode(&name)
    {
        return Ok(decoded);
    }
    Ok(name)
}

/// `%XX` escapes decoded; the result must be UTF-8 without controls.
fn percent_decode(s: &str) -> Result<String, UrlError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(UrlError::BadEscape)?;
            let hex = std::str::from_utf8(hex).map_err(|_| UrlError::BadEscape)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| UrlError::BadEscape)?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).map_err(|_| UrlError::BadEscape)?;
    if text.chars().any(char::is_control) {
        return Err(UrlError::BadEscape);
    }
    Ok(text)
}

/// A section as FETCH `BODY[section]` has it, decoded by imap-codec's own
/// grammar for FETCH.
fn parse_section(text: &str) -> Result<Section<'static>, UrlError> {
    if text.is_empty() || text.contains(['[', ']']) || !text.is_ascii() {
        return Err(UrlError::BadSection);
    }
    let command = format!("u FETCH 1 BODY.PEEK[{text}]\r\n");
    let Ok((rest, command)) = CommandCodec::default().decode(command.as_bytes()) else {
        return Err(UrlError::BadSection);
    };
    if !rest.is_empty() {
        return Err(UrlError::BadSection);
    }
    match command.body {
        CommandBody::Fetch {
            macro_or_item_names: MacroOrMessageDataItemNames::MessageDataItemNames(names),
            ..
        } => match names.as_slice() {
            [
                MessageDataItemName::BodyExt {
                    section: Some(section),
                    partial: None,
                    ..
                },
            ] => Ok(section.clone().into_static()),
            _ => Err(UrlError::BadSection),
        },
        _ => Err(UrlError::BadSection),
    }
}

#[cfg(test)]
#[path = "imap_url_tests.rs"]
mod tests;
