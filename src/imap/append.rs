//! APPEND: a message from the client stored in a folder with its flags and
//! date, answered with APPENDUID (RFC 4315) once Graph holds it.

use bytes::Bytes;
use chrono::Utc;
use imap_types::datetime::DateTime;
use imap_types::extensions::binary::LiteralOrLiteral8;
use imap_types::flag::Flag;
use imap_types::mailbox::Mailbox;
use imap_types::response::Code;

use super::backend::{Backend, OpenFolder, UserFolders};
use super::names::from_wire;
use super::reply::{self, Reply, Role};
use super::session::{LOGIN_FIRST, Outcome, Session, nz};
use crate::mailbox::flags::FlagName;
use crate::mailbox::names::canonical;

impl<B: Backend> Session<'_, B> {
    pub(super) async fn append(
        &mut self,
        mailbox: Mailbox<'static>,
        flags: Vec<Flag<'static>>,
        date: Option<DateTime>,
        message: LiteralOrLiteral8<'static>,
    ) -> Outcome {
        let Some(user) = &self.user else {
            return Ok(Reply::bad(LOGIN_FIRST));
        };
        let name = match from_wire(&mailbox) {
            Ok(name) => name,
            Err(why) => return Ok(Reply::bad(why)),
        };
        if let Some(s) = self
            .selected
            .as_ref()
            .filter(|s| s.folder.read_only() && canonical(s.folder.name()) == name)
        {
            return Ok(reply::mail_error(&s.folder.write_refused(), Role::Subject));
        }
        let mut names = Vec::with_capacity(flags.len());
        for flag in &flags {
            match (flag, FlagName::parse(&flag.to_string())) {
                (Flag::Extension(_), _) | (_, None) => {
                    return Ok(Reply::bad(format!("the flag {flag} cannot be stored")));
                }
                (_, Some(name)) => names.push(name),
            }
        }
        let bytes = match &message {
            LiteralOrLiteral8::Literal(literal) => literal.data(),
            LiteralOrLiteral8::Literal8(literal8) => literal8.data.as_ref(),
        };
        if bytes.is_empty() {
            return Ok(Reply::no("the message is empty"));
        }
        let date = date.map(|d| d.as_ref().with_timezone(&Utc));
        let mime = Bytes::copy_from_slice(bytes);
        match user.mail.append(&name, &names, date, mime).await {
            Ok((uidvalidity, uid)) => {
                let reply = Reply::ok("APPEND completed");
                Ok(match (uidvalidity, uid) {
                    (0, _) | (_, 0) => reply,
                    _ => reply.with(Code::AppendUid {
                        uid_validity: nz(uidvalidity),
                        uid: nz(uid),
                    }),
                })
            }
            Err(e) => Ok(reply::mail_error(&e, Role::Upload)),
        }
    }
}
