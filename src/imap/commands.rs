//! The one table of IMAP commands. For each command imap-codec decodes it
//! says, once: the RFC 3501 §6 state the command needs (any, not
//! authenticated, authenticated, selected), whether the untagged updates
//! sent after it may include EXPUNGE (§7.4.1), and whether it leaves the
//! selected folder. The session consults it before running a command, so the
//! handlers never check the state themselves.

use std::borrow::Cow;

use imap_types::auth::AuthMechanism;
use imap_types::command::{CommandBody, FetchModifier, SelectParameter, StoreModifier};
use imap_types::core::{AString, Charset, IString, NString, Vec1};
use imap_types::datetime::DateTime;
use imap_types::extensions::binary::LiteralOrLiteral8;
use imap_types::extensions::compress::CompressionAlgorithm;
use imap_types::extensions::enable::CapabilityEnable;
use imap_types::extensions::sort::SortCriterion;
use imap_types::extensions::thread::ThreadingAlgorithm;
use imap_types::fetch::MacroOrMessageDataItemNames;
use imap_types::flag::{Flag, StoreResponse, StoreType};
use imap_types::mailbox::{ListMailbox, Mailbox};
use imap_types::secret::Secret;
use imap_types::status::StatusDataItemName;

use super::acl_syntax::AclCommand;
use super::append_ext::AppendCommand;
use super::grammar::{Body, command_name};
use super::list_ext::ListOptions;
use super::names::from_wire;
use super::objectid::ObjectIdItems;
use super::search_return::{Extras, ReturnOptions};
use super::searchres::{Criteria, Target};
use super::updates::Expunges;

/// RFC 3501 §6.1: commands valid in any state.
#[derive(Debug)]
pub(super) enum AnyStateCommand {
    Capability,
    /// NOOP, or CHECK (which graphgate treats the same).
    Noop {
        name: &'static str,
    },
    Logout,
    Id {
        parameters: Option<Vec<(IString<'static>, NString<'static>)>>,
    },
    /// A command imap-codec decodes but graphgate does not offer.
    Unsupported {
        name: &'static str,
    },
}

/// RFC 3501 §6.2: commands valid only before logging in.
#[derive(Debug)]
pub(super) enum NotAuthenticatedCommand {
    StartTls,
    Login {
        username: AString<'static>,
        password: Secret<AString<'static>>,
    },
    Authenticate {
        mechanism: AuthMechanism<'static>,
        initial: Option<Secret<Cow<'static, [u8]>>>,
    },
}

/// RFC 3501 §6.3: commands valid once logged in, a folder selected or not.
#[derive(Debug)]
pub(super) enum AuthenticatedCommand {
    Enable {
        names: Vec1<CapabilityEnable<'static>>,
    },
    Namespace,
    /// SELECT, or EXAMINE (`read_only`), with RFC 7162's parameters.
    Select {
        mailbox: Mailbox<'static>,
        read_only: bool,
        parameters: Vec<SelectParameter>,
    },
    Create {
        mailbox: Mailbox<'static>,
    },
    Delete {
        mailbox: Mailbox<'static>,
    },
    Rename {
        from: Mailbox<'static>,
        to: Mailbox<'static>,
    },
    /// SUBSCRIBE (`on`), or UNSUBSCRIBE.
    Subscribe {
        mailbox: Mailbox<'static>,
        on: bool,
    },
    /// LIST, or LSUB (`lsub`, never with options).
    List {
        reference: Mailbox<'static>,
        pattern: ListMailbox<'static>,
        options: ListOptions,
        lsub: bool,
    },
    Status {
        mailbox: Mailbox<'static>,
        items: Vec<StatusDataItemName>,
        /// RFC 8474's MAILBOXID (and whether `items` is only a filler).
        object_ids: ObjectIdItems,
    },
    Append {
        mailbox: Mailbox<'static>,
        flags: Vec<Flag<'static>>,
        date: Option<DateTime>,
        message: LiteralOrLiteral8<'static>,
    },
    /// APPEND of several messages (RFC 3502) or with CATENATE (RFC 4469).
    AppendMany {
        command: AppendCommand,
    },
    Idle,
    /// RFC 4978: `command-auth` in its grammar, so also with a folder selected.
    Compress {
        algorithm: CompressionAlgorithm,
    },
    /// RFC 4314's commands (read-only: SETACL and DELETEACL are refused).
    Acl(AclCommand),
}

impl AuthenticatedCommand {
    /// Whether the command leaves the selected folder before it runs:
    /// SELECT and EXAMINE (RFC 3501 §6.3.1: even if the new folder then
    /// fails to open, its name not being modified UTF-7 included), and
    /// DELETE of the selected folder (`is_selected` says which folder that is).
    pub(super) fn leaves_folder_first(&self, is_selected: impl Fn(&str) -> bool) -> bool {
        match self {
            AuthenticatedCommand::Select { .. } => true,
            AuthenticatedCommand::Delete { mailbox } => {
                from_wire(mailbox).is_ok_and(|name| is_selected(&name))
            }
            _ => false,
        }
    }
}

/// RFC 3501 §6.4: commands valid with a folder selected.
#[derive(Debug)]
pub(super) enum SelectedCommand {
    Close,
    Unselect,
    /// EXPUNGE, or UID EXPUNGE (`uids`).
    Expunge {
        uids: Option<Target>,
    },
    /// SEARCH and UID SEARCH, with RFC 4731 return options (`returning`).
    Search {
        charset: Option<Charset<'static>>,
        criteria: Criteria,
        uid: bool,
        returning: Option<ReturnOptions>,
    },
    /// SORT and UID SORT (RFC 5256, RFC 5957), with RFC 5267 return options.
    Sort {
        program: Vec1<SortCriterion>,
        charset: Charset<'static>,
        criteria: Criteria,
        uid: bool,
        returning: Option<ReturnOptions>,
    },
    /// THREAD and UID THREAD (RFC 5256).
    Thread {
        algorithm: ThreadingAlgorithm<'static>,
        charset: Charset<'static>,
        criteria: Criteria,
        uid: bool,
    },
    Fetch {
        set: Target,
        items: MacroOrMessageDataItemNames<'static>,
        uid: bool,
        modifiers: Vec<FetchModifier>,
        /// RFC 8474's EMAILID and THREADID.
        object_ids: ObjectIdItems,
    },
    Store {
        set: Target,
        kind: StoreType,
        response: StoreResponse,
        flags: Vec<Flag<'static>>,
        uid: bool,
        /// RFC 7162 UNCHANGEDSINCE.
        unchanged_since: Option<u64>,
    },
    /// COPY, or MOVE (`is_move`), and their UID forms.
    Copy {
        set: Target,
        mailbox: Mailbox<'static>,
        uid: bool,
        is_move: bool,
    },
}

/// A command sorted by the state it needs.
#[derive(Debug)]
pub(super) enum ByState {
    Any(AnyStateCommand),
    NotAuthenticated(NotAuthenticatedCommand),
    Authenticated(AuthenticatedCommand),
    Selected(SelectedCommand),
}

/// The untagged updates the session sends after a command, before its
/// tagged reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Updates {
    /// None: the command sends its own (NOOP, CHECK, IDLE) or has none to
    /// send (SELECT, EXAMINE, CLOSE, UNSELECT, LOGOUT, STARTTLS).
    Own,
    /// Those owed, with EXPUNGE allowed or held back.
    After(Expunges),
}

/// What a command does with the selected folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Folder {
    /// Stays in it: a grant withdrawn by a policy reload ends the selection
    /// before the command runs.
    Stays,
    /// Leaves it (SELECT, EXAMINE, CLOSE, UNSELECT, LOGOUT): no grant check.
    Leaves,
    /// Only describes the server (CAPABILITY): no grant check.
    Ignores,
}

/// A decoded command with what the table says about it.
#[derive(Debug)]
pub(super) struct Route {
    pub command: ByState,
    pub updates: Updates,
    pub folder: Folder,
}

const AFTER: Updates = Updates::After(Expunges::Allowed);
const AFTER_NO_EXPUNGE: Updates = Updates::After(Expunges::Held);
const OWN: Updates = Updates::Own;

/// Sort a decoded command into the table.
pub(super) fn route(body: Body) -> Route {
    match body {
        Body::Codec(body) => route_codec(body, None, Extras::default()),
        Body::List(body, options) => route_codec(body, Some(options), Extras::default()),
        Body::Search(body, extras, ids) => {
            let mut route = route_codec(body, None, extras);
            if let ByState::Selected(
                SelectedCommand::Search { criteria, .. }
                | SelectedCommand::Sort { criteria, .. }
                | SelectedCommand::Thread { criteria, .. },
            ) = &mut route.command
            {
                criteria.ids = ids;
            }
            route
        }
        Body::Append(command) => Route {
            command: ByState::Authenticated(AuthenticatedCommand::AppendMany { command }),
            updates: AFTER,
            folder: Folder::Stays,
        },
        Body::ObjectId(body, asked) => {
            let mut route = route_codec(body, None, Extras::default());
            match &mut route.command {
                ByState::Selected(SelectedCommand::Fetch { object_ids, .. })
                | ByState::Authenticated(AuthenticatedCommand::Status { object_ids, .. }) => {
                    *object_ids = asked;
                }
                _ => {}
            }
            route
        }
        Body::Acl(command) => Route {
            command: ByState::Authenticated(AuthenticatedCommand::Acl(command)),
            updates: AFTER,
            folder: Folder::Stays,
        },
    }
}

/// Sort a command imap-codec decoded (`options`: the LIST-EXTENDED options
/// grammar.rs cut out of a LIST; `extras`: the ESEARCH return options and
/// whether a `$` stands among the arguments) into the table.
fn route_codec(body: CommandBody<'static>, options: Option<ListOptions>, extras: Extras) -> Route {
    let dollar = extras.dollar;
    let criteria = |keys| Criteria {
        keys,
        dollar,
        ids: Vec::new(),
    };
    use AnyStateCommand as A;
    use AuthenticatedCommand as U;
    use ByState::{Any, Authenticated, NotAuthenticated, Selected};
    use CommandBody as C;
    use Folder::{Ignores, Leaves, Stays};
    use NotAuthenticatedCommand as N;
    use SelectedCommand as S;
    let (command, updates, folder) = match body {
        // RFC 3501 §6.1: any state.
        C::Capability => (Any(A::Capability), AFTER, Ignores),
        C::Noop => (Any(A::Noop { name: "NOOP" }), OWN, Stays),
        C::Logout => (Any(A::Logout), OWN, Leaves),
        C::Id { parameters } => (Any(A::Id { parameters }), AFTER, Stays),

        // §6.2: not authenticated.
        C::StartTLS => (NotAuthenticated(N::StartTls), OWN, Stays),
        C::Login { username, password } => (
            NotAuthenticated(N::Login { username, password }),
            AFTER,
            Stays,
        ),
        C::Authenticate {
            mechanism,
            initial_response,
        } => (
            NotAuthenticated(N::Authenticate {
                mechanism,
                initial: initial_response,
            }),
            AFTER,
            Stays,
        ),

        // §6.3: authenticated (RFC 5161 ENABLE, RFC 2342 NAMESPACE, RFC 2177 IDLE too).
        C::Enable { capabilities } => (
            Authenticated(U::Enable {
                names: capabilities,
            }),
            AFTER,
            Stays,
        ),
        C::Namespace => (Authenticated(U::Namespace), AFTER, Stays),
        C::Select {
            mailbox,
            parameters,
        } => (
            Authenticated(U::Select {
                mailbox,
                read_only: false,
                parameters,
            }),
            OWN,
            Leaves,
        ),
        C::Examine {
            mailbox,
            parameters,
        } => (
            Authenticated(U::Select {
                mailbox,
                read_only: true,
                parameters,
            }),
            OWN,
            Leaves,
        ),
        C::Create { mailbox } => (Authenticated(U::Create { mailbox }), AFTER, Stays),
        C::Delete { mailbox } => (Authenticated(U::Delete { mailbox }), AFTER, Stays),
        C::Rename { from, to } => (Authenticated(U::Rename { from, to }), AFTER, Stays),
        C::Subscribe { mailbox } => (
            Authenticated(U::Subscribe { mailbox, on: true }),
            AFTER,
            Stays,
        ),
        C::Unsubscribe { mailbox } => (
            Authenticated(U::Subscribe { mailbox, on: false }),
            AFTER,
            Stays,
        ),
        C::List {
            reference,
            mailbox_wildcard,
        } => (
            Authenticated(U::List {
                reference,
                pattern: mailbox_wildcard,
                options: options.unwrap_or_default(),
                lsub: false,
            }),
            AFTER,
            Stays,
        ),
        C::Lsub {
            reference,
            mailbox_wildcard,
        } => (
            Authenticated(U::List {
                reference,
                pattern: mailbox_wildcard,
                options: ListOptions::default(),
                lsub: true,
            }),
            AFTER,
            Stays,
        ),
        C::Status {
            mailbox,
            item_names,
        } => (
            Authenticated(U::Status {
                mailbox,
                items: item_names.into_owned(),
                object_ids: ObjectIdItems::default(),
            }),
            AFTER,
            Stays,
        ),
        C::Append {
            mailbox,
            flags,
            date,
            message,
        } => (
            Authenticated(U::Append {
                mailbox,
                flags,
                date,
                message,
            }),
            AFTER,
            Stays,
        ),
        C::Idle => (Authenticated(U::Idle), OWN, Stays),
        // Its tagged OK goes out before compression starts; owed updates
        // wait for the next command.
        C::Compress { algorithm } => (Authenticated(U::Compress { algorithm }), OWN, Stays),

        // §6.4: selected. CHECK is served like NOOP, in any state.
        C::Check => (Any(A::Noop { name: "CHECK" }), OWN, Stays),
        C::Close => (Selected(S::Close), OWN, Leaves),
        C::Unselect => (Selected(S::Unselect), OWN, Leaves),
        C::Expunge => (Selected(S::Expunge { uids: None }), AFTER, Stays),
        C::ExpungeUid { sequence_set } => (
            Selected(S::Expunge {
                uids: Some(Target::new(sequence_set, dollar)),
            }),
            AFTER,
            Stays,
        ),
        C::Search {
            charset,
            criteria: criteria_keys,
            uid,
        } => (
            Selected(S::Search {
                charset,
                criteria: criteria(criteria_keys),
                uid,
                returning: extras.returning,
            }),
            if uid { AFTER } else { AFTER_NO_EXPUNGE },
            Stays,
        ),
        // RFC 5256: EXPUNGE may follow UID SORT and UID THREAD, not their
        // sequence-number forms.
        C::Sort {
            sort_criteria,
            charset,
            search_criteria,
            uid,
        } => (
            Selected(S::Sort {
                program: sort_criteria,
                charset,
                criteria: criteria(search_criteria),
                uid,
                returning: extras.returning,
            }),
            if uid { AFTER } else { AFTER_NO_EXPUNGE },
            Stays,
        ),
        C::Thread {
            algorithm,
            charset,
            search_criteria,
            uid,
        } => (
            Selected(S::Thread {
                algorithm,
                charset,
                criteria: criteria(search_criteria),
                uid,
            }),
            if uid { AFTER } else { AFTER_NO_EXPUNGE },
            Stays,
        ),
        C::Fetch {
            sequence_set,
            macro_or_item_names,
            uid,
            modifiers,
        } => (
            Selected(S::Fetch {
                set: Target::new(sequence_set, dollar),
                items: macro_or_item_names,
                uid,
                modifiers,
                object_ids: ObjectIdItems::default(),
            }),
            if uid { AFTER } else { AFTER_NO_EXPUNGE },
            Stays,
        ),
        C::Store {
            sequence_set,
            kind,
            response,
            flags,
            uid,
            modifiers,
        } => (
            Selected(S::Store {
                set: Target::new(sequence_set, dollar),
                kind,
                response,
                flags,
                uid,
                unchanged_since: modifiers
                    .iter()
                    .map(|StoreModifier::UnchangedSince(n)| *n)
                    .next(),
            }),
            if uid { AFTER } else { AFTER_NO_EXPUNGE },
            Stays,
        ),
        C::Copy {
            sequence_set,
            mailbox,
            uid,
        } => (
            Selected(S::Copy {
                set: Target::new(sequence_set, dollar),
                mailbox,
                uid,
                is_move: false,
            }),
            AFTER,
            Stays,
        ),
        C::Move {
            sequence_set,
            mailbox,
            uid,
        } => (
            Selected(S::Copy {
                set: Target::new(sequence_set, dollar),
                mailbox,
                uid,
                is_move: true,
            }),
            AFTER,
            Stays,
        ),

        // Decoded but not offered (QUOTA...): refused in any state.
        other => (
            Any(A::Unsupported {
                name: command_name(&other),
            }),
            AFTER,
            Stays,
        ),
    };
    Route {
        command,
        updates,
        folder,
    }
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
