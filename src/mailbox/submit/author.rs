//! Who a message claims to be from, checked against policy: every address
//! in `From`, `Sender`, `Resent-From`, `Resent-Sender`, and `Reply-To`
//! where it names a shared mailbox, must be one the user may use. The
//! result says which mailbox sends (own or a shared one) and whether a
//! `Sender` header must be added.

use super::fields::{Header, unfolded};
use super::mailboxes::{Mailbox, list};
use super::{SendFrom, SubmitError};
use crate::policy::{Policy, SendMode};

/// Most addresses read from one sender header.
const MAX_AUTHORS: usize = 20;

/// The checked sending identity.
#[derive(Debug)]
pub(super) struct Author {
    pub from: SendFrom,
    /// The From address that decides the mode (lower-case).
    pub address: String,
    pub mode: SendMode,
    /// Every From address (lower-case).
    pub all: Vec<String>,
    /// `Sender: <own>` must be added (send on behalf without a Sender).
    pub add_sender: bool,
}

fn denied(text: impl Into<String>) -> SubmitError {
    SubmitError::SenderDenied(text.into().into())
}

/// The mailboxes of every `name` field; each must parse and none may pose
/// as another address in its display name.
fn mailboxes(
    raw: &[u8],
    header: &Header,
    name: &str,
    groups: bool,
) -> Result<Vec<Mailbox>, SubmitError> {
    let mut out = Vec::new();
    for field in header.all(name) {
        let found = list(&unfolded(raw, field), groups)
            .map_err(|why| denied(format!("the {name} header cannot be read exactly: {why}")))?;
        if let Some(m) = found.iter().find(|m| m.display_poses_as_address()) {
            return Err(denied(format!(
                "the {name} header shows another address as the name of {}; write the name without an address",
                m.address
            )));
        }
        out.extend(found);
        if out.len() > MAX_AUTHORS {
            return Err(denied(format!(
                "the {name} header names more than {MAX_AUTHORS} addresses"
            )));
        }
    }
    Ok(out)
}

/// Check the sender headers of a message from `login` (own mailbox `own`).
pub(super) fn check(
    raw: &[u8],
    header: &Header,
    policy: &Policy,
    login: &str,
    own: &str,
) -> Result<Author, SubmitError> {
    if !header.has("From") {
        return Err(SubmitError::Invalid(
            "the message has no From header".into(),
        ));
    }
    let froms = mailboxes(raw, header, "From", false)?;
    if froms.is_empty() {
        return Err(denied("the From header holds no address"));
    }
    let senders = mailboxes(raw, header, "Sender", false)?;
    if senders.len() > 1 {
        return Err(denied("the Sender header must name one address"));
    }
    let sender = senders.into_iter().next().map(|m| m.address);
    // Every From address on its own: the user must be allowed to use it.
    let mut modes = Vec::with_capacity(froms.len());
    for m in &froms {
        let grant = policy.send(login, own, &m.address).map_err(|d| {
            denied(format!(
                "{}: not allowed to send as {}",
                d.reason, m.address
            ))
        })?;
        modes.push((m.address.clone(), grant.mode()));
    }
    let all: Vec<String> = modes.iter().map(|(a, _)| a.clone()).collect();
    let (first, first_mode) = modes[0].clone();
    let author = match (&sender, modes.len()) {
        // One author, no Sender: the author's mode decides.
        (None, 1) => Author {
            from: match first_mode {
                SendMode::As => SendFrom::Shared(first.clone()),
                _ => SendFrom::Own,
            },
            add_sender: first_mode == SendMode::OnBehalf,
            address: first,
            mode: first_mode,
            all,
        },
        (None, _) => {
            return Err(denied(
                "a From with several addresses needs a Sender header naming who sends (RFC 5322 section 3.6.2)",
            ));
        }
        // The user sends from their own mailbox for every author: each
        // other author must have granted send on behalf.
        (Some(s), _) if s == own => {
            if let Some((a, _)) = modes.iter().find(|(_, m)| *m == SendMode::As) {
                return Err(denied(format!(
                    "you may send as {a}, but not on its behalf with yourself as Sender; leave out the Sender header"
                )));
            }
            let (address, mode) = modes
                .iter()
                .find(|(_, m)| *m == SendMode::OnBehalf)
                .cloned()
                .unwrap_or((first, first_mode));
            Author {
                from: SendFrom::Own,
                address,
                mode,
                all,
                add_sender: false,
            }
        }
        // A shared mailbox sends as itself: it must be the only author.
        (Some(s), _) => {
            if modes.len() != 1 || first != *s {
                return Err(denied(format!(
                    "the Sender {s} must be you ({own}) or the one From address"
                )));
            }
            if first_mode != SendMode::As {
                return Err(denied(format!(
                    "only someone allowed to send as {s} may name it as Sender; on its behalf, the Sender must be you ({own})"
                )));
            }
            Author {
                from: SendFrom::Shared(first.clone()),
                address: first,
                mode: first_mode,
                all,
                add_sender: false,
            }
        }
    };
    resent(raw, header, policy, login, own)?;
    reply_to(raw, header, policy, login, own)?;
    Ok(author)
}

/// `Resent-From` addresses must be ones the user may send as or for, and
/// `Resent-Sender` the user (RFC 5322 §3.6.6: the resender).
fn resent(
    raw: &[u8],
    header: &Header,
    policy: &Policy,
    login: &str,
    own: &str,
) -> Result<(), SubmitError> {
    for m in mailboxes(raw, header, "Resent-From", false)? {
        policy.send(login, own, &m.address).map_err(|d| {
            denied(format!(
                "{}: Resent-From {} is not an address you may send as",
                d.reason, m.address
            ))
        })?;
    }
    for m in mailboxes(raw, header, "Resent-Sender", false)? {
        if m.address != own {
            return Err(denied(format!(
                "Resent-Sender must be your own address {own}, not {}",
                m.address
            )));
        }
    }
    Ok(())
}

/// A `Reply-To` sends the answers elsewhere. It is checked where it could
/// speak for a mailbox graphgate knows: an address that policy names as a
/// shared mailbox must be one the user may send as or for. Other addresses
/// (a colleague, a list, an outside address) are the user's choice.
fn reply_to(
    raw: &[u8],
    header: &Header,
    policy: &Policy,
    login: &str,
    own: &str,
) -> Result<(), SubmitError> {
    for m in mailboxes(raw, header, "Reply-To", true)? {
        if policy.is_shared_mailbox(&m.address) && policy.send(login, own, &m.address).is_err() {
            return Err(denied(format!(
                "Reply-To names the shared mailbox {}, which you may not send as",
                m.address
            )));
        }
    }
    Ok(())
}
