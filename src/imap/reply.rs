//! Every IMAP status reply graphgate sends is made here: tagged and untagged
//! OK/NO/BAD/BYE with their response codes (RFC 5530 and friends), the
//! refusals of a command in the wrong state, and the one mapping from mailbox
//! errors to codes, so a refusal reads the same whichever command met it.

use imap_types::core::{Tag, Text};
use imap_types::response::{Bye, Code, CodeOther, Status, StatusBody, StatusKind, Tagged};

use crate::mailbox::MailError;

/// Response codes imap-types has no variant for (RFC 5530, RFC 3501).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Extra {
    AuthenticationFailed,
    AuthorizationFailed,
    Unavailable,
    PrivacyRequired,
    Nonexistent,
    AlreadyExists,
    NoPerm,
    Cannot,
    Limit,
    ServerBug,
    ExpungeIssued,
}

impl Extra {
    fn atom(self) -> &'static str {
        match self {
            Extra::AuthenticationFailed => "AUTHENTICATIONFAILED",
            Extra::AuthorizationFailed => "AUTHORIZATIONFAILED",
            Extra::Unavailable => "UNAVAILABLE",
            Extra::PrivacyRequired => "PRIVACYREQUIRED",
            Extra::Nonexistent => "NONEXISTENT",
            Extra::AlreadyExists => "ALREADYEXISTS",
            Extra::NoPerm => "NOPERM",
            Extra::Cannot => "CANNOT",
            Extra::Limit => "LIMIT",
            Extra::ServerBug => "SERVERBUG",
            Extra::ExpungeIssued => "EXPUNGEISSUED",
        }
    }

    pub(super) fn code(self) -> Code<'static> {
        Code::Other(CodeOther::unvalidated(self.atom().as_bytes()))
    }
}

/// The longest status text, in characters (all ASCII once made safe).
const MAX_TEXT: usize = 300;

/// `text` as IMAP `text`: 7-bit, no CR or LF, not empty, not starting
/// with `[` (which would read as a response code), and at most `MAX_TEXT`.
pub(super) fn text(text: &str) -> Text<'static> {
    let mut out: String = text
        .chars()
        // A status text is for a person: one that names what the client
        // sent (a folder name of any length) is cut, so no command can make
        // a reply grow with its input.
        .take(MAX_TEXT + 1)
        .map(|c| match c {
            '\r' | '\n' | '\t' => ' ',
            c if (' '..='~').contains(&c) => c,
            _ => '?',
        })
        .collect();
    if out.len() > MAX_TEXT {
        out.truncate(MAX_TEXT - 3);
        out.push_str("...");
    }
    let trimmed = out.trim();
    if trimmed.len() != out.len() {
        out = trimmed.to_string();
    }
    if out.is_empty() {
        out.push_str("done");
    }
    if out.starts_with('[') {
        out.insert(0, ' ');
        out.insert(0, '-');
    }
    Text::try_from(out).unwrap_or_else(|_| Text::unvalidated("done"))
}

/// What a status line says: kind, code and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reply {
    pub kind: Kind,
    pub code: Option<Code<'static>>,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Ok,
    No,
    Bad,
}

impl Reply {
    pub(super) fn ok(text: impl Into<String>) -> Reply {
        Reply {
            kind: Kind::Ok,
            code: None,
            text: text.into(),
        }
    }
    pub(super) fn no(text: impl Into<String>) -> Reply {
        Reply {
            kind: Kind::No,
            code: None,
            text: text.into(),
        }
    }
    pub(super) fn bad(text: impl Into<String>) -> Reply {
        Reply {
            kind: Kind::Bad,
            code: None,
            text: text.into(),
        }
    }
    pub(super) fn with(mut self, code: Code<'static>) -> Reply {
        self.code = Some(code);
        self
    }
    pub(super) fn with_extra(self, extra: Extra) -> Reply {
        self.with(extra.code())
    }

    /// The tagged status line.
    pub(super) fn tagged(self, tag: Tag<'static>) -> Status<'static> {
        self.status(Some(tag))
    }

    /// The untagged form (`* OK [...] ...`).
    pub(super) fn untagged(self) -> Status<'static> {
        self.status(None)
    }

    fn status(self, tag: Option<Tag<'static>>) -> Status<'static> {
        let body = StatusBody {
            kind: match self.kind {
                Kind::Ok => StatusKind::Ok,
                Kind::No => StatusKind::No,
                Kind::Bad => StatusKind::Bad,
            },
            code: self.code,
            text: text(&self.text),
        };
        match tag {
            Some(tag) => Status::Tagged(Tagged { tag, body }),
            None => Status::Untagged(body),
        }
    }
}

/// `* BYE` with a reason.
pub(super) fn bye(code: Option<Code<'static>>, reason: &str) -> Status<'static> {
    Status::Bye(Bye {
        code,
        text: text(reason),
    })
}

/// Where a mailbox name stood in the command, for the code of a missing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// The folder the command works on (SELECT, STATUS, DELETE...).
    Subject,
    /// Where messages go (APPEND, COPY, MOVE): a missing one is [TRYCREATE].
    Target,
    /// APPEND's message: too large is [TOOBIG].
    Upload,
}

/// The one mapping from a mailbox error to an IMAP reply.
pub(super) fn mail_error(err: &MailError, role: Role) -> Reply {
    let text = err.to_string();
    match err {
        MailError::NoSuchFolder(_) => match role {
            Role::Target | Role::Upload => Reply::no(text).with(Code::TryCreate),
            Role::Subject => Reply::no(text).with_extra(Extra::Nonexistent),
        },
        MailError::AlreadyExists(_) => Reply::no(text).with_extra(Extra::AlreadyExists),
        MailError::NoPermission(_) => Reply::no(text).with_extra(Extra::NoPerm),
        MailError::ReadOnly => Reply::no(READ_ONLY).with(Code::ReadOnly),
        MailError::CannotDo(_) => Reply::no(text).with_extra(Extra::Cannot),
        MailError::TooLarge(_) => match role {
            Role::Upload => Reply::no(text).with(Code::TooBig),
            _ => Reply::no(text).with_extra(Extra::Limit),
        },
        MailError::Gone(_) => Reply::no(text).with_extra(Extra::ExpungeIssued),
        MailError::Unavailable(_) => Reply::no(text).with_extra(Extra::Unavailable),
        MailError::Internal(_) => {
            Reply::no(format!("graphgate failed: {text}")).with_extra(Extra::ServerBug)
        }
    }
}

/// The reply to a command that needs a logged-in user.
pub(super) const LOGIN_FIRST: &str = "log in first (LOGIN or AUTHENTICATE)";
/// The reply to a command that needs a selected folder.
pub(super) const SELECT_FIRST: &str = "select a folder first (SELECT or EXAMINE)";

/// Why a command is not allowed in the session's state (RFC 3501 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refused {
    /// Authenticated or selected state needed.
    LoginFirst,
    /// Selected state needed, and the user is logged in.
    SelectFirst,
    /// LOGIN or AUTHENTICATE once logged in.
    AlreadyLoggedIn,
    /// STARTTLS on a connection that is encrypted already.
    TlsAlreadyOn,
    /// STARTTLS once logged in (over a plain connection).
    StartTlsAfterLogin,
}

impl Refused {
    pub(super) fn reply(self) -> Reply {
        Reply::bad(match self {
            Refused::LoginFirst => LOGIN_FIRST,
            Refused::SelectFirst => SELECT_FIRST,
            Refused::AlreadyLoggedIn => "already logged in",
            Refused::TlsAlreadyOn => "TLS is already on",
            Refused::StartTlsAfterLogin => "STARTTLS is only possible before logging in",
        })
    }
}

/// The reply to a command imap-codec knows but graphgate does not offer.
pub(super) fn unsupported(command: &str) -> Reply {
    Reply::bad(format!("graphgate does not support {command}"))
}

/// The reply when FETCH could not read some messages another session
/// expunged (removed for good, and not kept in the cache), before this
/// session may say so (RFC 2180 §4.1.3). The words are the ones clients and
/// test tools know from other servers.
pub(super) fn expunged_meanwhile(command: &str) -> Reply {
    Reply::no(format!(
        "Some of the requested messages no longer exist ({command}; NOOP shows which)"
    ))
    .with_extra(Extra::ExpungeIssued)
}

/// The reply to a flag that cannot be stored (STORE, APPEND).
pub(super) fn flag_refused(flag: &impl std::fmt::Display) -> Reply {
    Reply::bad(format!("the flag {flag} cannot be stored"))
}

/// Why a change to a read-only folder is refused.
pub(super) const READ_ONLY: &str = "the folder is open read-only (EXAMINE, or you may only read this mailbox); SELECT it to change it";

#[cfg(test)]
mod tests {
    use imap_codec::ResponseCodec;
    use imap_codec::encode::Encoder;
    use imap_types::response::Response;

    use super::*;

    fn wire(status: Status<'static>) -> String {
        String::from_utf8(
            ResponseCodec::default()
                .encode(&Response::Status(status))
                .dump(),
        )
        .unwrap()
    }

    fn tag() -> Tag<'static> {
        Tag::try_from("a1").unwrap()
    }

    #[test]
    fn mail_errors_map_to_codes() {
        let cases = [
            (
                MailError::NoSuchFolder("X".into()),
                Role::Subject,
                "a1 NO [NONEXISTENT] there is no folder X\r\n",
            ),
            (
                MailError::NoSuchFolder("X".into()),
                Role::Target,
                "a1 NO [TRYCREATE] there is no folder X\r\n",
            ),
            (
                MailError::AlreadyExists("X".into()),
                Role::Subject,
                "a1 NO [ALREADYEXISTS] a folder named X already exists\r\n",
            ),
            (
                MailError::NoPermission("carol may not open sales".into()),
                Role::Subject,
                "a1 NO [NOPERM] carol may not open sales\r\n",
            ),
            (
                MailError::CannotDo("INBOX cannot be deleted".into()),
                Role::Subject,
                "a1 NO [CANNOT] INBOX cannot be deleted\r\n",
            ),
            (
                MailError::TooLarge("over 150 MB".into()),
                Role::Upload,
                "a1 NO [TOOBIG] over 150 MB\r\n",
            ),
            (
                MailError::TooLarge("too many".into()),
                Role::Subject,
                "a1 NO [LIMIT] too many\r\n",
            ),
            (
                MailError::Gone(7),
                Role::Subject,
                "a1 NO [EXPUNGEISSUED] message 7 no longer exists\r\n",
            ),
            (
                MailError::Unavailable("run `graphgate login alice@contoso.com`".into()),
                Role::Subject,
                "a1 NO [UNAVAILABLE] run `graphgate login alice@contoso.com`\r\n",
            ),
            (
                MailError::Internal("bad json".into()),
                Role::Subject,
                "a1 NO [SERVERBUG] graphgate failed: bad json\r\n",
            ),
        ];
        for (err, role, want) in cases {
            assert_eq!(wire(mail_error(&err, role).tagged(tag())), want, "{err:?}");
        }
        assert!(
            wire(mail_error(&MailError::ReadOnly, Role::Subject).tagged(tag()))
                .starts_with("a1 NO [READ-ONLY] ")
        );
    }

    #[test]
    fn refusals_in_the_wrong_state_keep_their_texts() {
        let cases = [
            (
                Refused::LoginFirst,
                "a1 BAD log in first (LOGIN or AUTHENTICATE)\r\n",
            ),
            (
                Refused::SelectFirst,
                "a1 BAD select a folder first (SELECT or EXAMINE)\r\n",
            ),
            (Refused::AlreadyLoggedIn, "a1 BAD already logged in\r\n"),
            (Refused::TlsAlreadyOn, "a1 BAD TLS is already on\r\n"),
            (
                Refused::StartTlsAfterLogin,
                "a1 BAD STARTTLS is only possible before logging in\r\n",
            ),
        ];
        for (refused, want) in cases {
            assert_eq!(wire(refused.reply().tagged(tag())), want, "{refused:?}");
        }
        assert_eq!(
            wire(unsupported("SORT").tagged(tag())),
            "a1 BAD graphgate does not support SORT\r\n"
        );
        assert_eq!(
            wire(expunged_meanwhile("FETCH").tagged(tag())),
            "a1 NO [EXPUNGEISSUED] Some of the requested messages no longer exist (FETCH; NOOP shows which)\r\n"
        );
    }

    #[test]
    fn texts_are_made_safe() {
        assert_eq!(
            text("there is no folder Café").inner(),
            "there is no folder Caf?"
        );
        assert_eq!(text("a\r\nb").inner(), "a  b");
        assert_eq!(text("").inner(), "done");
        assert_eq!(text("[x] y").inner(), "- [x] y");
        let long = text(&format!("there is no folder {}", "x".repeat(20_000)));
        assert_eq!(long.inner().len(), 300);
        assert!(long.inner().ends_with("xx..."));
        assert_eq!(
            wire(Reply::no("[ALERT] fake").tagged(tag())),
            "a1 NO - [ALERT] fake\r\n"
        );
        assert_eq!(wire(bye(None, "Autologout")), "* BYE Autologout\r\n");
    }
}
