//! CATENATE (RFC 4469): a new message put together from the client's text
//! and from messages, or parts of them, that IMAP URLs name in the user's
//! own folders (shared mailboxes included, as far as policy grants them).
//! A URL that does not resolve is `NO [BADURL url]`; a result larger than
//! APPENDLIMIT is `NO [TOOBIG]` before anything reaches Graph.

use std::collections::HashMap;

use bytes::{Bytes, BytesMut};
use imap_types::response::{Code, CodeOther};

use super::append_ext::Part;
use super::backend::UserFolders;
use super::imap_url::{self, MAX_URL};
use super::reply::{self, Reply, Role};
use super::state::LoggedIn;
use crate::mailbox::MailError;
use crate::mime::{ParsedMessage, partial};

/// Messages already read for this command, by folder and UID, with the
/// folder's UIDVALIDITY: a message named by several URLs is read once.
#[derive(Default)]
pub(super) struct Sources {
    read: HashMap<(String, u32), (u32, Bytes)>,
}

/// The message the `parts` make, at most `limit` bytes; or the refusal.
pub(super) async fn build<U: UserFolders>(
    user: &LoggedIn<U>,
    sources: &mut Sources,
    parts: &[Part],
    limit: usize,
) -> Result<Bytes, Reply> {
    let mut out = BytesMut::new();
    for part in parts {
        let bytes = match part {
            Part::Text(text) => text.clone(),
            Part::Url(url) => resolve(user, sources, url).await?,
        };
        if out.len().saturating_add(bytes.len()) > limit {
            return Err(Reply::no(format!(
                "the message CATENATE makes is larger than the limit of {limit} bytes"
            ))
            .with(Code::TooBig));
        }
        out.extend_from_slice(&bytes);
    }
    Ok(out.freeze())
}

/// The bytes `url` names.
async fn resolve<U: UserFolders>(
    user: &LoggedIn<U>,
    sources: &mut Sources,
    url: &str,
) -> Result<Bytes, Reply> {
    let parsed = imap_url::parse(url).map_err(|why| bad_url(url, &why.to_string()))?;
    let key = (parsed.mailbox.clone(), parsed.uid.get());
    let (uidvalidity, mime) = match sources.read.get(&key) {
        Some(found) => found.clone(),
        None => {
            let found = match user.mail.message(&parsed.mailbox, parsed.uid.get()).await {
                Ok(found) => found,
                // Graph trouble is not the URL's fault: said as for any command.
                Err(e @ (MailError::Unavailable(_) | MailError::Internal(_))) => {
                    return Err(reply::mail_error(&e, Role::Subject));
                }
                Err(e) => return Err(bad_url(url, &e.to_string())),
            };
            sources.read.insert(key, found.clone());
            found
        }
    };
    if parsed
        .uidvalidity
        .is_some_and(|expected| expected.get() != uidvalidity)
    {
        return Err(bad_url(url, "the mailbox's UIDVALIDITY has changed"));
    }
    let section = match &parsed.section {
        None => mime.clone(),
        Some(section) => {
            let message = ParsedMessage::from_bytes(mime.clone());
            match message.section(Some(section)) {
                Some(bytes) => Bytes::copy_from_slice(&bytes),
                None => return Err(bad_url(url, "the message has no such section")),
            }
        }
    };
    Ok(match parsed.partial {
        None => section,
        Some((offset, length)) => {
            let length = length.map_or(u32::MAX, |l| l.get());
            Bytes::copy_from_slice(partial(&section, offset, length))
        }
    })
}

/// `NO [BADURL url] why`. The URL is echoed only as RFC 4469's
/// `url-resp-text` allows (no `]` or `\`, no space or control, bounded); otherwise
/// the code is left out and the text says which URL.
fn bad_url(url: &str, why: &str) -> Reply {
    let text = format!("the URL does not name a message graphgate can read: {why}");
    let echo_ok = !url.is_empty()
        && url.len() <= MAX_URL
        && url
            .bytes()
            .all(|b| (0x21..0x7f).contains(&b) && b != b']' && b != b'\\');
    if echo_ok {
        let code = format!("BADURL {url}");
        Reply::no(text).with(Code::Other(CodeOther::unvalidated(code.into_bytes())))
    } else {
        Reply::no(text)
    }
}
