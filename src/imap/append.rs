//! APPEND (RFC 3501 §6.3.11): a message from the client stored in a folder
//! with its flags and date, answered with APPENDUID (RFC 4315) once Graph
//! holds it. A folder this session has open read-only refuses it up front.

use bytes::Bytes;
use chrono::Utc;
use imap_types::datetime::DateTime;
use imap_types::extensions::binary::LiteralOrLiteral8;
use imap_types::flag::Flag;
use imap_types::mailbox::Mailbox;
use imap_types::response::Code;

use super::backend::{OpenFolder, UserFolders};
use super::names::from_wire;
use super::reply::{self, Reply, Role};
use super::state::{FolderOf, LoggedIn, Selected};
use super::updates::nz;
use crate::mailbox::flags::FlagName;
use crate::mailbox::names::canonical;

/// APPEND for a logged-in user, with the folder selected now, if any.
pub(super) async fn append<U: UserFolders>(
    user: &LoggedIn<U>,
    selected: Option<&Selected<FolderOf<U>>>,
    mailbox: Mailbox<'static>,
    flags: Vec<Flag<'static>>,
    date: Option<DateTime>,
    message: LiteralOrLiteral8<'static>,
) -> Reply {
    let name = match from_wire(&mailbox) {
        Ok(name) => name,
        Err(why) => return why.into(),
    };
    if let Some(refused) = read_only_refusal(selected, &name) {
        return refused;
    }
    let names = match flag_names(&flags) {
        Ok(names) => names,
        Err(refused) => return refused,
    };
    let bytes = match &message {
        LiteralOrLiteral8::Literal(literal) => literal.data(),
        LiteralOrLiteral8::Literal8(literal8) => literal8.data.as_ref(),
    };
    if bytes.is_empty() {
        return Reply::no("the message is empty");
    }
    let date = date.map(|d| d.as_ref().with_timezone(&Utc));
    let mime = Bytes::copy_from_slice(bytes);
    match user.mail.append(&name, &names, date, mime).await {
        Ok((uidvalidity, uid)) => {
            let reply = Reply::ok("APPEND completed");
            match (uidvalidity, uid) {
                (0, _) | (_, 0) => reply,
                _ => reply.with(Code::AppendUid {
                    uid_validity: nz(uidvalidity),
                    uid: nz(uid),
                }),
            }
        }
        Err(e) => reply::mail_error(&e, Role::Upload),
    }
}

/// The refusal when `name` is the folder this session has open read-only.
pub(super) fn read_only_refusal<F: OpenFolder>(
    selected: Option<&Selected<F>>,
    name: &str,
) -> Option<Reply> {
    selected
        .filter(|s| s.folder.read_only() && canonical(s.folder.name()) == name)
        .map(|s| reply::mail_error(&s.folder.write_refused(), Role::Subject))
}

/// The flags a new message may carry, or the reply refusing one.
pub(super) fn flag_names(flags: &[Flag<'_>]) -> Result<Vec<FlagName>, Reply> {
    let mut names = Vec::with_capacity(flags.len());
    for flag in flags {
        match (flag, FlagName::parse(&flag.to_string())) {
            (Flag::Extension(_), _) | (_, None) => return Err(reply::flag_refused(flag)),
            (_, Some(name)) => names.push(name),
        }
    }
    Ok(names)
}
